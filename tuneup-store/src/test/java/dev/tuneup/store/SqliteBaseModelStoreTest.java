package dev.tuneup.store;

import dev.tuneup.registry.BaseModelStore;
import dev.tuneup.testkit.store.BaseModelStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** The BaseModelStore contract on an embedded SQLite database. */
class SqliteBaseModelStoreTest extends BaseModelStoreContract {
  @TempDir Path dataDir;
  private Database database;

  @Override
  protected BaseModelStore createStore() {
    database = Database.open(StoreConfig.embedded(dataDir));
    return database.baseModels();
  }

  @AfterEach
  void closeDatabase() {
    database.close();
  }
}
