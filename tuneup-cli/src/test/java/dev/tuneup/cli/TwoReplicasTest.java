package dev.tuneup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tuneup.job.Job;
import dev.tuneup.store.Database;
import dev.tuneup.store.StoreConfig;
import dev.tuneup.testkit.http.Api;
import dev.tuneup.testkit.http.ProcessTable;
import dev.tuneup.testkit.store.PostgresServer;
import dev.tuneup.testkit.trainer.ScriptedTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two {@code tuneup serve} processes on one PostgreSQL and one data directory (as on a shared file
 * system), the local backend on this machine: jobs created through both, cancels sent to the
 * replica that does not run the job, one replica killed with SIGKILL mid-run. Every job must end
 * SUCCEEDED or CANCELED, each trainer must have started exactly once (the survivor re-attaches to
 * the killed replica's trainers, it does not start them again), and every step must be logged
 * exactly once.
 */
@Tag("slow")
class TwoReplicasTest {
  private static final String DATA =
      "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"},"
          + "{\"role\":\"assistant\",\"content\":\"Hello!\"}]}\n";
  private static final int STEPS = 30;
  private static final int JOBS = 12;

  @TempDir Path dir;

  private String url;
  private Database db;

  private ServerProcess start(int port, String replica) throws Exception {
    Files.createDirectories(dir.resolve("model"));
    return ServerProcess.start(
        dir.resolve("data"),
        port,
        ScriptedTrainer.command(),
        dir.resolve("model"),
        dir.resolve("server-" + replica + ".log"),
        "store.url=" + url,
        "store.user=" + PostgresServer.USER,
        "replica-id=" + replica,
        "jobs.heartbeat-interval=300ms",
        "jobs.missed-heartbeats=4",
        "jobs.max-running=" + JOBS,
        "backend.local.slots=3",
        "jobs.stop-grace=3s");
  }

  private Job stored(String id) {
    return db.jobs().find(id).orElseThrow();
  }

  private static String create(Api api, String file) {
    Api.Resp r =
        api.post(
            "/api/v1/fine-tunes",
            "{\"model\":\"tuneup-tiny\",\"training_file_ids\":[\""
                + file
                + "\"],\"validation_file_ids\":null,\"hyper_parameters\":"
                + "{\"test_steps\":"
                + STEPS
                + ",\"test_step_ms\":200}}");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.output().get("job_id").asText();
  }

  private static String status(Api api, String id) {
    return api.get("/api/v1/fine-tunes/" + id).output().get("status").asText();
  }

  private static void await(Duration timeout, String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    assertThat(condition.getAsBoolean()).as(what + " within " + timeout).isTrue();
  }

  /**
   * A RUNNING job of replica {@code owner} whose trainer is running, other than {@code not}. The
   * trainer counts as running once it has written its pid line: a SIGTERM that arrives while its
   * JVM is still starting ends it before it prints anything, which would look like no start.
   */
  private String runningOn(Api api, List<String> ids, String owner, Set<String> not) {
    for (String id : ids) {
      if (not.contains(id) || !status(api, id).equals("RUNNING")) {
        continue;
      }
      Job j = stored(id);
      if (owner.equals(j.owner())
          && j.runHandle() != null
          && trainerStarts(id) == 1
          && progressEvents(id) < STEPS / 2) {
        return id;
      }
    }
    return null;
  }

  /** Steps the trainer has reported so far: a job near its end may finish before a cancel. */
  private long progressEvents(String id) {
    return linesOf(id, "events.jsonl", l -> l.contains("\"progress\""));
  }

  private long trainerStarts(String id) {
    return linesOf(id, "train.log", l -> l.startsWith("scripted trainer pid "));
  }

  /** Lines of a file in the job's directory that match; 0 while the file is not there yet. */
  private long linesOf(String id, String file, Predicate<String> match) {
    try {
      return Files.readString(dir.resolve("data/jobs").resolve(id).resolve(file))
          .lines()
          .filter(match)
          .count();
    } catch (java.io.IOException e) {
      return 0;
    }
  }

  @Test
  void every_job_runs_once_and_the_survivor_finishes_the_work_of_a_killed_replica()
      throws Exception {
    url = PostgresServer.shared().newDatabase();
    int portA = ServerProcess.freePort();
    int portB = ServerProcess.freePort();
    List<String> ids = new ArrayList<>();
    Map<String, Long> groups = new HashMap<>();
    String canceledWhileAlive;
    String canceledAfterKill;
    Set<String> ofKilledReplica = new java.util.HashSet<>();
    try (ServerProcess a = start(portA, "a");
        ServerProcess b = start(portB, "b");
        Database opened =
            Database.open(new StoreConfig(url, PostgresServer.USER, "", 2, dir.resolve("data")))) {
      db = opened;
      String key = ServerProcess.adminKey(dir.resolve("data"));
      Api apiA = new Api("http://127.0.0.1:" + portA, key);
      Api apiB = new Api("http://127.0.0.1:" + portB, key);
      String file = apiA.uploadTrainingFile("t.jsonl", DATA);
      for (int i = 0; i < JOBS; i++) {
        ids.add(create(i % 2 == 0 ? apiA : apiB, file));
      }

      // a cancel sent to B for a job A runs: A's dispatcher stops the trainer
      String[] found = new String[1];
      await(
          Duration.ofSeconds(60),
          "a job running on A",
          () -> (found[0] = runningOn(apiB, ids, "a", Set.of())) != null);
      canceledWhileAlive = found[0];
      long group = ProcessTable.pidOf(stored(canceledWhileAlive).runHandle());
      Api.Resp cancel = apiB.postEmpty("/api/v1/fine-tunes/" + canceledWhileAlive + "/cancel");
      assertThat(cancel.status()).as(cancel.body()).isEqualTo(200);
      await(
          Duration.ofSeconds(30),
          "CANCELED through the other replica",
          () -> status(apiB, canceledWhileAlive).equals("CANCELED"));
      assertThat(ProcessTable.group(group)).as("trainer group of " + canceledWhileAlive).isEmpty();

      // A dies with trainers running
      await(
          Duration.ofSeconds(60),
          "another job running on A",
          () -> (found[0] = runningOn(apiB, ids, "a", Set.of(canceledWhileAlive))) != null);
      a.killHard();
      // read after the kill: a job A finished just before it died is not the survivor's to take
      // over, and B takes nothing over before four heartbeats are missed
      for (String id : ids) {
        Job j = stored(id);
        if ("a".equals(j.owner()) && j.status().name().equals("RUNNING")) {
          ofKilledReplica.add(id);
          if (j.runHandle() != null) {
            groups.put(id, ProcessTable.pidOf(j.runHandle()));
          }
        }
      }

      // a cancel of one of the dead replica's jobs, sent to the survivor
      canceledAfterKill = found[0];
      long orphan = ProcessTable.pidOf(stored(canceledAfterKill).runHandle());
      assertThat(ProcessTable.group(orphan)).as("trainer outlives its server").isNotEmpty();
      Api.Resp orphanCancel = apiB.postEmpty("/api/v1/fine-tunes/" + canceledAfterKill + "/cancel");
      assertThat(orphanCancel.status()).as(orphanCancel.body()).isEqualTo(200);

      await(
          Duration.ofSeconds(150),
          "every job finished",
          () ->
              ids.stream()
                  .allMatch(
                      id -> Set.of("SUCCEEDED", "CANCELED", "FAILED").contains(status(apiB, id))));

      for (String id : ids) {
        String expected =
            id.equals(canceledWhileAlive) || id.equals(canceledAfterKill)
                ? "CANCELED"
                : "SUCCEEDED";
        assertThat(status(apiB, id)).as(id).isEqualTo(expected);
      }
      assertThat(ProcessTable.group(orphan)).as("canceled orphan's group").isEmpty();
      assertThat(ofKilledReplica)
          .as("jobs running on the killed replica")
          .hasSizeGreaterThanOrEqualTo(2);
      for (String id : ofKilledReplica) {
        assertThat(stored(id).owner()).as("taken over: " + id).isEqualTo("b");
      }
      for (String id : ids) {
        assertThat(trainerStarts(id)).as("trainer starts of " + id).isEqualTo(1);
        if (status(apiB, id).equals("SUCCEEDED")) {
          List<String> logs = logs(apiB, id);
          for (int step = 1; step <= STEPS; step++) {
            String mark = " - INFO - step " + step + "/" + STEPS + ",";
            assertThat(logs.stream().filter(l -> l.contains(mark)).count())
                .as(id + " log lines of step " + step)
                .isEqualTo(1);
          }
        }
      }
      assertThat(Files.readString(dir.resolve("server-b.log"))).contains("took over job");
    }
    for (long g : groups.values()) {
      assertThat(ProcessTable.group(g)).as("no trainer left in group " + g).isEmpty();
    }
  }

  private static List<String> logs(Api api, String id) {
    JsonNode out = api.get("/api/v1/fine-tunes/" + id + "/logs?offset=1&line=1000").output();
    return StreamSupport.stream(out.get("logs").spliterator(), false)
        .map(JsonNode::asText)
        .toList();
  }
}
