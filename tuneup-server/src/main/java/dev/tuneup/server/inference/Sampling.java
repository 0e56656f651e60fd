package dev.tuneup.server.inference;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tuneup.error.InvalidParameter;
import dev.tuneup.inference.ChatMessage;
import dev.tuneup.inference.SamplingOptions;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads sampling parameters and messages, spelled alike on the DashScope ({@code parameters}) and
 * OpenAI (top level) surfaces. Unknown keys are ignored, as both services do.
 *
 * <p>Without a temperature the answer is greedy: a self-hosted fine-tune is usually checked against
 * its training answers, and a default that samples would make that check flaky.
 */
public final class Sampling {
  /** DashScope's documented default seed. */
  static final long DEFAULT_SEED = 1234;

  private Sampling() {}

  public static SamplingOptions options(JsonNode p) {
    JsonNode maxTokens = p.has("max_tokens") ? p.get("max_tokens") : p.get("max_completion_tokens");
    return new SamplingOptions(
        maxTokens == null || maxTokens.isNull()
            ? SamplingOptions.DEFAULT_MAX_TOKENS
            : whole(maxTokens, "max_tokens"),
        number(p, "temperature", 0),
        number(p, "top_p", 1),
        p.hasNonNull("top_k") ? whole(p.get("top_k"), "top_k") : 0,
        p.hasNonNull("seed") ? p.get("seed").asLong() : DEFAULT_SEED,
        stops(p.get("stop")),
        number(p, "repetition_penalty", 1));
  }

  /** {@code [{role, content}]}; content may also be a list of {@code {type:text, text}} parts. */
  public static List<ChatMessage> messages(JsonNode node, String field) {
    if (node == null || !node.isArray() || node.isEmpty()) {
      throw new InvalidParameter(field, field + " must be a non-empty array of {role, content}.");
    }
    List<ChatMessage> out = new ArrayList<>();
    for (JsonNode m : node) {
      String role = m.path("role").asText("");
      if (!List.of("system", "user", "assistant").contains(role)) {
        throw new InvalidParameter(
            field, "role must be system, user or assistant, got '" + role + "'.");
      }
      out.add(new ChatMessage(role, content(m.get("content"), field)));
    }
    return out;
  }

  private static String content(JsonNode c, String field) {
    if (c != null && c.isTextual()) {
      return c.asText();
    }
    if (c != null && c.isArray()) {
      StringBuilder sb = new StringBuilder();
      for (JsonNode part : c) {
        if (part.has("text")) {
          sb.append(part.get("text").asText());
        }
      }
      return sb.toString();
    }
    throw new InvalidParameter(field, "each message needs a string content.");
  }

  private static List<String> stops(JsonNode stop) {
    if (stop == null || stop.isNull()) {
      return List.of();
    }
    if (stop.isTextual()) {
      return List.of(stop.asText());
    }
    List<String> out = new ArrayList<>();
    if (stop.isArray()) {
      for (JsonNode s : stop) {
        if (!s.isTextual()) {
          throw new InvalidParameter("stop", "stop must be a string or an array of strings.");
        }
        out.add(s.asText());
      }
      return out;
    }
    throw new InvalidParameter("stop", "stop must be a string or an array of strings.");
  }

  private static double number(JsonNode p, String field, double dflt) {
    JsonNode v = p.get(field);
    if (v == null || v.isNull()) {
      return dflt;
    }
    if (!v.isNumber()) {
      throw new InvalidParameter(field, field + " must be a number, got " + v);
    }
    return v.asDouble();
  }

  private static int whole(JsonNode v, String field) {
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw new InvalidParameter(field, field + " must be a whole number, got " + v);
    }
    return v.asInt();
  }
}
