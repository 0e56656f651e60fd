package dev.tuneup.dispatch;

import static dev.tuneup.job.JobStatus.CANCELING;
import static dev.tuneup.job.JobStatus.PAUSING;
import static dev.tuneup.job.JobStatus.RUNNING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tuneup.backend.RunState;
import dev.tuneup.contract.TrainerEvent;
import dev.tuneup.job.JobEvent;
import dev.tuneup.job.JobStatus;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RunOutcomeTest {
  private static final Instant T = Instant.parse("2026-03-14T09:26:53Z");
  private static final TrainerEvent DONE = new TrainerEvent.Done(T, "/out", 10);
  private static final TrainerEvent ERROR = new TrainerEvent.Error(T, "bad line 3");
  private static final TrainerEvent STOPPED = new TrainerEvent.Stopped(T, 4, "/ck/checkpoint-4");
  private static final TrainerEvent LOG = new TrainerEvent.Log(T, "INFO", "step");

  private static JobEvent decide(JobStatus status, RunState state, TrainerEvent last) {
    return RunOutcome.decide(status, state, last).event();
  }

  @Test
  void exit_zero_without_an_error_is_success() {
    assertThat(decide(RUNNING, RunState.exited(0), DONE)).isEqualTo(JobEvent.TRAINER_SUCCEEDED);
    assertThat(decide(RUNNING, RunState.exited(0), null)).isEqualTo(JobEvent.TRAINER_SUCCEEDED);
  }

  @Test
  void an_unknown_exit_is_success_only_after_done() {
    assertThat(decide(RUNNING, RunState.GONE, DONE)).isEqualTo(JobEvent.TRAINER_SUCCEEDED);
    assertThat(decide(RUNNING, RunState.GONE, LOG)).isEqualTo(JobEvent.TRAINER_LOST);
    assertThat(decide(RUNNING, RunState.GONE, null)).isEqualTo(JobEvent.TRAINER_LOST);
  }

  @Test
  void an_error_event_fails_the_job_with_its_message_whatever_the_exit() {
    assertThat(RunOutcome.decide(RUNNING, RunState.exited(0), ERROR))
        .isEqualTo(new RunOutcome(JobEvent.TRAINER_FAILED, "bad line 3"));
    assertThat(RunOutcome.decide(RUNNING, RunState.GONE, ERROR))
        .isEqualTo(new RunOutcome(JobEvent.TRAINER_FAILED, "bad line 3"));
  }

  @Test
  void a_non_zero_exit_fails_naming_the_code_unless_the_trainer_said_stopped() {
    RunOutcome failed = RunOutcome.decide(RUNNING, RunState.exited(137), LOG);
    assertThat(failed.event()).isEqualTo(JobEvent.TRAINER_FAILED);
    assertThat(failed.reason()).contains("exited with code 137");

    RunOutcome stopped = RunOutcome.decide(RUNNING, RunState.exited(143), STOPPED);
    assertThat(stopped)
        .isEqualTo(
            new RunOutcome(JobEvent.TRAINER_LOST, "the trainer was stopped from outside tuneup"));
  }

  @Test
  void a_canceling_run_is_canceled_however_it_ended() {
    for (RunState state : new RunState[] {RunState.exited(0), RunState.exited(1), RunState.GONE}) {
      for (TrainerEvent last : new TrainerEvent[] {DONE, ERROR, STOPPED, null}) {
        assertThat(decide(CANCELING, state, last)).isEqualTo(JobEvent.CANCEL_CONFIRMED);
      }
    }
  }

  @Test
  void a_pausing_run_that_finished_first_keeps_its_result_and_any_other_end_is_the_pause() {
    assertThat(decide(PAUSING, RunState.exited(0), DONE)).isEqualTo(JobEvent.TRAINER_SUCCEEDED);
    assertThat(decide(PAUSING, RunState.GONE, DONE)).isEqualTo(JobEvent.TRAINER_SUCCEEDED);
    assertThat(decide(PAUSING, RunState.exited(1), ERROR)).isEqualTo(JobEvent.TRAINER_FAILED);
    assertThat(decide(PAUSING, RunState.exited(143), STOPPED)).isEqualTo(JobEvent.PAUSE_CONFIRMED);
    assertThat(decide(PAUSING, RunState.exited(137), null)).isEqualTo(JobEvent.PAUSE_CONFIRMED);
    assertThat(decide(PAUSING, RunState.GONE, null)).isEqualTo(JobEvent.PAUSE_CONFIRMED);
  }

  @Test
  void a_live_run_or_a_job_without_a_slot_has_no_outcome() {
    assertThatThrownBy(() -> RunOutcome.decide(RUNNING, RunState.ALIVE, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RunOutcome.decide(JobStatus.QUEUING, RunState.GONE, null))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
