package dev.tuneup.store;

import dev.tuneup.registry.ModelImportStore;
import dev.tuneup.testkit.store.ModelImportStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** The ModelImportStore contract on a real PostgreSQL server (see {@code PostgresServer}). */
class PostgresModelImportStoreTest extends ModelImportStoreContract {
  @TempDir Path dataDir;
  private Database database;

  @Override
  protected ModelImportStore createStore() {
    database = PostgresDatabases.open(dataDir);
    return database.imports();
  }

  @AfterEach
  void closeDatabase() {
    if (database != null) {
      database.close();
    }
  }
}
