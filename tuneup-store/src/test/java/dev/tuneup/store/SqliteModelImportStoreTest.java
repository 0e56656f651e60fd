package dev.tuneup.store;

import dev.tuneup.registry.ModelImportStore;
import dev.tuneup.testkit.store.ModelImportStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** The ModelImportStore contract on an embedded SQLite database. */
class SqliteModelImportStoreTest extends ModelImportStoreContract {
  @TempDir Path dataDir;
  private Database database;

  @Override
  protected ModelImportStore createStore() {
    database = Database.open(StoreConfig.embedded(dataDir));
    return database.imports();
  }

  @AfterEach
  void closeDatabase() {
    database.close();
  }
}
