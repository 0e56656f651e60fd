package dev.tuneup.job;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

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

  /**
   * The statuses of a job whose trainer may be alive: it holds a slot of its backend and counts
   * against its user's running limit, and its owner must keep beating. The one definition, used by
   * the dispatcher, the reaper and the stores' claim.
   */
  public static final Set<JobStatus> HOLDING_SLOT =
      Collections.unmodifiableSet(EnumSet.of(RUNNING, CANCELING, PAUSING));

  /** Whether this status is one of {@link #HOLDING_SLOT}. */
  public boolean holdsSlot() {
    return HOLDING_SLOT.contains(this);
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
