package dev.tuneup.inference.engine;

import dev.tuneup.inference.SamplingOptions;
import java.util.Arrays;
import java.util.Random;

/**
 * Picks the next token from logits: repetition penalty first (as transformers does: positive logits
 * of seen tokens divided by the penalty, negative ones multiplied), then greedy, or temperature,
 * top-k and top-p sampling.
 */
final class Sampler {
  private Sampler() {}

  static void penalise(float[] logits, boolean[] seen, double penalty) {
    if (penalty == 1.0) {
      return;
    }
    for (int i = 0; i < logits.length; i++) {
      if (seen[i]) {
        logits[i] = (float) (logits[i] > 0 ? logits[i] / penalty : logits[i] * penalty);
      }
    }
  }

  static int pick(float[] logits, SamplingOptions o, Random random) {
    if (o.greedy()) {
      int best = 0;
      for (int i = 1; i < logits.length; i++) {
        if (logits[i] > logits[best]) {
          best = i;
        }
      }
      return best;
    }
    Integer[] order = new Integer[logits.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
    int keep = o.topK() > 0 ? Math.min(o.topK(), order.length) : order.length;
    double max = logits[order[0]] / o.temperature();
    double[] p = new double[keep];
    double total = 0;
    for (int i = 0; i < keep; i++) {
      p[i] = Math.exp(logits[order[i]] / o.temperature() - max);
      total += p[i];
    }
    int cut = keep;
    double cumulative = 0;
    for (int i = 0; i < keep; i++) {
      cumulative += p[i] / total;
      if (cumulative >= o.topP()) {
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
