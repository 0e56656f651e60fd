package dev.tuneup.server;

import static dev.tuneup.server.TestServer.awaitJob;
import static dev.tuneup.server.TestServer.awaitStatus;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tuneup.backend.slurm.SlurmBackend;
import dev.tuneup.testkit.http.Api;
import dev.tuneup.testkit.slurm.SlurmCluster;
import dev.tuneup.testkit.trainer.ScriptedTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server with {@code backend.kind=slurm} on a real one-node Slurm cluster. */
class SlurmEndToEndTest {
  @TempDir static Path dir;
  static TestServer server;
  static SlurmCluster cluster;

  @BeforeAll
  static void start() {
    cluster = SlurmCluster.get();
    server = TestServer.start(dir, settings());
  }

  private static Map<String, String> settings() {
    return Map.of(
        "backend.kind",
        "slurm",
        "backend.slurm.conf",
        cluster.conf().toString(),
        "backend.slurm.trainer-command",
        String.join(" ", ScriptedTrainer.command()),
        "jobs.stop-grace",
        "5s");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static String create(Api api, String hp) {
    String file = api.uploadTrainingFile("t.jsonl", Samples.TRAIN_JSONL);
    Api.Resp r = api.post("/api/v1/fine-tunes", Samples.sdkCreate(TestServer.MODEL, file, hp));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.output().get("job_id").asText();
  }

  private static String slurmJob(String jobId) {
    return slurmJob(server, jobId);
  }

  private static String slurmJob(TestServer server, String jobId) {
    String handle = server.app().database().jobs().find(jobId).orElseThrow().runHandle();
    assertThat(handle).startsWith("slurm:");
    return SlurmBackend.jobId(handle).orElseThrow();
  }

  @Test
  void a_job_runs_as_a_slurm_batch_job_to_succeeded_with_its_logs() {
    Api api = server.newUser("slurm-runner");
    String id = create(api, "{\"test_steps\":20,\"test_step_ms\":20}");
    JsonNode done =
        awaitJob(
            api, id, Duration.ofSeconds(90), j -> j.path("status").asText().equals("SUCCEEDED"));
    assertThat(done.path("finetuned_output").asText()).isNotBlank();
    String slurmId = slurmJob(id);
    assertThat(SlurmCluster.processesOf(slurmId)).isEmpty();
    Path jobDir = server.dataDir().resolve("jobs").resolve(id);
    assertThat(jobDir.resolve(SlurmBackend.SCRIPT)).isRegularFile();
    List<String> logs = CancelAndDeleteTest.logs(api, id);
    assertThat(String.join("\n", logs)).contains("20");
  }

  @Test
  void cancel_of_a_running_slurm_job_ends_it_with_every_process() throws Exception {
    Api api = server.newUser("slurm-canceler");
    String id = create(api, "{\"test_steps\":1000,\"test_step_ms\":50,\"test_spawn_child\":true}");
    awaitJob(api, id, Duration.ofSeconds(90), j -> j.path("progress").path("step").asInt() >= 2);
    String slurmId = slurmJob(id);
    List<Long> pids = SlurmCluster.processesOf(slurmId);
    assertThat(pids).as("trainer and child").hasSizeGreaterThanOrEqualTo(2);

    long start = System.nanoTime();
    Api.Resp r = api.postEmpty("/api/v1/fine-tunes/" + id + "/cancel");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    JsonNode canceled = awaitStatus(api, id, "CANCELED");
    long ms = (System.nanoTime() - start) / 1_000_000;
    System.out.println(
        "slurm cancel latency (request -> CANCELED, job's processes gone): " + ms + " ms");
    assertThat(SlurmCluster.processesOf(slurmId)).isEmpty();
    assertThat(pids).noneMatch(p -> ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false));
    assertThat(canceled.get("end_time").asText()).isNotBlank();
    assertThat(
            Files.readString(server.dataDir().resolve("jobs").resolve(id).resolve("events.jsonl")))
        .contains("\"type\":\"stopped\"");
  }

  @Test
  void a_restarted_server_follows_the_running_slurm_job_to_succeeded_without_resubmitting(
      @TempDir Path restartDir) {
    String id;
    String slurmId;
    String key;
    try (TestServer first = TestServer.start(restartDir, settings())) {
      key = first.newUserKey("slurm-restart");
      Api api = new Api(first.url(), key);
      String file = api.uploadTrainingFile("t.jsonl", Samples.TRAIN_JSONL);
      Api.Resp r =
          api.post(
              "/api/v1/fine-tunes",
              Samples.sdkCreate(TestServer.MODEL, file, "{\"test_steps\":80,\"test_step_ms\":50}"));
      assertThat(r.status()).as(r.body()).isEqualTo(200);
      id = r.output().get("job_id").asText();
      awaitJob(api, id, Duration.ofSeconds(90), j -> j.path("progress").path("step").asInt() >= 2);
      slurmId = slurmJob(first, id);
    }
    assertThat(SlurmCluster.processesOf(slurmId)).as("the job outlives the server").isNotEmpty();

    try (TestServer second = TestServer.start(restartDir, settings())) {
      Api api = new Api(second.url(), key);
      JsonNode done =
          awaitJob(
              api, id, Duration.ofSeconds(90), j -> j.path("status").asText().equals("SUCCEEDED"));
      assertThat(done.path("finetuned_output").asText()).isNotBlank();
      assertThat(slurmJob(second, id)).as("the same Slurm job, not a new one").isEqualTo(slurmId);
      assertThat(done.path("progress").path("step").asInt()).isEqualTo(80);
    }
  }
}
