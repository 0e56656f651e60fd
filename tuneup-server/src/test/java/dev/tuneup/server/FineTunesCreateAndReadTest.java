package dev.tuneup.server;

import static dev.tuneup.server.TestServer.awaitJob;
import static dev.tuneup.server.TestServer.awaitStatus;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tuneup.testkit.http.Api;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Conformance scenarios 14–28 (spec §8): create, list, get, lifecycle order. */
class FineTunesCreateAndReadTest {
  @TempDir static Path dir;
  static TestServer server;
  static Api api;
  static String file;

  @BeforeAll
  static void start() {
    server = TestServer.start(dir);
    api = server.newUser("creator");
    file = api.uploadTrainingFile("train.jsonl", Samples.TRAIN_JSONL);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static Api.Resp create(String body) {
    return api.post("/api/v1/fine-tunes", body);
  }

  @Test
  void the_sdk_minimal_body_creates_a_pending_sft_job_answering_200() {
    Api.Resp r = create(Samples.sdkCreate(TestServer.MODEL, file, "{}"));
    assertThat(r.status()).isEqualTo(200);
    JsonNode job = r.output();
    assertThat(job.get("status").asText()).isEqualTo("PENDING");
    assertThat(job.get("training_type").asText()).isEqualTo("sft");
    String id = job.get("job_id").asText();
    assertThat(id).matches("^ft-\\d{12}-[0-9a-f]{4}$");
    assertThat(job.get("job_name").asText()).isEqualTo(id);
    assertThat(job.get("validation_file_ids").isArray()).isTrue();
    assertThat(job.get("validation_file_ids")).isEmpty();
    assertThat(job.get("hyper_parameters").toString()).isEqualTo("{}");
    assertThat(job.get("training_file_ids").get(0).asText()).isEqualTo(file);
    for (String field :
        List.of(
            "model",
            "base_model",
            "create_time",
            "user_identity",
            "creator",
            "modifier",
            "group",
            "workspace_id")) {
      assertThat(job.hasNonNull(field)).as(field).isTrue();
    }
    assertThat(job.has("finetuned_output")).isFalse();
    assertThat(job.has("end_time")).isFalse();
    assertThat(job.has("usage")).isFalse();
    assertThat(r.json().get("request_id").asText()).isNotBlank();
  }

  @Test
  void hyper_parameters_and_training_type_are_echoed_exactly() {
    Api.Resp r =
        create(
            "{\"model\":\""
                + TestServer.MODEL
                + "\",\"training_file_ids\":[\""
                + file
                + "\"],\"training_type\":\"efficient_sft\",\"hyper_parameters\":{\"n_epochs\":3,"
                + "\"learning_rate\":\"1e-4\",\"lr\":1e-4,\"my_custom_key\":{\"a\":[1,2]}}}");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.output().get("training_type").asText()).isEqualTo("efficient_sft");
    assertThat(r.body())
        .contains(
            "\"hyper_parameters\":{\"n_epochs\":3,\"learning_rate\":\"1e-4\","
                + "\"lr\":1e-4,\"my_custom_key\":{\"a\":[1,2]}}");
    String id = r.output().get("job_id").asText();
    assertThat(api.get("/api/v1/fine-tunes/" + id).body()).contains("\"lr\":1e-4");
  }

  @Test
  void missing_or_empty_training_files_are_refused() {
    for (String body :
        List.of(
            "{\"model\":\"" + TestServer.MODEL + "\",\"hyper_parameters\":{}}",
            "{\"model\":\"" + TestServer.MODEL + "\",\"training_file_ids\":[]}")) {
      Api.Resp r = create(body);
      assertThat(r.status()).isEqualTo(400);
      assertThat(r.code()).isEqualTo("InvalidParameter");
      assertThat(r.json().get("message").asText()).isEqualTo("Missing training files");
    }
  }

