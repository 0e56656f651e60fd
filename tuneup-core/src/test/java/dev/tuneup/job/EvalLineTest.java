package dev.tuneup.job;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EvalLineTest {

  @Test
  void progress_and_evaluation_lines_read_as_dashscope_logs_do() {
    assertThat(EvalLine.format(40, 1.23456)).isEqualTo("eval at step 40: eval_loss 1.2346");
    assertThat(StepLine.format(3, 10, 0.3, 2.5, 1e-4, 100, 7))
        .isEqualTo("step 3/10, epoch 0.30, loss 2.5000, lr 1.000e-04, 100 tokens/s, eta 7 s");
  }
}
