package dev.tuneup.store;

import dev.tuneup.testkit.store.JobStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** The JobStore contract on a real PostgreSQL server (see {@code PostgresServer}). */
class PostgresJobStoreTest extends JobStoreContract {
  @TempDir Path dataDir;
  private Database database;

  @Override
  protected dev.tuneup.job.JobStore createStore() {
    database = PostgresDatabases.open(dataDir);
    return database.jobs();
  }

  @AfterEach
  void closeDatabase() {
    if (database != null) {
      database.close();
    }
  }
}
