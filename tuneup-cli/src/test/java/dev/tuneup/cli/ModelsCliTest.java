package dev.tuneup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tuneup.model.builtin.TinyModel;
import dev.tuneup.server.App;
import dev.tuneup.server.config.ConfigLoader;
import dev.tuneup.testkit.hub.StandInHub;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tuneup models pull|add|remove|list} against a server and a stand-in hub. */
class ModelsCliTest {
  @TempDir static Path dir;
  static StandInHub hub;
  static App app;
  static Path repo;
  static String url;
  static String key;

  record Result(int exit, String out, String err) {}

  @BeforeAll
  static void start() throws Exception {
    Path tiny = TinyModel.ensure(dir.resolve("models"));
    repo = dir.resolve("repo");
    Files.createDirectories(repo);
    try (Stream<Path> s = Files.list(tiny)) {
      for (Path p : s.toList()) {
        Files.copy(p, repo.resolve(p.getFileName()));
      }
    }
    hub = StandInHub.start();
    hub.serve("acme/Tiny-Chat", repo);
    hub.servePrivate("acme/private-tiny", repo, "hf_cli_token");
    Map<String, String> flags = new HashMap<>();
    flags.put("data-dir", dir.resolve("data").toString());
    flags.put("http.host", "127.0.0.1");
    flags.put("http.port", "0");
    flags.put("models.tuneup-tiny.path", tiny.toString());
    flags.put("hub.endpoint", hub.endpoint());
    app = App.create(ConfigLoader.load(Map.of(), flags, null), Clock.systemUTC()).start();
    url = "http://127.0.0.1:" + app.port();
    key = app.bootstrapKey();
  }

  @AfterAll
  static void stop() {
    app.close();
    hub.close();
  }

  static Result run(Map<String, String> extraEnv, String... args) {
    Map<String, String> env = new HashMap<>(Map.of("TUNEUP_URL", url, "DASHSCOPE_API_KEY", key));
    env.putAll(extraEnv);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Environment e =
        new Environment(
            env,
            dir.resolve("home"),
            new ByteArrayInputStream(new byte[0]),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            false);
    int code = Main.commandLine(e).execute(args);
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void pull_prints_progress_then_the_model_id_and_the_model_is_listed_with_its_source() {
    Result r = run(Map.of(), "models", "pull", "acme/Tiny-Chat", "--interval", "50ms");

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out().strip()).isEqualTo("tiny-chat");
    assertThat(r.err()).contains("tiny-chat SUCCEEDED");
    Result list = run(Map.of(), "models", "list");
    assertThat(list.out()).containsPattern("tiny-chat\\s+base\\s+tiny-chat\\s+hub:acme/Tiny-Chat@");
  }

  @Test
  void pull_shows_a_byte_progress_bar_while_the_files_arrive() {
    hub.throttle(2_000_000);
    try {
      Result r =
          run(
              Map.of(),
              "models",
              "pull",
              "acme/Tiny-Chat",
              "--id",
              "slow-tiny",
              "--interval",
              "100ms");

      assertThat(r.exit()).as(r.err()).isZero();
      assertThat(r.err())
          .containsPattern("\\[#*-*\\] +\\d+% [0-9.]+ [KM]B / [0-9.]+ MB model.safetensors");
    } finally {
      hub.throttle(0);
    }
  }

  @Test
  void pull_sends_the_hf_token_of_the_shell_so_a_private_repository_is_read() {
    Result r = run(Map.of("HF_TOKEN", "hf_cli_token"), "models", "pull", "acme/private-tiny");

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(hub.requests())
        .filteredOn(q -> q.path().contains("private-tiny"))
        .allMatch(q -> "Bearer hf_cli_token".equals(q.authorization()));
  }

  @Test
  void a_failed_pull_exits_4_with_the_reason() {
    Result r = run(Map.of(), "models", "pull", "acme/nothing-here", "--interval", "50ms");

    assertThat(r.exit()).isEqualTo(4);
    assertThat(r.err())
        .contains("pull of acme/nothing-here failed: repository acme/nothing-here not found");
  }

  @Test
  void add_registers_a_directory_and_refuses_one_that_does_not_load() throws Exception {
    Path broken = dir.resolve("broken");
    Files.createDirectories(broken);
    Files.copy(repo.resolve("config.json"), broken.resolve("config.json"));

    Result ok = run(Map.of(), "models", "add", "local-tiny", "--path", repo.toString());
    Result bad = run(Map.of(), "models", "add", "broken", "--path", broken.toString());
    Result removed = run(Map.of(), "models", "remove", "local-tiny");

    assertThat(ok.exit()).as(ok.err()).isZero();
    assertThat(ok.out().strip()).isEqualTo("local-tiny");
    assertThat(bad.exit()).isEqualTo(1);
    assertThat(bad.err())
        .contains("does not load")
        .contains("no model.safetensors or model.safetensors.index.json")
        .contains("tokenizer.json is missing")
        .contains("(InvalidParameter");
    assertThat(removed.exit()).as(removed.err()).isZero();
  }

  @Test
  void pull_by_a_user_without_an_admin_key_is_refused() {
    String userKey =
        app.accounts().issueKey(app.accounts().createUser("plain", false).id(), "k").secret();

    Result r = run(Map.of("DASHSCOPE_API_KEY", userKey), "models", "pull", "acme/Tiny-Chat");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("AccessDenied");
  }
}
