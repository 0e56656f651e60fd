package dev.tuneup.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tuneup.model.config.ModelConfig;
import dev.tuneup.testkit.http.Api;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Defaults that suit the model, the same on both surfaces: OpenAI's {@code "auto"} resolves to the
 * defaults a DashScope job on that model trains with, and each job shows the values it trains with.
 * A model of the real Qwen3-0.6B shape (its config alone: the scripted trainer loads no weights)
 * stands for a real model; tuneup-tiny keeps its own.
 */
class PerModelDefaultsTest {
  @TempDir Path dir;

  private TestServer start(Map<String, String> extra) throws IOException {
    Path q06 = Files.createDirectories(dir.resolve("qwen3-0.6b"));
    new ModelConfig(
            ModelConfig.Architecture.QWEN3,
            1024,
            3072,
            28,
            16,
            8,
            128,
            1e-6,
            1e6,
            151936,
            true,
            40960,
            false)
        .write(q06);
    Map<String, String> s = new java.util.LinkedHashMap<>(extra);
    s.put("models.qwen3-0.6b.path", q06.toString());
    return TestServer.start(dir, s);
  }

  private static JsonNode openAiCreate(Api api, String model, String file, String extra) {
    Api.Resp r =
        api.post(
            "/v1/fine_tuning/jobs",
            "{\"model\":\"" + model + "\",\"training_file\":\"" + file + "\"" + extra + "}");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json();
  }

  @Test
  void openai_auto_resolves_per_model_to_the_defaults_the_dashscope_surface_uses()
      throws IOException {
    try (TestServer server = start(Map.of())) {
      Api api = server.newUser("openai");
      String file = api.uploadTrainingFile("t.jsonl", Samples.TRAIN_JSONL);

      JsonNode full = openAiCreate(api, "qwen3-0.6b", file, "");
      JsonNode lora =
          openAiCreate(
              api,
              "qwen3-0.6b",
              file,
              ",\"training_type\":\"efficient_sft\",\"hyperparameters\":{\"n_epochs\":\"auto\","
                  + "\"batch_size\":\"auto\",\"learning_rate_multiplier\":\"auto\"}");
      JsonNode tiny = openAiCreate(api, "tuneup-tiny", file, "");
      JsonNode tinyDouble =
          openAiCreate(
              api, "tuneup-tiny", file, ",\"hyperparameters\":{\"learning_rate_multiplier\":2}");

      assertThat(full.path("hyperparameters").toString())
          .isEqualTo("{\"n_epochs\":3,\"batch_size\":8,\"learning_rate_multiplier\":1.0}");
      assertThat(learningRate(api, full)).isEqualTo(1e-5);
      assertThat(learningRate(api, lora)).isEqualTo(1e-4);
      assertThat(lora.path("hyperparameters").path("learning_rate_multiplier").asDouble())
          .isEqualTo(1.0);
      // the built-in model's own defaults, not DashScope's 1e-5 for billion-parameter models
      assertThat(learningRate(api, tiny)).isEqualTo(1e-3);
      assertThat(learningRate(api, tinyDouble)).isEqualTo(2e-3);
      assertThat(tinyDouble.path("hyperparameters").path("learning_rate_multiplier").asDouble())
          .isEqualTo(2.0);
    }
  }

  @Test
  void a_dashscope_job_shows_the_values_it_trains_with_on_both_surfaces() throws IOException {
    try (TestServer server = start(Map.of())) {
      Api api = server.newUser("dashscope");
      String file = api.uploadTrainingFile("t.jsonl", Samples.TRAIN_JSONL);
      String job =
          api.post(
                  "/api/v1/fine-tunes",
                  "{\"model\":\"qwen3-0.6b\",\"training_file_ids\":[\""
                      + file
                      + "\"],\"training_type\":\"efficient_sft\","
                      + "\"hyper_parameters\":{\"batch_size\":\"4\"}}")
              .output()
              .get("job_id")
              .asText();

      JsonNode ds = api.get("/api/v1/fine-tunes/" + job).output();
      JsonNode oa = api.get("/v1/fine_tuning/jobs/" + job).json();

      assertThat(ds.path("hyper_parameters").toString()).isEqualTo("{\"batch_size\":\"4\"}");
      JsonNode used = ds.path("resolved_hyper_parameters");
      assertThat(used.path("n_epochs").asInt()).isEqualTo(1);
      assertThat(used.path("batch_size").asInt()).isEqualTo(4);
      assertThat(used.path("learning_rate").asDouble()).isEqualTo(1e-4);
      assertThat(used.path("max_length").asInt()).isEqualTo(2048);
      assertThat(used.path("lora_rank").asInt()).isEqualTo(8);
      assertThat(used.path("lora_alpha").asInt()).isEqualTo(32);
      assertThat(used.path("lora_dropout").asDouble()).isEqualTo(0.1);
      assertThat(oa.path("hyperparameters").toString())
          .isEqualTo("{\"n_epochs\":1,\"batch_size\":4,\"learning_rate_multiplier\":1.0}");
    }
  }

  @Test
  @Tag("slow") // a real training run
  void the_jobs_log_lists_the_values_the_trainer_used() throws IOException {
    try (TestServer server =
        start(Map.of("backend.local.trainer-command", TestServer.realTrainerCommand()))) {
      Api api = server.newUser("log");
      String file = api.uploadTrainingFile("t.jsonl", Samples.TRAIN_JSONL);
      String job =
          api.post(
                  "/api/v1/fine-tunes",
                  "{\"model\":\"tuneup-tiny\",\"training_file_ids\":[\""
                      + file
                      + "\"],\"training_type\":\"efficient_sft\","
                      + "\"hyper_parameters\":{\"n_epochs\":2}}")
              .output()
              .get("job_id")
              .asText();
      JsonNode done =
          TestServer.awaitJob(
              api,
              job,
              Duration.ofMinutes(3),
              j -> List.of("SUCCEEDED", "FAILED").contains(j.path("status").asText()));
      assertThat(done.path("status").asText()).as(done.toString()).isEqualTo("SUCCEEDED");

      JsonNode logs = api.get("/api/v1/fine-tunes/" + job + "/logs?offset=1&line=1000").output();

      assertThat(logs.path("logs"))
          .extracting(JsonNode::asText)
          .anySatisfy(
              l ->
                  assertThat(l)
                      .contains("hyper-parameters used (defaults of a built-in model")
                      .contains("n_epochs=2, batch_size=8 (default)")
                      .contains("learning_rate=3.00e-03 (default)")
                      .contains("lora_rank=32 (default)"));
      assertThat(done.path("resolved_hyper_parameters").path("learning_rate").asDouble())
          .isEqualTo(3e-3);
    }
  }

  private static double learningRate(Api api, JsonNode openAiJob) {
    return api.get("/api/v1/fine-tunes/" + openAiJob.path("id").asText())
        .output()
        .path("hyper_parameters")
        .path("learning_rate")
        .asDouble();
  }
}