  @Test
  void an_unknown_file_id_is_refused_naming_it() {
    Api.Resp r = create(Samples.sdkCreate(TestServer.MODEL, "file-ft-missing", "{}"));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.code()).isEqualTo("InvalidParameter");
    assertThat(r.json().get("message").asText()).contains("file-ft-missing");
  }

  @Test
  void a_missing_or_unknown_model_is_refused_naming_it() {
    Api.Resp missing = create("{\"training_file_ids\":[\"" + file + "\"]}");
    assertThat(missing.status()).isEqualTo(400);
    assertThat(missing.code()).isEqualTo("InvalidParameter");
    Api.Resp unknown = create(Samples.sdkCreate("qwen-nonexistent", file, "{}"));
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.code()).isEqualTo("InvalidParameter");
    assertThat(unknown.json().get("message").asText()).contains("qwen-nonexistent");
  }

  @Test
  void an_unsupported_training_type_is_refused() {
    Api.Resp r =
        create(
            "{\"model\":\""
                + TestServer.MODEL
                + "\",\"training_file_ids\":[\""
                + file
                + "\"],\"training_type\":\"bogus\"}");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.code()).isEqualTo("InvalidParameter");
    assertThat(r.json().get("message").asText()).contains("bogus");
  }

  @Test
  void a_known_hyper_parameter_with_a_bad_value_is_refused_naming_it() {
    Api.Resp r = create(Samples.sdkCreate(TestServer.MODEL, file, "{\"n_epochs\": \"many\"}"));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().get("message").asText()).contains("hyper_parameters.n_epochs");
    Api.Resp lr = create(Samples.sdkCreate(TestServer.MODEL, file, "{\"learning_rate\": -1}"));
    assertThat(lr.status()).isEqualTo(400);
    assertThat(lr.json().get("message").asText()).contains("learning_rate");
  }

  @Test
  void the_eight_model_studio_schedulers_are_accepted_in_any_case_and_others_refused() {
    for (String name :
        List.of(
            "linear",
            "polynomial",
            "cosine",
            "cosine_with_restarts",
            "constant",
            "constant_with_warmup",
            "Inverse_sqrt",
            "REDUCE_LR_ON_PLATEAU")) {
      Api.Resp r =
          create(
              Samples.sdkCreate(
                  TestServer.MODEL, file, "{\"lr_scheduler_type\": \"" + name + "\"}"));
      assertThat(r.status()).as(name + ": " + r.body()).isEqualTo(200);
    }
    Api.Resp step =
        create(Samples.sdkCreate(TestServer.MODEL, file, "{\"lr_scheduler_type\": \"step\"}"));
    assertThat(step.status()).isEqualTo(400);
    assertThat(step.code()).isEqualTo("InvalidParameter");
    assertThat(step.json().get("message").asText())
        .contains("hyper_parameters.lr_scheduler_type")
        .contains("inverse_sqrt, reduce_lr_on_plateau")
        .contains("got step");
  }

  @Test
  void a_suffix_ends_up_in_the_finetuned_output_with_the_job_id() {
    Api.Resp r =
        create(
            "{\"model\":\""
                + TestServer.MODEL
                + "\",\"training_file_ids\":[\""
                + file
                + "\"],\"finetuned_output_suffix\":\"abc\",\"hyper_parameters\":"
                + Samples.scripted(2, 20)
                + "}");
    String id = r.output().get("job_id").asText();
    JsonNode done = awaitStatus(api, id, "SUCCEEDED");
    assertThat(done.get("finetuned_output").asText()).isEqualTo(TestServer.MODEL + "-abc-" + id);
    assertThat(done.get("end_time").asText()).isNotBlank();
    assertThat(done.get("usage").isIntegralNumber()).isTrue();
    assertThat(done.get("usage").asLong()).isPositive();
    Api.Resp models =
        api.get(
            "/api/v1/models?model="
                + done.get("finetuned_output").asText()
                + "&page_no=1&page_size=1");
    assertThat(models.output().get("models").get(0).get("job_id").asText()).isEqualTo(id);
  }

  @Test
  void a_failed_job_has_an_end_time_and_no_output() {
    String id =
        create(Samples.sdkCreate(TestServer.MODEL, file, "{\"test_steps\":2,\"test_exit\":3}"))
            .output()
            .get("job_id")
            .asText();
    JsonNode failed = awaitStatus(api, id, "FAILED");
    assertThat(failed.get("end_time").asText()).isNotBlank();
    assertThat(failed.has("finetuned_output")).isFalse();
    assertThat(failed.get("message").asText()).contains("scripted failure");
  }

  @Test
  void an_empty_account_lists_no_jobs_as_an_empty_array() {
    Api fresh = server.newUser("empty");
    Api.Resp r = fresh.get("/api/v1/fine-tunes?page_no=1&page_size=10");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.output().get("jobs").isArray()).isTrue();
    assertThat(r.output().get("jobs")).isEmpty();
    assertThat(r.output().get("total").asLong()).isZero();
    assertThat(r.output().get("page_no").asInt()).isEqualTo(1);
    assertThat(r.output().get("page_size").asInt()).isEqualTo(10);
  }

  @Test
  void listing_filters_by_model_and_pages() {
    Api lister = server.newUser("lister");
    String f = lister.uploadTrainingFile("t.jsonl", Samples.TRAIN_JSONL);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ids.add(
          lister
              .post(
                  "/api/v1/fine-tunes",
                  Samples.sdkCreate(TestServer.MODEL, f, Samples.scripted(1, 10)))
              .output()
              .get("job_id")
              .asText());
    }
    Api.Resp page = lister.get("/api/v1/fine-tunes?page_no=1&page_size=2");
    assertThat(page.output().get("total").asLong()).isEqualTo(3);
    assertThat(page.output().get("jobs")).hasSize(2);
    assertThat(lister.get("/api/v1/fine-tunes?page_no=2&page_size=2").output().get("jobs"))
        .hasSize(1);
    assertThat(
            lister
                .get("/api/v1/fine-tunes?model=" + TestServer.MODEL)
                .output()
                .get("total")
                .asLong())
        .isEqualTo(3);
    assertThat(lister.get("/api/v1/fine-tunes?model=other").output().get("jobs")).isEmpty();
  }

  @Test
  void page_sizes_outside_1_to_100_are_refused() {
    for (String size : List.of("0", "101", "x")) {
      Api.Resp r = api.get("/api/v1/fine-tunes?page_no=1&page_size=" + size);
      assertThat(r.status()).as(size).isEqualTo(400);
      assertThat(r.code()).isEqualTo("InvalidParameter");
    }
  }

  @Test
  void an_unknown_job_is_not_found() {
    Api.Resp r = api.get("/api/v1/fine-tunes/unknown");
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.code()).isEqualTo("NotFound");
    assertThat(r.json().get("message").asText()).isEqualTo("Not found!");
  }

  @Test
  void a_job_moves_through_pending_queuing_running_succeeded_and_a_second_waits_its_turn() {
    Api runner = server.newUser("runner");
    String f = runner.uploadTrainingFile("t.jsonl", Samples.TRAIN_JSONL);
    String first =
        runner
            .post(
                "/api/v1/fine-tunes",
                Samples.sdkCreate(TestServer.MODEL, f, Samples.scripted(15, 100)))
            .output()
            .get("job_id")
            .asText();
    String second =
        runner
            .post(
                "/api/v1/fine-tunes",
                Samples.sdkCreate(TestServer.MODEL, f, Samples.scripted(2, 20)))
            .output()
            .get("job_id")
            .asText();
    List<String> seen = new ArrayList<>();
    seen.add("PENDING");
    boolean sawSecondQueued = false;
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode job = runner.get("/api/v1/fine-tunes/" + first).output();
      String status = job.get("status").asText();
      if (!seen.get(seen.size() - 1).equals(status)) {
        seen.add(status);
      }
      if (status.equals("RUNNING")) {
        JsonNode two = runner.get("/api/v1/fine-tunes/" + second).output();
        if (two.get("status").asText().equals("QUEUING")) {
          sawSecondQueued = true;
          assertThat(two.get("queue_position").asLong()).isGreaterThanOrEqualTo(1);
        }
      }
      if (status.equals("SUCCEEDED")) {
        break;
      }
      TestServer.sleep(20);
    }
    assertThat(seen).containsSubsequence("PENDING", "RUNNING", "SUCCEEDED");
    assertThat(seen).isSubsetOf("PENDING", "QUEUING", "RUNNING", "SUCCEEDED");
    assertThat(seen.indexOf("RUNNING")).isGreaterThan(seen.indexOf("PENDING"));
    assertThat(sawSecondQueued).as("second job waits in QUEUING while the first runs").isTrue();
    awaitStatus(runner, second, "SUCCEEDED");
    JsonNode progress = runner.get("/api/v1/fine-tunes/" + first).output().get("progress");
    assertThat(progress.get("step").asInt()).isEqualTo(15);
    assertThat(progress.get("total_steps").asInt()).isEqualTo(15);
  }

  @Test
  void a_running_job_reports_its_progress() {
    Api watcher = server.newUser("watcher");
    String f = watcher.uploadTrainingFile("t.jsonl", Samples.TRAIN_JSONL);
    String id =
        watcher
            .post(
                "/api/v1/fine-tunes",
                Samples.sdkCreate(TestServer.MODEL, f, Samples.scripted(40, 100)))
            .output()
            .get("job_id")
            .asText();
    JsonNode running =
        awaitJob(
            watcher, id, Duration.ofSeconds(60), j -> j.path("progress").path("step").asInt() >= 2);
    assertThat(running.get("status").asText()).isEqualTo("RUNNING");
    assertThat(running.get("progress").get("total_steps").asInt()).isEqualTo(40);
    assertThat(running.get("progress").has("loss")).isTrue();
    watcher.postEmpty("/api/v1/fine-tunes/" + id + "/cancel");
    awaitStatus(watcher, id, "CANCELED");
  }
}
