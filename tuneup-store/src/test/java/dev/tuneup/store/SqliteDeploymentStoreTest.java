package dev.tuneup.store;

import dev.tuneup.deployment.DeploymentStore;
import dev.tuneup.testkit.store.DeploymentStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** The DeploymentStore contract on an embedded SQLite database. */
class SqliteDeploymentStoreTest extends DeploymentStoreContract {
  @TempDir Path dataDir;
  private Database database;

  @Override
  protected DeploymentStore createStore() {
    database = Database.open(StoreConfig.embedded(dataDir));
    return database.deployments();
  }

  @AfterEach
  void closeDatabase() {
    database.close();
  }
}
