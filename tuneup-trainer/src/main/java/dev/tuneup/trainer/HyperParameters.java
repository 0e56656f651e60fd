package dev.tuneup.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tuneup.model.config.ModelDefaults;
import dev.tuneup.model.lora.LoraConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * DashScope hyper-parameters with their defaults. Numbers may arrive as strings ({@code "1e-4"});
 * unknown keys are ignored.
 *
 * <p>The learning rate, batch size, {@code max_length} and LoRA settings a job leaves unset come
 * from {@link ModelDefaults}, by the size of the model trained: DashScope's documented defaults for
 * real models, and for tuneup's own small random models ({@code tuneup-tiny}) the ones measured for
 * them, since DashScope's rates would need thousands of epochs there (docs/models.md). The rest are
 * DashScope's documented defaults for every model.
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
    int checkpointLastEpochs,
    int earlyStoppingPatience,
    int loraRank,
    double loraAlpha,
    double loraDropout,
    List<String> loraTargets) {

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
    scheduler = LrSchedule.normalize(scheduler);
    if (!List.of("epoch", "steps").contains(saveStrategy)) {
      throw new IllegalArgumentException(
          "hyper_parameters.save_strategy must be epoch or steps, got " + saveStrategy);
    }
    if (checkpointLastEpochs < 0) {
      throw new IllegalArgumentException(
          "hyper_parameters.checkpoint_last_epochs must be 0 or more, got " + checkpointLastEpochs);
    }
    if (earlyStoppingPatience < 0) {
      throw new IllegalArgumentException(
          "hyper_parameters.early_stopping_patience must be 0 or more, got "
              + earlyStoppingPatience);
    }
    if (maxLength < 8) {
      throw new IllegalArgumentException("hyper_parameters.max_length must be at least 8");
    }
  }

  /** Resolves a job's values: what it set, else the model's defaults, else DashScope's. */
  public static HyperParameters from(JsonNode hp, ModelDefaults.Defaults model) {
    Map<String, Object> d = model.values();
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
    if (targets.isEmpty() && d.get("lora_target_modules") instanceof List<?> l) {
      l.forEach(x -> targets.add(x.toString()));
    }
    return new HyperParameters(
        whole(hp, "n_epochs", 1),
        whole(hp, "batch_size", modelNumber(d, "batch_size", 8)),
        num(hp, "learning_rate", model.learningRate()),
        whole(hp, "max_length", modelNumber(d, "max_length", 2048)),
        hp.path("lr_scheduler_type").asText("cosine"),
        num(hp, "warmup_ratio", 0.05),
        num(hp, "weight_decay", 0.1),
        num(hp, "max_grad_norm", 1),
        num(hp, "split", 0.8),
        whole(hp, "max_split_val_dataset_sample", 1000),
        whole(hp, "eval_steps", 50),
        whole(hp, "logging_steps", 5),
        hp.path("save_strategy").asText("epoch"),
        whole(hp, "save_steps", 50),
        whole(hp, "save_total_limit", 1),
        whole(hp, "checkpoint_last_epochs", 0),
        whole(hp, "early_stopping_patience", 0),
        whole(hp, "lora_rank", modelNumber(d, "lora_rank", 8)),
        num(hp, "lora_alpha", modelNumber(d, "lora_alpha", 32)),
        num(hp, "lora_dropout", modelNumber(d, "lora_dropout", 0.1)),
        targets);
  }

  /** A whole-number value; one outside an {@code int} is refused, never saturated by a cast. */
  private static int whole(JsonNode hp, String key, double dflt) {
    double d = num(hp, key, dflt);
    if (d > Integer.MAX_VALUE || d < Integer.MIN_VALUE || d != Math.rint(d)) {
      throw new IllegalArgumentException(
          "hyper_parameters." + key + " must be a whole number within 32 bits, got " + d);
    }
    return (int) d;
  }

  private static double modelNumber(Map<String, Object> d, String key, double dflt) {
    Object v = d.get(key);
    return v instanceof Number n ? n.doubleValue() : dflt;
  }

  /**
   * The log line of the values a job trains with, each marked as set by the job or defaulted:
   * {@code hyper-parameters used (defaults of a small model (0.60 B parameters), LoRA): n_epochs=1
   * (default), learning_rate=1.00e-04 (default), …}.
   */
  public String describeUsed(JsonNode given, ModelDefaults.Defaults model, boolean lora) {
    Map<String, Object> used = new LinkedHashMap<>();
    used.put("n_epochs", epochs);
    used.put("batch_size", batchSize);
    used.put("learning_rate", String.format(Locale.ROOT, "%.2e", learningRate));
    used.put("max_length", maxLength);
    used.put("lr_scheduler_type", scheduler);
    used.put("warmup_ratio", warmupRatio);
    used.put("weight_decay", weightDecay);
    used.put("max_grad_norm", maxGradNorm);
    if (checkpointLastEpochs > 0) {
      used.put("checkpoint_last_epochs", checkpointLastEpochs);
    } else {
      used.put("save_strategy", saveStrategy);
      if (saveStrategy.equals("steps")) {
        used.put("save_steps", saveSteps);
      }
      used.put("save_total_limit", saveTotalLimit);
    }
    if (earlyStoppingPatience > 0) {
      used.put("early_stopping_patience", earlyStoppingPatience);
    }
    if (lora) {
      used.put("lora_rank", loraRank);
      used.put("lora_alpha", loraAlpha);
      used.put("lora_dropout", loraDropout);
      used.put(
          "lora_target_modules",
          String.join(",", loraTargets.isEmpty() ? LoraConfig.DEFAULT_TARGETS : loraTargets));
    }
    StringBuilder b =
        new StringBuilder("hyper-parameters used (defaults of a ")
            .append(model.describe())
            .append("):");
    String sep = " ";
    for (Map.Entry<String, Object> e : used.entrySet()) {
      JsonNode g = given.get(e.getKey());
      b.append(sep)
          .append(e.getKey())
          .append('=')
          .append(plain(e.getValue()))
          .append(g == null || g.isNull() ? " (default)" : "");
      sep = ", ";
    }
    return b.toString();
  }

  private static String plain(Object v) {
    if (v instanceof Double d && d == Math.rint(d) && !d.isInfinite()) {
      return Long.toString(d.longValue());
    }
    return String.valueOf(v);
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

  /** The learning-rate schedule of a run of {@code totalSteps} optimizer steps. */
  LrSchedule schedule(int totalSteps) {
    return new LrSchedule(scheduler, learningRate, totalSteps, warmupRatio);
  }
}
