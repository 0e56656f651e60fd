package dev.tuneup.store;

import dev.tuneup.testkit.store.PostgresServer;
import java.nio.file.Path;

/** Opens a {@link Database} on a fresh database of the test PostgreSQL server. */
final class PostgresDatabases {
  /** Enough connections for the contract's concurrent claimers and writers (8 threads). */
  static final int POOL_SIZE = 8;

  private PostgresDatabases() {}

  static Database open(Path dataDir) {
    return Database.open(
        new StoreConfig(
            PostgresServer.shared().newDatabase(), PostgresServer.USER, "", POOL_SIZE, dataDir));
  }
}
