package dev.tuneup.job;

/**
 * Per-user job quotas.
 *
 * @param maxActive jobs RUNNING or SUCCEEDED a user may hold (DashScope allows 20)
 * @param maxRunning jobs a user may have running at once; the rest wait in QUEUING
 * @param maxQueued jobs a user may have waiting (PENDING or QUEUING) at once
 * @param maxTotalSteps optimizer steps one job may ask for (samples / batch size × epochs)
 */
public record JobLimits(int maxActive, int maxRunning, int maxQueued, long maxTotalSteps) {
  public static final int DEFAULT_MAX_ACTIVE = 20;
  public static final int DEFAULT_MAX_RUNNING = 1;
  public static final int DEFAULT_MAX_QUEUED = 20;
  public static final long DEFAULT_MAX_TOTAL_STEPS = 1_000_000;

  public JobLimits {
    if (maxActive < 1) {
      throw new IllegalArgumentException("jobs.max-active must be 1 or more, got " + maxActive);
    }
    if (maxRunning < 1) {
      throw new IllegalArgumentException("jobs.max-running must be 1 or more, got " + maxRunning);
    }
    if (maxQueued < 1) {
      throw new IllegalArgumentException("jobs.max-queued must be 1 or more, got " + maxQueued);
    }
    if (maxTotalSteps < 1 || maxTotalSteps > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "jobs.max-total-steps must be from 1 to " + Integer.MAX_VALUE + ", got " + maxTotalSteps);
    }
  }

  public JobLimits(int maxActive, int maxRunning) {
    this(maxActive, maxRunning, DEFAULT_MAX_QUEUED, DEFAULT_MAX_TOTAL_STEPS);
  }

  public static JobLimits defaults() {
    return new JobLimits(DEFAULT_MAX_ACTIVE, DEFAULT_MAX_RUNNING);
  }
}
