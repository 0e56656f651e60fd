package dev.tuneup.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TrainingMethodTest {
  @Test
  void dashscope_names_map_to_objective_and_adapter() {
    assertThat(TrainingMethod.fromDashScope("sft")).contains(TrainingMethod.SFT_FULL);
    assertThat(TrainingMethod.fromDashScope("efficient_sft")).contains(TrainingMethod.SFT_LORA);
    assertThat(TrainingMethod.fromDashScope("sft_efficient")).contains(TrainingMethod.SFT_LORA);
    assertThat(TrainingMethod.fromDashScope("dpo_lora").orElseThrow().objective())
        .isEqualTo(TrainingMethod.Objective.DPO);
    assertThat(TrainingMethod.fromDashScope("rlhf")).isEmpty();
    assertThat(TrainingMethod.SFT_LORA.dashScopeName()).isEqualTo("efficient_sft");
  }

  @Test
  void only_sft_is_trained_and_named_methods_are_refused_clearly() {
    assertThat(TrainingMethod.refusalOfDashScope("sft")).isEmpty();
    assertThat(TrainingMethod.refusalOfDashScope("sft_efficient")).isEmpty();
    assertThat(TrainingMethod.refusalOfDashScope("dpo_full").orElseThrow())
        .contains("'dpo_full'", "DPO", "not available yet", "sft or efficient_sft");
    assertThat(TrainingMethod.refusalOfDashScope("cpt").orElseThrow()).contains("CPT");
    assertThat(TrainingMethod.refusalOfDashScope("rlhf").orElseThrow())
        .startsWith("Unsupported training_type 'rlhf'");
  }

  @Test
  void openai_method_types_name_objectives() {
    assertThat(TrainingMethod.objectiveOfOpenAi("supervised"))
        .contains(TrainingMethod.Objective.SFT);
    assertThat(TrainingMethod.objectiveOfOpenAi("dpo")).contains(TrainingMethod.Objective.DPO);
    assertThat(TrainingMethod.objectiveOfOpenAi("reinforcement")).isEmpty();
  }

  @Test
  void only_exact_checkpoint_names_are_complete_checkpoints() {
    assertThat(TrainingDefaults.checkpointStep(Path.of("/j", TrainingDefaults.checkpointName(12))))
        .contains(12);
    assertThat(TrainingDefaults.checkpointStep(Path.of("/j/.checkpoint-12-123"))).isEmpty();
    assertThat(TrainingDefaults.checkpointStep(Path.of("/j/checkpoint-12.tmp"))).isEmpty();
    assertThat(TrainingDefaults.checkpointStep(Path.of("/j/checkpoint-"))).isEmpty();
  }
}
