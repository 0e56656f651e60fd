package dev.tuneup.job;

import dev.tuneup.auth.Caller;
import dev.tuneup.common.Page;
import dev.tuneup.common.PageRequest;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A {@link JobStore} that reports the id of every job it writes (status, logs, claim, delete) once
 * the write is done, so readers of a job's log (its event stream) are told instead of polling.
 * Reads pass through. The listener runs on the writer's thread and must return at once.
 */
public final class WatchedJobStore implements JobStore {
  private final JobStore store;
  private final Consumer<String> written;

  public WatchedJobStore(JobStore store, Consumer<String> written) {
    this.store = store;
    this.written = written;
  }

  private void tell(String jobId) {
    try {
      written.accept(jobId);
    } catch (RuntimeException e) {
      // a reader's trouble must never fail the write it hears about
    }
  }

  @Override
  public boolean insert(Job job) {
    boolean inserted = store.insert(job);
    tell(job.id());
    return inserted;
  }

  @Override
  public Admission insertWithinQuota(Job job, int maxActive, int maxQueued) {
    Admission admitted = store.insertWithinQuota(job, maxActive, maxQueued);
    tell(job.id());
    return admitted;
  }

  @Override
  public Optional<Job> find(String jobId) {
    return store.find(jobId);
  }

  @Override
  public Optional<Job> findFor(Caller caller, String jobId) {
    return store.findFor(caller, jobId);
  }

  @Override
  public Page<Job> list(Caller caller, String model, PageRequest page) {
    return store.list(caller, model, page);
  }

  @Override
  public Optional<Job> update(Job job, List<String> logLines, List<JobMetric> metrics) {
    Optional<Job> written = store.update(job, logLines, metrics);
    written.ifPresent(j -> tell(j.id()));
    return written;
  }

  @Override
  public boolean delete(String jobId, long version) {
    boolean deleted = store.delete(jobId, version);
    tell(jobId);
    return deleted;
  }

  @Override
  public List<Job> findByStatus(Collection<JobStatus> statuses) {
    return store.findByStatus(statuses);
  }

  @Override
  public List<Job> findByStatusOwnedBy(Collection<JobStatus> statuses, String owner) {
    return store.findByStatusOwnedBy(statuses, owner);
  }

  @Override
  public Optional<Job> claimNext(String owner, int perUserRunning, Instant now) {
    Optional<Job> claimed = store.claimNext(owner, perUserRunning, now);
    claimed.ifPresent(j -> tell(j.id()));
    return claimed;
  }

  @Override
  public long countForUser(String userId, Collection<JobStatus> statuses) {
    return store.countForUser(userId, statuses);
  }

  @Override
  public long queuePosition(Job job) {
    return store.queuePosition(job);
  }

  @Override
  public LogPage logs(String jobId, long fromIndex, int limit) {
    return store.logs(jobId, fromIndex, limit);
  }

  @Override
  public void appendLogs(String jobId, List<String> lines) {
    store.appendLogs(jobId, lines);
    tell(jobId);
  }

  @Override
  public List<JobMetric> metrics(String jobId, long fromLine, int limit) {
    return store.metrics(jobId, fromLine, limit);
  }
}
