package dev.tuneup.server;

import static dev.tuneup.server.TestServer.awaitJob;
import static dev.tuneup.server.TestServer.awaitStatus;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tuneup.job.Job;
import dev.tuneup.testkit.http.Api;
import dev.tuneup.testkit.http.ProcessTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Conformance scenarios 29–34 (spec §8), cancel proven by PID, race rules and quotas. */
class CancelAndDeleteTest {
  @TempDir static Path dir;
  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start(dir, Map.of("jobs.max-active", "3", "jobs.stop-grace", "2s"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static String create(Api api, String file, String hp) {
    Api.Resp r = api.post("/api/v1/fine-tunes", Samples.sdkCreate(TestServer.MODEL, file, hp));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.output().get("job_id").asText();
  }

  private static Job stored(String id) {
    return server.app().database().jobs().find(id).orElseThrow();
  }

  private static void assertCancelOk(Api api, String id) {
    Api.Resp r = api.postEmpty("/api/v1/fine-tunes/" + id + "/cancel");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.output().get("status").asText()).isEqualTo("success");
  }

  @Test
  void cancel_of_a_running_job_leaves_no_process_of_its_group_alive() {
    Api api = server.newUser("cancel-running");
    String f = api.uploadTrainingFile("t.jsonl", Samples.TRAIN_JSONL);
    String id =
        create(api, f, "{\"test_steps\":1000,\"test_step_ms\":50,\"test_spawn_child\":true}");
    awaitJob(api, id, Duration.ofSeconds(60), j -> j.path("progress").path("step").asInt() >= 2);
    long pgid = ProcessTable.pidOf(stored(id).runHandle());
    assertThat(ProcessTable.group(pgid)).as("trainer and its child").hasSizeGreaterThanOrEqualTo(2);

    long start = System.nanoTime();
    assertCancelOk(api, id);
    JsonNode after = api.get("/api/v1/fine-tunes/" + id).output();
    assertThat(after.get("status").asText()).isIn("CANCELING", "CANCELED");
    JsonNode canceled = awaitStatus(api, id, "CANCELED");
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertThat(ProcessTable.group(pgid)).as("processes of group " + pgid).isEmpty();
    assertThat(millis).as("within the grace").isLessThan(2000 + 1500);
    assertThat(canceled.get("end_time").asText()).isNotBlank();
    assertThat(canceled.get("usage").asLong()).isPositive();
    assertThat(canceled.get("modifier").asText()).isEqualTo(canceled.get("creator").asText());
    assertThat(Files.exists(server.dataDir().resolve("jobs").resolve(id).resolve("events.jsonl")))
        .isTrue();
  }

  @Test
  void a_trainer_that_ignores_sigterm_is_killed_with_its_group_after_the_grace() {
    Api api = server.newUser("stubborn");
    String f = api.uploadTrainingFile("t.jsonl", Samples.TRAIN_JSONL);
    String id =
        create(
            api,
            f,
            "{\"test_steps\":1000,\"test_step_ms\":50,"
                + "\"test_ignore_sigterm\":true,\"test_spawn_child\":true}");
    awaitJob(api, id, Duration.ofSeconds(60), j -> j.path("progress").path("step").asInt() >= 2);
    long pgid = ProcessTable.pidOf(stored(id).runHandle());
    long start = System.nanoTime();
    assertCancelOk(api, id);
    TestServer.sleep(1000);
    assertThat(api.get("/api/v1/fine-tunes/" + id).output().get("status").asText())
        .as("still stopping inside the grace")
        .isEqualTo("CANCELING");
    assertThat(ProcessTable.group(pgid)).isNotEmpty();
    awaitStatus(api, id, "CANCELED");
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertThat(millis).isGreaterThanOrEqualTo(2000);
    assertThat(ProcessTable.group(pgid)).isEmpty();
    List<String> logs = logs(api, id);
    assertThat(logs).anyMatch(l -> l.contains("killed its process group"));
  }

  @Test
  void cancel_of_pending_and_queuing_jobs_ends_them_at_once() {
    Api api = server.newUser("cancel-early");
    String f = api.uploadTrainingFile("t.jsonl", Samples.TRAIN_JSONL);
    String running = create(api, f, Samples.scripted(1000, 50));
    String pendingOrQueued = create(api, f, Samples.scripted(1, 10));
    assertCancelOk(api, pendingOrQueued);
    JsonNode j = api.get("/api/v1/fine-tunes/" + pendingOrQueued).output();
    assertThat(j.get("status").asText()).isEqualTo("CANCELED");
    assertThat(j.get("end_time").asText()).isNotBlank();
    awaitStatus(api, running, "RUNNING");
    String queued = create(api, f, Samples.scripted(1, 10));
    awaitStatus(api, queued, "QUEUING");
    assertCancelOk(api, queued);
    assertThat(api.get("/api/v1/fine-tunes/" + queued).output().get("status").asText())
        .isEqualTo("CANCELED");
    assertCancelOk(api, running);
    awaitStatus(api, running, "CANCELED");
  }

  @Test
  void cancel_of_a_finished_job_is_an_unsupported_operation() {
    Api api = server.newUser("finished");
    String f = api.uploadTrainingFile("t.jsonl", Samples.TRAIN_JSONL);
    String ok = create(api, f, Samples.scripted(1, 10));
    String failed = create(api, f, "{\"test_steps\":1,\"test_exit\":1}");
    awaitStatus(api, ok, "SUCCEEDED");
    awaitStatus(api, failed, "FAILED");
    String canceled = create(api, f, Samples.scripted(1, 10));
    assertCancelOk(api, canceled);
    awaitStatus(api, canceled, "CANCELED");
    for (String id : List.of(ok, failed, canceled)) {
      Api.Resp r = api.postEmpty("/api/v1/fine-tunes/" + id + "/cancel");
      assertThat(r.status()).isEqualTo(400);
      assertThat(r.code()).isEqualTo("UnsupportedOperation");
      assertThat(r.json().get("message").asText()).contains(id);
    }
  }

  @Test
  void cancel_and_delete_of_an_unknown_job_are_not_found() {
    Api api = server.newUser("unknowns");
    Api.Resp cancel = api.postEmpty("/api/v1/fine-tunes/ft-202601010000-0000/cancel");
    assertThat(cancel.status()).isEqualTo(404);
    assertThat(cancel.code()).isEqualTo("NotFound");
    Api.Resp delete = api.delete("/api/v1/fine-tunes/ft-202601010000-0000");
    assertThat(delete.status()).isEqualTo(404);
    assertThat(delete.code()).isEqualTo("NotFound");
  }

  @Test
  void delete_of_a_finished_job_removes_it_its_logs_and_its_directory() {
    Api api = server.newUser("deleter");
    String f = api.uploadTrainingFile("t.jsonl", Samples.TRAIN_JSONL);
    String id = create(api, f, Samples.scripted(1, 10));
    JsonNode done = awaitStatus(api, id, "SUCCEEDED");
    Path jobDir = server.dataDir().resolve("jobs").resolve(id);
    assertThat(Files.isDirectory(jobDir)).isTrue();
    Api.Resp r = api.delete("/api/v1/fine-tunes/" + id);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.output().get("status").asText()).isEqualTo("success");
    assertThat(api.get("/api/v1/fine-tunes/" + id).status()).isEqualTo(404);
    assertThat(api.get("/api/v1/fine-tunes?page_no=1&page_size=100").output().get("jobs"))
        .noneMatch(j -> j.get("job_id").asText().equals(id));
    assertThat(Files.exists(jobDir)).isFalse();
    assertThat(server.app().database().jobs().logs(id, 0, 10).total()).isZero();
    assertThat(
            api.get("/api/v1/models?model=" + done.get("finetuned_output").asText())
                .output()
                .get("models"))
        .isEmpty();
  }

