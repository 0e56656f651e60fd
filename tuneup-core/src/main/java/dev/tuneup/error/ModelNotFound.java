package dev.tuneup.error;

/**
 * A generation request names a model that is not deployed for the caller (never deployed, deleted,
 * or another user's). DashScope answers this with its own code, {@code ModelNotFound}, and its
 * mapper says how to deploy one.
 */
public final class ModelNotFound extends NotFound {
  public ModelNotFound(String model) {
    super("deployed-model", model, "The model " + model + " does not exist.");
  }

  @Override
  public <R> R accept(Cases<R> cases) {
    return cases.modelNotFound(this);
  }
}
