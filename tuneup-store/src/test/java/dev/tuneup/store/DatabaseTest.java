package dev.tuneup.store;

import static dev.tuneup.testkit.JobFixtures.aJob;
import static dev.tuneup.testkit.JobFixtures.reached;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tuneup.job.Job;
import dev.tuneup.job.JobStatus;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatabaseTest {
  @TempDir Path dataDir;

  @Test
  void embedded_config_puts_the_database_in_the_data_directory() {
    StoreConfig config = StoreConfig.embedded(dataDir);

    assertThat(config.url()).isEqualTo("jdbc:sqlite:" + dataDir.resolve("tuneup.db"));
    assertThat(new StoreConfig("  ", null, null, 2, dataDir).url()).isEqualTo(config.url());
  }

  @Test
  void config_rejects_an_empty_pool_naming_the_setting() {
    assertThatThrownBy(() -> new StoreConfig("", "", "", 0, dataDir))
        .hasMessageContaining("store.pool-size");
  }

  @Test
  void config_never_prints_the_password() {
    StoreConfig config = new StoreConfig("jdbc:postgresql://db/t", "app", "hunter2", 4, dataDir);

    assertThat(config.toString()).doesNotContain("hunter2").contains("***");
  }

  @Test
  void sqlite_runs_in_wal_with_full_sync_busy_timeout_and_foreign_keys() {
    try (Database db = Database.open(StoreConfig.embedded(dataDir))) {
      assertThat(pragma(db, "journal_mode")).isEqualTo("wal");
      assertThat(pragma(db, "synchronous")).isEqualTo("2"); // FULL
      assertThat(pragma(db, "busy_timeout")).isEqualTo("10000");
      assertThat(pragma(db, "foreign_keys")).isEqualTo("1");
    }
  }

  @Test
  void a_missing_data_directory_is_created() {
    Path nested = dataDir.resolve("a/b");

    try (Database db = Database.open(StoreConfig.embedded(nested))) {
      assertThat(nested.resolve("tuneup.db")).exists();
      assertThat(nested.resolve("files/.tmp")).isDirectory();
    }
  }

  @Test
  void reopening_keeps_the_data_and_applies_no_migration_twice() {
    Job job = aJob().build();
    long migrations;
    try (Database db = Database.open(StoreConfig.embedded(dataDir))) {
      db.jobs().insert(job);
      db.jobs().appendLogs(job.id(), List.of("created"));
      migrations = rows(db, "flyway_schema_history");
    }

    try (Database db = Database.open(StoreConfig.embedded(dataDir))) {
      assertThat(db.jobs().find(job.id())).contains(job);
      assertThat(db.jobs().logs(job.id(), 0, 10).lines()).containsExactly("created");
      assertThat(rows(db, "flyway_schema_history")).isEqualTo(migrations).isPositive();
    }
  }

  @Test
  void a_pool_of_one_connection_migrates_and_serves_transactions() {
    // The admin CLI opens the store with one connection.
    try (Database db = Database.open(new StoreConfig("", "", "", 1, dataDir))) {
      Job job = aJob().build();
      db.jobs().insert(job);

      assertThat(
              db.jobs().update(reached(job.toBuilder(), JobStatus.QUEUING).build(), List.of("q")))
          .isPresent();
      assertThat(db.jobs().logs(job.id(), 0, 10).total()).isEqualTo(1);
    }
  }

  @Test
  void close_is_idempotent() {
    Database db = Database.open(StoreConfig.embedded(dataDir));

    db.close();
    db.close();
  }

  @Test
  void the_dialect_is_picked_from_the_url() {
    assertThat(Dialect.of("jdbc:sqlite:/tmp/t.db")).isEqualTo(Dialect.SQLITE);
    assertThat(Dialect.of("jdbc:postgresql://db:5432/tuneup")).isEqualTo(Dialect.POSTGRESQL);
  }

  @Test
  void an_unknown_database_url_names_the_setting() {
    StoreConfig config = new StoreConfig("jdbc:mysql://localhost/tuneup", "", "", 2, dataDir);

    assertThatThrownBy(() -> Database.open(config)).hasMessageContaining("store.url");
  }

  @Test
  void a_job_log_cannot_outlive_its_job() {
    try (Database db = Database.open(StoreConfig.embedded(dataDir))) {
      Job job = reached(aJob(), JobStatus.FAILED).build();
      db.jobs().insert(job);
      db.jobs().appendLogs(job.id(), List.of("one", "two"));

      db.jobs().delete(job.id(), 0);

      assertThat(rows(db, "job_logs")).isZero();
    }
  }

  private static long rows(Database db, String table) {
    return db.jdbi()
        .withHandle(h -> h.createQuery("SELECT COUNT(*) FROM " + table).mapTo(Long.class).one());
  }

  private static String pragma(Database db, String name) {
    return db.jdbi().withHandle(h -> h.createQuery("PRAGMA " + name).mapTo(String.class).one());
  }
}
