package dev.tuneup.testkit;

import dev.tuneup.auth.Caller;
import dev.tuneup.contract.TrainingMethod;
import dev.tuneup.job.Job;
import dev.tuneup.job.JobStatus;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Builders of jobs with sensible defaults: a PENDING {@code sft} job of {@link #ALICE} on one
 * training file, created at {@link #T0}. Tests state only what they are about: {@code
 * aJob().status(FAILED).build()}, {@code aQueuedJob(T0).userId("u-bob").build()}.
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
        .status(JobStatus.PENDING)
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
    return aJob().status(JobStatus.QUEUING).queuedAt(queuedAt);
  }

  /** A job of {@link #ALICE} that {@code owner} claimed and started at {@code startedAt}. */
  public static Job.Builder aRunningJob(String owner, Instant startedAt) {
    return aQueuedJob(startedAt)
        .status(JobStatus.RUNNING)
        .owner(owner)
        .startedAt(startedAt)
        .heartbeatAt(startedAt)
        .attempt(1)
        .backend("local")
        .runHandle("pid=4242,start=1");
  }
}
