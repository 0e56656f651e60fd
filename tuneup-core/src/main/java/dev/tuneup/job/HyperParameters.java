package dev.tuneup.job;

import dev.tuneup.contract.TrainingMethod;
import dev.tuneup.error.InvalidParameter;
import java.util.Map;
import java.util.Set;

/**
 * Checks the types and ranges of the hyper-parameters tuneup understands. Unknown keys are accepted
 * and echoed: DashScope clients send model-specific keys tuneup may not use.
 */
public final class HyperParameters {
  /**
   * The method of a DashScope {@code training_type} ({@code sft} when absent), refusing unknown
   * names and methods that are named but not trained yet.
   *
   * @throws InvalidParameter naming {@code training_type}
   */
  public static TrainingMethod trainingMethod(String trainingType) {
    if (trainingType == null) {
      return TrainingMethod.SFT_FULL;
    }
    TrainingMethod.refusalOfDashScope(trainingType)
        .ifPresent(
            reason -> {
              throw new InvalidParameter("training_type", reason);
            });
    return TrainingMethod.fromDashScope(trainingType).orElseThrow();
  }

  private static final Set<String> POSITIVE_INTS =
      Set.of(
          "n_epochs",
          "batch_size",
          "max_length",
          "eval_steps",
          "logging_steps",
          "save_steps",
          "save_total_limit",
          "lora_rank",
          "lora_alpha",
          "max_split_val_dataset_sample");
  private static final Set<String> NON_NEGATIVE_NUMBERS =
      Set.of("weight_decay", "max_grad_norm", "warmup_ratio", "lora_dropout");
  private static final Set<String> SCHEDULERS =
      Set.of("linear", "cosine", "constant", "Constant", "Linear", "Cosine");

  private HyperParameters() {}

  /**
   * @throws InvalidParameter naming the key and the value at fault
   */
  public static void check(Map<String, Object> hp) {
    for (Map.Entry<String, Object> e : hp.entrySet()) {
      String key = e.getKey();
      Object value = e.getValue();
      if (POSITIVE_INTS.contains(key)) {
        Double d = number(value);
        if (d == null || d != Math.rint(d) || d < 1) {
          throw bad(key, value, "a positive integer");
        }
      } else if (NON_NEGATIVE_NUMBERS.contains(key)) {
        Double d = number(value);
        if (d == null || d < 0 || d.isInfinite()) {
          throw bad(key, value, "a number of 0 or more");
        }
        if ((key.equals("warmup_ratio") || key.equals("lora_dropout")) && d >= 1) {
          throw bad(key, value, "a number from 0 to below 1");
        }
      } else if (key.equals("learning_rate")) {
        Double d = number(value);
        if (d == null || d <= 0 || d >= 1) {
          throw bad(key, value, "a number above 0 and below 1 (e.g. 1e-4 or \"1e-4\")");
        }
      } else if (key.equals("split")) {
        Double d = number(value);
        if (d == null || d <= 0 || d > 1) {
          throw bad(key, value, "a fraction above 0 and at most 1");
        }
      } else if (key.equals("lr_scheduler_type")) {
        if (!(value instanceof String s) || !SCHEDULERS.contains(s)) {
          throw bad(key, value, "one of linear, cosine, constant");
        }
      } else if (key.equals("save_strategy")) {
        if (!("epoch".equals(value) || "steps".equals(value))) {
          throw bad(key, value, "epoch or steps");
        }
      }
    }
  }

  /** A number given as a JSON number or as a numeric string, else null. */
  public static Double number(Object value) {
    if (value instanceof Number n) {
      return n.doubleValue();
    }
    if (value instanceof String s) {
      try {
        double d = Double.parseDouble(s.trim());
        return Double.isNaN(d) ? null : d;
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return null;
  }

  private static InvalidParameter bad(String key, Object value, String expected) {
    return new InvalidParameter(
        "hyper_parameters." + key,
        "hyper_parameters." + key + " must be " + expected + ", got " + value + ".");
  }
}
