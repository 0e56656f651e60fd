package dev.tuneup.store;

import dev.tuneup.testkit.store.JobStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** The JobStore contract on an embedded SQLite database. */
class SqliteJobStoreTest extends JobStoreContract {
  @TempDir Path dataDir;
  private Database database;

  @Override
  protected dev.tuneup.job.JobStore createStore() {
    database = Database.open(StoreConfig.embedded(dataDir));
    return database.jobs();
  }

  @AfterEach
  void closeDatabase() {
    database.close();
  }
}
