package dev.tuneup.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tuneup.model.config.ModelConfig;
import dev.tuneup.model.config.ModelDefaults;
import org.junit.jupiter.api.Test;

class HyperParametersTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ModelConfig QWEN3_0_6B =
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

  @Test
  void a_job_that_sets_nothing_trains_with_the_models_defaults() {
    ModelDefaults.Defaults d = ModelDefaults.of(QWEN3_0_6B, true);

    HyperParameters hp = HyperParameters.from(JSON.createObjectNode(), d);

    assertThat(hp.learningRate()).isEqualTo(1e-4);
    assertThat(hp.loraRank()).isEqualTo(8);
    assertThat(hp.loraAlpha()).isEqualTo(32);
    assertThat(hp.loraDropout()).isEqualTo(0.1);
    assertThat(hp.loraTargets()).containsExactly("q_proj", "k_proj", "v_proj", "o_proj");
    assertThat(hp.batchSize()).isEqualTo(8);
    assertThat(hp.maxLength()).isEqualTo(2048);
    assertThat(hp.epochs()).isEqualTo(1);
  }

  @Test
  void what_a_job_sets_wins_over_the_models_defaults() {
    ObjectNode given =
        JSON.createObjectNode()
            .put("learning_rate", "3e-4")
            .put("lora_rank", 64)
            .put("batch_size", 2)
            .put("lora_target_modules", "q_proj,v_proj");

    HyperParameters hp = HyperParameters.from(given, ModelDefaults.of(QWEN3_0_6B, true));

    assertThat(hp.learningRate()).isEqualTo(3e-4);
    assertThat(hp.loraRank()).isEqualTo(64);
    assertThat(hp.batchSize()).isEqualTo(2);
    assertThat(hp.loraTargets()).containsExactly("q_proj", "v_proj");
  }

  @Test
  void the_used_values_are_described_with_the_defaults_marked() {
    ObjectNode given = JSON.createObjectNode().put("n_epochs", 3);
    ModelDefaults.Defaults d = ModelDefaults.of(QWEN3_0_6B, false);

    String line = HyperParameters.from(given, d).describeUsed(given, d, false);

    assertThat(line)
        .startsWith(
            "hyper-parameters used (defaults of a small model (0.60 B parameters), full"
                + " fine-tune): n_epochs=3, batch_size=8 (default), learning_rate=1.00e-05"
                + " (default), max_length=2048 (default)")
        .doesNotContain("lora_rank");
  }
}
