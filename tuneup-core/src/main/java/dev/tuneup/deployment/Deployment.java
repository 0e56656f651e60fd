package dev.tuneup.deployment;

import java.time.Instant;
import java.util.Objects;

/**
 * A model served for chat under the name {@code deployedModel}, unique in its owner's user and
 * workspace.
 *
 * @param id internal identity (the engine's key), never on the wire
 * @param modelName the model deployed: a base model or a fine-tuned one
 * @param baseModel the root base model of {@code modelName}
 * @param capacity instances asked for
 * @param readyCapacity instances loaded and serving
 * @param reason why the deployment FAILED, else null
 * @param version optimistic-write counter
 * @param limits requests and tokens per minute, never null
 */
public record Deployment(
    String id,
    String deployedModel,
    String userId,
    String workspaceId,
    String modelName,
    String baseModel,
    String suffix,
    String plan,
    DeploymentStatus status,
    int capacity,
    int readyCapacity,
    String reason,
    String creator,
    String modifier,
    Instant createdAt,
    Instant modifiedAt,
    long version,
    RateLimits limits) {
  public Deployment {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(deployedModel, "deployedModel");
    Objects.requireNonNull(status, "status");
    limits = limits == null ? RateLimits.NONE : limits;
  }

  /** A copy in a new status at {@code now}, written by {@code modifier}. */
  public Deployment moved(DeploymentStatus to, Instant now, String by) {
    return new Deployment(
        id,
        deployedModel,
        userId,
        workspaceId,
        modelName,
        baseModel,
        suffix,
        plan,
        to,
        capacity,
        readyCapacity,
        to == DeploymentStatus.FAILED ? reason : null,
        creator,
        by == null ? modifier : by,
        createdAt,
        now,
        version,
        limits);
  }

  public Deployment withCapacity(int newCapacity) {
    return new Deployment(
        id,
        deployedModel,
        userId,
        workspaceId,
        modelName,
        baseModel,
        suffix,
        plan,
        status,
        newCapacity,
        readyCapacity,
        reason,
        creator,
        modifier,
        createdAt,
        modifiedAt,
        version,
        limits);
  }

  public Deployment withReadyCapacity(int ready) {
    return new Deployment(
        id,
        deployedModel,
        userId,
        workspaceId,
        modelName,
        baseModel,
        suffix,
        plan,
        status,
        capacity,
        ready,
        reason,
        creator,
        modifier,
        createdAt,
        modifiedAt,
        version,
        limits);
  }

  public Deployment withReason(String why) {
    return new Deployment(
        id,
        deployedModel,
        userId,
        workspaceId,
        modelName,
        baseModel,
        suffix,
        plan,
        status,
        capacity,
        readyCapacity,
        why,
        creator,
        modifier,
        createdAt,
        modifiedAt,
        version,
        limits);
  }

  public Deployment withLimits(RateLimits newLimits) {
    return new Deployment(
        id,
        deployedModel,
        userId,
        workspaceId,
        modelName,
        baseModel,
        suffix,
        plan,
        status,
        capacity,
        readyCapacity,
        reason,
        creator,
        modifier,
        createdAt,
        modifiedAt,
        version,
        newLimits);
  }
}
