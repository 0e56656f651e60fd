package dev.tuneup.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tuneup.testkit.http.Api;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Absurd hyper-parameters and duplicate JSON keys are refused at create, on both surfaces. */
class HyperParameterBoundsTest {
  @TempDir static Path dir;
  static TestServer server;
  static Api api;
  static String file;

  @BeforeAll
  static void start() {
    server = TestServer.start(dir, Map.of("jobs.max-total-steps", "1000"));
    api = server.newUser("bounds");
    file = api.uploadTrainingFile("train.jsonl", Samples.TRAIN_JSONL);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "n_epochs|1e12|from 1 to 1000",
        "n_epochs|2147483648|from 1 to 1000",
        "n_epochs|123456789012345678901234567890|from 1 to 1000",
        "n_epochs|\"2147483648\"|from 1 to 1000",
        "n_epochs|0|from 1 to 1000",
        "batch_size|1e12|from 1 to 4096",
        "max_length|1|from 8 to 131072",
        "lora_rank|100000|from 1 to 1024",
        "lora_alpha|-3|from 1 to 4096",
        "eval_steps|1e9|from 1 to 1000000",
        "save_steps|0|from 1 to 1000000",
        "logging_steps|2.5|from 1 to 1000000",
        "warmup_steps|-1|from 0 to 1000000",
        "warmup_ratio|1|from 0 to below 1",
        "learning_rate|1e300|above 0 and below 1",
        "weight_decay|1e9|from 0 to 10",
        "split|0|above 0 and at most 1",
      })
  void an_out_of_range_hyper_parameter_is_a_400_naming_the_key_and_the_range(
      String key, String value, String range) {
    Api.Resp r =
        api.post(
            "/api/v1/fine-tunes",
            Samples.sdkCreate(TestServer.MODEL, file, "{\"" + key + "\": " + value + "}"));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.code()).isEqualTo("InvalidParameter");
    assertThat(r.json().path("message").asText())
        .contains("hyper_parameters." + key)
        .contains(range);
  }

  @Test
  void values_at_the_bounds_are_accepted() {
    Api.Resp r =
        api.post(
            "/api/v1/fine-tunes",
            Samples.sdkCreate(
                TestServer.MODEL,
                file,
                "{\"n_epochs\": 500, \"batch_size\": 1, \"max_length\": 8, \"lora_rank\": 1024}"));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
  }

  @Test
  void a_job_whose_total_steps_pass_the_ceiling_is_refused_with_the_count() {
    // 2 samples in batches of 1 for 501 epochs: 1002 steps against a ceiling of 1000.
    Api.Resp r =
        api.post(
            "/api/v1/fine-tunes",
            Samples.sdkCreate(TestServer.MODEL, file, "{\"n_epochs\": 501, \"batch_size\": 1}"));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.code()).isEqualTo("InvalidParameter");
    assertThat(r.json().path("message").asText())
        .contains("1002 optimizer steps")
        .contains("jobs.max-total-steps");
  }

  @Test
  void a_dashscope_body_with_hyper_parameters_twice_is_a_400() {
    String body =
        "{\"model\": \""
            + TestServer.MODEL
            + "\", \"training_file_ids\": [\""
            + file
            + "\"], \"hyper_parameters\": {\"n_epochs\": 1e12},"
            + " \"hyper_parameters\": {\"n_epochs\": 1}}";
    Api.Resp r = api.post("/api/v1/fine-tunes", body);
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().path("message").asText()).contains("Duplicate field 'hyper_parameters'");
  }

  @Test
  void a_duplicate_key_inside_hyper_parameters_is_a_400() {
    Api.Resp r =
        api.post(
            "/api/v1/fine-tunes",
            Samples.sdkCreate(TestServer.MODEL, file, "{\"n_epochs\": 1e12, \"n_epochs\": 1}"));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().path("message").asText()).contains("Duplicate field 'n_epochs'");
  }

  @Test
  void an_openai_body_with_a_duplicate_key_is_a_400_in_openai_shape() {
    String body =
        "{\"model\": \""
            + TestServer.MODEL
            + "\", \"training_file\": \""
            + file
            + "\", \"hyperparameters\": {\"n_epochs\": 2, \"n_epochs\": 3}}";
    Api.Resp r = api.post("/v1/fine_tuning/jobs", body);
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().path("error").path("message").asText())
        .contains("Duplicate field 'n_epochs'");
  }

  @Test
  void an_openai_epoch_count_past_int_is_refused() {
    String body =
        "{\"model\": \""
            + TestServer.MODEL
            + "\", \"training_file\": \""
            + file
            + "\", \"hyperparameters\": {\"n_epochs\": 123456789012345678901234567890}}";
    Api.Resp r = api.post("/v1/fine_tuning/jobs", body);
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().path("error").path("param").asText()).contains("n_epochs");
  }
}
