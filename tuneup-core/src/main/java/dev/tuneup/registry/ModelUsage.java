package dev.tuneup.registry;

import java.util.Optional;

/** Tells whether a registered model is in use, so that it is not removed from under its users. */
@FunctionalInterface
public interface ModelUsage {
  /** What uses the model (e.g. the deployed model serving it), or empty when nothing does. */
  Optional<String> usedBy(String modelName);

  /** Nothing ever uses a model (no deployments wired). */
  static ModelUsage none() {
    return name -> Optional.empty();
  }
}
