package dev.tuneup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tuneup.model.builtin.TinyModel;
import dev.tuneup.server.App;
import dev.tuneup.server.config.ConfigLoader;
import dev.tuneup.server.config.TuneupConfig;
import dev.tuneup.testkit.http.Api;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real trainer behind the API: jobs on the built-in model, as a user runs them. */
@Tag("slow")
class TrainingEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  static App app;
  static Api api;
  static String file;

  @BeforeAll
  static void start() throws IOException {
    Path data = dir.resolve("data");
    Path tiny = TinyModel.ensure(data.resolve("models"));
    Map<String, String> flags = new LinkedHashMap<>();
    flags.put("data-dir", data.toString());
    flags.put("http.host", "127.0.0.1");
    flags.put("http.port", "0");
    flags.put("jobs.poll-interval", "100ms");
    flags.put("models.tuneup-tiny.path", tiny.toString());
    TuneupConfig config = ConfigLoader.load(Map.of(), flags, null);
    app = App.create(config, Clock.systemUTC()).start();
    api = new Api("http://127.0.0.1:" + app.port(), app.bootstrapKey());
    file =
        api.uploadTrainingFile(
            "sample-train.jsonl", Files.readString(Path.of("..", "docs", "sample-train.jsonl")));
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  private static JsonNode await(String id, Predicate<JsonNode> condition) {
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      last = api.get("/api/v1/fine-tunes/" + id).output();
      if (condition.test(last)) {
        return last;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    throw new AssertionError("job " + id + " never got there; last " + last);
  }

  private static String create(String fileId, String type, String hp) {
    Api.Resp r =
        api.post(
            "/api/v1/fine-tunes",
            "{\"model\":\"tuneup-tiny\",\"training_file_ids\":[\""
                + fileId
                + "\"],\"training_type\":\""
                + type
                + "\",\"hyper_parameters\":"
                + hp
                + "}");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.output().get("job_id").asText();
  }

  @Test
  void an_efficient_sft_job_trains_and_leaves_a_valid_peft_adapter() throws IOException {
    String id =
        create(
            file,
            "efficient_sft",
            "{\"n_epochs\":4,\"batch_size\":4,\"logging_steps\":1,\"save_strategy\":\"steps\","
                + "\"save_steps\":5,\"save_total_limit\":2}");
    JsonNode running = await(id, j -> j.path("progress").path("step").asInt() >= 1);
    assertThat(running.get("status").asText()).isIn("RUNNING", "SUCCEEDED");
    assertThat(running.get("progress").get("total_steps").asInt()).isEqualTo(12);
    JsonNode done = await(id, j -> j.get("status").asText().matches("SUCCEEDED|FAILED"));
    assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("SUCCEEDED");
    assertThat(done.get("usage").asLong()).isPositive();
    assertThat(done.get("finetuned_output").asText()).isEqualTo("tuneup-tiny-" + id);

    JsonNode checkpoints = api.get("/api/v1/fine-tunes/" + id + "/checkpoints").output();
    assertThat(checkpoints).extracting(c -> c.get("step").asInt()).containsExactly(10, 5);

    Path out =
        app.database()
            .jobs()
            .find(id)
            .map(j -> dir.resolve("data/jobs").resolve(j.id()).resolve("output"))
            .orElseThrow();
    JsonNode adapter = JSON.readTree(out.resolve("adapter_config.json").toFile());
    assertThat(adapter.get("peft_type").asText()).isEqualTo("LORA");
    assertThat(adapter.get("r").asInt()).isPositive();
    assertThat(adapter.has("lora_alpha")).isTrue();
    assertThat(adapter.get("target_modules").isArray()).isTrue();
    assertThat(adapter.get("base_model_name_or_path").asText()).isEqualTo("tuneup-tiny");
    assertThat(safetensorNames(out.resolve("adapter_model.safetensors")))
        .contains("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight")
        .allMatch(n -> n.startsWith("base_model.model.model.layers."));
    assertThat(logs(id)).anyMatch(l -> l.matches(".* - INFO - step 12/12, .*"));
  }

  @Test
  void a_corrupted_data_file_fails_the_job_naming_the_file_and_line() throws IOException {
    String bad =
        api.uploadTrainingFile(
            "broken.jsonl", Files.readString(Path.of("..", "docs", "sample-train.jsonl")));
    // The bytes change on disk after the upload check (a disk fault, a hand edit).
    Path blob = dir.resolve("data/files").resolve(bad);
    String text = Files.readString(blob);
    int second = text.indexOf('\n') + 1;
    Files.writeString(blob, text.substring(0, second) + "{broken\n" + text.substring(second));
    String id = create(bad, "sft", "{\"n_epochs\":1}");
    JsonNode failed = await(id, j -> j.get("status").asText().matches("SUCCEEDED|FAILED"));
    assertThat(failed.get("status").asText()).isEqualTo("FAILED");
    assertThat(failed.get("message").asText()).contains("broken.jsonl").contains("line 2");
    assertThat(logs(id)).anyMatch(l -> l.contains(" - ERROR - ") && l.contains("line 2"));
  }

  private static java.util.List<String> logs(String id) {
    JsonNode out = api.get("/api/v1/fine-tunes/" + id + "/logs?offset=1&line=1000").output();
    return StreamSupport.stream(out.get("logs").spliterator(), false)
        .map(JsonNode::asText)
        .toList();
  }

  private static java.util.List<String> safetensorNames(Path file) throws IOException {
    byte[] all = Files.readAllBytes(file);
    long headerLen = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    JsonNode header = JSON.readTree(new String(all, 8, (int) headerLen, StandardCharsets.UTF_8));
    return StreamSupport.stream(
            java.util.Spliterators.spliteratorUnknownSize(header.fieldNames(), 0), false)
        .filter(n -> !n.equals("__metadata__"))
        .toList();
  }
}
