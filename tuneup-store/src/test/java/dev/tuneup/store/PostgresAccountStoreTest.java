package dev.tuneup.store;

import dev.tuneup.testkit.store.AccountStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** The AccountStore contract on a real PostgreSQL server (see {@code PostgresServer}). */
class PostgresAccountStoreTest extends AccountStoreContract {
  @TempDir Path dataDir;
  private Database database;

  @Override
  protected dev.tuneup.auth.AccountStore createStore() {
    database = PostgresDatabases.open(dataDir);
    return database.accounts();
  }

  @AfterEach
  void closeDatabase() {
    if (database != null) {
      database.close();
    }
  }
}
