package dev.tuneup.server;

import dev.tuneup.model.builtin.TinyModel;
import dev.tuneup.server.config.ConfigLoader;
import dev.tuneup.server.config.TuneupConfig;
import dev.tuneup.testkit.http.Api;
import dev.tuneup.testkit.trainer.ScriptedTrainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A real tuneup server on a free port with SQLite in a temp directory and the local backend running
 * the scripted test trainer as real child processes.
 */
public final class TestServer implements AutoCloseable {
  public static final String MODEL = "tuneup-tiny";

  private final App app;
  private final Path dataDir;
  private final String adminKey;

  private TestServer(App app, Path dataDir) {
    this.app = app;
    this.dataDir = dataDir;
    this.adminKey = app.bootstrapKey();
  }

  public static TestServer start(Path dir) {
    return start(dir, Map.of());
  }

  public static TestServer start(Path dir, Map<String, String> settings) {
    Map<String, String> flags = new LinkedHashMap<>();
    flags.put("data-dir", dir.resolve("data").toString());
    flags.put("http.host", "127.0.0.1");
    flags.put("http.port", "0");
    flags.put("jobs.stop-grace", "3s");
    flags.put("jobs.poll-interval", "100ms");
    flags.put("backend.local.trainer-command", String.join(" ", ScriptedTrainer.command()));
    Path model;
    try {
      // The real built-in model (a few MB from a fixed seed), so that deployments load it.
      model = TinyModel.ensure(dir.resolve("base-models"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    flags.put("models." + MODEL + ".path", model.toString());
    flags.putAll(settings);
    TuneupConfig config = ConfigLoader.load(Map.of(), flags, null);
    App app = App.create(config, Clock.systemUTC()).start();
    return new TestServer(app, config.dataDir());
  }

  /** A restarted server creates no admin: its key is the one the first start wrote. */
  private static String storedAdminKey(Path dataDir) {
    try {
      return java.nio.file.Files.readString(dataDir.resolve(App.ADMIN_KEY_FILE)).strip();
    } catch (IOException e) {
      return null;
    }
  }

  /** The real trainer on this JVM's class path, for {@code backend.local.trainer-command}. */
  public static String realTrainerCommand() {
    return trainerCommand("dev.tuneup.trainer.TrainerMain");
  }

  /**
   * The real trainer with its heap and direct-buffer limits sized per job, as the built-in command
   * of {@code tuneup serve} has them.
   */
  public static String sizedRealTrainerCommand() {
    return realTrainerCommand()
        .replace("-Xss4m", "-Xmx{heap} -XX:MaxDirectMemorySize={direct} -Xss4m");
  }

  /** A trainer command that runs {@code mainClass} from the test class path. */
  static String trainerCommand(String mainClass) {
    return String.join(
        " ",
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xss4m",
        "-Dai.djl.offline=true",
        "-cp",
        System.getProperty("java.class.path"),
        mainClass,
        "--spec",
        "{spec}");
  }

  public App app() {
    return app;
  }

  public Path dataDir() {
    return dataDir;
  }

  public String url() {
    return "http://127.0.0.1:" + app.port();
  }

  public String adminKey() {
    return adminKey;
  }

  /** A client with the bootstrap admin's key (also after a restart, which creates none). */
  public Api admin() {
    return new Api(url(), adminKey != null ? adminKey : storedAdminKey(dataDir));
  }

  /** Creates a user through the admin API and returns a client with its key. */
  public Api newUser(String name) {
    return new Api(url(), newUserKey(name));
  }

  /** Creates a user through the admin API and returns its API key. */
  public String newUserKey(String name) {
    Api.Resp r = admin().post("/api/v1/admin/users", "{\"name\":\"" + name + "\"}");
    if (r.status() != 200) {
      throw new AssertionError("cannot create user: " + r.body());
    }
    return r.output().get("api_key").asText();
  }

  /** Polls a job until the predicate holds on its output, or fails after {@code timeout}. */
  public static com.fasterxml.jackson.databind.JsonNode awaitJob(
      Api api,
      String jobId,
      Duration timeout,
      Predicate<com.fasterxml.jackson.databind.JsonNode> condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    com.fasterxml.jackson.databind.JsonNode last = null;
    while (System.nanoTime() < deadline) {
      Api.Resp r = api.get("/api/v1/fine-tunes/" + jobId);
      last = r.output();
      if (last != null && condition.test(last)) {
        return last;
      }
      sleep(50);
    }
    throw new AssertionError("job " + jobId + " did not reach the condition; last: " + last);
  }

  public static com.fasterxml.jackson.databind.JsonNode awaitStatus(
      Api api, String jobId, String status) {
    return awaitJob(
        api, jobId, Duration.ofSeconds(60), j -> j.path("status").asText().equals(status));
  }

  public static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    app.close();
  }
}
