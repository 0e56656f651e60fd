package dev.tuneup.inference;

import dev.tuneup.error.QuotaExceeded;
import dev.tuneup.registry.ResolvedModel;

/**
 * The engine that holds loaded models and generates with them, keyed by deployment id. Loading is
 * slow and blocking; callers run it off request threads.
 */
public interface InferenceRuntime extends AutoCloseable {
  /**
   * Loads {@code model} to serve {@code capacity} requests at once. Blocks until loaded.
   *
   * @throws RuntimeException with a readable message when the model cannot be loaded
   */
  void load(String key, ResolvedModel model, int capacity);

  /** Changes how many requests may run at once; running requests finish undisturbed. */
  void resize(String key, int capacity);

  /** Frees the model; requests still running finish first. Idempotent. */
  void unload(String key);

  boolean isLoaded(String key);

  /**
   * Generates an answer, waiting for a free instance when all are busy.
   *
   * @throws QuotaExceeded when the wait queue of the deployment is full (429 Throttling)
   * @throws IllegalStateException when {@code key} is not loaded
   */
  Completion generate(String key, ChatRequest request, TokenSink sink);

  @Override
  void close();
}
