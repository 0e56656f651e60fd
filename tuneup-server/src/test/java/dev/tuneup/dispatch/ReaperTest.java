package dev.tuneup.dispatch;

import static dev.tuneup.testkit.JobFixtures.aJob;
import static dev.tuneup.testkit.JobFixtures.aRunningJob;
import static dev.tuneup.testkit.JobFixtures.reached;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tuneup.auth.Caller;
import dev.tuneup.backend.JsonlEventSource;
import dev.tuneup.backend.SpecWriter;
import dev.tuneup.file.StoredFile;
import dev.tuneup.job.CreateJob;
import dev.tuneup.job.Job;
import dev.tuneup.job.JobLimits;
import dev.tuneup.job.JobService;
import dev.tuneup.job.JobStatus;
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
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two replicas, A and B, on one store and one machine, stepped by hand with a settable clock. "A
 * dies" means the test stops calling A's {@code runOnce()}: its heartbeats stop, its trainers keep
 * running.
 */
class ReaperTest {
  private static final Duration HEARTBEAT = Duration.ofSeconds(5);
  private static final int MISSED = 4;
  private static final Duration DEAD_AFTER = HEARTBEAT.multipliedBy(MISSED);

  @TempDir Path dir;
  SettableClock clock = SettableClock.at("2026-11-28T10:00:00Z");
  Database db;
  ScriptedBackend backend = new ScriptedBackend();
  ManualDispatcher dispatcherA;
  ManualDispatcher dispatcherB;
  Reaper reaperB;
  int wakeUps;
  JobService jobs;
  Caller alice = new Caller("u-alice", "ws-alice", false);

  @BeforeEach
  void setUp() throws IOException {
    db = Database.open(new StoreConfig("jdbc:sqlite:" + dir.resolve("t.db"), "", "", 2, dir));
    Files.createDirectories(dir.resolve("model"));
    ModelCatalog catalog =
        new ModelCatalog(List.of(new BaseModel("tiny", dir.resolve("model"))), db.models());
    JobPaths paths = new JobPaths(dir.resolve("jobs"));
    dispatcherA =
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
            config("replica-a"));
    dispatcherB = dispatcherA.replica(config("replica-b"));
    reaperB =
        new Reaper(
            db.jobs(),
            new Reaper.Config("replica-b", HEARTBEAT, MISSED),
            clock,
            ZoneOffset.UTC,
            () -> wakeUps++);
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

  private static DispatcherConfig config(String owner) {
    return new DispatcherConfig(
        owner, 1, Duration.ofSeconds(10), 3, Duration.ofMillis(100), HEARTBEAT);
  }

  private Job launchedByA() {
    Job job =
        jobs.create(
            alice,
            new CreateJob("tiny", List.of("file-1"), null, "{}", Map.of(), null, null, null));
    dispatcherA.runOnce();
    Job running = reload(job);
    assertThat(running.status()).isEqualTo(JobStatus.RUNNING);
    assertThat(running.owner()).isEqualTo("replica-a");
    return running;
  }

  private Job reload(Job j) {
    return db.jobs().find(j.id()).orElseThrow();
  }

  @Test
  void a_run_whose_owner_missed_its_heartbeats_is_taken_over_and_reattached_by_the_new_owner() {
    Job job = launchedByA();
    clock.advance(DEAD_AFTER);

    assertThat(reaperB.runOnce()).isEqualTo(1);
    Job taken = reload(job);
    assertThat(taken.owner()).isEqualTo("replica-b");
    assertThat(taken.heartbeatAt()).isEqualTo(clock.instant());
    assertThat(wakeUps).isEqualTo(1);
    assertThat(db.jobs().logs(job.id(), 0, 100).lines())
        .anyMatch(l -> l.contains("replica-a stopped reporting") && l.contains("replica-b"));

    clock.advance(HEARTBEAT);
    dispatcherB.runOnce();

    Job followed = reload(job);
    assertThat(followed.status()).isEqualTo(JobStatus.RUNNING);
    assertThat(followed.runHandle()).isEqualTo("fake:1");
    assertThat(followed.heartbeatAt()).isEqualTo(clock.instant());
    assertThat(backend.launches).isEqualTo(1);
  }

  @Test
  void a_run_whose_owner_beat_within_the_missed_heartbeats_is_left_alone() {
    Job job = launchedByA();
    clock.advance(DEAD_AFTER.minusMillis(1));

    assertThat(reaperB.runOnce()).isZero();
    assertThat(reload(job)).isEqualTo(job);
    assertThat(wakeUps).isZero();
  }

