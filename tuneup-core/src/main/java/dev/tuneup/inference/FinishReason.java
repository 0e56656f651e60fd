package dev.tuneup.inference;

/** Why generation ended: an end token or stop string ({@code stop}), or {@code max_tokens}. */
public enum FinishReason {
  STOP,
  LENGTH;

  /** The wire string, the same on the DashScope and OpenAI surfaces. */
  public String wire() {
    return name().toLowerCase();
  }
}
