package dev.tuneup.job;

import static dev.tuneup.job.JobEvent.CANCEL;
import static dev.tuneup.job.JobEvent.CANCEL_CONFIRMED;
import static dev.tuneup.job.JobEvent.CLAIMED;
import static dev.tuneup.job.JobEvent.PAUSE;
import static dev.tuneup.job.JobEvent.PAUSE_CONFIRMED;
import static dev.tuneup.job.JobEvent.RESUME;
import static dev.tuneup.job.JobEvent.TRAINER_FAILED;
import static dev.tuneup.job.JobEvent.TRAINER_LOST;
import static dev.tuneup.job.JobEvent.TRAINER_SUCCEEDED;
import static dev.tuneup.job.JobEvent.VALIDATED;
import static dev.tuneup.job.JobEvent.VALIDATION_FAILED;
import static dev.tuneup.job.JobStatus.CANCELED;
import static dev.tuneup.job.JobStatus.CANCELING;
import static dev.tuneup.job.JobStatus.FAILED;
import static dev.tuneup.job.JobStatus.PAUSED;
import static dev.tuneup.job.JobStatus.PAUSING;
import static dev.tuneup.job.JobStatus.PENDING;
import static dev.tuneup.job.JobStatus.QUEUING;
import static dev.tuneup.job.JobStatus.RUNNING;
import static dev.tuneup.job.JobStatus.SUCCEEDED;

import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * The job state machine: one transition table, checked in one method. Every status change in tuneup
 * goes through {@link #next}.
 *
 * <p>Two rules decide races. Cancel wins: once a job is CANCELING, whatever the trainer reports
 * next (success, failure, disappearance) ends it CANCELED. And cancel of a CANCELING job is a no-op
 * that succeeds, so two concurrent cancels have one effect.
 *
 * <p>Pause is a stop that keeps the job: a RUNNING job becomes PAUSING, its trainer gets SIGTERM
 * (it finishes the step, saves a checkpoint and writes {@code stopped}) and the job is PAUSED once
 * no process of the run is left; resume queues it again and the next run continues from that
 * checkpoint. Three more rules: a pausing run that finishes first wins (PAUSING + success =
 * SUCCEEDED); cancel beats pause (PAUSING + cancel = CANCELING, PAUSED + cancel = CANCELED at
 * once); and pausing a PAUSING or PAUSED job is a no-op that succeeds, like a second cancel.
 */
public final class JobLifecycle {
  private static final Map<JobStatus, Map<JobEvent, JobStatus>> TABLE =
      new EnumMap<>(JobStatus.class);

  static {
    allow(PENDING, VALIDATED, QUEUING);
    allow(PENDING, VALIDATION_FAILED, FAILED);
    allow(PENDING, CANCEL, CANCELED);

    allow(QUEUING, CLAIMED, RUNNING);
    allow(QUEUING, VALIDATION_FAILED, FAILED);
    allow(QUEUING, CANCEL, CANCELED);

    allow(RUNNING, TRAINER_SUCCEEDED, SUCCEEDED);
    allow(RUNNING, TRAINER_FAILED, FAILED);
    allow(RUNNING, TRAINER_LOST, QUEUING);
    allow(RUNNING, CANCEL, CANCELING);
    allow(RUNNING, PAUSE, PAUSING);

    allow(CANCELING, TRAINER_SUCCEEDED, CANCELED);
    allow(CANCELING, TRAINER_FAILED, CANCELED);
    allow(CANCELING, TRAINER_LOST, CANCELED);
    allow(CANCELING, CANCEL_CONFIRMED, CANCELED);
    allow(CANCELING, CANCEL, CANCELING);

    allow(PAUSING, TRAINER_SUCCEEDED, SUCCEEDED);
    allow(PAUSING, TRAINER_FAILED, FAILED);
    allow(PAUSING, PAUSE_CONFIRMED, PAUSED);
    allow(PAUSING, PAUSE, PAUSING);
    allow(PAUSING, CANCEL, CANCELING);

    allow(PAUSED, RESUME, QUEUING);
    allow(PAUSED, PAUSE, PAUSED);
    allow(PAUSED, CANCEL, CANCELED);
  }

  private JobLifecycle() {}

  private static void allow(JobStatus from, JobEvent event, JobStatus to) {
    TABLE.computeIfAbsent(from, f -> new EnumMap<>(JobEvent.class)).put(event, to);
  }

  /** The status {@code event} leads to from {@code from}, or empty when it is not allowed. */
  public static Optional<JobStatus> target(JobStatus from, JobEvent event) {
    return Optional.ofNullable(TABLE.getOrDefault(from, Map.of()).get(event));
  }

  /**
   * The status {@code event} leads to.
   *
   * @throws IllegalTransition naming the job, its status and the event when not allowed
   */
  public static JobStatus next(String jobId, JobStatus from, JobEvent event) {
    return target(from, event).orElseThrow(() -> refusal(jobId, from, event));
  }

  /** Whether a job in this status may be deleted (only terminal jobs). */
  public static boolean canDelete(JobStatus status) {
    return status.isTerminal();
  }

  private static IllegalTransition refusal(String jobId, JobStatus from, JobEvent event) {
    String message =
        switch (event) {
          case CANCEL ->
              "The fine-tune job "
                  + jobId
                  + " can not be canceled because it is "
                  + from.name().toLowerCase()
                  + ".";
          case PAUSE ->
              "The fine-tune job "
                  + jobId
                  + " can not be paused because it is "
                  + from.name().toLowerCase()
                  + ": only a running job can be paused.";
          case RESUME ->
              "The fine-tune job "
                  + jobId
                  + " can not be resumed because it is "
                  + from.name().toLowerCase()
                  + ": only a paused job can be resumed"
                  + (from == PAUSING ? "; wait until it is paused." : ".");
          default ->
              "The fine-tune job " + jobId + " can not take " + event + " while " + from + ".";
        };
    return new IllegalTransition(jobId, from, event, message);
  }
}
