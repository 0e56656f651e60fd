package dev.tuneup.job;

import java.util.Locale;

/**
 * The log message written for each trainer {@code eval} event, for humans only (see {@link
 * StepLine}).
 */
public final class EvalLine {
  private EvalLine() {}

  /** The message of an evaluation log line. */
  public static String format(int step, double evalLoss) {
    return String.format(Locale.ROOT, "eval at step %d: eval_loss %.4f", step, evalLoss);
  }
}
