package dev.tuneup.store;

import dev.tuneup.deployment.DeploymentStore;
import dev.tuneup.testkit.store.DeploymentStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** The DeploymentStore contract on an real PostgreSQL server (see {@code PostgresServer}). */
class PostgresDeploymentStoreTest extends DeploymentStoreContract {
  @TempDir Path dataDir;
  private Database database;

  @Override
  protected DeploymentStore createStore() {
    database = PostgresDatabases.open(dataDir);
    return database.deployments();
  }

  @AfterEach
  void closeDatabase() {
    if (database != null) {
      database.close();
    }
  }
}
