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
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JobLifecycleTest {

  /**
   * The whole table, written out once more by hand: every (status, event) pair not here is refused.
   */
  private static final Map<JobStatus, Map<JobEvent, JobStatus>> EXPECTED =
      new EnumMap<>(JobStatus.class);

  static {
    expect(PENDING, VALIDATED, QUEUING);
    expect(PENDING, VALIDATION_FAILED, FAILED);
    expect(PENDING, CANCEL, CANCELED);
    expect(QUEUING, CLAIMED, RUNNING);
    expect(QUEUING, VALIDATION_FAILED, FAILED);
    expect(QUEUING, CANCEL, CANCELED);
    expect(RUNNING, TRAINER_SUCCEEDED, SUCCEEDED);
    expect(RUNNING, TRAINER_FAILED, FAILED);
    expect(RUNNING, TRAINER_LOST, QUEUING);
    expect(RUNNING, CANCEL, CANCELING);
    expect(CANCELING, TRAINER_SUCCEEDED, CANCELED);
    expect(CANCELING, TRAINER_FAILED, CANCELED);
    expect(CANCELING, TRAINER_LOST, CANCELED);
    expect(CANCELING, CANCEL_CONFIRMED, CANCELED);
    expect(CANCELING, CANCEL, CANCELING);
    expect(RUNNING, PAUSE, PAUSING);
    expect(PAUSING, TRAINER_SUCCEEDED, SUCCEEDED);
    expect(PAUSING, TRAINER_FAILED, FAILED);
    expect(PAUSING, PAUSE_CONFIRMED, PAUSED);
    expect(PAUSING, PAUSE, PAUSING);
    expect(PAUSING, CANCEL, CANCELING);
    expect(PAUSED, RESUME, QUEUING);
    expect(PAUSED, PAUSE, PAUSED);
    expect(PAUSED, CANCEL, CANCELED);
  }

  private static void expect(JobStatus from, JobEvent event, JobStatus to) {
    EXPECTED.computeIfAbsent(from, f -> new EnumMap<>(JobEvent.class)).put(event, to);
  }

  @Test
  void every_status_and_event_pair_follows_the_table() {
    int checked = 0;
    for (JobStatus from : JobStatus.values()) {
      for (JobEvent event : JobEvent.values()) {
        JobStatus expected = EXPECTED.getOrDefault(from, Map.of()).get(event);
        if (expected == null) {
          assertThatThrownBy(() -> JobLifecycle.next("ft-1", from, event))
              .isInstanceOf(IllegalTransition.class)
              .satisfies(
                  e -> {
                    IllegalTransition t = (IllegalTransition) e;
                    assertThat(t.jobId()).isEqualTo("ft-1");
                    assertThat(t.from()).isEqualTo(from);
                    assertThat(t.event()).isEqualTo(event);
                  });
        } else {
          assertThat(JobLifecycle.next("ft-1", from, event))
              .as(from + " + " + event)
              .isEqualTo(expected);
        }
        checked++;
      }
    }
    assertThat(checked).isEqualTo(JobStatus.values().length * JobEvent.values().length);
  }

  @Test
  void every_pair_of_statuses_is_reachable_only_through_the_table() {
    Set<String> reachable = new HashSet<>();
    for (JobStatus from : JobStatus.values()) {
      for (JobEvent event : JobEvent.values()) {
        JobLifecycle.target(from, event).ifPresent(to -> reachable.add(from + "->" + to));
      }
    }
    for (JobStatus from : JobStatus.values()) {
      for (JobStatus to : JobStatus.values()) {
        boolean expected = EXPECTED.getOrDefault(from, Map.of()).containsValue(to);
        assertThat(reachable.contains(from + "->" + to)).as(from + " -> " + to).isEqualTo(expected);
      }
    }
  }

  @Test
  void terminal_statuses_take_no_event() {
    for (JobStatus s : JobStatus.values()) {
      if (s.isTerminal()) {
        for (JobEvent e : JobEvent.values()) {
          assertThat(JobLifecycle.target(s, e)).as(s + " + " + e).isEmpty();
        }
      }
    }
  }

  @Test
  void cancel_of_a_succeeded_job_is_refused_naming_its_status() {
    assertThatThrownBy(() -> JobLifecycle.next("ft-202611281650-abcd", SUCCEEDED, CANCEL))
        .hasMessageContaining("ft-202611281650-abcd")
        .hasMessageContaining("succeeded");
  }

  @Test
  void cancel_then_late_success_stays_canceled() {
    JobStatus s = JobLifecycle.next("ft-1", RUNNING, CANCEL);
    assertThat(JobLifecycle.next("ft-1", s, TRAINER_SUCCEEDED)).isEqualTo(CANCELED);
  }

  @Test
  void a_second_cancel_of_a_canceling_job_changes_nothing() {
    assertThat(JobLifecycle.next("ft-1", CANCELING, CANCEL)).isEqualTo(CANCELING);
  }

  @Test
  void pause_then_resume_queues_the_job_again() {
    JobStatus s = JobLifecycle.next("ft-1", RUNNING, PAUSE);
    s = JobLifecycle.next("ft-1", s, PAUSE_CONFIRMED);
    assertThat(s).isEqualTo(PAUSED);
    assertThat(JobLifecycle.next("ft-1", s, RESUME)).isEqualTo(QUEUING);
  }

  @Test
  void a_pausing_run_that_finishes_first_succeeds() {
    assertThat(JobLifecycle.next("ft-1", PAUSING, TRAINER_SUCCEEDED)).isEqualTo(SUCCEEDED);
  }

  @Test
  void cancel_beats_pause() {
    assertThat(JobLifecycle.next("ft-1", PAUSING, CANCEL)).isEqualTo(CANCELING);
    assertThat(JobLifecycle.next("ft-1", PAUSED, CANCEL)).isEqualTo(CANCELED);
    assertThat(JobLifecycle.target(CANCELING, PAUSE)).isEmpty();
  }

  @Test
  void pause_of_a_job_that_is_not_running_is_refused_naming_its_status() {
    for (JobStatus s : new JobStatus[] {PENDING, QUEUING, SUCCEEDED, FAILED, CANCELED}) {
      assertThatThrownBy(() -> JobLifecycle.next("ft-202611281650-abcd", s, PAUSE))
          .isInstanceOf(IllegalTransition.class)
          .hasMessageContaining("ft-202611281650-abcd")
          .hasMessageContaining(s.name().toLowerCase())
          .hasMessageContaining("only a running job can be paused");
    }
  }

  @Test
  void resume_of_a_job_that_is_not_paused_is_refused() {
    for (JobStatus s : JobStatus.values()) {
      if (s != PAUSED) {
        assertThatThrownBy(() -> JobLifecycle.next("ft-1", s, RESUME))
            .isInstanceOf(IllegalTransition.class)
            .hasMessageContaining("only a paused job can be resumed");
      }
    }
  }

  @Test
  void only_running_canceling_and_pausing_jobs_hold_a_slot() {
    for (JobStatus s : JobStatus.values()) {
      assertThat(s.holdsSlot())
          .as(s.name())
          .isEqualTo(s == RUNNING || s == CANCELING || s == PAUSING);
    }
  }

  @Test
  void only_terminal_jobs_can_be_deleted() {
    for (JobStatus s : JobStatus.values()) {
      assertThat(JobLifecycle.canDelete(s)).as(s.name()).isEqualTo(s.isTerminal());
    }
  }
}
