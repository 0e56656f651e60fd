package dev.tuneup.inference;

import dev.tuneup.error.InvalidParameter;
import java.util.List;

/**
 * How to pick tokens. Greedy when {@code temperature} is 0; otherwise temperature, top-k and top-p
 * sampling from a generator seeded with {@code seed}, so a seed reproduces its answer.
 *
 * @param maxTokens at most this many new tokens
 * @param temperature 0 for greedy, else in (0, 2]
 * @param topP nucleus mass in (0, 1]
 * @param topK keep this many most likely tokens, 0 for all
 * @param seed seeds the sampler
 * @param stop generation ends before any of these strings, which are not returned
 * @param repetitionPenalty 1 for none; above 1 makes tokens already seen less likely
 */
public record SamplingOptions(
    int maxTokens,
    double temperature,
    double topP,
    int topK,
    long seed,
    List<String> stop,
    double repetitionPenalty) {
  public static final int DEFAULT_MAX_TOKENS = 256;
  public static final int MAX_MAX_TOKENS = 8192;

  public SamplingOptions {
    if (maxTokens < 1 || maxTokens > MAX_MAX_TOKENS) {
      throw new InvalidParameter(
          "max_tokens",
          "max_tokens must be between 1 and " + MAX_MAX_TOKENS + ", got " + maxTokens);
    }
    if (!(temperature >= 0 && temperature <= 2)) {
      throw new InvalidParameter(
          "temperature", "temperature must be between 0 and 2, got " + temperature);
    }
    if (!(topP > 0 && topP <= 1)) {
      throw new InvalidParameter("top_p", "top_p must be in (0, 1], got " + topP);
    }
    if (topK < 0) {
      throw new InvalidParameter("top_k", "top_k must be 0 (all) or more, got " + topK);
    }
    if (!(repetitionPenalty > 0)) {
      throw new InvalidParameter(
          "repetition_penalty", "repetition_penalty must be above 0, got " + repetitionPenalty);
    }
    stop = stop == null ? List.of() : stop.stream().filter(s -> !s.isEmpty()).toList();
  }

  public static SamplingOptions greedy(int maxTokens) {
    return new SamplingOptions(maxTokens, 0, 1, 0, 0, List.of(), 1);
  }

  public boolean greedy() {
    return temperature == 0;
  }
}
