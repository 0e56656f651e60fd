package dev.tuneup.deployment;

/**
 * The status of a deployment; the names are the exact strings on the wire. {@code PENDING}, {@code
 * DEPLOYING} and {@code RUNNING} are the SDK's enum, {@code UPDATING} and {@code DELETING} come
 * from the documentation (scale and delete answers). {@code FAILED} carries a reason.
 */
public enum DeploymentStatus {
  PENDING,
  DEPLOYING,
  RUNNING,
  UPDATING,
  DELETING,
  FAILED;

  /** Whether the deployment answers generation requests in this status. */
  public boolean serves() {
    return this == RUNNING || this == UPDATING;
  }
}
