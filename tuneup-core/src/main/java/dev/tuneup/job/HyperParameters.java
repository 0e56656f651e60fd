package dev.tuneup.job;

import dev.tuneup.contract.TrainingMethod;
import dev.tuneup.error.InvalidParameter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

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

  /** A whole-number key and its inclusive range. */
  private record IntRange(long min, long max) {}

  /** A real-number key and its range; {@code maxExclusive} when the upper bound is not allowed. */
  private record RealRange(double min, boolean minExclusive, double max, boolean maxExclusive) {}

  /**
   * The whole-number keys and their ranges. The upper bounds are far above any useful value and
   * keep every value within an {@code int} (a JSON number such as 1e12 or 2147483648 would
   * otherwise saturate in the trainer's cast). {@code max_length} starts at 8, the trainer's own
   * minimum: a shorter sequence cannot hold a prompt and its answer.
   */
  private static final Map<String, IntRange> INTS =
      Map.ofEntries(
          Map.entry("n_epochs", new IntRange(1, 1_000)),
          Map.entry("batch_size", new IntRange(1, 4_096)),
          Map.entry("max_length", new IntRange(8, 131_072)),
          Map.entry("eval_steps", new IntRange(1, 1_000_000)),
          Map.entry("logging_steps", new IntRange(1, 1_000_000)),
          Map.entry("save_steps", new IntRange(1, 1_000_000)),
          Map.entry("save_total_limit", new IntRange(1, 1_000)),
          Map.entry("warmup_steps", new IntRange(0, 1_000_000)),
          Map.entry("lora_rank", new IntRange(1, 1_024)),
          Map.entry("lora_alpha", new IntRange(1, 4_096)),
          Map.entry("max_split_val_dataset_sample", new IntRange(1, 1_000_000)),
          Map.entry("gradient_accumulation_steps", new IntRange(1, 1_024)),
          Map.entry("checkpoint_last_epochs", new IntRange(1, 1_000)),
          Map.entry("early_stopping_patience", new IntRange(1, 1_000)));

  private static final Map<String, RealRange> REALS =
      Map.of(
          "learning_rate", new RealRange(0, true, 1, true),
          "weight_decay", new RealRange(0, false, 10, false),
          "max_grad_norm", new RealRange(0, false, 10_000, false),
          "warmup_ratio", new RealRange(0, false, 1, true),
          "lora_dropout", new RealRange(0, false, 1, true),
          "split", new RealRange(0, true, 1, false));

  /**
   * Model Studio's eight schedulers, the Hugging Face {@code transformers} names; matched
   * case-insensitively since Model Studio's own guide recommends {@code Inverse_sqrt}.
   */
  public static final List<String> SCHEDULERS =
      List.of(
          "linear",
          "polynomial",
          "cosine",
          "cosine_with_restarts",
          "constant",
          "constant_with_warmup",
          "inverse_sqrt",
          "reduce_lr_on_plateau");

  private HyperParameters() {}

  /**
   * @throws InvalidParameter naming the key, the value at fault and the range allowed
   */
  public static void check(Map<String, Object> hp) {
    for (Map.Entry<String, Object> e : hp.entrySet()) {
      String key = e.getKey();
      Object value = e.getValue();
      IntRange ints = INTS.get(key);
      RealRange reals = REALS.get(key);
      if (ints != null) {
        Double d = number(value);
        if (d == null || d != Math.rint(d) || d < ints.min() || d > ints.max()) {
          throw bad(key, value, "a whole number from " + ints.min() + " to " + ints.max());
        }
      } else if (reals != null) {
        Double d = number(value);
        if (d == null
            || d.isInfinite()
            || (reals.minExclusive() ? d <= reals.min() : d < reals.min())
            || (reals.maxExclusive() ? d >= reals.max() : d > reals.max())) {
          throw bad(key, value, describe(reals));
        }
      } else if (key.equals("lr_scheduler_type")) {
        if (!(value instanceof String s) || !SCHEDULERS.contains(s.toLowerCase(Locale.ROOT))) {
          throw bad(key, value, "one of " + String.join(", ", SCHEDULERS));
        }
      } else if (key.equals("save_strategy")) {
        if (!("epoch".equals(value) || "steps".equals(value))) {
          throw bad(key, value, "epoch or steps");
        }
      }
    }
  }

  /**
   * The optimizer steps a job takes at most: every sample of its training files in batches, for
   * every epoch; computed in 64 bits (no int overflow to a negative step count). A job that sets no
   * {@code batch_size} is counted with batches of 1, the most steps any model default gives.
   *
   * @param samples the lines of the training files together
   */
  public static long maxTotalSteps(Map<String, Object> hp, long samples) {
    long epochs = whole(hp.get("n_epochs"), 1);
    long batch = whole(hp.get("batch_size"), 1);
    long perEpoch = Math.max(1, (Math.max(0, samples) + batch - 1) / batch);
    return Math.multiplyHigh(perEpoch, epochs) != 0 ? Long.MAX_VALUE : perEpoch * epochs;
  }

  private static long whole(Object value, long dflt) {
    Double d = number(value);
    return d == null || d < 1 ? dflt : d.longValue();
  }

  private static String describe(RealRange r) {
    String upper =
        r.maxExclusive()
            ? "below " + fmt(r.max())
            : (r.minExclusive() ? "at most " : "") + fmt(r.max());
    return "a number "
        + (r.minExclusive() ? "above " + fmt(r.min()) + " and " : "from " + fmt(r.min()) + " to ")
        + upper;
  }

  private static String fmt(double d) {
    return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
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