  @Test
  void delete_of_a_running_job_is_refused_and_leaves_it_running() {
    Api api = server.newUser("no-delete");
    String f = api.uploadTrainingFile("t.jsonl", Samples.TRAIN_JSONL);
    String id = create(api, f, Samples.scripted(1000, 50));
    awaitStatus(api, id, "RUNNING");
    Api.Resp r = api.delete("/api/v1/fine-tunes/" + id);
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.code()).isEqualTo("UnsupportedOperation");
    assertThat(api.get("/api/v1/fine-tunes/" + id).output().get("status").asText())
        .isEqualTo("RUNNING");
    assertCancelOk(api, id);
    awaitStatus(api, id, "CANCELED");
  }

  @Test
  void two_concurrent_cancels_have_one_effect() {
    Api api = server.newUser("double-cancel");
    String f = api.uploadTrainingFile("t.jsonl", Samples.TRAIN_JSONL);
    String id = create(api, f, Samples.scripted(1000, 50));
    awaitStatus(api, id, "RUNNING");
    CompletableFuture<Api.Resp> a =
        CompletableFuture.supplyAsync(() -> api.postEmpty("/api/v1/fine-tunes/" + id + "/cancel"));
    CompletableFuture<Api.Resp> b =
        CompletableFuture.supplyAsync(() -> api.postEmpty("/api/v1/fine-tunes/" + id + "/cancel"));
    assertThat(a.join().status()).isEqualTo(200);
    assertThat(b.join().status()).isEqualTo(200);
    awaitStatus(api, id, "CANCELED");
    List<String> logs = logs(api, id);
    assertThat(logs.stream().filter(l -> l.contains("cancel requested"))).hasSize(1);
    assertThat(logs.stream().filter(l -> l.contains("sent SIGTERM"))).hasSize(1);
  }

  @Test
  void cancel_then_late_success_stays_canceled() {
    Api api = server.newUser("late-success");
    String f = api.uploadTrainingFile("t.jsonl", Samples.TRAIN_JSONL);
    // Ignores SIGTERM and ends well 1 s later, inside the 2 s grace.
    String id =
        create(
            api, f, "{\"test_steps\":25,\"test_step_ms\":100," + "\"test_ignore_sigterm\":true}");
    awaitJob(api, id, Duration.ofSeconds(60), j -> j.path("progress").path("step").asInt() >= 14);
    assertCancelOk(api, id);
    JsonNode end =
        awaitJob(
            api,
            id,
            Duration.ofSeconds(30),
            j -> j.get("status").asText().matches("CANCELED|SUCCEEDED|FAILED"));
    assertThat(end.get("status").asText()).isEqualTo("CANCELED");
    assertThat(end.has("finetuned_output")).isFalse();
    assertThat(logs(api, id)).anyMatch(l -> l.contains("training finished"));
  }

  @Test
  void the_quota_of_running_or_succeeded_jobs_answers_throttling_until_one_is_deleted() {
    Api api = server.newUser("quota");
    String f = api.uploadTrainingFile("t.jsonl", Samples.TRAIN_JSONL);
    String first = null;
    for (int i = 0; i < 3; i++) {
      String id = create(api, f, Samples.scripted(1, 10));
      awaitStatus(api, id, "SUCCEEDED");
      first = first == null ? id : first;
    }
    Api.Resp refused = api.post("/api/v1/fine-tunes", Samples.sdkCreate(TestServer.MODEL, f, "{}"));
    assertThat(refused.status()).isEqualTo(429);
    assertThat(refused.code()).isEqualTo("Throttling");
    assertThat(refused.json().get("message").asText())
        .startsWith("Only 3 fine-tune job in running or succeeded allowed per user.");
    assertThat(api.delete("/api/v1/fine-tunes/" + first).status()).isEqualTo(200);
    assertThat(
            api.post(
                    "/api/v1/fine-tunes",
                    Samples.sdkCreate(TestServer.MODEL, f, Samples.scripted(1, 10)))
                .status())
        .isEqualTo(200);
  }

  static List<String> logs(Api api, String id) {
    JsonNode out = api.get("/api/v1/fine-tunes/" + id + "/logs?offset=1&line=1000").output();
    return java.util.stream.StreamSupport.stream(out.get("logs").spliterator(), false)
        .map(JsonNode::asText)
        .toList();
  }
}
