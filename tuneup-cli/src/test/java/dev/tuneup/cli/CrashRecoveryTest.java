package dev.tuneup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tuneup.testkit.http.Api;
import dev.tuneup.testkit.http.ProcessTable;
import dev.tuneup.testkit.trainer.ScriptedTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server killed with SIGKILL while a job trains, then started again on the same data: the job
 * goes on or ends in a right state, its log has no gap, and no trainer is left unowned.
 */
@Tag("slow")
class CrashRecoveryTest {
  private static final String DATA =
      "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"},"
          + "{\"role\":\"assistant\",\"content\":\"Hello!\"}]}\n";

  @TempDir Path dir;

  private ServerProcess start(int port, String... settings) throws Exception {
    Files.createDirectories(dir.resolve("model"));
    return ServerProcess.start(
        dir.resolve("data"),
        port,
        ScriptedTrainer.command(),
        dir.resolve("model"),
        dir.resolve("server.log"),
        settings);
  }

  private Api api(int port) throws Exception {
    return new Api("http://127.0.0.1:" + port, ServerProcess.adminKey(dir.resolve("data")));
  }

  private String createJob(Api api, String hp) {
    String file = api.uploadTrainingFile("t.jsonl", DATA);
    Api.Resp r =
        api.post(
            "/api/v1/fine-tunes",
            "{\"model\":\"tuneup-tiny\","
                + "\"training_file_ids\":[\""
                + file
                + "\"],\"validation_file_ids\":null,"
                + "\"hyper_parameters\":"
                + hp
                + "}");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.output().get("job_id").asText();
  }

  private static JsonNode await(Api api, String id, Predicate<JsonNode> condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      last = api.get("/api/v1/fine-tunes/" + id).output();
      if (condition.test(last)) {
        return last;
      }
      sleep(100);
    }
    throw new AssertionError("no such state; last " + last);
  }

  private static List<String> logs(Api api, String id) {
    JsonNode out = api.get("/api/v1/fine-tunes/" + id + "/logs?offset=1&line=1000").output();
    return StreamSupport.stream(out.get("logs").spliterator(), false)
        .map(JsonNode::asText)
        .toList();
  }

  private static long stepLines(List<String> logs, int step, int total) {
    return logs.stream()
        .filter(l -> l.contains(" - INFO - step " + step + "/" + total + ","))
        .count();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void a_trainer_outlives_a_killed_server_and_is_reattached_with_a_gapless_log() throws Exception {
    int port = ServerProcess.freePort();
    String id;
    long trainerPid;
    try (ServerProcess first = start(port)) {
      Api api = api(port);
      id = createJob(api, "{\"test_steps\":50,\"test_step_ms\":100}");
      await(api, id, j -> j.path("progress").path("step").asInt() >= 5);
      first.killHard();
    }
    trainerPid = runningTrainerPid(id);
    assertThat(ProcessTable.group(trainerPid)).as("trainer survives the server").isNotEmpty();
    try (ServerProcess second = start(port)) {
      Api api = api(port);
      JsonNode done = await(api, id, j -> j.get("status").asText().equals("SUCCEEDED"));
      assertThat(done.get("usage").asLong()).isPositive();
      List<String> logs = logs(api, id);
      for (int step = 1; step <= 50; step++) {
        assertThat(stepLines(logs, step, 50)).as("log lines of step " + step).isEqualTo(1);
      }
      assertThat(logs).noneMatch(l -> l.contains("requeued"));
    }
    assertThat(ProcessTable.group(trainerPid)).isEmpty();
  }

  @Test
  void a_job_whose_trainer_died_with_the_server_resumes_from_its_checkpoint() throws Exception {
    int port = ServerProcess.freePort();
    String id;
    try (ServerProcess first = start(port)) {
      Api api = api(port);
      id =
          createJob(
              api, "{\"test_steps\":30,\"test_step_ms\":400," + "\"test_checkpoint_every\":5}");
      await(api, id, j -> j.path("progress").path("step").asInt() >= 11);
      first.killHard();
    }
    long pgid = runningTrainerPid(id);
    new ProcessBuilder("kill", "-KILL", "--", "-" + pgid).start().waitFor();
    await(() -> ProcessTable.group(pgid).isEmpty());
    try (ServerProcess second = start(port)) {
      Api api = api(port);
      await(api, id, j -> j.get("status").asText().equals("SUCCEEDED"));
      List<String> logs = logs(api, id);
      assertThat(logs).anyMatch(l -> l.contains("requeued to resume from its last checkpoint"));
      // Resumed from checkpoint-10: steps 11 and on ran twice at most, 1-10 once, none skipped.
      for (int step = 1; step <= 30; step++) {
        assertThat(stepLines(logs, step, 30)).as("step " + step).isBetween(1L, 2L);
      }
      assertThat(stepLines(logs, 3, 30)).isEqualTo(1);
      assertThat(Files.isDirectory(dir.resolve("data/jobs").resolve(id).resolve("checkpoint-10")))
          .isTrue();
    }
  }

  @Test
  void a_canceling_job_of_a_killed_server_is_stopped_after_restart() throws Exception {
    int port = ServerProcess.freePort();
    String id;
    try (ServerProcess first = start(port, "jobs.stop-grace=60s")) {
      Api api = api(port);
      id =
          createJob(
              api,
              "{\"test_steps\":1000,\"test_step_ms\":100,"
                  + "\"test_ignore_sigterm\":true,\"test_spawn_child\":true}");
      await(api, id, j -> j.path("progress").path("step").asInt() >= 2);
      assertThat(api.postEmpty("/api/v1/fine-tunes/" + id + "/cancel").status()).isEqualTo(200);
      await(api, id, j -> j.get("status").asText().equals("CANCELING"));
      first.killHard();
    }
    long pgid = runningTrainerPid(id);
    assertThat(ProcessTable.group(pgid)).isNotEmpty();
    try (ServerProcess second = start(port, "jobs.stop-grace=1s")) {
      Api api = api(port);
      await(api, id, j -> j.get("status").asText().equals("CANCELED"));
      assertThat(ProcessTable.group(pgid)).isEmpty();
    }
  }

  private long runningTrainerPid(String jobId) throws Exception {
    try (var db =
        dev.tuneup.store.Database.open(
            new dev.tuneup.store.StoreConfig(
                "jdbc:sqlite:" + dir.resolve("data/tuneup.db"), "", "", 1, dir.resolve("data")))) {
      return ProcessTable.pidOf(db.jobs().find(jobId).orElseThrow().runHandle());
    }
  }

  private static void await(java.util.function.BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline && !condition.getAsBoolean()) {
      sleep(50);
    }
    assertThat(condition.getAsBoolean()).isTrue();
  }
}
