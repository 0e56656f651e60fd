package dev.tuneup.job;

/** What can happen to a job. {@link JobLifecycle} says which status each one leads to. */
public enum JobEvent {
  /** The job's files and model were checked and are usable. */
  VALIDATED,
  /** The job's inputs are unusable (a file or model went away, bad data). */
  VALIDATION_FAILED,
  /** A dispatcher took the job for a free slot. */
  CLAIMED,
  /** The trainer ended well: exit 0 or a {@code done} event. */
  TRAINER_SUCCEEDED,
  /** The trainer ended badly: non-zero exit or an {@code error} event. */
  TRAINER_FAILED,
  /** The trainer vanished without a word; the job goes back to the queue to resume. */
  TRAINER_LOST,
  /** A user asked to cancel. */
  CANCEL,
  /** Every process of a cancelled run is confirmed gone. */
  CANCEL_CONFIRMED,
  /** A user asked to pause a running job (stop at a step boundary with a checkpoint). */
  PAUSE,
  /**
   * Every process of a pausing run is confirmed gone without a result: the trainer wrote {@code
   * stopped}, or it was killed after the grace.
   */
  PAUSE_CONFIRMED,
  /** A user asked to continue a paused job from its last checkpoint. */
  RESUME
}
