package dev.tuneup.job;

/**
 * Per-user job quotas.
 *
 * @param maxActive jobs RUNNING or SUCCEEDED a user may hold (DashScope allows 20)
 * @param maxRunning jobs a user may have running at once; the rest wait in QUEUING
 */
public record JobLimits(int maxActive, int maxRunning) {
  public static final int DEFAULT_MAX_ACTIVE = 20;
  public static final int DEFAULT_MAX_RUNNING = 1;

  public JobLimits {
    if (maxActive < 1) {
      throw new IllegalArgumentException("jobs.max-active must be 1 or more, got " + maxActive);
    }
    if (maxRunning < 1) {
      throw new IllegalArgumentException("jobs.max-running must be 1 or more, got " + maxRunning);
    }
  }

  public static JobLimits defaults() {
    return new JobLimits(DEFAULT_MAX_ACTIVE, DEFAULT_MAX_RUNNING);
  }
}
