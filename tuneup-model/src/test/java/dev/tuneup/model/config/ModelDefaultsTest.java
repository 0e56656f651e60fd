package dev.tuneup.model.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tuneup.model.builtin.TinyModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelDefaultsTest {
  // The published shapes (their config.json files), parameters as the model cards give them.
  static final ModelConfig QWEN3_0_6B =
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
  static final ModelConfig QWEN2_5_7B =
      new ModelConfig(
          ModelConfig.Architecture.QWEN2,
          3584,
          18944,
          28,
          28,
          4,
          128,
          1e-6,
          1e6,
          152064,
          false,
          32768,
          false);
  static final ModelConfig QWEN3_14B =
      new ModelConfig(
          ModelConfig.Architecture.QWEN3,
          5120,
          17408,
          40,
          40,
          8,
          128,
          1e-6,
          1e6,
          151936,
          false,
          40960,
          false);

  @Test
  void parameters_are_counted_from_the_shape_as_the_model_cards_give_them() {
    assertThat(ModelDefaults.parameters(QWEN3_0_6B)).isBetween(590_000_000L, 600_000_000L);
    assertThat(ModelDefaults.parameters(QWEN2_5_7B)).isBetween(7_600_000_000L, 7_620_000_000L);
    assertThat(ModelDefaults.parameters(QWEN3_14B)).isBetween(14_700_000_000L, 14_800_000_000L);
  }

  @Test
  void a_real_model_gets_dashscopes_documented_defaults() {
    ModelDefaults.Defaults full = ModelDefaults.of(QWEN3_0_6B, false);
    ModelDefaults.Defaults lora = ModelDefaults.of(QWEN3_0_6B, true);

    assertThat(full.tier()).isEqualTo(ModelDefaults.Tier.SMALL);
    assertThat(full.learningRate()).isEqualTo(1e-5);
    assertThat(full.values()).containsEntry("batch_size", 8).containsEntry("max_length", 2048);
    assertThat(full.values()).doesNotContainKey("lora_rank");
    assertThat(lora.learningRate()).isEqualTo(1e-4);
    assertThat(lora.values())
        .containsEntry("lora_rank", 8)
        .containsEntry("lora_alpha", 32)
        .containsEntry("lora_dropout", 0.1)
        .containsEntry("lora_target_modules", List.of("q_proj", "k_proj", "v_proj", "o_proj"));
    assertThat(lora.describe()).isEqualTo("small model (0.60 B parameters), LoRA");
  }

  @Test
  void the_batch_size_and_max_length_grow_with_the_size_of_the_model() {
    ModelDefaults.Defaults medium = ModelDefaults.of(QWEN2_5_7B, true);
    ModelDefaults.Defaults large = ModelDefaults.of(QWEN3_14B, false);

    assertThat(medium.tier()).isEqualTo(ModelDefaults.Tier.MEDIUM);
    assertThat(medium.values()).containsEntry("batch_size", 16).containsEntry("max_length", 2048);
    assertThat(medium.learningRate()).isEqualTo(1e-4);
    assertThat(large.tier()).isEqualTo(ModelDefaults.Tier.LARGE);
    // Model Studio's create example for qwen3-14b: batch_size 32, max_length 8192
    assertThat(large.values()).containsEntry("batch_size", 32).containsEntry("max_length", 8192);
    assertThat(large.learningRate()).isEqualTo(1e-5);
  }

  @Test
  void the_built_in_model_keeps_its_measured_defaults(@TempDir Path dir) throws IOException {
    Path tiny = TinyModel.ensure(dir);

    ModelDefaults.Defaults full = ModelDefaults.of(tiny, false);
    ModelDefaults.Defaults lora = ModelDefaults.of(tiny, true);

    assertThat(full.tier()).isEqualTo(ModelDefaults.Tier.BUILT_IN);
    assertThat(full.learningRate()).isEqualTo(1e-3);
    assertThat(lora.learningRate()).isEqualTo(3e-3);
    assertThat(lora.values())
        .containsEntry("lora_rank", 32)
        .containsEntry("lora_alpha", 64)
        .containsEntry("lora_dropout", 0.0);
    assertThat((List<?>) lora.values().get("lora_target_modules")).hasSize(7);
    assertThat(full.describe()).startsWith("built-in model (1.");
  }
}
