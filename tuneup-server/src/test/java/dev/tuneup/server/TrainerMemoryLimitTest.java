package dev.tuneup.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tuneup.testkit.http.Api;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer is sized from its model and refuses, before it loads the weights, a job whose memory
 * estimate does not fit {@code trainer.memory-limit}.
 */
class TrainerMemoryLimitTest {
  @TempDir Path dir;

  private static String create(Api api, String file, String type) {
    return api.post(
            "/api/v1/fine-tunes",
            "{\"model\":\"tuneup-tiny\",\"training_file_ids\":[\""
                + file
                + "\"],\"training_type\":\""
                + type
                + "\",\"hyper_parameters\":{\"n_epochs\":1}}")
        .output()
        .get("job_id")
        .asText();
  }

  private static JsonNode awaitEnd(Api api, String job) {
    return TestServer.awaitJob(
        api,
        job,
        Duration.ofMinutes(3),
        j -> List.of("SUCCEEDED", "FAILED").contains(j.path("status").asText()));
  }

  @Test
  void a_job_that_does_not_fit_the_memory_limit_fails_saying_what_it_needs_and_what_to_change() {
    try (TestServer server =
        TestServer.start(
            dir,
            Map.of(
                "backend.local.trainer-command",
                TestServer.sizedRealTrainerCommand(),
                "trainer.memory-limit",
                "256m"))) {
      Api api = server.newUser("small");
      String file = api.uploadTrainingFile("t.jsonl", Samples.TRAIN_JSONL);

      JsonNode full = awaitEnd(api, create(api, file, "sft"));
      JsonNode lora = awaitEnd(api, create(api, file, "efficient_sft"));

      assertThat(full.path("status").asText()).as(full.toString()).isEqualTo("FAILED");
      assertThat(full.path("message").asText())
          .contains("not enough memory: this job needs about")
          .contains("weights ")
          .contains("gradients and optimizer state")
          .contains("trainer.memory-limit allows 0.25 GiB")
          .contains("train with LoRA (training_type efficient_sft)")
          .contains("max_length (now 2048");
      assertThat(lora.path("status").asText()).as(lora.toString()).isEqualTo("FAILED");
      assertThat(lora.path("message").asText())
          .contains("not enough memory")
          .contains("lower max_length")
          .doesNotContain("train with LoRA");
    }
  }

  @Test
  @Tag("slow") // a real training run
  void a_job_that_fits_trains_with_the_heap_sized_for_it_and_logs_its_estimate() {
    try (TestServer server =
        TestServer.start(
            dir,
            Map.of(
                "backend.local.trainer-command",
                TestServer.sizedRealTrainerCommand(),
                "trainer.memory-limit",
                "8g"))) {
      Api api = server.newUser("fits");
      String file = api.uploadTrainingFile("t.jsonl", Samples.TRAIN_JSONL);

      String job = create(api, file, "efficient_sft");
      JsonNode done = awaitEnd(api, job);

      assertThat(done.path("status").asText()).as(done.toString()).isEqualTo("SUCCEEDED");
      JsonNode logs = api.get("/api/v1/fine-tunes/" + job + "/logs?offset=1&line=1000").output();
      assertThat(logs.path("logs"))
          .extracting(JsonNode::asText)
          .anySatisfy(
              l ->
                  assertThat(l)
                      .contains("memory: about")
                      .contains("of 8.00 GiB (trainer.memory-limit)")
                      // the plan's heap (0.5 GiB and the data), not the 2 GiB of a fixed -Xmx
                      .containsPattern("trainer heap limit 0\\.\\d\\d GiB"));
    }
  }
}
