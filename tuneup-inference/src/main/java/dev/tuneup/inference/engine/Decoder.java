package dev.tuneup.inference.engine;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.tuneup.error.InvalidParameter;
import dev.tuneup.inference.ChatRequest;
import dev.tuneup.inference.Completion;
import dev.tuneup.inference.FinishReason;
import dev.tuneup.inference.SamplingOptions;
import dev.tuneup.inference.TokenSink;
import dev.tuneup.model.nn.KvCache;
import dev.tuneup.model.nn.TokenPicker;
import dev.tuneup.model.nn.Transformer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * One generation: a prefill over the prompt, then one token at a time on the KV cache, until an end
 * token, a stop string, {@code max_tokens} or the context length.
 *
 * <p>Text is streamed as it becomes final: the whole answer is decoded again after each token and
 * only what is certain is handed on, holding back an incomplete UTF-8 character (decoded as U+FFFD)
 * and any tail that could still grow into a stop string.
 */
final class Decoder {
  private Decoder() {}

  static Completion generate(LoadedModel lm, ChatRequest request, TokenSink sink) {
    SamplingOptions o = request.options();
    Transformer model = lm.model();
    int[] prompt = lm.prompt(request.messages());
    int context = model.config().maxPositionEmbeddings();
    if (prompt.length >= context) {
      throw new InvalidParameter(
          "messages",
          "The prompt is "
              + prompt.length
              + " tokens; this model reads at most "
              + (context - 1)
              + ". Shorten the conversation.");
    }
    sink.promptTokens(prompt.length);
    int limit = Math.min(o.maxTokens(), context - prompt.length);
    int[] endIds = lm.endIds();
    Random random = new Random(o.seed());
    boolean[] seen = new boolean[model.config().vocabSize()];
    if (o.repetitionPenalty() != 1.0) {
      for (int id : prompt) {
        seen[id] = true;
      }
    }
    int[] out = new int[limit];
    int n = 0;
    int emitted = 0;
    String text = "";
    FinishReason finish = FinishReason.LENGTH;
    try (KvCache cache = new KvCache(model.manager(), model.config().numHiddenLayers())) {
      int[] next = prompt;
      while (n < limit) {
        float[] logits = step(model, cache, next);
        TokenPicker.penalise(logits, seen, o.repetitionPenalty());
        int token = TokenPicker.pick(logits, o.temperature(), o.topP(), o.topK(), random);
        if (contains(endIds, token)) {
          finish = FinishReason.STOP;
          break;
        }
        out[n++] = token;
        seen[token] = true;
        text = lm.decode(Arrays.copyOf(out, n));
        int stopAt = firstStop(text, o.stop());
        if (stopAt >= 0) {
          text = text.substring(0, stopAt);
          finish = FinishReason.STOP;
          break;
        }
        int safe = certainLength(text, o.stop());
        if (safe > emitted) {
          String delta = text.substring(emitted, safe);
          emitted = safe;
          if (!sink.accept(delta, n)) {
            finish = FinishReason.STOP;
            return new Completion(text, finish, prompt.length, n);
          }
        }
        next = new int[] {token};
      }
    }
    if (text.length() > emitted) {
      sink.accept(text.substring(emitted), n);
    }
    return new Completion(text, finish, prompt.length, n);
  }

  static float[] step(Transformer model, KvCache cache, int[] ids) {
    try (NDManager step = model.manager().newSubManager()) {
      long[] input = new long[ids.length];
      for (int i = 0; i < ids.length; i++) {
        input[i] = ids[i];
      }
      // [1, 1, vocab]: the logits after the last input token
      return model.forward(step.create(input, new Shape(1, input.length)), cache).toFloatArray();
    }
  }

  private static boolean contains(int[] ids, int token) {
    for (int id : ids) {
      if (id == token) {
        return true;
      }
    }
    return false;
  }

  /** Where the earliest stop string starts in {@code text}, or -1. */
  static int firstStop(String text, List<String> stops) {
    int best = -1;
    for (String s : stops) {
      int at = text.indexOf(s);
      if (at >= 0 && (best < 0 || at < best)) {
        best = at;
      }
    }
    return best;
  }

  /**
   * How much of {@code text} is final: not an incomplete character at the end, and not a tail that
   * is the beginning of a stop string.
   */
  static int certainLength(String text, List<String> stops) {
    int end = text.length();
    while (end > 0 && text.charAt(end - 1) == '\uFFFD') {
      end--;
    }
    int hold = 0;
    for (String s : stops) {
      for (int k = Math.min(s.length() - 1, end); k > hold; k--) {
        if (text.startsWith(s.substring(0, k), end - k)) {
          hold = k;
          break;
        }
      }
    }
    return end - hold;
  }
}
