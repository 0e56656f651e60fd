package dev.tuneup.contract;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The dataset format of the SFT objective: DashScope chat JSONL, one {@code {"messages": [{role,
 * content}, ...]}} object per line. The one set of rules, used at upload and by the trainer.
 */
public final class ChatDataset {
  private ChatDataset() {}

  public static final Set<String> ROLES = Set.of("system", "user", "assistant");

  /** One turn of a conversation. */
  public record Message(String role, String content) {}

  /** A line that breaks the format; the message says what is wrong, without the line number. */
  public static final class InvalidLine extends IllegalArgumentException {
    public InvalidLine(String message) {
      super(message);
    }
  }

  /**
   * The conversation of one non-blank line.
   *
   * @throws InvalidLine when the line is not JSON, not an object with a non-empty {@code messages}
   *     array, or a message has a bad role or a non-string content
   */
  public static List<Message> parseLine(String line) {
    Object root;
    try {
      root = Json.parse(line);
    } catch (IllegalArgumentException e) {
      throw new InvalidLine(e.getMessage().replaceFirst("^invalid JSON", "not valid JSON"));
    }
    if (!(root instanceof Map<?, ?> obj) || !(obj.get("messages") instanceof List<?> array)) {
      throw new InvalidLine("expected an object with a \"messages\" array");
    }
    if (array.isEmpty()) {
      throw new InvalidLine("\"messages\" is empty");
    }
    List<Message> messages = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      String at = "messages[" + i + "]";
      if (!(array.get(i) instanceof Map<?, ?> m)) {
        throw new InvalidLine(at + " is not an object");
      }
      Object role = m.get("role");
      if (!(role instanceof String r) || !ROLES.contains(r)) {
        throw new InvalidLine(
            at + ".role must be \"system\", \"user\" or \"assistant\", got " + describe(role));
      }
      Object content = m.get("content");
      if (!(content instanceof String c)) {
        throw new InvalidLine(at + ".content must be a string, got " + describe(content));
      }
      messages.add(new Message(r, c));
    }
    return messages;
  }

  /** Whether a conversation has a turn to learn from. */
  public static boolean hasAssistant(List<Message> messages) {
    return messages.stream().anyMatch(m -> m.role().equals("assistant"));
  }

  private static String describe(Object v) {
    if (v == null) {
      return "nothing";
    }
    return v instanceof String ? "\"" + v + "\"" : Json.write(v);
  }
}
