package dev.tuneup.store;

import dev.tuneup.registry.BaseModelStore;
import dev.tuneup.testkit.store.BaseModelStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** The BaseModelStore contract on a real PostgreSQL server (see {@code PostgresServer}). */
class PostgresBaseModelStoreTest extends BaseModelStoreContract {
  @TempDir Path dataDir;
  private Database database;

  @Override
  protected BaseModelStore createStore() {
    database = PostgresDatabases.open(dataDir);
    return database.baseModels();
  }

  @AfterEach
  void closeDatabase() {
    if (database != null) {
      database.close();
    }
  }
}
