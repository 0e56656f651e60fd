package dev.tuneup.job;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The log message written for each trainer {@code progress} event, and its parse. The OpenAI
 * surface turns these lines back into {@code metrics} events and checkpoint metrics, so the format
 * and the parse live together.
 */
public record StepLine(int step, int totalSteps, double epoch, double loss) {
  private static final Pattern LINE =
      Pattern.compile("^step (\\d+)/(\\d+), epoch ([-0-9.eE+]+), loss ([-0-9.eE+]+|NaN),");

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

  /** The step, total, epoch and loss of a progress message, if {@code message} is one. */
  public static Optional<StepLine> parse(String message) {
    Matcher m = LINE.matcher(message);
    if (!m.find()) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          new StepLine(
              Integer.parseInt(m.group(1)),
              Integer.parseInt(m.group(2)),
              Double.parseDouble(m.group(3)),
              Double.parseDouble(m.group(4))));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
