package dev.tuneup.job;

import dev.tuneup.auth.Caller;
import dev.tuneup.common.Page;
import dev.tuneup.common.PageRequest;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Persistence of jobs and their logs. Every state write is optimistic: {@link #update} succeeds
 * only if the stored version equals the given job's version, and bumps it.
 */
public interface JobStore {

  /**
   * Stores a new job (its version must be 0).
   *
   * @return false if a job with the same id exists (the caller picks another id)
   */
  boolean insert(Job job);

  /** The outcome of {@link #insertWithinQuota}. */
  enum Admission {
    STORED,
    /** A job with the same id exists; the caller picks another id. */
    ID_TAKEN,
    /** The user holds {@code maxActive} jobs that run, will run or succeeded. */
    ACTIVE_LIMIT,
    /** The user has {@code maxQueued} jobs waiting (PENDING or QUEUING). */
    QUEUED_LIMIT
  }

  /**
   * Stores a new job if its user holds fewer than {@code maxActive} jobs in {@link
   * JobStatus#holdsActiveQuota} statuses and fewer than {@code maxQueued} waiting ones. The check
   * and the insert are one transaction serialised per user: parallel creates never overrun.
   *
   * @throws dev.tuneup.error.ModelNameTaken as {@link #insert}
   */
  Admission insertWithinQuota(Job job, int maxActive, int maxQueued);

  Optional<Job> find(String jobId);

  /** The job if it belongs to the caller's user and workspace. */
  Optional<Job> findFor(Caller caller, String jobId);

  /** Jobs of the caller's user and workspace, newest first, optionally only those of a model. */
  Page<Job> list(Caller caller, String model, PageRequest page);

  /**
   * Writes {@code job} if the stored version is {@code job.version()}, then stores version + 1.
   * Appends {@code logLines} to the job's log in the same transaction.
   *
   * @return the stored job (with the new version), or empty if another writer came first
   */
  default Optional<Job> update(Job job, List<String> logLines) {
    return update(job, logLines, List.of());
  }

  /**
   * As {@link #update(Job, List)}, and stores {@code metrics} in the same transaction, each tied to
   * the line of {@code logLines} its {@link JobMetric#line()} names.
   *
   * @throws IllegalArgumentException if a metric names no line of {@code logLines}
   */
  Optional<Job> update(Job job, List<String> logLines, List<JobMetric> metrics);

  default Optional<Job> update(Job job) {
    return update(job, List.of());
  }

  /** Deletes the job and its log if its version is still {@code version}. */
  boolean delete(String jobId, long version);

  List<Job> findByStatus(Collection<JobStatus> statuses);

  /**
   * Jobs in one of the statuses that {@code owner} owns or that no replica owns, oldest first: the
   * work one replica's dispatcher follows. Jobs of other replicas are theirs until the reaper takes
   * them over.
   */
  List<Job> findByStatusOwnedBy(Collection<JobStatus> statuses, String owner);

  /**
   * Claims the oldest QUEUING job whose user has fewer than {@code perUserRunning} jobs holding a
   * slot: one atomic statement sets it RUNNING with the owner, start time and heartbeat.
   */
  Optional<Job> claimNext(String owner, int perUserRunning, Instant now);

  /** How many of the user's jobs are in one of the statuses (all workspaces). */
  long countForUser(String userId, Collection<JobStatus> statuses);

  /** 1-based position of a QUEUING job in the global queue (by queued time, then id). */
  long queuePosition(Job job);

  /** Lines {@code fromIndex} (0-based) to {@code fromIndex + limit} of the job's log. */
  LogPage logs(String jobId, long fromIndex, int limit);

  /**
   * Up to {@code limit} of the job's metrics whose log line is at index {@code fromLine} or later,
   * in log order.
   */
  List<JobMetric> metrics(String jobId, long fromLine, int limit);

  /** Appends lines to a job's log without touching the job. */
  void appendLogs(String jobId, List<String> lines);
}
