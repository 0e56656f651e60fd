package dev.tuneup.trainer;

import java.util.List;
import java.util.Locale;

/**
 * The learning rate of each optimizer step, as the Hugging Face {@code transformers} scheduler of
 * the same name computes it ({@code get_scheduler} with its defaults), so a job tuned elsewhere
 * trains on the same curve here. Model Studio documents the same eight names.
 *
 * <p>Warmup lasts {@code ceil(totalSteps × warmup_ratio)} steps, rising linearly from 0, as in
 * {@code TrainingArguments.get_warmup_steps}. {@code reduce_lr_on_plateau} is torch's {@code
 * ReduceLROnPlateau} with its defaults (mode min, factor 0.1, patience 10, threshold 1e-4 relative,
 * cooldown 0, min_lr 0, eps 1e-8), stepped on each evaluation's loss; without evaluations it keeps
 * the learning rate, and like {@code transformers} it has no warmup.
 *
 * <p>Not thread-safe: one per training run.
 */
final class LrSchedule {
  /** The names accepted (matched case-insensitively: Model Studio writes {@code Inverse_sqrt}). */
  static final List<String> NAMES =
      List.of(
          "linear",
          "polynomial",
          "cosine",
          "cosine_with_restarts",
          "constant",
          "constant_with_warmup",
          "inverse_sqrt",
          "reduce_lr_on_plateau");

  // transformers' defaults: get_polynomial_decay_schedule_with_warmup and get_inverse_sqrt_schedule
  private static final double POLYNOMIAL_LR_END = 1e-7;
  private static final int INVERSE_SQRT_TIMESCALE = 10_000;
  // torch.optim.lr_scheduler.ReduceLROnPlateau's defaults
  static final double PLATEAU_FACTOR = 0.1;
  static final int PLATEAU_PATIENCE = 10;
  private static final double PLATEAU_THRESHOLD = 1e-4;
  private static final double PLATEAU_EPS = 1e-8;

  private final String name;
  private final double learningRate;
  private final int totalSteps;
  private final int warmupSteps;
  private double plateauLr;
  private double plateauBest = Double.POSITIVE_INFINITY;
  private int plateauBadEvals;

  /**
   * @throws IllegalArgumentException for an unknown name, or {@code polynomial} with a learning
   *     rate below its end rate of 1e-7 (as {@code transformers} refuses it)
   */
  LrSchedule(String name, double learningRate, int totalSteps, double warmupRatio) {
    this.name = normalize(name);
    this.learningRate = learningRate;
    this.totalSteps = totalSteps;
    this.warmupSteps = (int) Math.ceil(totalSteps * warmupRatio);
    this.plateauLr = learningRate;
    if (this.name.equals("polynomial") && POLYNOMIAL_LR_END > learningRate) {
      throw new IllegalArgumentException(
          "hyper_parameters.learning_rate must be at least 1e-7 (the end rate of the polynomial"
              + " scheduler), got "
              + learningRate);
    }
  }

  /** The canonical (lower-case) name, or throws naming the accepted ones. */
  static String normalize(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    if (!NAMES.contains(n)) {
      throw new IllegalArgumentException(
          "hyper_parameters.lr_scheduler_type must be one of "
              + String.join(", ", NAMES)
              + ", got "
              + name);
    }
    return n;
  }

  /** The learning rate of the optimizer step at index {@code step} (0 for the first). */
  double lrAt(int step) {
    if (name.equals("reduce_lr_on_plateau")) {
      return plateauLr;
    }
    return learningRate * factor(step);
  }

  /**
   * Takes one evaluation's loss; only {@code reduce_lr_on_plateau} uses it.
   *
   * @return true when this evaluation lowered the learning rate
   */
  boolean onEval(double evalLoss) {
    if (!name.equals("reduce_lr_on_plateau")) {
      return false;
    }
    if (evalLoss < plateauBest * (1 - PLATEAU_THRESHOLD)) {
      plateauBest = evalLoss;
      plateauBadEvals = 0;
    } else {
      plateauBadEvals++;
    }
    if (plateauBadEvals > PLATEAU_PATIENCE) {
      plateauBadEvals = 0;
      double lowered = plateauLr * PLATEAU_FACTOR;
      if (plateauLr - lowered > PLATEAU_EPS) {
        plateauLr = lowered;
        return true;
      }
    }
    return false;
  }

  /** The plateau state a checkpoint keeps, so a resumed job goes on with the same rate. */
  double[] plateauState() {
    return new double[] {plateauLr, plateauBest, plateauBadEvals};
  }

  void restorePlateau(double lr, double best, int badEvals) {
    plateauLr = lr;
    plateauBest = best;
    plateauBadEvals = badEvals;
  }

  private double factor(int step) {
    if (!name.equals("constant") && step < warmupSteps) {
      return (double) step / Math.max(1, warmupSteps);
    }
    double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
    return switch (name) {
      case "constant", "constant_with_warmup" -> 1;
      case "linear" ->
          Math.max(0, (double) (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
      case "cosine" -> Math.max(0, 0.5 * (1 + Math.cos(Math.PI * 0.5 * 2 * progress)));
      case "cosine_with_restarts" ->
          progress >= 1 ? 0 : Math.max(0, 0.5 * (1 + Math.cos(Math.PI * ((1.0 * progress) % 1.0))));
      case "polynomial" -> {
        if (step > totalSteps) {
          yield POLYNOMIAL_LR_END / learningRate;
        }
        double remaining = 1 - (double) (step - warmupSteps) / (totalSteps - warmupSteps);
        yield ((learningRate - POLYNOMIAL_LR_END) * remaining + POLYNOMIAL_LR_END) / learningRate;
      }
      case "inverse_sqrt" -> {
        int timescale = warmupSteps == 0 ? INVERSE_SQRT_TIMESCALE : warmupSteps;
        yield 1 / Math.sqrt((double) (step + timescale - warmupSteps) / timescale);
      }
      default -> throw new IllegalStateException("bug: no curve for scheduler " + name);
    };
  }
}
