package dev.tuneup.inference.engine;

/**
 * Settings of the engine.
 *
 * @param maxQueue requests that may wait per deployment while all its instances are busy; the next
 *     one is answered 429 Throttling
 */
public record EngineConfig(int maxQueue) {
  public static final int DEFAULT_MAX_QUEUE = 16;

  public EngineConfig {
    if (maxQueue < 0) {
      throw new IllegalArgumentException("inference.max-queue must be 0 or more, got " + maxQueue);
    }
  }

  public static EngineConfig defaults() {
    return new EngineConfig(DEFAULT_MAX_QUEUE);
  }
}
