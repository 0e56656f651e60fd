package dev.tuneup.testkit.store;

import static dev.tuneup.testkit.JobFixtures.ALICE;
import static dev.tuneup.testkit.JobFixtures.ALICE_ELSEWHERE;
import static dev.tuneup.testkit.JobFixtures.BOB;
import static dev.tuneup.testkit.JobFixtures.T0;
import static dev.tuneup.testkit.JobFixtures.aJob;
import static dev.tuneup.testkit.JobFixtures.aQueuedJob;
import static dev.tuneup.testkit.JobFixtures.reached;
import static dev.tuneup.testkit.JobFixtures.through;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tuneup.common.Page;
import dev.tuneup.common.PageRequest;
import dev.tuneup.contract.TrainingMethod;
import dev.tuneup.job.Job;
import dev.tuneup.job.JobEvent;
import dev.tuneup.job.JobLifecycle;
import dev.tuneup.job.JobMetric;
import dev.tuneup.job.JobStatus;
import dev.tuneup.job.JobStore;
import dev.tuneup.job.LogPage;
import dev.tuneup.job.Progress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link JobStore} must do. Subclass it with a factory for a fresh, empty store; close
 * the store in the subclass's own {@code @AfterEach}.
 */
public abstract class JobStoreContract {
  private static final String OWNER = "replica-a";

  protected JobStore store;

  /** A new store over an empty database. */
  protected abstract JobStore createStore();

  @BeforeEach
  void openStore() {
    store = createStore();
  }

  // ---- insert, find, round trip

  @Test
  void inserted_job_is_found_by_id() {
    Job job = aJob().build();

    assertThat(store.insert(job)).isTrue();

    assertThat(store.find(job.id())).contains(job);
  }

  @Test
  void insert_of_a_duplicate_id_returns_false_and_keeps_the_first_job() {
    Job first = aJob().name("first").build();
    store.insert(first);

    boolean inserted = store.insert(first.toBuilder().name("second").userId("u-bob").build());

    assertThat(inserted).isFalse();
    assertThat(store.find(first.id())).contains(first);
  }

