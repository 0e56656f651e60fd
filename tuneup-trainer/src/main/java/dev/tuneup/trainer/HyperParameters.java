package dev.tuneup.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * DashScope hyper-parameters with their documented defaults. Numbers may arrive as strings ({@code
 * "1e-4"}); unknown keys are ignored.
 *
 * <p>One deviation: the DashScope defaults are meant for pretrained billion-parameter models. On
 * the built-in {@code tuneup-tiny} (random weights) the learning rates would need thousands of
 * epochs, so its defaults are {@value #TINY_SFT_LR} (full) and {@value #TINY_LORA_LR} (LoRA); and
 * LoRA needs more capacity than rank 8 on the attention projections, because a random base offers
 * no useful features: rank {@value #TINY_LORA_RANK}, alpha {@value #TINY_LORA_ALPHA}, no dropout,
 * every linear layer (docs/models.md).
 */
public record HyperParameters(
    int epochs,
    int batchSize,
    double learningRate,
    int maxLength,
    String scheduler,
    double warmupRatio,
    double weightDecay,
    double maxGradNorm,
    double split,
    int maxSplitValSamples,
    int evalSteps,
    int loggingSteps,
    String saveStrategy,
    int saveSteps,
    int saveTotalLimit,
    int loraRank,
    double loraAlpha,
    double loraDropout,
    List<String> loraTargets) {

  static final double TINY_SFT_LR = 1e-3;
  static final double TINY_LORA_LR = 3e-3;
  static final int TINY_LORA_RANK = 32;
  static final double TINY_LORA_ALPHA = 64;
  static final List<String> TINY_LORA_TARGETS =
      List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

  public HyperParameters {
    if (epochs < 1) {
      throw new IllegalArgumentException("hyper_parameters.n_epochs must be at least 1");
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("hyper_parameters.batch_size must be at least 1");
    }
    if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
      throw new IllegalArgumentException("hyper_parameters.learning_rate must be positive");
    }
    if (!List.of("linear", "cosine", "constant").contains(scheduler)) {
      throw new IllegalArgumentException(
          "hyper_parameters.lr_scheduler_type must be linear, cosine or constant, got "
              + scheduler);
    }
    if (!List.of("epoch", "steps").contains(saveStrategy)) {
      throw new IllegalArgumentException(
          "hyper_parameters.save_strategy must be epoch or steps, got " + saveStrategy);
    }
    if (maxLength < 8) {
      throw new IllegalArgumentException("hyper_parameters.max_length must be at least 8");
    }
  }

  /** Resolves defaults for a job. */
  public static HyperParameters from(JsonNode hp, boolean lora, String modelId) {
    boolean tiny = "tuneup-tiny".equals(modelId);
    double defaultLr = tiny ? (lora ? TINY_LORA_LR : TINY_SFT_LR) : (lora ? 1e-4 : 1e-5);
    List<String> targets = new ArrayList<>();
    JsonNode t = hp.path("lora_target_modules");
    if (t.isArray()) {
      t.forEach(n -> targets.add(n.asText()));
    } else if (t.isTextual()) {
      for (String s : t.asText().split(",")) {
        if (!s.isBlank()) {
          targets.add(s.trim());
        }
      }
    }
    if (targets.isEmpty() && tiny) {
      targets.addAll(TINY_LORA_TARGETS);
    }
    return new HyperParameters(
        (int) num(hp, "n_epochs", 1),
        (int) num(hp, "batch_size", 8),
        num(hp, "learning_rate", defaultLr),
        (int) num(hp, "max_length", 2048),
        hp.path("lr_scheduler_type").asText("cosine"),
        num(hp, "warmup_ratio", 0.05),
        num(hp, "weight_decay", 0.1),
        num(hp, "max_grad_norm", 1),
        num(hp, "split", 0.8),
        (int) num(hp, "max_split_val_dataset_sample", 1000),
        (int) num(hp, "eval_steps", 50),
        (int) num(hp, "logging_steps", 5),
        hp.path("save_strategy").asText("epoch"),
        (int) num(hp, "save_steps", 50),
        (int) num(hp, "save_total_limit", 1),
        (int) num(hp, "lora_rank", tiny ? TINY_LORA_RANK : 8),
        num(hp, "lora_alpha", tiny ? TINY_LORA_ALPHA : 32),
        num(hp, "lora_dropout", tiny ? 0 : 0.1),
        targets);
  }

  private static double num(JsonNode hp, String key, double dflt) {
    JsonNode v = hp.get(key);
    if (v == null || v.isNull()) {
      return dflt;
    }
    if (v.isNumber()) {
      return v.asDouble();
    }
    try {
      return Double.parseDouble(v.asText().trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "hyper_parameters." + key + " must be a number, got '" + v.asText() + "'");
    }
  }

  /** The learning rate after {@code step} optimizer steps out of {@code total}. */
  public double lrAt(int step, int total) {
    int warmup = (int) Math.ceil(total * warmupRatio);
    if (step < warmup) {
      return learningRate * (step + 1) / warmup;
    }
    double progress = total <= warmup ? 1 : (double) (step - warmup) / (total - warmup);
    return switch (scheduler) {
      case "linear" -> learningRate * Math.max(0, 1 - progress);
      case "cosine" -> learningRate * 0.5 * (1 + Math.cos(Math.PI * progress));
      default -> learningRate;
    };
  }
}
