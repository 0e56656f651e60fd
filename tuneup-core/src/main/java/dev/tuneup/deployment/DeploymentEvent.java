package dev.tuneup.deployment;

/** What can happen to a deployment. {@link DeploymentLifecycle} says which status each leads to. */
public enum DeploymentEvent {
  /** The loader took the deployment and starts reading its weights. */
  LOAD_STARTED,
  /** Every instance is loaded (after a deploy) or the new capacity is in place (after a scale). */
  LOADED,
  /** The model could not be loaded or resized; the reason is kept. */
  LOAD_FAILED,
  /** A user asked for another capacity. */
  SCALE,
  /** A user asked to delete the deployment. */
  DELETE,
  /** The server started again: whatever was loaded is gone and must be loaded anew. */
  SERVER_RESTARTED
}