  @Test
  void a_beating_owner_keeps_its_run_however_long_it_runs() {
    Job job = launchedByA();
    for (int i = 0; i < 10; i++) {
      clock.advance(HEARTBEAT);
      dispatcherA.runOnce();
      assertThat(reaperB.runOnce()).isZero();
    }

    assertThat(reload(job).owner()).isEqualTo("replica-a");
  }

  @Test
  void a_dispatcher_leaves_the_runs_of_other_replicas_alone() {
    Job job = launchedByA();
    backend.vanish(job.runHandle());
    clock.advance(HEARTBEAT);

    dispatcherB.runOnce();

    assertThat(reload(job)).isEqualTo(job);
  }

  @Test
  void a_taken_over_run_that_is_gone_is_requeued_and_relaunched_by_the_new_owner() {
    Job job = launchedByA();
    backend.vanish(job.runHandle());
    clock.advance(DEAD_AFTER.plusSeconds(1));

    reaperB.runOnce();
    dispatcherB.runOnce();

    Job relaunched = reload(job);
    assertThat(relaunched.status()).isEqualTo(JobStatus.RUNNING);
    assertThat(relaunched.owner()).isEqualTo("replica-b");
    assertThat(relaunched.runHandle()).isEqualTo("fake:2");
    assertThat(relaunched.attempt()).isEqualTo(2);
    assertThat(db.jobs().logs(job.id(), 0, 100).lines())
        .anyMatch(l -> l.contains("requeued to resume from its last checkpoint"));
  }

  @Test
  void a_taken_over_cancel_is_finished_by_the_new_owner() {
    Job job = launchedByA();
    jobs.cancel(alice, job.id());
    backend.vanish(job.runHandle());
    clock.advance(DEAD_AFTER);

    reaperB.runOnce();
    dispatcherB.runOnce();

    assertThat(reload(job).status()).isEqualTo(JobStatus.CANCELED);
  }

  @Test
  void the_old_owner_stops_following_a_run_taken_from_it() {
    Job job = launchedByA();
    clock.advance(DEAD_AFTER);
    reaperB.runOnce();
    Job taken = reload(job);

    clock.advance(HEARTBEAT);
    dispatcherA.runOnce(); // A was only slow: it comes back

    assertThat(reload(job)).isEqualTo(taken);
  }

  @Test
  void own_and_ownerless_runs_are_never_reaped() {
    Job own = aRunningJob("replica-b", clock.instant()).build();
    Job ownerless = aRunningJob("replica-x", clock.instant()).owner(null).build();
    db.jobs().insert(own);
    db.jobs().insert(ownerless);
    clock.advance(DEAD_AFTER.multipliedBy(10));

    assertThat(reaperB.runOnce()).isZero();
    assertThat(reload(own)).isEqualTo(own);
    assertThat(reload(ownerless)).isEqualTo(ownerless);
  }

  @Test
  void only_active_jobs_are_reaped() {
    for (JobStatus status : JobStatus.values()) {
      // Every status, even those no running job can reach, carries replica-a's stale beat.
      db.jobs()
          .insert(
              reached(aJob(), status)
                  .owner("replica-a")
                  .heartbeatAt(clock.instant())
                  .runHandle("pid=4242,start=1")
                  .build());
    }
    clock.advance(DEAD_AFTER);

    assertThat(reaperB.runOnce()).isEqualTo(3); // RUNNING, CANCELING, PAUSING
    assertThat(db.jobs().findByStatusOwnedBy(List.of(JobStatus.values()), "replica-b"))
        .extracting(Job::status)
        .containsExactlyInAnyOrder(JobStatus.RUNNING, JobStatus.CANCELING, JobStatus.PAUSING);
  }

  @Test
  void a_second_reaper_finds_the_run_fresh_and_leaves_it() {
    launchedByA();
    Reaper reaperC =
        new Reaper(
            db.jobs(),
            new Reaper.Config("replica-c", HEARTBEAT, MISSED),
            clock,
            ZoneOffset.UTC,
            () -> {});
    clock.advance(DEAD_AFTER);

    assertThat(reaperB.runOnce() + reaperC.runOnce()).isEqualTo(1);
  }

  @Test
  void fewer_than_four_missed_heartbeats_are_refused_naming_the_setting() {
    assertThatThrownBy(() -> new Reaper.Config("r", HEARTBEAT, 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("jobs.missed-heartbeats")
        .hasMessageContaining("4");
    assertThatThrownBy(() -> new Reaper.Config("r", Duration.ZERO, 4))
        .hasMessageContaining("jobs.heartbeat-interval");
  }
}