  @Test
  void insert_of_a_job_with_a_version_is_rejected() {
    assertThatThrownBy(() -> store.insert(aJob().version(3).build()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void every_field_survives_a_round_trip() {
    Job job =
        reached(aJob().name("客服助手 v2 — ünïcödé 🚀"), JobStatus.CANCELING)
            .model("ft-parent-model")
            .baseModel("qwen3-0.6b")
            .trainingType(TrainingMethod.SFT_LORA)
            .trainingFileIds(List.of("file-ft-a", "file-ft-b"))
            .validationFileIds(List.of("file-ft-v"))
            .hyperParameters(
                "{ \"n_epochs\": 3, \"learning_rate\": \"1.6e-5\", \"note\": \"中文 \\\"q\\\" ✓\" }")
            .outputSuffix("my_suffix")
            .metadata(java.util.Map.of("team", "search", "ticket", "中文-42"))
            .finetunedOutput("qwen3-0.6b-ft-202603140926-abcd")
            .createdAt(T0)
            .queuedAt(T0.plusMillis(1))
            .startedAt(T0.plusMillis(2))
            .endedAt(T0.plusMillis(3))
            .creator("u-alice")
            .modifier("u-admin")
            .usage(1_234_567_890_123L)
            .progress(new Progress(7, 100, 0.07, 2.5, 2.75, 1.6e-5, 1234.5, 99.25, 0.4375, 0.40625))
            .error("trainer exited with 137: out of memory")
            .attempt(2)
            .backend("slurm")
            .runHandle("slurm:12345")
            .eventsOffset(9_876_543_210L)
            .stopRequestedAt(T0.plusMillis(4))
            .killedAt(T0.plusMillis(5))
            .owner(OWNER)
            .heartbeatAt(T0.plusMillis(6))
            .build();

    store.insert(job);

    assertThat(store.find(job.id())).contains(job);
  }

  @Test
  void absent_optional_fields_come_back_null() {
    Job job =
        aJob()
            .name(null)
            .model(null)
            .baseModel(null)
            .hyperParameters(null)
            .outputSuffix(null)
            .finetunedOutput(null)
            .creator(null)
            .modifier(null)
            .error(null)
            .backend(null)
            .runHandle(null)
            .owner(null)
            .build();

    store.insert(job);

    Job read = store.find(job.id()).orElseThrow();
    assertThat(read).isEqualTo(job);
    assertThat(read.progress()).isEqualTo(Progress.NONE);
    assertThat(read.queuedAt()).isNull();
    assertThat(read.heartbeatAt()).isNull();
    assertThat(read.validationFileIds()).isEmpty();
  }

  @Test
  void instants_are_kept_to_the_millisecond() {
    Instant precise = Instant.parse("2026-03-14T09:26:53.589123456Z");
    Job job = aJob().createdAt(precise).queuedAt(precise).build();

    store.insert(job);

    Job read = store.find(job.id()).orElseThrow();
    assertThat(read.createdAt()).isEqualTo(Instant.parse("2026-03-14T09:26:53.589Z"));
    assertThat(read.queuedAt()).isEqualTo(read.createdAt());
  }

  @Test
  void unknown_job_is_not_found() {
    assertThat(store.find("ft-missing")).isEmpty();
  }

  // ---- isolation

  @Test
  void find_for_returns_the_callers_own_job() {
    Job job = aJob(ALICE).build();
    store.insert(job);

    assertThat(store.findFor(ALICE, job.id())).contains(job);
  }

  @Test
  void another_users_job_is_not_found() {
    Job job = aJob(ALICE).build();
    store.insert(job);

    assertThat(store.findFor(BOB, job.id())).isEmpty();
  }

  @Test
  void a_job_of_another_workspace_is_not_found() {
    Job job = aJob(ALICE).build();
    store.insert(job);

    assertThat(store.findFor(ALICE_ELSEWHERE, job.id())).isEmpty();
  }

  @Test
  void list_shows_only_the_callers_user_and_workspace() {
    Job mine = aJob(ALICE).build();
    store.insert(mine);
    store.insert(aJob(ALICE_ELSEWHERE).build());
    store.insert(aJob(BOB).build());

    Page<Job> page = store.list(ALICE, null, new PageRequest(1, 10));

    assertThat(page.items()).containsExactly(mine);
    assertThat(page.total()).isEqualTo(1);
  }

  // ---- listing

  @Test
  void list_is_newest_first_and_paged_with_the_total() {
    List<Job> jobs = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      Job job = aJob().createdAt(T0.plusSeconds(i)).build();
      store.insert(job);
      jobs.add(job);
    }
    Collections.reverse(jobs);

    Page<Job> first = store.list(ALICE, null, new PageRequest(1, 2));
    Page<Job> last = store.list(ALICE, null, new PageRequest(3, 2));
    Page<Job> beyond = store.list(ALICE, null, new PageRequest(4, 2));

    assertThat(first.items()).containsExactly(jobs.get(0), jobs.get(1));
    assertThat(first.total()).isEqualTo(5);
    assertThat(first.pageNo()).isEqualTo(1);
    assertThat(first.pageSize()).isEqualTo(2);
    assertThat(last.items()).containsExactly(jobs.get(4));
    assertThat(beyond.items()).isEmpty();
    assertThat(beyond.total()).isEqualTo(5);
  }

  @Test
  void jobs_created_at_the_same_instant_list_by_id_descending() {
    Job a = aJob().id("ft-a").build();
    Job b = aJob().id("ft-b").build();
    store.insert(a);
    store.insert(b);

    assertThat(store.list(ALICE, null, new PageRequest(1, 10)).items()).containsExactly(b, a);
  }

  @Test
  void list_filters_by_model_and_counts_only_matches() {
    Job qwen = aJob().model("qwen3-0.6b").build();
    store.insert(qwen);
    store.insert(aJob().model("llama-tiny").build());

    Page<Job> page = store.list(ALICE, "qwen3-0.6b", new PageRequest(1, 10));

    assertThat(page.items()).containsExactly(qwen);
    assertThat(page.total()).isEqualTo(1);
  }

  @Test
  void find_by_status_returns_only_jobs_in_those_statuses() {
    Job pending = aJob().build();
    Job queued = aQueuedJob(T0).build();
    Job failed = reached(aJob(), JobStatus.FAILED).build();
    store.insert(pending);
    store.insert(queued);
    store.insert(failed);

    assertThat(store.findByStatus(EnumSet.of(JobStatus.PENDING, JobStatus.QUEUING)))
        .containsExactlyInAnyOrder(pending, queued);
    assertThat(store.findByStatus(EnumSet.noneOf(JobStatus.class))).isEmpty();
  }

  @Test
  void find_by_status_owned_by_returns_the_owners_and_the_ownerless_jobs_only() {
    Job mine = reached(aJob(), JobStatus.RUNNING).owner(OWNER).createdAt(T0).build();
    Job ownerless =
        reached(aJob(), JobStatus.CANCELING).owner(null).createdAt(T0.plusSeconds(1)).build();
    Job theirs = reached(aJob(), JobStatus.RUNNING).owner("replica-b").build();
    Job mineButQueued = aQueuedJob(T0).owner(OWNER).build();
    store.insert(mine);
    store.insert(ownerless);
    store.insert(theirs);
    store.insert(mineButQueued);

    List<Job> followed =
        store.findByStatusOwnedBy(EnumSet.of(JobStatus.RUNNING, JobStatus.CANCELING), OWNER);

    assertThat(followed).containsExactly(mine, ownerless);
    assertThat(store.findByStatusOwnedBy(EnumSet.noneOf(JobStatus.class), OWNER)).isEmpty();
  }

  @Test
  void a_job_taken_over_by_another_owner_leaves_the_old_owners_list() {
    Job job = reached(aJob(), JobStatus.RUNNING).owner(OWNER).build();
    store.insert(job);

    store.update(job.toBuilder().owner("replica-b").build()).orElseThrow();

    assertThat(store.findByStatusOwnedBy(EnumSet.of(JobStatus.RUNNING), OWNER)).isEmpty();
    assertThat(store.findByStatusOwnedBy(EnumSet.of(JobStatus.RUNNING), "replica-b"))
        .extracting(Job::id)
        .containsExactly(job.id());
  }

  @Test
  void count_for_user_spans_workspaces_and_counts_only_the_given_statuses() {
    store.insert(reached(aJob(ALICE), JobStatus.RUNNING).build());
    store.insert(reached(aJob(ALICE_ELSEWHERE), JobStatus.SUCCEEDED).build());
    store.insert(reached(aJob(ALICE), JobStatus.FAILED).build());
    store.insert(reached(aJob(BOB), JobStatus.RUNNING).build());

    long active =
        store.countForUser(ALICE.userId(), EnumSet.of(JobStatus.RUNNING, JobStatus.SUCCEEDED));

    assertThat(active).isEqualTo(2);
    assertThat(store.countForUser(ALICE.userId(), EnumSet.noneOf(JobStatus.class))).isZero();
  }

  // ---- optimistic update

  @Test
  void update_at_the_current_version_writes_the_job_and_bumps_the_version() {
    Job job = aJob().build();
    store.insert(job);

    Optional<Job> written =
        store.update(reached(job.toBuilder(), JobStatus.QUEUING).queuedAt(T0).build());

    Job expected = reached(job.toBuilder(), JobStatus.QUEUING).queuedAt(T0).version(1).build();
    assertThat(written).contains(expected);
    assertThat(store.find(job.id())).contains(expected);
  }

  @Test
  void update_appends_its_log_lines_in_order() {
    Job job = aJob().build();
    store.insert(job);
    store.appendLogs(job.id(), List.of("created"));

    store.update(reached(job.toBuilder(), JobStatus.QUEUING).build(), List.of("queued", "waiting"));

    assertThat(store.logs(job.id(), 0, 10).lines()).containsExactly("created", "queued", "waiting");
  }

  @Test
  void update_at_a_stale_version_changes_nothing_and_writes_no_log_lines() {
    Job job = aJob().build();
    store.insert(job);
    Job current = store.update(reached(job.toBuilder(), JobStatus.QUEUING).build()).orElseThrow();

    Optional<Job> stale =
        store.update(reached(job.toBuilder(), JobStatus.CANCELED).build(), List.of("canceled"));

    assertThat(stale).isEmpty();
    assertThat(store.find(job.id())).contains(current);
    assertThat(store.logs(job.id(), 0, 10).total()).isZero();
  }

  @Test
  void update_of_a_missing_job_returns_empty() {
    assertThat(store.update(aJob().build(), List.of("lost"))).isEmpty();
  }

  // ---- delete

  @Test
  void delete_removes_the_job_and_its_log() {
    Job job = reached(aJob(), JobStatus.FAILED).build();
    store.insert(job);
    store.appendLogs(job.id(), List.of("one", "two"));

    assertThat(store.delete(job.id(), 0)).isTrue();

    assertThat(store.find(job.id())).isEmpty();
    assertThat(store.logs(job.id(), 0, 10)).isEqualTo(new LogPage(0, List.of()));
  }

  @Test
  void delete_at_a_stale_version_keeps_the_job() {
    Job job = aJob().build();
    store.insert(job);
    store.update(job);

    assertThat(store.delete(job.id(), 0)).isFalse();
    assertThat(store.find(job.id())).isPresent();
  }

  @Test
  void deleted_job_id_can_be_used_again() {
    Job job = aJob().build();
    store.insert(job);
    store.appendLogs(job.id(), List.of("old line"));
    store.delete(job.id(), 0);

    assertThat(store.insert(job)).isTrue();
    assertThat(store.logs(job.id(), 0, 10).total()).isZero();
  }

  // ---- claim

  @Test
  void claim_takes_the_oldest_queuing_job_and_marks_it_running() {
    Job younger = aQueuedJob(T0.plusSeconds(5)).userId("u-1").build();
    Job older = aQueuedJob(T0).userId("u-2").attempt(1).build();
    store.insert(younger);
    store.insert(older);
    Instant now = T0.plusSeconds(60);

    Job claimed = store.claimNext(OWNER, 1, now).orElseThrow();

    Job expected =
        reached(older.toBuilder(), JobStatus.RUNNING)
            .owner(OWNER)
            .startedAt(now)
            .heartbeatAt(now)
            .version(1)
            .build();
    assertThat(claimed).isEqualTo(expected);
    assertThat(claimed.attempt()).isEqualTo(1);
    assertThat(store.find(older.id())).contains(expected);
    assertThat(store.find(younger.id()).orElseThrow().status()).isEqualTo(JobStatus.QUEUING);
  }

  @Test
  void the_claim_writes_the_status_the_lifecycle_gives_a_claimed_queuing_job() {
    Job queued = aQueuedJob(T0).build();
    store.insert(queued);

    Job claimed = store.claimNext(OWNER, 1, T0).orElseThrow();

    assertThat(claimed.status())
        .isEqualTo(JobLifecycle.next(queued.id(), JobStatus.QUEUING, JobEvent.CLAIMED));
    assertThat(store.find(queued.id()).orElseThrow().status()).isEqualTo(claimed.status());
  }

  @Test
  void a_user_is_at_the_running_limit_exactly_in_the_statuses_that_hold_a_slot() {
    List<String> expected = new ArrayList<>();
    int i = 0;
    for (JobStatus status : JobStatus.values()) {
      String user = "u-" + status.name().toLowerCase();
      store.insert(reached(aJob().userId(user), status).build());
      store.insert(aQueuedJob(T0.plusSeconds(++i)).userId(user).build());
      if (!status.holdsSlot()) {
        expected.add(user);
      }
    }

    List<String> claimedUsers = new ArrayList<>();
    for (Optional<Job> c = store.claimNext(OWNER, 1, T0);
        c.isPresent();
        c = store.claimNext(OWNER, 1, T0)) {
      claimedUsers.add(c.get().userId());
    }

    assertThat(claimedUsers).containsExactlyInAnyOrderElementsOf(expected);
    assertThat(JobStatus.HOLDING_SLOT)
        .containsExactlyInAnyOrder(JobStatus.RUNNING, JobStatus.CANCELING, JobStatus.PAUSING);
  }

  @Test
  void jobs_queued_at_the_same_instant_are_claimed_by_id() {
    Job b = aQueuedJob(T0).id("ft-b").userId("u-1").build();
    Job a = aQueuedJob(T0).id("ft-a").userId("u-2").build();
    store.insert(b);
    store.insert(a);

    assertThat(store.claimNext(OWNER, 1, T0).map(Job::id)).contains("ft-a");
    assertThat(store.claimNext(OWNER, 1, T0).map(Job::id)).contains("ft-b");
  }

  @Test
  void claim_returns_empty_when_nothing_is_queued() {
    store.insert(aJob().build());
    store.insert(reached(aJob(), JobStatus.RUNNING).build());

    assertThat(store.claimNext(OWNER, 5, T0)).isEmpty();
  }

  @Test
  void claim_skips_a_user_at_the_running_limit_and_takes_the_next_user() {
    store.insert(reached(aJob(ALICE), JobStatus.RUNNING).build());
    Job aliceWaiting = aQueuedJob(T0).build();
    Job bobWaiting = aQueuedJob(T0.plusSeconds(1)).userId(BOB.userId()).build();
    store.insert(aliceWaiting);
    store.insert(bobWaiting);

    assertThat(store.claimNext(OWNER, 1, T0).map(Job::id)).contains(bobWaiting.id());
    assertThat(store.claimNext(OWNER, 1, T0)).isEmpty();
    assertThat(store.claimNext(OWNER, 2, T0).map(Job::id)).contains(aliceWaiting.id());
  }

  @Test
  void a_canceling_job_still_holds_its_users_slot() {
    store.insert(through(aJob()).running().canceling().build());
    store.insert(aQueuedJob(T0).build());

    assertThat(store.claimNext(OWNER, 1, T0)).isEmpty();
  }

  @Test
  void a_pausing_job_still_holds_its_users_slot_and_a_paused_one_does_not() {
    Job pausing = through(aJob()).running().pausing().build();
    store.insert(pausing);
    Job queued = aQueuedJob(T0).build();
    store.insert(queued);

    assertThat(store.claimNext(OWNER, 1, T0)).isEmpty();
    Job stored = store.find(pausing.id()).orElseThrow();
    store.update(reached(stored.toBuilder(), JobStatus.PAUSED).build()).orElseThrow();
    assertThat(store.claimNext(OWNER, 1, T0).map(Job::id)).contains(queued.id());
  }

  @Test
  void the_running_limit_counts_all_of_a_users_workspaces() {
    store.insert(reached(aJob(ALICE_ELSEWHERE), JobStatus.RUNNING).build());
    store.insert(aQueuedJob(T0).build());

    assertThat(store.claimNext(OWNER, 1, T0)).isEmpty();
  }

  @Test
  void concurrent_claimers_take_every_job_exactly_once() throws Exception {
    int jobCount = 50;
    for (int i = 0; i < jobCount; i++) {
      store.insert(aQueuedJob(T0.plusMillis(i)).userId("u-" + i).build());
    }
    int threads = 8;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<List<String>>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        String owner = "replica-" + t;
        Callable<List<String>> claimer =
            () -> {
              start.await();
              List<String> mine = new ArrayList<>();
              Optional<Job> next;
              while ((next = store.claimNext(owner, 1, T0)).isPresent()) {
                assertThat(next.get().owner()).isEqualTo(owner);
                mine.add(next.get().id());
              }
              return mine;
            };
        results.add(pool.submit(claimer));
      }
      start.countDown();
      List<String> claimed = new ArrayList<>();
      for (Future<List<String>> r : results) {
        claimed.addAll(r.get(60, TimeUnit.SECONDS));
      }

      assertThat(claimed).hasSize(jobCount).doesNotHaveDuplicates();
      assertThat(store.findByStatus(EnumSet.of(JobStatus.QUEUING))).isEmpty();
      assertThat(store.findByStatus(EnumSet.of(JobStatus.RUNNING))).hasSize(jobCount);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void concurrent_claimers_never_exceed_a_users_running_limit() throws Exception {
    for (int i = 0; i < 10; i++) {
      store.insert(aQueuedJob(T0.plusMillis(i)).build());
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Optional<Job>>> results = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        String owner = "replica-" + t;
        results.add(pool.submit(() -> store.claimNext(owner, 2, T0)));
      }
      for (Future<Optional<Job>> r : results) {
        r.get(60, TimeUnit.SECONDS);
      }

      assertThat(store.countForUser(ALICE.userId(), EnumSet.of(JobStatus.RUNNING))).isEqualTo(2);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void claimers_released_together_never_exceed_a_users_running_limit() throws Exception {
    // Each round releases every claimer at once on a queue of one user, so claims overlap as
    // closely as they can; a claim that counts the user's running jobs in a stale snapshot
    // (SKIP LOCKED without the user's lock) lets a second one through in some round.
    int claimers = 6;
    int rounds = 15;
    for (int i = 0; i < claimers * rounds; i++) {
      store.insert(aQueuedJob(T0.plusMillis(i)).build());
    }
    ExecutorService pool = Executors.newFixedThreadPool(claimers);
    try {
      for (int round = 0; round < rounds; round++) {
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(claimers);
        List<Future<Optional<Job>>> results = new ArrayList<>();
        for (int t = 0; t < claimers; t++) {
          String owner = "replica-" + t;
          results.add(
              pool.submit(
                  () -> {
                    start.await(30, TimeUnit.SECONDS);
                    return store.claimNext(owner, 1, T0);
                  }));
        }
        List<Job> claimed = new ArrayList<>();
        for (Future<Optional<Job>> r : results) {
          r.get(60, TimeUnit.SECONDS).ifPresent(claimed::add);
        }

        assertThat(claimed).as("claims in round %d", round).hasSize(1);
        Job done = store.find(claimed.get(0).id()).orElseThrow();
        store.update(reached(done.toBuilder(), JobStatus.SUCCEEDED).build()).orElseThrow();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  // ---- queue position

  @Test
  void queue_position_counts_the_queuing_jobs_ahead_in_claim_order() {
    Job first = aQueuedJob(T0).id("ft-q1").build();
    Job tiedButLaterId = aQueuedJob(T0).id("ft-q2").build();
    Job last = aQueuedJob(T0.plusSeconds(1)).id("ft-q0").build();
    store.insert(last);
    store.insert(tiedButLaterId);
    store.insert(first);
    store.insert(reached(aJob(), JobStatus.RUNNING).queuedAt(T0.minusSeconds(9)).build());

    assertThat(store.queuePosition(first)).isEqualTo(1);
    assertThat(store.queuePosition(tiedButLaterId)).isEqualTo(2);
    assertThat(store.queuePosition(last)).isEqualTo(3);
  }

  @Test
  void queue_position_moves_up_when_a_job_ahead_is_claimed() {
    Job ahead = aQueuedJob(T0).build();
    Job behind = aQueuedJob(T0.plusSeconds(1)).userId("u-other").build();
    store.insert(ahead);
    store.insert(behind);

    store.claimNext(OWNER, 1, T0);

    assertThat(store.queuePosition(behind)).isEqualTo(1);
  }

  // ---- logs

  @Test
  void logs_are_sliced_from_a_zero_based_index_with_the_total() {
    Job job = aJob().build();
    store.insert(job);
    store.appendLogs(job.id(), IntStream.range(0, 10).mapToObj(i -> "line " + i).toList());

    assertThat(store.logs(job.id(), 0, 3))
        .isEqualTo(new LogPage(10, List.of("line 0", "line 1", "line 2")));
    assertThat(store.logs(job.id(), 8, 5)).isEqualTo(new LogPage(10, List.of("line 8", "line 9")));
    assertThat(store.logs(job.id(), 10, 5)).isEqualTo(new LogPage(10, List.of()));
  }

  @Test
  void log_lines_keep_unicode_and_empty_lines() {
    Job job = aJob().build();
    store.insert(job);
    List<String> lines = List.of("2026-03-14 09:26:53,589 - INFO - 训练开始 ✓", "", "  indented");

    store.appendLogs(job.id(), lines);

    assertThat(store.logs(job.id(), 0, 10).lines()).isEqualTo(lines);
  }

  @Test
  void logs_of_one_job_are_not_mixed_with_anothers() {
    Job a = aJob().build();
    Job b = aJob().build();
    store.insert(a);
    store.insert(b);
    store.appendLogs(a.id(), List.of("a1"));
    store.appendLogs(b.id(), List.of("b1", "b2"));
    store.appendLogs(a.id(), List.of("a2"));

    assertThat(store.logs(a.id(), 0, 10)).isEqualTo(new LogPage(2, List.of("a1", "a2")));
  }

  @Test
  void log_lines_for_a_missing_job_are_dropped() {
    store.appendLogs("ft-missing", List.of("late line"));

    assertThat(store.logs("ft-missing", 0, 10)).isEqualTo(new LogPage(0, List.of()));
  }

  @Test
  void concurrent_writers_lose_no_log_lines_and_no_updates() throws Exception {
    Job job = aJob().build();
    store.insert(job);
    int threads = 6;
    int perThread = 20;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int writer = t;
        results.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < perThread; i++) {
                    if (i % 2 == 0) {
                      store.appendLogs(job.id(), List.of("w" + writer + " append " + i));
                    } else {
                      bumpUsage(job.id(), "w" + writer + " update " + i);
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> r : results) {
        r.get(120, TimeUnit.SECONDS);
      }

      assertThat(store.logs(job.id(), 0, 1000).lines())
          .hasSize(threads * perThread)
          .doesNotHaveDuplicates();
      Job last = store.find(job.id()).orElseThrow();
      assertThat(last.usage()).isEqualTo(threads * perThread / 2);
      assertThat(last.version()).isEqualTo(threads * perThread / 2);
    } finally {
      pool.shutdownNow();
    }
  }

  // ---- typed metrics

  @Test
  void metrics_are_stored_with_their_log_lines_and_read_back_exactly() {
    Job job = aJob().build();
    store.insert(job);
    store.appendLogs(job.id(), List.of("first"));
    JobMetric train = JobMetric.train(1, 7, 100, 0.07, 2.123456789012345, 0.4375, 1.6e-5, 99L);
    JobMetric eval = JobMetric.eval(2, 7, 2.25, 0.5);
    Job current = store.find(job.id()).orElseThrow();

    Optional<Job> written =
        store.update(
            current.toBuilder().eventsOffset(120).build(),
            List.of("offset line", "step 7", "eval 7"),
            List.of(train, eval));

    assertThat(written).isPresent();
    assertThat(store.find(job.id()).orElseThrow().eventsOffset()).isEqualTo(120);
    // line 1 of the batch is the job's log line 2: after "first" and "offset line"
    assertThat(store.metrics(job.id(), 0, 10))
        .containsExactly(
            JobMetric.train(2, 7, 100, 0.07, 2.123456789012345, 0.4375, 1.6e-5, 99L),
            JobMetric.eval(3, 7, 2.25, 0.5));
    assertThat(store.logs(job.id(), 2, 1).lines()).containsExactly("step 7");
    assertThat(store.metrics(job.id(), 3, 10)).containsExactly(JobMetric.eval(3, 7, 2.25, 0.5));
    assertThat(store.metrics(job.id(), 0, 1)).hasSize(1);
  }

  @Test
  void metrics_of_a_lost_update_are_not_stored() {
    Job job = aJob().build();
    store.insert(job);
    Job stale = store.find(job.id()).orElseThrow();
    store.update(stale.toBuilder().usage(1).build());

    Optional<Job> written =
        store.update(
            stale.toBuilder().usage(2).build(),
            List.of("step 1"),
            List.of(JobMetric.train(0, 1, 2, 0.5, 1.0, null, 1e-4, 10L)));

    assertThat(written).isEmpty();
    assertThat(store.metrics(job.id(), 0, 10)).isEmpty();
    assertThat(store.logs(job.id(), 0, 10).lines()).isEmpty();
  }

  @Test
  void a_diverged_loss_and_missing_accuracy_read_back_as_nan_and_null() {
    Job job = aJob().build();
    store.insert(job);

    store.update(
        store.find(job.id()).orElseThrow(),
        List.of("eval 3"),
        List.of(JobMetric.eval(0, 3, Double.NaN, null)));

    JobMetric read = store.metrics(job.id(), 0, 10).get(0);
    assertThat(read.loss()).isNaN();
    assertThat(read.tokenAccuracy()).isNull();
  }

  @Test
  void a_metric_naming_no_written_line_is_rejected_and_nothing_is_written() {
    Job job = aJob().build();
    store.insert(job);
    Job current = store.find(job.id()).orElseThrow();

    assertThatThrownBy(
            () ->
                store.update(
                    current.toBuilder().usage(5).build(),
                    List.of("only line"),
                    List.of(JobMetric.eval(1, 3, 1.0, null))))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(store.find(job.id()).orElseThrow().usage()).isEqualTo(current.usage());
    assertThat(store.logs(job.id(), 0, 10).lines()).isEmpty();
  }

  @Test
  void metrics_go_with_their_job() {
    Job job = reached(aJob(), JobStatus.SUCCEEDED).build();
    store.insert(job);
    Job current = store.find(job.id()).orElseThrow();
    Job written =
        store
            .update(current, List.of("eval"), List.of(JobMetric.eval(0, 1, 1.0, null)))
            .orElseThrow();

    assertThat(store.delete(job.id(), written.version())).isTrue();

    assertThat(store.metrics(job.id(), 0, 10)).isEmpty();
  }

  /** Read, change, write; retry when another writer came first, as the domain does. */
  private void bumpUsage(String jobId, String line) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      Job current = store.find(jobId).orElseThrow();
      if (store
          .update(current.toBuilder().usage(current.usage() + 1).build(), List.of(line))
          .isPresent()) {
        return;
      }
    }
    throw new AssertionError("update of " + jobId + " never won a race");
  }

  @Test
  void a_jobs_output_name_is_reserved_with_the_job_per_tenant() {
    Job first = aJob(ALICE).finetunedOutput("out-name").build();
    assertThat(store.insert(first)).isTrue();

    Job second = aJob(ALICE).finetunedOutput("out-name").build();
    assertThatThrownBy(() -> store.insert(second))
        .isInstanceOf(dev.tuneup.error.ModelNameTaken.class);
    // The refused job was not stored: the reservation and the job are one transaction.
    assertThat(store.find(second.id())).isEmpty();
    assertThat(store.insert(aJob(BOB).finetunedOutput("out-name").build())).isTrue();

    assertThat(store.delete(first.id(), 0)).isTrue();
    assertThat(store.insert(aJob(ALICE).finetunedOutput("out-name").build())).isTrue();
  }

  @Test
  void parallel_creates_never_overrun_the_queued_or_active_quota() throws Exception {
    List<JobStore.Admission> queued =
        hammer(12, () -> store.insertWithinQuota(aJob(ALICE).build(), 100, 3));
    List<JobStore.Admission> active =
        hammer(12, () -> store.insertWithinQuota(aJob(BOB).build(), 2, 100));

    assertThat(queued).filteredOn(a -> a == JobStore.Admission.STORED).hasSize(3);
    assertThat(queued).filteredOn(a -> a == JobStore.Admission.QUEUED_LIMIT).hasSize(9);
    assertThat(active).filteredOn(a -> a == JobStore.Admission.STORED).hasSize(2);
    assertThat(active).filteredOn(a -> a == JobStore.Admission.ACTIVE_LIMIT).hasSize(10);
    assertThat(store.countForUser(BOB.userId(), EnumSet.allOf(JobStatus.class))).isEqualTo(2);
  }

  private static <T> List<T> hammer(int threads, Callable<T> task) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<T>> futures = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  return task.call();
                }));
      }
      start.countDown();
      List<T> out = new ArrayList<>();
      for (Future<T> f : futures) {
        out.add(f.get(60, TimeUnit.SECONDS));
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }
}
