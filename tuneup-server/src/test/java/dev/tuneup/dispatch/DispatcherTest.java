package dev.tuneup.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tuneup.auth.Caller;
import dev.tuneup.backend.JsonlEventSource;
import dev.tuneup.backend.SpecWriter;
import dev.tuneup.file.StoredFile;
import dev.tuneup.job.CreateJob;
import dev.tuneup.job.Job;
import dev.tuneup.job.JobLimits;
import dev.tuneup.job.JobService;
import dev.tuneup.job.JobStatus;
import dev.tuneup.job.LogLines;
import dev.tuneup.registry.BaseModel;
import dev.tuneup.registry.ModelCatalog;
import dev.tuneup.store.Database;
import dev.tuneup.store.StoreConfig;
import dev.tuneup.testkit.SettableClock;
import dev.tuneup.testkit.dispatch.ManualDispatcher;
import dev.tuneup.testkit.dispatch.ScriptedBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dispatcher stepped by hand ({@link ManualDispatcher}): a settable clock, the real SQLite
 * store and a scripted backend double whose "trainer" is events written by the test.
 */
class DispatcherTest {
  @TempDir Path dir;
  SettableClock clock = SettableClock.at("2026-11-28T10:00:00Z");
  Database db;
  ScriptedBackend backend = new ScriptedBackend();
  ManualDispatcher dispatcher;
  JobService jobs;
  JobPaths paths;
  Caller alice = new Caller("u-alice", "ws-alice", false);

  @BeforeEach
  void setUp() throws IOException {
    db = Database.open(new StoreConfig("jdbc:sqlite:" + dir.resolve("t.db"), "", "", 2, dir));
    Files.createDirectories(dir.resolve("model"));
    ModelCatalog catalog =
        new ModelCatalog(List.of(new BaseModel("tiny", dir.resolve("model"))), db.models());
    paths = new JobPaths(dir.resolve("jobs"));
    dispatcher =
        new ManualDispatcher(
            new ManualDispatcher.Ports(
                db.jobs(),
                db.files(),
                catalog,
                new SpecWriter(db.blobs()::path, paths.root(), 1),
                new JsonlEventSource(),
                paths),
            backend,
            clock,
            new DispatcherConfig(
                "replica-1", 1, Duration.ofSeconds(10), 2, Duration.ofMillis(100)));
    jobs =
        new JobService(
            db.jobs(),
            db.files(),
            catalog,
            paths,
            JobLimits.defaults(),
            clock,
            ZoneOffset.UTC,
            () -> {});
    db.files()
        .insert(
            new StoredFile(
                "file-1",
                alice.userId(),
                alice.workspaceId(),
                "t.jsonl",
                null,
                "fine-tune",
                10,
                "md5",
                1,
                clock.instant()));
  }

  @AfterEach
  void tearDown() {
    db.close();
  }

  private Job create() {
    return jobs.create(
        alice, new CreateJob("tiny", List.of("file-1"), null, "{}", Map.of(), null, null, null));
  }

  private Job reload(Job j) {
    return dispatcher.reload(j);
  }

  private void trainerWrites(Job j, String... events) {
    dispatcher.trainerWrites(j, events);
  }

  @Test
  void one_pass_validates_and_launches_a_new_job() {
    Job job = create();
    dispatcher.runOnce();
    Job running = reload(job);
    assertThat(running.status()).isEqualTo(JobStatus.RUNNING);
    assertThat(running.runHandle()).isEqualTo("fake:1");
    assertThat(running.attempt()).isEqualTo(1);
    assertThat(Files.exists(paths.spec(job.id()))).isTrue();
  }

  @Test
  void progress_events_become_log_lines_and_progress_exactly_once() throws IOException {
    Job job = create();
    dispatcher.runOnce();
    trainerWrites(
        job,
        "{\"type\":\"progress\",\"time\":\"2026-11-28T10:00:01Z\",\"step\":1,\"total_steps\":2,"
            + "\"epoch\":0.5,\"loss\":2.5,\"lr\":0.001,\"tokens\":100,\"tokens_per_second\":50,"
            + "\"eta_seconds\":2}");
    dispatcher.runOnce();
    dispatcher.runOnce();
    Job r = reload(job);
    assertThat(r.progress().step()).isEqualTo(1);
    assertThat(r.progress().loss()).isEqualTo(2.5);
    assertThat(r.usage()).isEqualTo(100);
    assertThat(db.jobs().logs(job.id(), 0, 100).lines())
        .filteredOn(l -> l.contains("step 1/2"))
        .hasSize(1);
  }

  @Test
  void a_trainer_exiting_zero_succeeds_the_job_and_registers_its_model() throws IOException {
    Job job = create();
    dispatcher.runOnce();
    trainerWrites(job, "{\"type\":\"done\",\"output_dir\":\"x\",\"tokens\":500}");
    backend.exit("fake:1", 0);
    dispatcher.runOnce();
    Job r = reload(job);
    assertThat(r.status()).isEqualTo(JobStatus.SUCCEEDED);
    assertThat(r.finetunedOutput()).isEqualTo("tiny-" + job.id());
    assertThat(r.usage()).isEqualTo(500);
    assertThat(db.models().find("tiny-" + job.id())).isPresent();
  }

  @Test
  void a_reattached_run_that_ended_with_done_succeeds_without_an_exit_code() throws IOException {
    Job job = create();
    dispatcher.runOnce();
    trainerWrites(job, "{\"type\":\"done\",\"output_dir\":\"x\",\"tokens\":5}");
    backend.vanish("fake:1");
    dispatcher.runOnce();
    assertThat(reload(job).status()).isEqualTo(JobStatus.SUCCEEDED);
  }

