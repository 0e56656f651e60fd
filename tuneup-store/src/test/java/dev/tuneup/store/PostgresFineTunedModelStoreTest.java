package dev.tuneup.store;

import dev.tuneup.testkit.store.FineTunedModelStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** The FineTunedModelStore contract on a real PostgreSQL server (see {@code PostgresServer}). */
class PostgresFineTunedModelStoreTest extends FineTunedModelStoreContract {
  @TempDir Path dataDir;
  private Database database;

  @Override
  protected dev.tuneup.registry.FineTunedModelStore createStore() {
    database = PostgresDatabases.open(dataDir);
    return database.models();
  }

  @AfterEach
  void closeDatabase() {
    if (database != null) {
      database.close();
    }
  }
}
