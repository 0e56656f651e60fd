package dev.tuneup.error;

/**
 * A generation request names a model that is not deployed for the caller (never deployed, deleted,
 * or another user's). DashScope answers this with its own code, {@code ModelNotFound}.
 */
public class ModelNotFound extends NotFound {
  public ModelNotFound(String model) {
    super(
        "deployed-model",
        model,
        "The model "
            + model
            + " does not exist. Deploy a model with POST /api/v1/deployments and call it by its"
            + " deployed_model once it is RUNNING.");
  }
}
