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

  static TokenSink ignore() {
    return (delta, n) -> true;
  }
}
