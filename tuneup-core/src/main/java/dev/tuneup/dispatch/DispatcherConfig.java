package dev.tuneup.dispatch;

import java.time.Duration;

/**
 * How the dispatcher runs.
 *
 * @param owner this replica's id, recorded on the jobs it runs
 * @param perUserRunning jobs one user may have running at once
 * @param stopGrace time between SIGTERM and SIGKILL of a cancelled run
 * @param maxAttempts launches of one job before a lost trainer fails it
 * @param pollInterval longest sleep between iterations when nothing wakes the loop
 * @param heartbeatInterval how often the jobs this replica runs get a new heartbeat; the {@link
 *     Reaper}s of other replicas take a job over once its heartbeat is several intervals old
 */
public record DispatcherConfig(
    String owner,
    int perUserRunning,
    Duration stopGrace,
    int maxAttempts,
    Duration pollInterval,
    Duration heartbeatInterval) {
  public static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(10);
  public static final int DEFAULT_MAX_ATTEMPTS = 3;
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(500);
  public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(5);

  /** With the default heartbeat interval. */
  public DispatcherConfig(
      String owner,
      int perUserRunning,
      Duration stopGrace,
      int maxAttempts,
      Duration pollInterval) {
    this(owner, perUserRunning, stopGrace, maxAttempts, pollInterval, DEFAULT_HEARTBEAT_INTERVAL);
  }

  public DispatcherConfig {
    if (perUserRunning < 1) {
      throw new IllegalArgumentException("perUserRunning must be 1 or more");
    }
    if (stopGrace.isNegative()) {
      throw new IllegalArgumentException("jobs.stop-grace must not be negative");
    }
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("jobs.max-attempts must be 1 or more");
    }
    if (pollInterval.isNegative() || pollInterval.isZero()) {
      throw new IllegalArgumentException("poll interval must be positive");
    }
    if (owner == null || owner.isBlank()) {
      throw new IllegalArgumentException("owner (replica-id) must not be blank");
    }
    if (heartbeatInterval.isNegative() || heartbeatInterval.isZero()) {
      throw new IllegalArgumentException("jobs.heartbeat-interval must be positive");
    }
  }
}