  @Test
  void an_error_event_fails_the_job_with_its_message() throws IOException {
    Job job = create();
    dispatcher.runOnce();
    trainerWrites(job, "{\"type\":\"error\",\"message\":\"t.jsonl line 3: bad\"}");
    backend.exit("fake:1", 1);
    dispatcher.runOnce();
    Job r = reload(job);
    assertThat(r.status()).isEqualTo(JobStatus.FAILED);
    assertThat(r.error()).isEqualTo("t.jsonl line 3: bad");
    assertThat(r.endedAt()).isEqualTo(clock.instant());
  }

  @Test
  void cancel_sends_sigterm_then_kills_after_the_grace_then_cancels_when_gone() {
    Job job = create();
    dispatcher.runOnce();
    jobs.cancel(alice, job.id());
    dispatcher.runOnce();
    assertThat(backend.stops).containsExactly("fake:1");
    assertThat(backend.kills).isEmpty();
    clock.advance(Duration.ofSeconds(9));
    dispatcher.runOnce();
    assertThat(backend.kills).isEmpty();
    assertThat(reload(job).status()).isEqualTo(JobStatus.CANCELING);
    clock.advance(Duration.ofSeconds(1));
    dispatcher.runOnce();
    assertThat(backend.kills).containsExactly("fake:1");
    assertThat(reload(job).status())
        .as("not before the group is gone")
        .isEqualTo(JobStatus.CANCELING);
    backend.vanish("fake:1");
    dispatcher.runOnce();
    assertThat(reload(job).status()).isEqualTo(JobStatus.CANCELED);
    assertThat(backend.stops).hasSize(1);
  }

  @Test
  void log_times_never_go_back_when_the_trainer_writes_during_a_pass() throws IOException {
    Job job = create();
    dispatcher.runOnce();
    jobs.cancel(alice, job.id());
    // Stamped after the pass's clock reading: the trainer wrote it while the pass ran.
    trainerWrites(job, "{\"type\":\"log\",\"time\":\"2026-11-28T10:00:05Z\",\"message\":\"late\"}");
    dispatcher.runOnce();
    List<Instant> times =
        db.jobs().logs(job.id(), 0, 100).lines().stream()
            .flatMap(l -> LogLines.parse(l, ZoneOffset.UTC).stream())
            .map(LogLines.Parsed::time)
            .toList();
    assertThat(db.jobs().logs(job.id(), 0, 100).lines())
        .anyMatch(l -> l.contains("late"))
        .anyMatch(l -> l.contains("sent SIGTERM"));
    assertThat(times).isSorted();
  }

  @Test
  void cancel_then_late_success_stays_canceled() throws IOException {
    Job job = create();
    dispatcher.runOnce();
    jobs.cancel(alice, job.id());
    trainerWrites(job, "{\"type\":\"done\",\"output_dir\":\"x\",\"tokens\":9}");
    backend.exit("fake:1", 0);
    dispatcher.runOnce();
    Job r = reload(job);
    assertThat(r.status()).isEqualTo(JobStatus.CANCELED);
    // the name stays reserved for the job (from its create) but no model answers to it
    assertThat(r.finetunedOutput()).isEqualTo("tiny-" + job.id());
    assertThat(db.models().find("tiny-" + job.id())).isEmpty();
  }

  @Test
  void a_lost_trainer_is_requeued_then_failed_after_the_last_attempt() {
    Job job = create();
    dispatcher.runOnce();
    backend.vanish("fake:1");
    dispatcher.runOnce();
    Job requeued = reload(job);
    // requeued, then launched again in the same pass
    assertThat(requeued.status()).isEqualTo(JobStatus.RUNNING);
    assertThat(requeued.attempt()).isEqualTo(2);
    assertThat(requeued.runHandle()).isEqualTo("fake:2");
    backend.vanish("fake:2");
    dispatcher.runOnce();
    Job failed = reload(job);
    assertThat(failed.status()).isEqualTo(JobStatus.FAILED);
    assertThat(failed.error()).contains("gave up after 2 attempts");
  }

  @Test
  void a_job_claimed_but_never_launched_is_requeued_by_the_next_pass() {
    Job job = create();
    dispatcher.runOnce();
    Job r = reload(job);
    db.jobs().update(r.toBuilder().runHandle(null).build());
    backend.failLaunches = false;
    dispatcher.runOnce();
    assertThat(reload(job).runHandle()).isEqualTo("fake:2");
  }

  @Test
  void the_second_job_of_a_user_waits_while_the_first_runs() {
    Job first = create();
    clock.advance(Duration.ofMillis(1));
    Job second = create();
    dispatcher.runOnce();
    assertThat(reload(first).status()).isEqualTo(JobStatus.RUNNING);
    assertThat(reload(second).status()).isEqualTo(JobStatus.QUEUING);
    assertThat(jobs.queuePosition(reload(second))).contains(1L);
    backend.exit("fake:1", 0);
    dispatcher.runOnce();
    assertThat(reload(second).status()).isEqualTo(JobStatus.RUNNING);
  }

  @Test
  void a_failing_launch_fails_the_job_and_the_loop_goes_on() {
    backend.failLaunches = true;
    Job job = create();
    dispatcher.runOnce();
    Job r = reload(job);
    assertThat(r.status()).isEqualTo(JobStatus.FAILED);
    assertThat(r.error()).contains("could not start the trainer");
  }

  /** A backend double: launches nothing, the test decides when runs end. */
  @SuppressWarnings("unused")
  private static Instant t(String s) {
    return Instant.parse(s);
  }
}
