package dev.tuneup.inference;

import dev.tuneup.error.InvalidParameter;
import java.util.List;

/** A conversation to continue, rendered with the model's own chat template. */
public record ChatRequest(List<ChatMessage> messages, SamplingOptions options) {
  public ChatRequest {
    if (messages == null || messages.isEmpty()) {
      throw new InvalidParameter("messages", "messages must hold at least one message.");
    }
    messages = List.copyOf(messages);
  }
}
