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

  /** A job whose trainer is being asked to stop: SIGTERM, then the kill after the grace. */
  public boolean isStopping() {
    return this == CANCELING || this == PAUSING;
  }
}
