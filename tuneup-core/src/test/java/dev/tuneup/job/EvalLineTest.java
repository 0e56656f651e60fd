package dev.tuneup.job;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EvalLineTest {

  @Test
  void an_evaluation_message_reads_back_as_its_step_and_loss() {
    String message = EvalLine.format(40, 1.23456);

    assertThat(message).isEqualTo("eval at step 40: eval_loss 1.2346");
    assertThat(EvalLine.parse(message)).contains(new EvalLine(40, 1.2346));
  }

  @Test
  void a_progress_message_is_not_an_evaluation() {
    String progress = StepLine.format(3, 10, 0.3, 2.5, 1e-4, 100, 7);

    assertThat(EvalLine.parse(progress)).isEmpty();
    assertThat(StepLine.parse(EvalLine.format(3, 2.5))).isEmpty();
  }

  @Test
  void a_diverged_evaluation_reads_back_as_nan() {
    assertThat(EvalLine.parse(EvalLine.format(7, Double.NaN)))
        .hasValueSatisfying(e -> assertThat(e.evalLoss()).isNaN());
  }
}
