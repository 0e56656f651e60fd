package dev.tuneup.inference;

/** Receives the answer as it is generated (streaming). */
@FunctionalInterface
public interface TokenSink {
  /**
   * New text after one more token ({@code delta} may be empty while a character is incomplete).
   *
   * @return false to stop generating (the client went away); the slot is freed at once
   */
  boolean accept(String delta, int outputTokens);

  /** An instance was taken for this request; decoding starts now (a stream may open). */
  default void started() {}

  /** The prompt is {@code n} tokens long (known before the first token). */
  default void promptTokens(int n) {}

  static TokenSink ignore() {
    return (delta, n) -> true;
  }
}
