package dev.tuneup.model.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryEstimateTest {
  private static final ModelConfig QWEN3_06B =
      new ModelConfig(
          ModelConfig.Architecture.QWEN3,
          1024,
          3072,
          28,
          16,
          8,
          128,
          1e-6,
          1e6,
          151936,
          true,
          40960,
          false);
  private static final List<String> ATTENTION = List.of("q_proj", "k_proj", "v_proj", "o_proj");

  private static MemoryEstimate estimate(boolean lora, int batch, int seq) {
    return MemoryEstimate.of(
        QWEN3_06B, new MemoryEstimate.Job(lora, 8, ATTENTION, batch, seq, 1_000_000));
  }

  @Test
  void weights_are_the_f32_size_of_every_tensor() {
    long params = ModelDefaults.parameters(QWEN3_06B);

    assertThat(estimate(true, 8, 128).weights()).isEqualTo(4 * params);
    assertThat(params).isBetween(590_000_000L, 600_000_000L);
  }

  @Test
  void a_full_fine_tune_keeps_a_gradient_and_two_moments_for_every_weight() {
    MemoryEstimate full = estimate(false, 8, 128);

    assertThat(full.training()).isEqualTo(3 * full.weights());
  }

  @Test
  void lora_keeps_state_only_for_the_adapter_matrices() {
    // rank 8 on q (1024 -> 2048), k and v (1024 -> 1024), o (2048 -> 1024) in 28 layers
    long adapter = 28L * 8 * ((1024 + 2048) + 2 * (1024 + 1024) + (2048 + 1024));

    assertThat(estimate(true, 8, 128).training()).isEqualTo(4 * 4 * adapter);
  }

  @Test
  void activations_and_the_output_layer_grow_with_the_rows_of_a_micro_batch() {
    MemoryEstimate short8 = estimate(true, 8, 128);
    MemoryEstimate long8 = estimate(true, 8, 1024);
    MemoryEstimate long1 = estimate(true, 1, 1024);

    assertThat(long8.activations()).isGreaterThan(2 * short8.activations());
    // one chunk of the output layer at a time (220 rows of 151,936 logits), never all 4,096
    assertThat(long8.outputLayer()).isLessThan(4L * 4096 * 151936 * 3 / 10);
    assertThat(long8.outputLayer()).isEqualTo(4L * (220 * 151936 * 4 + 3 * 4096 * 1024));
    assertThat(long1.outputLayer()).isEqualTo(4L * (220 * 151936 * 4 + 3 * 1024 * 1024));
    assertThat(long8.total()).isGreaterThan(short8.total());
  }

  @Test
  void the_direct_buffer_limit_holds_the_weights_while_they_load() {
    MemoryEstimate e = estimate(true, 8, 128);

    assertThat(e.directLimit()).isGreaterThan(e.weights());
    assertThat(e.breakdown()).startsWith("weights 2.2").contains("output layer");
  }
}
