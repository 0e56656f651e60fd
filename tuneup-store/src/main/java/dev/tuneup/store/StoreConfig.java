package dev.tuneup.store;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How to reach the database.
 *
 * @param url a JDBC URL; blank means the embedded default {@code jdbc:sqlite:<dataDir>/tuneup.db}
 * @param user database user, blank for none (SQLite needs none)
 * @param password database password, blank for none
 * @param poolSize connections in the pool, 1 or more
 * @param dataDir the data directory; blobs live in {@code <dataDir>/files}
 */
public record StoreConfig(String url, String user, String password, int poolSize, Path dataDir) {
  public static final int DEFAULT_POOL_SIZE = 4;
  public static final String DEFAULT_DATABASE_FILE = "tuneup.db";

  public StoreConfig {
    Objects.requireNonNull(dataDir, "dataDir (--data-dir) must be set");
    url = url == null || url.isBlank() ? defaultUrl(dataDir) : url.trim();
    user = user == null ? "" : user;
    password = password == null ? "" : password;
    if (poolSize < 1) {
      throw new IllegalArgumentException("store.pool-size must be 1 or more, got " + poolSize);
    }
  }

  /** The embedded default: SQLite in the data directory. */
  public static StoreConfig embedded(Path dataDir) {
    return new StoreConfig("", "", "", DEFAULT_POOL_SIZE, dataDir);
  }

  public static String defaultUrl(Path dataDir) {
    return "jdbc:sqlite:" + dataDir.resolve(DEFAULT_DATABASE_FILE);
  }

  /** Never prints the password: configs end up in logs. */
  @Override
  public String toString() {
    return "StoreConfig[url="
        + url
        + ", user="
        + user
        + ", password="
        + (password.isEmpty() ? "" : "***")
        + ", poolSize="
        + poolSize
        + ", dataDir="
        + dataDir
        + "]";
  }
}
