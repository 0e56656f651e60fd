package dev.tuneup.inference;

/** The answer of one generation with its token counts. */
public record Completion(
    String text, FinishReason finishReason, int inputTokens, int outputTokens) {
  public int totalTokens() {
    return inputTokens + outputTokens;
  }
}
