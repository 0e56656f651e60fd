package dev.tuneup.error;

/**
 * What the caller can do next about an error, when that is a call to another endpoint. The core
 * names the step; each surface's mapper words it with its own paths.
 *
 * @param kind the step
 * @param target the resource the step acts on (a deployed model), or null
 */
public record NextStep(Kind kind, String target) {
  /** The steps that the errors of tuneup point to. */
  public enum Kind {
    /** List the base models that can be fine-tuned. */
    LIST_BASE_MODELS,
    /** Delete the deployment {@link #target()}. */
    DELETE_DEPLOYMENT
  }

  public static NextStep listBaseModels() {
    return new NextStep(Kind.LIST_BASE_MODELS, null);
  }

  public static NextStep deleteDeployment(String deployedModel) {
    return new NextStep(Kind.DELETE_DEPLOYMENT, deployedModel);
  }
}
