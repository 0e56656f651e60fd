package dev.tuneup.job;

import java.util.Locale;

/**
 * The log message written for each trainer {@code progress} event, for humans only: the numbers are
 * stored as {@link JobMetric} rows beside it, and nothing parses this text back.
 */
public final class StepLine {
  private StepLine() {}

  /** The message of a progress log line. */
  public static String format(
      int step,
      int totalSteps,
      double epoch,
      double loss,
      double lr,
      double tokensPerSecond,
      double etaSeconds) {
    return String.format(
        Locale.ROOT,
        "step %d/%d, epoch %.2f, loss %.4f, lr %.3e, %.0f tokens/s, eta %.0f s",
        step,
        totalSteps,
        epoch,
        loss,
        lr,
        tokensPerSecond,
        etaSeconds);
  }
}
