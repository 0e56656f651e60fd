package dev.tuneup.testkit;

import dev.tuneup.auth.Caller;
import dev.tuneup.contract.TrainingMethod;
import dev.tuneup.job.Job;
import dev.tuneup.job.JobEvent;
import dev.tuneup.job.JobLifecycle;
import dev.tuneup.job.JobStatus;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Builders of jobs with sensible defaults: a PENDING {@code sft} job of {@link #ALICE} on one
 * training file, created at {@link #T0}. Tests state only what they are about: {@code
 * reached(aJob(), FAILED).build()}, {@code aQueuedJob(T0).userId("u-bob").build()}. A fixture
 * reaches a status through the lifecycle ({@link Job#on}), never by setting it, so it can only be
 * in a state a real job can be in.
 */
public final class JobFixtures {
  /** A fixed instant with milliseconds, the precision stores keep. */
  public static final Instant T0 = Instant.parse("2026-03-14T09:26:53.589Z");

  public static final Caller ALICE = new Caller("u-alice", "ws-alice", false);

  /** Alice in a second workspace she is a member of. */
  public static final Caller ALICE_ELSEWHERE = new Caller("u-alice", "ws-team", false);

  public static final Caller BOB = new Caller("u-bob", "ws-bob", false);

  public static final String MODEL = "qwen3-0.6b";

  private static final AtomicLong SEQUENCE = new AtomicLong();

  private JobFixtures() {}

  /** A new PENDING job of {@link #ALICE} with a unique id. */
  public static Job.Builder aJob() {
    return aJob(ALICE);
  }

  /** A new PENDING job of {@code owner} with a unique id. */
  public static Job.Builder aJob(Caller owner) {
    String id = String.format("ft-202603140926-%04x", SEQUENCE.incrementAndGet());
    return Job.builder()
        .id(id)
        .name(id)
        .userId(owner.userId())
        .workspaceId(owner.workspaceId())
        .model(MODEL)
        .baseModel(MODEL)
        .trainingType(TrainingMethod.SFT_FULL)
        .trainingFileIds(List.of("file-ft-train"))
        .validationFileIds(List.of())
        .hyperParameters("{\"n_epochs\":1}")
        .createdAt(T0)
        .creator(owner.userId())
        .modifier(owner.userId());
  }

  /** A job of {@link #ALICE} waiting in the queue since {@code queuedAt}. */
  public static Job.Builder aQueuedJob(Instant queuedAt) {
    return aJob().build().on(JobEvent.VALIDATED, queuedAt);
  }

  /** A job of {@link #ALICE} that {@code owner} claimed and started at {@code startedAt}. */
  public static Job.Builder aRunningJob(String owner, Instant startedAt) {
    return aQueuedJob(startedAt)
        .build()
        .on(JobEvent.CLAIMED, startedAt)
        .owner(owner)
        .startedAt(startedAt)
        .heartbeatAt(startedAt)
        .attempt(1)
        .backend("local")
        .runHandle("pid=4242,start=1");
  }

  /**
   * {@code job} as a job that moves through the lifecycle by name: {@code
   * through(aJob()).running().canceling().build()}.
   */
  public static Stage through(Job.Builder job) {
    return new Stage(job);
  }

  /** A fixture job that reaches each status by the lifecycle's events, from where it is. */
  public static final class Stage {
    private Job.Builder job;

    private Stage(Job.Builder job) {
      this.job = job;
    }

    private Stage to(JobStatus status) {
      job = reached(job, status);
      return this;
    }

    public Stage queued() {
      return to(JobStatus.QUEUING);
    }

    public Stage running() {
      return to(JobStatus.RUNNING);
    }

    public Stage canceling() {
      return to(JobStatus.CANCELING);
    }

    public Stage pausing() {
      return to(JobStatus.PAUSING);
    }

    public Stage paused() {
      return to(JobStatus.PAUSED);
    }

    public Stage succeeded() {
      return to(JobStatus.SUCCEEDED);
    }

    public Stage failed() {
      return to(JobStatus.FAILED);
    }

    public Stage canceled() {
      return to(JobStatus.CANCELED);
    }

    /** The builder, for the fields the test is about. */
    public Job.Builder builder() {
      return job;
    }

    public Job build() {
      return job.build();
    }
  }

  /**
   * {@code job} taken to {@code status} by the shortest run of lifecycle events, each at {@link
   * #T0}, e.g. RUNNING → PAUSED through PAUSE and PAUSE_CONFIRMED.
   *
   * @throws IllegalArgumentException when no events lead there from the job's status
   */
  public static Job.Builder reached(Job.Builder job, JobStatus status) {
    Job start = job.build();
    List<JobEvent> path = pathOf(start.status(), status);
    Job.Builder at = start.toBuilder();
    for (JobEvent event : path) {
      at = at.build().on(event, T0);
    }
    return at;
  }

  private static List<JobEvent> pathOf(JobStatus from, JobStatus to) {
    Map<JobStatus, List<JobEvent>> paths = new EnumMap<>(JobStatus.class);
    paths.put(from, List.of());
    ArrayDeque<JobStatus> todo = new ArrayDeque<>(List.of(from));
    while (!todo.isEmpty()) {
      JobStatus s = todo.poll();
      if (s == to) {
        return paths.get(s);
      }
      for (JobEvent e : JobEvent.values()) {
        Optional<JobStatus> next = JobLifecycle.target(s, e);
        if (next.isPresent() && !paths.containsKey(next.get())) {
          List<JobEvent> path = new ArrayList<>(paths.get(s));
          path.add(e);
          paths.put(next.get(), path);
          todo.add(next.get());
        }
      }
    }
    throw new IllegalArgumentException("no lifecycle events lead from " + from + " to " + to);
  }
}
