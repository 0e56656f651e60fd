package dev.tuneup.store;

import com.zaxxer.hikari.HikariConfig;
import dev.tuneup.job.JobEvent;
import dev.tuneup.job.JobLifecycle;
import dev.tuneup.job.JobStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import org.sqlite.SQLiteConfig;

/**
 * What differs between the databases tuneup runs on: connection setup, the migration folder and the
 * one-statement claim. Everything else is SQL both dialects accept.
 */
public enum Dialect {
  /** The embedded default: one file, one writer at a time. */
  SQLITE("sqlite") {
    @Override
    void configure(HikariConfig hikari) {
      SQLiteConfig sqlite = new SQLiteConfig();
      // WAL lets readers run while one connection writes; FULL syncs the WAL on every commit,
      // so a job state that was answered to a client survives a power cut.
      sqlite.setJournalMode(SQLiteConfig.JournalMode.WAL);
      sqlite.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
      // Writers queue on SQLite's single write lock instead of failing at once with SQLITE_BUSY.
      sqlite.setBusyTimeout(BUSY_TIMEOUT_MILLIS);
      sqlite.enforceForeignKeys(true);
      hikari.setDataSourceProperties(sqlite.toProperties());
      createParentDirectory(hikari.getJdbcUrl());
    }

    @Override
    String claimNextSql() {
      return CLAIM_TEMPLATE.replace("<user>", "").replace("<lock>", "");
    }

    @Override
    String claimNextOfUserSql() {
      return CLAIM_TEMPLATE.replace("<user>", "AND q.user_id = :userId").replace("<lock>", "");
    }

    @Override
    boolean locksUsersForClaims() {
      return false; // one writer at a time: the claim statement alone keeps the limit
    }

    @Override
    String lockJobForLogsSql() {
      return null; // the first statement of a transaction takes SQLite's write lock
    }
  },

  /**
   * Several replicas on one server. Claims take the oldest claimable job with {@code FOR UPDATE
   * SKIP LOCKED}, so a replica never waits for a row another replica is claiming; a per-user
   * advisory lock taken just before keeps the per-user running limit (see {@link
   * JdbiJobStore#claimNext}).
   */
  POSTGRESQL("postgresql") {
    @Override
    void configure(HikariConfig hikari) {
      // Statements are short; a lost connection should fail a pass, not hang the dispatcher.
      hikari.addDataSourceProperty("connectTimeout", "10");
      hikari.addDataSourceProperty("ApplicationName", "tuneup");
    }

    @Override
    String claimNextSql() {
      return CLAIM_TEMPLATE.replace("<user>", "").replace("<lock>", "FOR UPDATE SKIP LOCKED");
    }

    @Override
    String claimNextOfUserSql() {
      return CLAIM_TEMPLATE
          .replace("<user>", "AND q.user_id = :userId")
          .replace("<lock>", "FOR UPDATE SKIP LOCKED");
    }

    @Override
    boolean locksUsersForClaims() {
      return true;
    }

    @Override
    String lockJobForLogsSql() {
      return "SELECT id FROM jobs WHERE id = :jobId FOR UPDATE";
    }
  };

  /** How long a connection waits for SQLite's write lock before failing. */
  public static final int BUSY_TIMEOUT_MILLIS = 10_000;

  /**
   * The status a claim writes, from the transition table (QUEUING + CLAIMED), so the statement
   * cannot drift from the lifecycle.
   */
  static final JobStatus CLAIMED =
      JobLifecycle.target(JobStatus.QUEUING, JobEvent.CLAIMED)
          .orElseThrow(() -> new IllegalStateException("bug: QUEUING jobs cannot be claimed"));

  /** {@link JobStatus#HOLDING_SLOT} as a SQL list of string literals. */
  static String holdingSlotSql() {
    return JobStatus.HOLDING_SLOT.stream()
        .sorted()
        .map(st -> "'" + st.name() + "'")
        .collect(Collectors.joining(", "));
  }

  /**
   * The oldest QUEUING job whose user holds fewer than {@code :perUserRunning} slots becomes
   * RUNNING. One statement, so two claimers never take the same job or overrun a user's limit: the
   * outer {@code status = 'QUEUING'} re-check makes a lost race update nothing. {@code attempt} is
   * left alone: the dispatcher counts attempts when it launches.
   */
  private static final String CLAIM_TEMPLATE =
      """
      UPDATE jobs
         SET status = '<claimed>', owner = :owner, started_at = :now, heartbeat_at = :now,
             version = version + 1
       WHERE id = (SELECT q.id FROM jobs q
                    WHERE q.status = '<queued>'
                      AND (SELECT COUNT(*) FROM jobs r
                            WHERE r.user_id = q.user_id
                              AND r.status IN (<holding>)) < :perUserRunning
                      <user>
                    ORDER BY q.queued_at, q.created_at, q.id
                    LIMIT 1
                    <lock>)
         AND status = '<queued>'
      RETURNING *
      """
          .replace("<claimed>", CLAIMED.name())
          .replace("<queued>", JobStatus.QUEUING.name())
          .replace("<holding>", holdingSlotSql());

  private final String folder;

  Dialect(String folder) {
    this.folder = folder;
  }

  /** The dialect of a JDBC URL. */
  public static Dialect of(String jdbcUrl) {
    if (jdbcUrl.startsWith("jdbc:sqlite:")) {
      return SQLITE;
    }
    if (jdbcUrl.startsWith("jdbc:postgresql:")) {
      return POSTGRESQL;
    }
    throw new IllegalArgumentException(
        "store.url must start with jdbc:sqlite: or jdbc:postgresql:, got " + jdbcUrl);
  }

  /** Flyway location of this dialect's migrations. */
  public String migrations() {
    return "classpath:db/migration/" + folder;
  }

  abstract void configure(HikariConfig hikari);

  abstract String claimNextSql();

  /** The claim restricted to the jobs of {@code :userId}. */
  abstract String claimNextOfUserSql();

  /**
   * Whether a claim must first take the user's lock ({@link JdbiJobStore#claimNext}): true where
   * several claims run at once and each counts the user's running jobs in its own snapshot.
   */
  abstract boolean locksUsersForClaims();

  /** Locks a job's row before its log lines are numbered, or null where writes are serial. */
  abstract String lockJobForLogsSql();

  private static void createParentDirectory(String jdbcUrl) {
    String rest = jdbcUrl.substring("jdbc:sqlite:".length());
    int query = rest.indexOf('?');
    String file = query < 0 ? rest : rest.substring(0, query);
    if (file.isEmpty() || file.startsWith(":") || file.startsWith("file:")) {
      return; // in-memory or URI form: nothing we can or should create
    }
    Path parent = Path.of(file).toAbsolutePath().getParent();
    try {
      Files.createDirectories(parent);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the database directory " + parent, e);
    }
  }
}
