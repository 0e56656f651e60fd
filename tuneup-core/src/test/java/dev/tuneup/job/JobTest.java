package dev.tuneup.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tuneup.contract.TrainingMethod;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobTest {
  private static final Instant T0 = Instant.parse("2026-03-14T09:26:53.589Z");
  private static final Instant LATER = T0.plusSeconds(60);

  private static Job pending() {
    return Job.builder()
        .id("ft-1")
        .name("ft-1")
        .userId("u-1")
        .workspaceId("ws-1")
        .model("m")
        .baseModel("m")
        .trainingType(TrainingMethod.SFT_FULL)
        .trainingFileIds(List.of("file-1"))
        .hyperParameters("{}")
        .createdAt(T0)
        .build();
  }

  @Test
  void a_new_job_is_pending() {
    assertThat(pending().status()).isEqualTo(JobStatus.PENDING);
  }

  @Test
  void an_event_moves_the_job_as_the_table_says_and_queuing_stamps_queued_at() {
    Job queued = pending().on(JobEvent.VALIDATED, LATER).build();

    assertThat(queued.status())
        .isEqualTo(JobLifecycle.next("ft-1", JobStatus.PENDING, JobEvent.VALIDATED));
    assertThat(queued.queuedAt()).isEqualTo(LATER);
    assertThat(queued.endedAt()).isNull();
  }

  @Test
  void an_event_that_ends_the_job_stamps_ended_at() {
    Job canceled = pending().on(JobEvent.CANCEL, LATER).build();

    assertThat(canceled.status()).isEqualTo(JobStatus.CANCELED);
    assertThat(canceled.endedAt()).isEqualTo(LATER);
  }

  @Test
  void an_event_the_table_refuses_throws_naming_job_status_and_event() {
    assertThatThrownBy(() -> pending().on(JobEvent.TRAINER_SUCCEEDED, LATER))
        .isInstanceOfSatisfying(
            IllegalTransition.class,
            e -> {
              assertThat(e.jobId()).isEqualTo("ft-1");
              assertThat(e.from()).isEqualTo(JobStatus.PENDING);
              assertThat(e.event()).isEqualTo(JobEvent.TRAINER_SUCCEEDED);
            });
  }

  @Test
  void holding_a_slot_is_running_canceling_or_pausing() {
    for (JobStatus s : JobStatus.values()) {
      assertThat(s.holdsSlot())
          .as(s.name())
          .isEqualTo(s == JobStatus.RUNNING || s == JobStatus.CANCELING || s == JobStatus.PAUSING);
    }
  }
}
