package dev.tuneup.inference;

import dev.tuneup.error.InvalidParameter;
import java.util.List;

/**
 * A conversation to continue, rendered with the model's own chat template.
 *
 * @param tenant who asks (the user id): a shared model takes turns between tenants' requests
 */
public record ChatRequest(List<ChatMessage> messages, SamplingOptions options, String tenant) {
  public ChatRequest {
    if (messages == null || messages.isEmpty()) {
      throw new InvalidParameter("messages", "messages must hold at least one message.");
    }
    messages = List.copyOf(messages);
    tenant = tenant == null ? "" : tenant;
  }

  /** A request of no particular tenant. */
  public ChatRequest(List<ChatMessage> messages, SamplingOptions options) {
    this(messages, options, null);
  }

  /** The characters of every message's content together. */
  public long promptChars() {
    long n = 0;
    for (ChatMessage m : messages) {
      n += m.content() == null ? 0 : m.content().length();
    }
    return n;
  }
}
