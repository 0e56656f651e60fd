package dev.tuneup.store;

import dev.tuneup.testkit.store.FileStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** The FileStore contract on an embedded SQLite database. */
class SqliteFileStoreTest extends FileStoreContract {
  @TempDir Path dataDir;
  private Database database;

  @Override
  protected dev.tuneup.file.FileStore createStore() {
    database = Database.open(StoreConfig.embedded(dataDir));
    return database.files();
  }

  @AfterEach
  void closeDatabase() {
    database.close();
  }
}
