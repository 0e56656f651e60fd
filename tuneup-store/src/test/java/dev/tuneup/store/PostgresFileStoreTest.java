package dev.tuneup.store;

import dev.tuneup.testkit.store.FileStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** The FileStore contract on a real PostgreSQL server (see {@code PostgresServer}). */
class PostgresFileStoreTest extends FileStoreContract {
  @TempDir Path dataDir;
  private Database database;

  @Override
  protected dev.tuneup.file.FileStore createStore() {
    database = PostgresDatabases.open(dataDir);
    return database.files();
  }

  @AfterEach
  void closeDatabase() {
    if (database != null) {
      database.close();
    }
  }
}
