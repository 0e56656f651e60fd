package dev.tuneup.store;

import dev.tuneup.testkit.store.FineTunedModelStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** The FineTunedModelStore contract on an embedded SQLite database. */
class SqliteFineTunedModelStoreTest extends FineTunedModelStoreContract {
  @TempDir Path dataDir;
  private Database database;

  @Override
  protected dev.tuneup.registry.FineTunedModelStore createStore() {
    database = Database.open(StoreConfig.embedded(dataDir));
    return database.models();
  }

  @AfterEach
  void closeDatabase() {
    database.close();
  }
}
