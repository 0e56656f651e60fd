package dev.tuneup.dispatch;

import dev.tuneup.backend.RunState;
import dev.tuneup.contract.TrainerEvent;
import dev.tuneup.job.JobEvent;
import dev.tuneup.job.JobStatus;

/**
 * How a run that is gone ended, decided from the job's status, what the backend saw and the
 * trainer's last word. Pure: the dispatcher acts on it.
 *
 * @param event what the job takes next: CANCEL_CONFIRMED, PAUSE_CONFIRMED, TRAINER_SUCCEEDED,
 *     TRAINER_FAILED, or TRAINER_LOST (requeue, or fail once attempts are used up)
 * @param reason why it failed or was lost, for the job's error and log; null otherwise
 */
public record RunOutcome(JobEvent event, String reason) {

  /**
   * The outcome of a gone run. A run succeeded when it exited 0 without an {@code error}, or when
   * its exit is unknown (a run adopted from another replica, a cluster job) and its last word is
   * {@code done}. It failed on an {@code error} event, or a non-zero exit that is not a {@code
   * stopped}. Cancel wins over everything; a pausing run that finished first keeps its result, and
   * any other end of a pausing run is the pause.
   *
   * @param status RUNNING, CANCELING or PAUSING: a status that holds a slot
   * @param state the backend's view of the run, which must be gone
   * @param last the trainer's last event, or null when it wrote none
   * @throws IllegalArgumentException for a live run or a job that holds no slot
   */
  public static RunOutcome decide(JobStatus status, RunState state, TrainerEvent last) {
    if (state.alive() || !status.holdsSlot()) {
      throw new IllegalArgumentException(
          "bug: only a gone run of a job holding a slot has an outcome, got "
              + status
              + ", "
              + state);
    }
    if (status == JobStatus.CANCELING) {
      return new RunOutcome(JobEvent.CANCEL_CONFIRMED, null);
    }
    Integer exit = state.exitCode();
    boolean succeeded =
        (exit != null && exit == 0 && !(last instanceof TrainerEvent.Error))
            || (exit == null && last instanceof TrainerEvent.Done);
    if (succeeded) {
      return new RunOutcome(JobEvent.TRAINER_SUCCEEDED, null);
    }
    if (last instanceof TrainerEvent.Error err) {
      return new RunOutcome(JobEvent.TRAINER_FAILED, err.message());
    }
    if (status == JobStatus.PAUSING) {
      // A kill after the grace (no word at all) is still a pause: the last complete checkpoint
      // is where resume continues.
      return new RunOutcome(JobEvent.PAUSE_CONFIRMED, null);
    }
    if (exit != null && exit != 0 && !(last instanceof TrainerEvent.Stopped)) {
      return new RunOutcome(
          JobEvent.TRAINER_FAILED,
          "the trainer exited with code " + exit + "; see train.log in the job directory");
    }
    return new RunOutcome(
        JobEvent.TRAINER_LOST,
        last instanceof TrainerEvent.Stopped
            ? "the trainer was stopped from outside tuneup"
            : "the trainer process is gone without a result");
  }
}
