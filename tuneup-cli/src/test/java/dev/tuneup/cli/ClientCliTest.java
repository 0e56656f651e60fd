package dev.tuneup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tuneup.model.builtin.TinyModel;
import dev.tuneup.testkit.trainer.ScriptedTrainer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client commands of {@code tuneup} against a live server (a real {@code tuneup serve}). */
@Tag("slow")
class ClientCliTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String GOOD =
      "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"},"
          + "{\"role\":\"assistant\",\"content\":\"Hello!\"}]}\n";

  @TempDir static Path dir;
  static ServerProcess server;
  static String url;
  static String key;

  record Result(int exit, String out, String err) {
    JsonNode json() {
      try {
        return JSON.readTree(out);
      } catch (Exception e) {
        throw new AssertionError("not JSON: " + out, e);
      }
    }
  }

  @BeforeAll
  static void start() throws Exception {
    int port = ServerProcess.freePort();
    Path model = TinyModel.ensure(dir.resolve("models"));
    server =
        ServerProcess.start(
            dir.resolve("data"),
            port,
            ScriptedTrainer.command(),
            model,
            dir.resolve("server.log"),
            "backend.local.slots=3",
            "jobs.max-running=3",
            "jobs.stop-grace=3s");
    url = "http://127.0.0.1:" + port;
    key = ServerProcess.adminKey(dir.resolve("data"));
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  static Result run(Map<String, String> env, String stdin, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Environment e =
        new Environment(
            env,
            dir.resolve("home"),
            new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            false);
    int code = Main.commandLine(e).execute(args);
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  static Result run(String... args) {
    return run(Map.of("TUNEUP_URL", url, "DASHSCOPE_API_KEY", key), "", args);
  }

  static Result ok(String... args) {
    Result r = run(args);
    assertThat(r.exit()).as(String.join(" ", args) + "\n" + r.err()).isZero();
    return r;
  }

  static String upload() throws Exception {
    Path f = Files.writeString(dir.resolve("train-" + System.nanoTime() + ".jsonl"), GOOD);
    return ok("files", "upload", f.toString()).out().strip();
  }

  static String createJob(int steps, int stepMs) throws Exception {
    return ok(
            "jobs",
            "create",
            "--model",
            "tuneup-tiny",
            "-f",
            upload(),
            "--hp",
            "test_steps=" + steps,
            "--hp",
            "test_step_ms=" + stepMs)
        .out()
        .strip();
  }

  static JsonNode job(String id) {
    return ok("jobs", "get", id, "--json").json();
  }

  static void await(String id, Predicate<JsonNode> condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.test(job(id))) {
        return;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    throw new AssertionError("job " + id + " never reached the state; last " + job(id));
  }

  @Test
  void files_are_uploaded_listed_shown_and_deleted_in_tables_and_json() throws Exception {
    String id = upload();
    assertThat(id).startsWith("file-");
    assertThat(ok("files", "list").out()).contains("FILE_ID").contains(id);
    JsonNode list = ok("files", "list", "--json").json();
    assertThat(list.isArray()).isTrue();
    assertThat(list.findValuesAsText("file_id")).contains(id);
    assertThat(ok("files", "get", id).out()).contains("file_id").contains(id);
    ok("files", "delete", id);
    Result gone = run("files", "get", id);
    assertThat(gone.exit()).isEqualTo(1);
    assertThat(gone.err()).contains("request_id");
  }

  @Test
  void a_bad_training_file_exits_1_naming_the_line() throws Exception {
    Path bad = Files.writeString(dir.resolve("bad.jsonl"), GOOD + "{not json\n");
    Result r = run("files", "upload", bad.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("line 2");
  }

  @Test
  void a_job_is_created_waited_for_with_progress_and_its_log_printed() throws Exception {
    String id = createJob(20, 30);
    Result waited = ok("jobs", "wait", id, "--interval", "100ms");
    assertThat(waited.out()).contains(id + " SUCCEEDED");
    assertThat(waited.err()).contains("step ").contains("/20").contains("loss ");
    assertThat(ok("jobs", "list").out()).contains(id).contains("SUCCEEDED");
    assertThat(job(id).path("status").asText()).isEqualTo("SUCCEEDED");
    assertThat(ok("jobs", "logs", id).out()).contains("step 20/20");
    ok("jobs", "delete", id);
    assertThat(run("jobs", "get", id).exit()).isEqualTo(1);
  }

  @Test
  void logs_follow_prints_until_the_job_ends() throws Exception {
    String id = createJob(25, 100);
    Result r = ok("jobs", "logs", id, "--follow", "--interval", "200ms");
    assertThat(job(id).path("status").asText()).isEqualTo("SUCCEEDED");
    assertThat(r.out()).contains("step 1/25").contains("step 25/25");
    assertThat(r.out().lines().filter(l -> l.contains("step 25/25")).count()).isEqualTo(1);
  }

  @Test
  void wait_exits_5_for_a_canceled_job_and_pause_resume_work() throws Exception {
    String id = createJob(1000, 50);
    await(id, j -> j.path("progress").path("step").asInt() >= 2);
    ok("jobs", "pause", id);
    await(id, j -> j.path("status").asText().equals("PAUSED"));
    ok("jobs", "resume", id);
    await(id, j -> j.path("status").asText().equals("RUNNING"));
    CompletableFuture<Result> waiting =
        CompletableFuture.supplyAsync(() -> run("jobs", "wait", id, "--interval", "100ms"));
    ok("jobs", "cancel", id);
    Result r = waiting.get();
    assertThat(r.exit()).as(r.err()).isEqualTo(JobsCommand.EXIT_CANCELED);
    assertThat(r.out()).contains("CANCELED");
  }

  @Test
  void a_model_is_deployed_scaled_chatted_with_and_removed() throws Exception {
    String name = ok("deployments", "create", "tuneup-tiny", "--suffix", "cli").out().strip();
    assertThat(name).contains("tuneup-tiny");
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!ok("deployments", "get", name, "--json")
            .json()
            .path("status")
            .asText()
            .equals("RUNNING")
        && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    assertThat(ok("deployments", "list").out()).contains(name).contains("RUNNING");
    // the streamed pieces add up to the answers the server gives in one piece (greedy), and the
    // interactive chat sends the conversation so far with each question
    Result oneShot = ok("chat", name, "--message", "Hi", "--max-tokens", "8");
    assertThat(oneShot.out()).isEqualTo(answer(name, 8, "user", "Hi") + "\n");
    Result repl =
        run(
            Map.of("TUNEUP_URL", url, "DASHSCOPE_API_KEY", key),
            "Hello\nAgain\n/exit\n",
            "chat",
            name,
            "--max-tokens",
            "4");
    assertThat(repl.exit()).as(repl.err()).isZero();
    String first = answer(name, 4, "user", "Hello");
    String second = answer(name, 4, "user", "Hello", "assistant", first, "user", "Again");
    assertThat(repl.out()).isEqualTo(first + "\n" + second + "\n");
    assertThat(ok("deployments", "scale", name, "--capacity", "2").out()).contains("capacity");
    ok("deployments", "delete", name);
    assertThat(ok("models", "list").out()).contains("tuneup-tiny");
  }

  /** The server's non-streamed greedy answer to a conversation of role, content pairs. */
  static String answer(String model, int maxTokens, String... turns) throws Exception {
    var body = JSON.createObjectNode();
    body.put("model", model);
    var messages = body.putObject("input").putArray("messages");
    for (int i = 0; i < turns.length; i += 2) {
      messages.addObject().put("role", turns[i]).put("content", turns[i + 1]);
    }
    body.putObject("parameters")
        .put("result_format", "message")
        .put("max_tokens", maxTokens)
        .put("temperature", 0);
    dev.tuneup.testkit.http.Api.Resp r =
        new dev.tuneup.testkit.http.Api(url, key)
            .post("/api/v1/services/aigc/text-generation/generation", body.toString());
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().path("usage").path("output_tokens").asInt()).isPositive();
    return r.output().get("choices").get(0).get("message").get("content").asText();
  }

  @Test
  void admin_lists_go_through_the_server_when_a_url_is_configured() {
    Result users = ok("admin", "users");
    assertThat(users.out()).contains("USER_ID").contains("admin");
    String adminId = users.out().lines().skip(1).findFirst().orElseThrow().split("\\s+")[0];
    assertThat(ok("admin", "keys", adminId).out()).contains("KEY_ID").contains("bootstrap");
    assertThat(ok("admin", "workspaces", "--json").json().isArray()).isTrue();
  }

  @Test
  void settings_come_from_the_config_file_and_missing_ones_say_what_to_do() throws Exception {
    Path home = dir.resolve("home");
    Path file = home.resolve(".config/tuneup/config.json");
    Files.createDirectories(file.getParent());
    Files.writeString(file, "{\"url\":\"" + url + "\",\"api_key\":\"" + key + "\"}");
    Result fromFile = run(new HashMap<>(), "", "models", "list");
    assertThat(fromFile.exit()).as(fromFile.err()).isZero();
    Files.delete(file);

    Result noKey = run(Map.of("TUNEUP_URL", url), "", "models", "list");
    assertThat(noKey.exit()).isEqualTo(3);
    assertThat(noKey.err()).contains("no API key").contains("DASHSCOPE_API_KEY");

    Result wrongKey =
        run(Map.of("TUNEUP_URL", url, "DASHSCOPE_API_KEY", "sk-no.such"), "", "models", "list");
    assertThat(wrongKey.exit()).isEqualTo(1);

    Result down =
        run(
            Map.of(
                "TUNEUP_URL",
                "http://127.0.0.1:" + ServerProcess.freePort(),
                "DASHSCOPE_API_KEY",
                key),
            "",
            "jobs",
            "list");
    assertThat(down.exit()).isEqualTo(3);
    assertThat(down.err()).contains("cannot reach the tuneup server");

    assertThat(run("jobs", "create").exit()).as("usage").isEqualTo(2);
  }
}
