package dev.tuneup.job;

/** The status of a fine-tuning job. The names are the exact strings on the wire. */
public enum JobStatus {
  PENDING,
  QUEUING,
  RUNNING,
  CANCELING,
  SUCCEEDED,
  FAILED,
  CANCELED;

  /** A terminal job never changes status again; it can only be deleted. */
  public boolean isTerminal() {
    return this == SUCCEEDED || this == FAILED || this == CANCELED;
  }

  /** A job whose trainer may be alive: it holds a backend slot. */
  public boolean holdsSlot() {
    return this == RUNNING || this == CANCELING;
  }
}
