package dev.tuneup.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tuneup.model.builtin.TinyModel;
import dev.tuneup.testkit.http.Api;
import dev.tuneup.testkit.hub.StandInHub;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code models pull} and {@code models add} through the admin API: a real server, a stand-in hub
 * on a local port serving the built-in model's files in the hub's URL layout, real files.
 */
class PullAndAddModelsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String REPO = "tuneup-test/Tiny-Qwen3";

  @TempDir Path dir;
  private StandInHub hub;
  private Path repo;

  @BeforeEach
  void serveRepository() throws IOException {
    repo = copyOf(TinyModel.ensure(dir.resolve("source")), dir.resolve("repo"));
    Files.write(repo.resolve("pytorch_model.bin"), new byte[2048]);
    hub = StandInHub.start();
    hub.serve(REPO, repo);
  }

  @AfterEach
  void stopHub() {
    hub.close();
  }

  private TestServer start(Map<String, String> extra) {
    Map<String, String> s = new LinkedHashMap<>();
    s.put("hub.endpoint", hub.endpoint());
    s.putAll(extra);
    return TestServer.start(dir, s);
  }

  private static Api.Resp pull(Api admin, String repoId, String body) {
    return admin.post("/api/v1/admin/models/pull", "{\"repo_id\":\"" + repoId + "\"" + body + "}");
  }

  static JsonNode awaitImport(Api api, String path, Duration timeout, Predicate<JsonNode> done) {
    long deadline = System.nanoTime() + timeout.toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      last = api.get(path).output();
      if (last != null && done.test(last)) {
        return last;
      }
      TestServer.sleep(50);
    }
    throw new AssertionError(path + " did not reach the condition; last: " + last);
  }

  static JsonNode awaitOver(Api api, String path) {
    return awaitImport(
        api,
        path,
        Duration.ofSeconds(60),
        i -> List.of("SUCCEEDED", "FAILED").contains(i.path("status").asText()));
  }

  private static JsonNode model(Api api, String id) {
    for (JsonNode m : api.get("/api/v1/models?page_size=100").output().path("models")) {
      if (m.path("model").asText().equals(id)) {
        return m;
      }
    }
    return null;
  }

  @Test
  void a_pulled_model_is_registered_from_the_files_at_one_commit_and_survives_a_restart()
      throws IOException {
    String pulled;
    try (TestServer server = start(Map.of())) {
      Api admin = server.admin();
      Api.Resp started = pull(admin, REPO, "");
      assertThat(started.status()).as(started.body()).isEqualTo(200);
      assertThat(started.output().path("status").asText()).isEqualTo("PENDING");
      assertThat(started.output().path("model_name").asText()).isEqualTo("tiny-qwen3");

      JsonNode done =
          awaitOver(admin, "/api/v1/admin/models/pulls/" + started.output().get("job_id").asText());

      assertThat(done.path("status").asText()).as(done.toString()).isEqualTo("SUCCEEDED");
      assertThat(done.path("message").asText())
          .contains("Qwen3ForCausalLM")
          .contains("not downloaded (not needed): pytorch_model.bin");
      pulled = done.path("commit").asText();
      Path files = server.dataDir().resolve("models/tiny-qwen3");
      assertThat(
              Files.mismatch(files.resolve("model.safetensors"), repo.resolve("model.safetensors")))
          .isEqualTo(-1L);
      assertThat(files.resolve("pytorch_model.bin")).doesNotExist();
      assertThat(model(admin, "tiny-qwen3").path("source").asText())
          .isEqualTo("hub:" + REPO + "@" + pulled);
      // every user sees a base model
      assertThat(model(server.newUser("bob"), "tiny-qwen3")).isNotNull();
    }
    try (TestServer again = start(Map.of())) {
      assertThat(model(again.admin(), "tiny-qwen3").path("source").asText())
          .isEqualTo("hub:" + REPO + "@" + pulled);
    }
  }

  @Test
  void a_pull_interrupted_by_a_server_stop_resumes_where_its_file_ended_after_the_restart()
      throws IOException {
    long size = Files.size(repo.resolve("model.safetensors"));
    hub.throttle(1_000_000);
    String id;
    try (TestServer server = start(Map.of())) {
      id = pull(server.admin(), REPO, ",\"model_id\":\"resumed\"").output().get("job_id").asText();
      awaitImport(
          server.admin(),
          "/api/v1/admin/models/pulls/" + id,
          Duration.ofSeconds(30),
          i ->
              "model.safetensors".equals(i.path("progress").path("file").asText())
                  && i.path("progress").path("bytes_done").asLong() > 0);
    }
    Path staging = dir.resolve("data/models/.pull-" + id);
    long kept = Files.size(staging.resolve("model.safetensors.incomplete"));
    assertThat(kept).isPositive().isLessThan(size);
    hub.throttle(0);

    try (TestServer again = start(Map.of())) {
      JsonNode done = awaitOver(again.admin(), "/api/v1/admin/models/pulls/" + id);

      assertThat(done.path("status").asText()).as(done.toString()).isEqualTo("SUCCEEDED");
      assertThat(hub.requests())
          .filteredOn(q -> q.path().startsWith("/cdn/") && q.range() != null)
          .extracting(StandInHub.Request::range)
          .hasSize(1)
          .allMatch(r -> Long.parseLong(r.replaceAll("\\D", "")) >= kept);
      assertThat(hub.bytesServed("model.safetensors")).isLessThan(size + size / 2);
      assertThat(staging).doesNotExist();
      assertThat(model(again.admin(), "resumed")).isNotNull();
    }
  }

  @Test
  void a_shard_corrupted_in_transit_is_fetched_again_and_the_pull_succeeds() {
    hub.corrupt("model.safetensors", 1);
    try (TestServer server = start(Map.of())) {
      String id = pull(server.admin(), REPO, "").output().get("job_id").asText();

      JsonNode done = awaitOver(server.admin(), "/api/v1/admin/models/pulls/" + id);

      assertThat(done.path("status").asText()).as(done.toString()).isEqualTo("SUCCEEDED");
      assertThat(hub.bytesServed("model.safetensors"))
          .isEqualTo(2 * repo.resolve("model.safetensors").toFile().length());
    }
  }

  @Test
  void a_pull_that_cannot_complete_fails_with_the_reason_and_registers_nothing() {
    hub.corrupt("model.safetensors", 10);
    try (TestServer server = start(Map.of())) {
      Api admin = server.admin();
      String corrupt = pull(admin, REPO, "").output().get("job_id").asText();
      String missing = pull(admin, "nobody/nothing", "").output().get("job_id").asText();

      JsonNode c = awaitOver(admin, "/api/v1/admin/models/pulls/" + corrupt);
      JsonNode m = awaitOver(admin, "/api/v1/admin/models/pulls/" + missing);

      assertThat(c.path("status").asText()).isEqualTo("FAILED");
      assertThat(c.path("error_code").asText())
          .contains("model.safetensors: the download sha256")
          .contains("(3 downloads)");
      assertThat(m.path("status").asText()).isEqualTo("FAILED");
      assertThat(m.path("error_code").asText()).contains("repository nobody/nothing not found");
      assertThat(model(admin, "tiny-qwen3")).isNull();
      assertThat(admin.get("/api/v1/admin/models/pulls").output().path("total").asInt())
          .isEqualTo(2);
      assertThat(server.dataDir().resolve("models").toFile().list())
          .noneMatch(n -> n.startsWith(".pull-"));
    }
  }

  @Test
  @Tag("slow") // a real training run
  void a_pulled_model_trains() {
    try (TestServer server =
        start(Map.of("backend.local.trainer-command", TestServer.realTrainerCommand()))) {
      Api admin = server.admin();
      String id = pull(admin, REPO, "").output().get("job_id").asText();
      assertThat(awaitOver(admin, "/api/v1/admin/models/pulls/" + id).path("status").asText())
          .isEqualTo("SUCCEEDED");
      Api user = server.newUser("trainer");
      String file = user.uploadTrainingFile("train.jsonl", Samples.TRAIN_JSONL);

      String job =
          user.post(
                  "/api/v1/fine-tunes",
                  "{\"model\":\"tiny-qwen3\",\"training_file_ids\":[\""
                      + file
                      + "\"],\"hyper_parameters\":{\"n_epochs\":30,\"batch_size\":2,"
                      + "\"learning_rate\":\"2e-3\",\"logging_steps\":1,"
                      + "\"save_strategy\":\"steps\",\"save_steps\":1000}}")
              .output()
              .get("job_id")
              .asText();
      JsonNode done =
          TestServer.awaitJob(
              user,
              job,
              Duration.ofMinutes(3),
              j -> List.of("SUCCEEDED", "FAILED").contains(j.path("status").asText()));

      assertThat(done.path("status").asText()).as(done.toString()).isEqualTo("SUCCEEDED");
      JsonNode points = user.get("/api/v1/fine-tunes/" + job + "/metrics").output().get("points");
      double first = points.get(0).path("loss").asDouble();
      double last = points.get(points.size() - 1).path("loss").asDouble();
      assertThat(last).isLessThan(first / 2);
      assertThat(done.path("finetuned_output").asText()).startsWith("tiny-qwen3-");
    }
  }

  @Test
  void pull_refuses_non_administrators_malformed_repositories_and_taken_ids() {
    try (TestServer server = start(Map.of())) {
      Api admin = server.admin();

      Api.Resp user = pull(server.newUser("alice"), REPO, "");
      Api.Resp malformed = pull(admin, "../../etc", "");
      Api.Resp taken = pull(admin, REPO, ",\"model_id\":\"tuneup-tiny\"");
      Api.Resp badId = pull(admin, REPO, ",\"model_id\":\"a b\"");

      assertThat(user.status()).isEqualTo(403);
      assertThat(user.code()).isEqualTo("AccessDenied");
      assertThat(malformed.status()).isEqualTo(400);
      assertThat(malformed.code()).isEqualTo("InvalidParameter");
      assertThat(malformed.json().path("message").asText())
          .contains("repo_id must be a Hugging Face repository id");
      assertThat(taken.status()).isEqualTo(409);
      assertThat(taken.json().path("message").asText()).contains("tuneup-tiny already exists");
      assertThat(badId.status()).isEqualTo(400);
      assertThat(badId.json().path("message").asText()).contains("model_id must be");
      assertThat(admin.get("/api/v1/admin/models/pulls/nope").status()).isEqualTo(404);
    }
  }

  @Test
  void a_pull_of_an_id_being_pulled_is_a_conflict_and_removing_a_pulled_model_deletes_its_files() {
    hub.throttle(500_000);
    try (TestServer server = start(Map.of())) {
      Api admin = server.admin();
      String id = pull(admin, REPO, "").output().get("job_id").asText();

      Api.Resp again = pull(admin, REPO, "");

      assertThat(again.status()).isEqualTo(409);
      assertThat(again.code()).isEqualTo("Conflict");
      assertThat(again.json().path("message").asText())
          .isEqualTo("Model tiny-qwen3 is being imported already.");
      hub.throttle(0);
      assertThat(awaitOver(admin, "/api/v1/admin/models/pulls/" + id).path("status").asText())
          .isEqualTo("SUCCEEDED");
      Path files = server.dataDir().resolve("models/tiny-qwen3");
      assertThat(files.resolve("model.safetensors")).exists();

      Api.Resp removed = admin.delete("/api/v1/admin/models/tiny-qwen3");

      assertThat(removed.status()).isEqualTo(200);
      assertThat(removed.output().path("source").asText()).startsWith("hub:" + REPO + "@");
      assertThat(files).doesNotExist();
      assertThat(model(admin, "tiny-qwen3")).isNull();
    }
  }

  @Test
  void add_registers_a_directory_that_loads_and_the_model_survives_a_restart() throws IOException {
    Path mine = copyOf(repo, dir.resolve("mine"));
    try (TestServer server = start(Map.of())) {
      Api.Resp added = add(server.admin(), "my-base", mine.toString());

      assertThat(added.status()).as(added.body()).isEqualTo(200);
      assertThat(added.output().path("source").asText()).isEqualTo("path");
      assertThat(model(server.newUser("u"), "my-base").path("type").asText()).isEqualTo("base");
    }
    try (TestServer again = start(Map.of())) {
      assertThat(model(again.admin(), "my-base")).isNotNull();
      Api.Resp removed = again.admin().delete("/api/v1/admin/models/my-base");
      assertThat(removed.status()).isEqualTo(200);
      assertThat(model(again.admin(), "my-base")).isNull();
      // a directory registered in place is the administrator's: never deleted by tuneup
      assertThat(mine.resolve("model.safetensors")).exists();
    }
  }

  @Test
  void add_refuses_a_directory_that_would_not_load_naming_what_is_wrong() throws IOException {
    Path mistral = copyOf(repo, dir.resolve("mistral"));
    ObjectNode config = (ObjectNode) JSON.readTree(mistral.resolve("config.json").toFile());
    config.putArray("architectures").add("MistralForCausalLM");
    Files.writeString(mistral.resolve("config.json"), config.toString());
    Path noTokenizer = copyOf(repo, dir.resolve("no-tokenizer"));
    Files.delete(noTokenizer.resolve("tokenizer.json"));
    try (TestServer server = start(Map.of())) {
      Api admin = server.admin();

      Api.Resp unsupported = add(admin, "m1", mistral.toString());
      Api.Resp missing = add(admin, "m2", noTokenizer.toString());
      Api.Resp relative = add(admin, "m3", "models/x");
      Api.Resp absent = add(admin, "m4", dir.resolve("nothing-here").toString());

      assertThat(unsupported.status()).isEqualTo(400);
      assertThat(unsupported.code()).isEqualTo("InvalidParameter");
      assertThat(unsupported.json().path("message").asText())
          .contains("architecture MistralForCausalLM is not supported");
      assertThat(missing.json().path("message").asText()).contains("tokenizer.json is missing");
      assertThat(relative.json().path("message").asText()).contains("must be an absolute path");
      assertThat(absent.json().path("message").asText()).contains("is not a directory");
      assertThat(model(admin, "m1")).isNull();
      assertThat(model(admin, "m2")).isNull();
    }
  }

  @Test
  void a_configured_model_cannot_be_removed_at_run_time() {
    try (TestServer server = start(Map.of())) {
      Api.Resp r = server.admin().delete("/api/v1/admin/models/tuneup-tiny");

      assertThat(r.status()).isEqualTo(400);
      assertThat(r.code()).isEqualTo("UnsupportedOperation");
      assertThat(r.json().path("message").asText()).contains("models.tuneup-tiny.path");
      assertThat(server.admin().delete("/api/v1/admin/models/nothing").status()).isEqualTo(404);
    }
  }

  private static Api.Resp add(Api admin, String id, String path) {
    return admin.post(
        "/api/v1/admin/models",
        JSON.createObjectNode().put("model_id", id).put("path", path).toString());
  }

  static Path copyOf(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> s = Files.list(from)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        Files.copy(p, to.resolve(p.getFileName()));
      }
    }
    return to;
  }
}
