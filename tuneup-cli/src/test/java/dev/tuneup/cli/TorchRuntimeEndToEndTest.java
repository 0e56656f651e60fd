package dev.tuneup.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tuneup.model.builtin.TinyModel;
import dev.tuneup.server.App;
import dev.tuneup.server.config.ConfigLoader;
import dev.tuneup.server.config.TuneupConfig;
import dev.tuneup.testkit.http.Api;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README walk-through with {@code --set trainer.runtime=torch}: train, cancel, deploy, chat.
 */
@Tag("slow")
class TorchRuntimeEndToEndTest {
  static final String PYTHON = "/usr/bin/python3";

  @TempDir static Path dir;
  static App app;
  static Api api;
  static String file;

  @BeforeAll
  static void start() throws Exception {
    Process probe = new ProcessBuilder(PYTHON, "-c", "import torch").start();
    assumeThat(probe.waitFor(60, TimeUnit.SECONDS) && probe.exitValue() == 0)
        .as(PYTHON + " with torch")
        .isTrue();
    Path data = dir.resolve("data");
    Path tiny = TinyModel.ensure(data.resolve("models"));
    Map<String, String> flags = new LinkedHashMap<>();
    flags.put("data-dir", data.toString());
    flags.put("http.host", "127.0.0.1");
    flags.put("http.port", "0");
    flags.put("jobs.poll-interval", "100ms");
    flags.put("jobs.stop-grace", "60s");
    flags.put("models.tuneup-tiny.path", tiny.toString());
    flags.put("trainer.runtime", "torch");
    flags.put("trainer.torch.python", PYTHON);
    flags.put("trainer.torch.devices", "cpu");
    flags.put("trainer.threads", "1");
    TuneupConfig config = ConfigLoader.load(Map.of(), flags, null);
    app = App.create(config, Clock.systemUTC()).start();
    api = new Api("http://127.0.0.1:" + app.port(), app.bootstrapKey());
    file =
        api.uploadTrainingFile(
            "sample-train.jsonl", Files.readString(Path.of("..", "docs", "sample-train.jsonl")));
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
  }

  @Test
  void a_lora_job_trains_on_torch_then_deploys_and_answers() throws IOException {
    String id = create("{\"n_epochs\":3,\"batch_size\":4,\"logging_steps\":1}");
    JsonNode done = await(id, j -> j.get("status").asText().matches("SUCCEEDED|FAILED"));
    assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("SUCCEEDED");
    assertThat(logs(id))
        .anyMatch(l -> l.contains("torch runtime: torch") && l.contains("device cpu"))
        .anyMatch(l -> l.contains("step 9/9"));
    String model = done.get("finetuned_output").asText();
    Api.Resp d =
        api.post("/api/v1/deployments", "{\"model_name\":\"" + model + "\",\"capacity\":1}");
    assertThat(d.status()).as(d.body()).isEqualTo(200);
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!"RUNNING"
        .equals(api.get("/api/v1/deployments/" + model).output().path("status").asText())) {
      assertThat(System.nanoTime()).as("deployment never RUNNING").isLessThan(deadline);
      sleep();
    }
    Api.Resp chat =
        api.post(
            "/v1/chat/completions",
            "{\"model\":\""
                + model
                + "\",\"max_tokens\":8,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(chat.status()).as(chat.body()).isEqualTo(200);
    assertThat(chat.json().path("choices").get(0).path("message").has("content")).isTrue();
  }

  @Test
  void cancelling_a_torch_job_stops_it_with_a_checkpoint() throws IOException {
    String id = create("{\"n_epochs\":1000,\"batch_size\":4,\"logging_steps\":1}");
    await(id, j -> j.path("progress").path("step").asInt() >= 2);
    assertThat(api.postEmpty("/api/v1/fine-tunes/" + id + "/cancel").status()).isEqualTo(200);
    JsonNode end = await(id, j -> j.get("status").asText().matches("CANCELED|SUCCEEDED|FAILED"));
    assertThat(end.get("status").asText()).isEqualTo("CANCELED");
    JsonNode checkpoints = api.get("/api/v1/fine-tunes/" + id + "/checkpoints").output();
    assertThat(checkpoints).isNotEmpty();
  }

  private static String create(String hp) {
    Api.Resp r =
        api.post(
            "/api/v1/fine-tunes",
            "{\"model\":\"tuneup-tiny\",\"training_file_ids\":[\""
                + file
                + "\"],\"training_type\":\"efficient_sft\",\"hyper_parameters\":"
                + hp
                + "}");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.output().get("job_id").asText();
  }

  private static JsonNode await(String id, Predicate<JsonNode> condition) {
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      last = api.get("/api/v1/fine-tunes/" + id).output();
      if (condition.test(last)) {
        return last;
      }
      sleep();
    }
    throw new AssertionError("job " + id + " never got there; last " + last);
  }

  private static void sleep() {
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static List<String> logs(String id) {
    JsonNode out = api.get("/api/v1/fine-tunes/" + id + "/logs?offset=1&line=1000").output();
    return StreamSupport.stream(out.get("logs").spliterator(), false)
        .map(JsonNode::asText)
        .toList();
  }
}
