package dev.tuneup.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tuneup.auth.AccountStore;
import dev.tuneup.deployment.DeploymentStore;
import dev.tuneup.file.BlobStore;
import dev.tuneup.file.FileStore;
import dev.tuneup.job.JobStore;
import dev.tuneup.registry.BaseModelStore;
import dev.tuneup.registry.FineTunedModelStore;
import dev.tuneup.registry.ModelImportStore;
import java.util.concurrent.atomic.AtomicBoolean;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database and the file-system blob store behind tuneup's store ports: opens the connection
 * pool, migrates the schema, and hands out one adapter per port.
 *
 * <p>SQLite allows one writer at a time. Every write here is either a single statement or a
 * transaction whose first statement writes, so SQLite takes the write lock at the start (waiting up
 * to {@link Dialect#BUSY_TIMEOUT_MILLIS}), as {@code BEGIN IMMEDIATE} would: no transaction reads
 * first and then fails to upgrade with {@code SQLITE_BUSY}. Keep it that way when adding writes.
 *
 * <p>PostgreSQL serves several replicas at once. There the dialect adds the row and advisory locks
 * that SQLite's single writer gives for free: a job's row is locked before its log lines are
 * numbered, and a user's claims are serialized so the per-user running limit holds.
 */
public final class Database implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Database.class);

  private final Dialect dialect;
  private final HikariDataSource pool;
  private final Jdbi jdbi;
  private final JobStore jobs;
  private final FileStore files;
  private final AccountStore accounts;
  private final FineTunedModelStore models;
  private final DeploymentStore deployments;
  private final BaseModelStore baseModels;
  private final ModelImportStore imports;
  private final BlobStore blobs;
  private final AtomicBoolean closed = new AtomicBoolean();

  private Database(Dialect dialect, HikariDataSource pool, BlobStore blobs) {
    this.dialect = dialect;
    this.pool = pool;
    this.jdbi = Jdbi.create(pool);
    this.jobs = new JdbiJobStore(jdbi, dialect);
    this.files = new JdbiFileStore(jdbi);
    this.accounts = new JdbiAccountStore(jdbi);
    this.models = new JdbiFineTunedModelStore(jdbi);
    this.deployments = new JdbiDeploymentStore(jdbi);
    this.baseModels = new JdbiBaseModelStore(jdbi);
    this.imports = new JdbiModelImportStore(jdbi);
    this.blobs = blobs;
  }

  /**
   * Opens the pool and brings the schema up to date.
   *
   * @throws IllegalArgumentException for a URL of a database tuneup cannot use (neither {@code
   *     jdbc:sqlite:} nor {@code jdbc:postgresql:})
   */
  public static Database open(StoreConfig config) {
    Dialect dialect = Dialect.of(config.url());
    HikariConfig hikari = new HikariConfig();
    hikari.setPoolName("tuneup-store");
    hikari.setJdbcUrl(config.url());
    if (!config.user().isBlank()) {
      hikari.setUsername(config.user());
    }
    if (!config.password().isBlank()) {
      hikari.setPassword(config.password());
    }
    hikari.setMaximumPoolSize(config.poolSize());
    dialect.configure(hikari);
    HikariDataSource pool = new HikariDataSource(hikari);
    try {
      Flyway.configure()
          .dataSource(pool)
          .locations(dialect.migrations())
          .failOnMissingLocations(true)
          .load()
          .migrate();
      BlobStore blobs = new FsBlobStore(config.dataDir().resolve("files"));
      log.info(
          "store open: {} {} ({} connections)", dialect, redacted(config.url()), config.poolSize());
      return new Database(dialect, pool, blobs);
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
  }

  /** The URL without its query, where a password may be given. */
  private static String redacted(String url) {
    int query = url.indexOf('?');
    return query < 0 ? url : url.substring(0, query) + "?…";
  }

  public Dialect dialect() {
    return dialect;
  }

  /** For tests that look under the ports (pragmas, raw rows). */
  Jdbi jdbi() {
    return jdbi;
  }

  public JobStore jobs() {
    return jobs;
  }

  public FileStore files() {
    return files;
  }

  public AccountStore accounts() {
    return accounts;
  }

  public FineTunedModelStore models() {
    return models;
  }

  public DeploymentStore deployments() {
    return deployments;
  }

  /** Base models registered at run time. */
  public BaseModelStore baseModels() {
    return baseModels;
  }

  /** Model imports: pulls of base models and users' custom-model imports. */
  public ModelImportStore imports() {
    return imports;
  }

  public BlobStore blobs() {
    return blobs;
  }

  /** Closes the pool, waiting for borrowed connections to come back. Idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      pool.close();
      log.info("store closed");
    }
  }
}
