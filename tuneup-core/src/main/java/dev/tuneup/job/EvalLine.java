package dev.tuneup.job;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The log message written for each trainer {@code eval} event, and its parse. */
public record EvalLine(int step, double evalLoss) {
  private static final Pattern LINE =
      Pattern.compile("^eval at step (\\d+): eval_loss ([-0-9.eE+]+|NaN)");

  /** The message of an evaluation log line. */
  public static String format(int step, double evalLoss) {
    return String.format(Locale.ROOT, "eval at step %d: eval_loss %.4f", step, evalLoss);
  }

  /** The step and evaluation loss of an evaluation message, if {@code message} is one. */
  public static Optional<EvalLine> parse(String message) {
    Matcher m = LINE.matcher(message);
    if (!m.find()) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          new EvalLine(Integer.parseInt(m.group(1)), Double.parseDouble(m.group(2))));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
