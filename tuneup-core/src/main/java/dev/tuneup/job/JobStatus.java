package dev.tuneup.job;

/** The status of a fine-tuning job. The names are the exact strings on the wire. */
public enum JobStatus {
  PENDING,
  QUEUING,
  RUNNING,
  CANCELING,
  /** A pause was asked for: the trainer is stopping at a step boundary and saving a checkpoint. */
  PAUSING,
  /** The trainer stopped with a checkpoint and is gone; resume queues the job again. */
  PAUSED,
  SUCCEEDED,
  FAILED,
  CANCELED;

  /** A terminal job never changes status again; it can only be deleted. */
  public boolean isTerminal() {
    return this == SUCCEEDED || this == FAILED || this == CANCELED;
  }

  /** A job whose trainer may be alive: it holds a backend slot. */
  public boolean holdsSlot() {
    return this == RUNNING || this == CANCELING || this == PAUSING;
  }

  /**
   * A job that counts against {@code jobs.max-active}: RUNNING or SUCCEEDED, and every job on its
   * way there (waiting, paused, pausing). Counting only RUNNING and SUCCEEDED would let quick
   * creates all pass while they are still PENDING.
   */
  public boolean holdsActiveQuota() {
    return this != FAILED && this != CANCELED && this != CANCELING;
  }

  /** A job waiting to run: counts against {@code jobs.max-queued}. */
  public boolean isWaiting() {
    return this == PENDING || this == QUEUING;
  }

  /** A job whose trainer is being asked to stop: SIGTERM, then the kill after the grace. */
  public boolean isStopping() {
    return this == CANCELING || this == PAUSING;
  }
}
