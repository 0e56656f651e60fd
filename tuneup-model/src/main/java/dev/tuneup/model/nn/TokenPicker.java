package dev.tuneup.model.nn;

import java.util.Arrays;
import java.util.Random;

/**
 * Picks the next token from a row of logits, for the trainer's sample generation and for the
 * inference engine alike: repetition penalty first (as transformers does: positive logits of seen
 * tokens divided by the penalty, negative ones multiplied), then greedy, or temperature, top-k and
 * top-p (nucleus) sampling from a seeded generator, so a given seed reproduces its output.
 */
public final class TokenPicker {
  private TokenPicker() {}

  /** Applies a repetition penalty in place to the logits of tokens marked {@code seen}. */
  public static void penalise(float[] logits, boolean[] seen, double penalty) {
    if (penalty == 1.0) {
      return;
    }
    for (int i = 0; i < logits.length; i++) {
      if (seen[i]) {
        logits[i] = (float) (logits[i] > 0 ? logits[i] / penalty : logits[i] * penalty);
      }
    }
  }

  /** The index of the largest logit (the first one on a tie). */
  public static int greedy(float[] logits) {
    int best = 0;
    for (int i = 1; i < logits.length; i++) {
      if (logits[i] > logits[best]) {
        best = i;
      }
    }
    return best;
  }

  /**
   * Greedy when {@code temperature <= 0}; otherwise samples after temperature, top-k (0 = all) and
   * top-p (a value outside (0, 1] means 1).
   */
  public static int pick(float[] logits, double temperature, double topP, int topK, Random random) {
    if (temperature <= 0) {
      return greedy(logits);
    }
    Integer[] order = new Integer[logits.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
    int keep = topK > 0 ? Math.min(topK, order.length) : order.length;
    double max = logits[order[0]] / temperature;
    double[] p = new double[keep];
    double total = 0;
    for (int i = 0; i < keep; i++) {
      p[i] = Math.exp(logits[order[i]] / temperature - max);
      total += p[i];
    }
    double nucleus = topP <= 0 || topP > 1 ? 1 : topP;
    int cut = keep;
    double cumulative = 0;
    for (int i = 0; i < keep; i++) {
      cumulative += p[i] / total;
      if (cumulative >= nucleus) {
        cut = i + 1;
        break;
      }
    }
    double mass = 0;
    for (int i = 0; i < cut; i++) {
      mass += p[i];
    }
    double r = random.nextDouble() * mass;
    for (int i = 0; i < cut; i++) {
      r -= p[i];
      if (r <= 0) {
        return order[i];
      }
    }
    return order[cut - 1];
  }
}
