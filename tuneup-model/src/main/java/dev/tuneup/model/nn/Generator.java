package dev.tuneup.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Random;
import java.util.function.IntPredicate;

/**
 * Autoregressive decoding with a KV cache: one prefill over the prompt, then one token at a time.
 * Greedy when {@code temperature <= 0}, otherwise temperature, top-k and top-p (nucleus) sampling
 * from a seeded generator, so a given seed reproduces its output.
 */
public final class Generator {

  /**
   * What to generate.
   *
   * @param maxTokens at most this many new tokens
   * @param temperature 0 (or less) for greedy decoding
   * @param topP keep the smallest set of tokens whose probability reaches this (1 = all)
   * @param topK keep this many most likely tokens (0 = all)
   * @param seed seeds the sampler
   * @param stopIds generation ends after any of these (the stop token is not returned)
   */
  public record Options(
      int maxTokens, double temperature, double topP, int topK, long seed, int[] stopIds) {
    public static Options greedy(int maxTokens, int... stopIds) {
      return new Options(maxTokens, 0, 1, 0, 0, stopIds);
    }
  }

  /**
   * The new tokens, and why generation ended.
   *
   * @param tokens generated ids without the stop token
   * @param stopped true when a stop id ended generation, false when {@code maxTokens} did
   */
  public record Result(int[] tokens, boolean stopped) {}

  private Generator() {}

  /** Generates a continuation of {@code prompt}. */
  public static Result generate(Transformer model, int[] prompt, Options options) {
    return generate(model, prompt, options, t -> true);
  }

  /**
   * Generates a continuation, handing each new token to {@code onToken} as it appears; returning
   * false from it stops early (a client that went away).
   */
  public static Result generate(
      Transformer model, int[] prompt, Options options, IntPredicate onToken) {
    Random random = new Random(options.seed());
    int[] out = new int[Math.max(options.maxTokens(), 0)];
    int n = 0;
    boolean stopped = false;
    try (KvCache cache = new KvCache(model.manager(), model.config().numHiddenLayers())) {
      int[] next = prompt;
      while (n < options.maxTokens()) {
        float[] logits;
        try (NDManager step = model.manager().newSubManager()) {
          long[] ids = Arrays.stream(next).asLongStream().toArray();
          NDArray input = step.create(ids, new Shape(1, ids.length));
          NDArray all = model.forward(input, cache);
          logits = all.get(new NDIndex("0, -1, :")).toFloatArray();
        }
        int token = pick(logits, options, random);
        if (contains(options.stopIds(), token)) {
          stopped = true;
          break;
        }
        out[n++] = token;
        if (!onToken.test(token)) {
          break;
        }
        next = new int[] {token};
      }
    }
    return new Result(Arrays.copyOf(out, n), stopped);
  }

  private static boolean contains(int[] ids, int token) {
    if (ids == null) {
      return false;
    }
    for (int id : ids) {
      if (id == token) {
        return true;
      }
    }
    return false;
  }

  static int pick(float[] logits, Options o, Random random) {
    return TokenPicker.pick(logits, o.temperature(), o.topP(), o.topK(), random);
  }
}
