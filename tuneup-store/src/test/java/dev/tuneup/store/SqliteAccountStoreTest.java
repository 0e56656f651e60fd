package dev.tuneup.store;

import dev.tuneup.testkit.store.AccountStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** The AccountStore contract on an embedded SQLite database. */
class SqliteAccountStoreTest extends AccountStoreContract {
  @TempDir Path dataDir;
  private Database database;

  @Override
  protected dev.tuneup.auth.AccountStore createStore() {
    database = Database.open(StoreConfig.embedded(dataDir));
    return database.accounts();
  }

  @AfterEach
  void closeDatabase() {
    database.close();
  }
}
