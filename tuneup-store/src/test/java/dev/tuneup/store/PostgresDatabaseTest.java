package dev.tuneup.store;

import static dev.tuneup.testkit.JobFixtures.aJob;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tuneup.job.Job;
import dev.tuneup.testkit.store.PostgresServer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opening, migrating and time zones on a real PostgreSQL server. */
class PostgresDatabaseTest {
  @TempDir Path dataDir;

  @Test
  void a_postgresql_url_opens_the_postgresql_dialect_and_applies_its_migrations_once()
      throws Exception {
    String url = PostgresServer.shared().newDatabase();
    StoreConfig config = new StoreConfig(url, PostgresServer.USER, "", 2, dataDir);
    Job job = aJob().build();
    try (Database db = Database.open(config)) {
      assertThat(db.dialect()).isEqualTo(Dialect.POSTGRESQL);
      db.jobs().insert(job);
      db.jobs().appendLogs(job.id(), List.of("created"));
    }

    try (Database db = Database.open(config)) {
      assertThat(db.jobs().find(job.id())).contains(job);
      assertThat(db.jobs().logs(job.id(), 0, 10).lines()).containsExactly("created");
      List<String> versions =
          db.jdbi()
              .withHandle(
                  h ->
                      h.createQuery("SELECT version FROM flyway_schema_history ORDER BY 1")
                          .mapTo(String.class)
                          .list());
      // one row per migration file: each applied once, none skipped
      assertThat(versions).containsExactlyElementsOf(migrationVersions());
    }
  }

  /** The versions of the PostgreSQL migration files, in the order the history table lists them. */
  private static List<String> migrationVersions() throws Exception {
    java.nio.file.Path dir =
        java.nio.file.Path.of(
            PostgresDatabaseTest.class
                .getClassLoader()
                .getResource("db/migration/postgresql")
                .toURI());
    try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(dir)) {
      return files
          .map(f -> f.getFileName().toString())
          .filter(n -> n.matches("V\\d+__.*\\.sql"))
          .map(n -> n.substring(1, n.indexOf("__")))
          .sorted()
          .toList();
    }
  }

  @Test
  void instants_do_not_depend_on_the_sessions_time_zone() {
    Instant created = Instant.parse("2026-03-14T23:30:00.123Z"); // already the 15th in Shanghai
    Job job = aJob().createdAt(created).queuedAt(created).build();
    try (Database db = PostgresDatabases.open(dataDir)) {
      db.jobs().insert(job);

      String zone =
          db.jdbi().withHandle(h -> h.createQuery("SHOW TIME ZONE").mapTo(String.class).one());
      long stored =
          db.jdbi()
              .withHandle(
                  h ->
                      h.createQuery("SELECT created_at FROM jobs WHERE id = :id")
                          .bind("id", job.id())
                          .mapTo(Long.class)
                          .one());

      // The store's surefire runs in Asia/Shanghai, and the driver gives sessions the JVM's zone.
      assertThat(zone).isEqualTo(java.util.TimeZone.getDefault().getID()).isNotIn("UTC", "Etc/UTC");
      assertThat(stored).isEqualTo(created.toEpochMilli());
      assertThat(db.jobs().find(job.id()).orElseThrow().createdAt()).isEqualTo(created);
    }
  }
}
