package dev.tuneup.deployment;

import dev.tuneup.auth.Caller;
import dev.tuneup.common.Page;
import dev.tuneup.common.PageRequest;
import java.util.List;
import java.util.Optional;

/** Persistence of deployments. Every change is optimistic on {@link Deployment#version()}. */
public interface DeploymentStore {
  /**
   * Stores a new deployment with version 1.
   *
   * @return false when the owner already has a deployment of that {@code deployedModel}
   */
  boolean insert(Deployment deployment);

  /** The outcome of {@link #insertWithinQuota}. */
  enum Admission {
    STORED,
    /** The owner already has a deployment of that {@code deployedModel}. */
    NAME_TAKEN,
    /** The owner already has {@code maxPerUser} deployments (all workspaces). */
    LIMIT,
    /** The owner's deployments would hold more than {@code maxCapacity} instances together. */
    CAPACITY_LIMIT
  }

  /**
   * Stores a new deployment if its user has fewer than {@code maxPerUser}; the check and the insert
   * are one transaction serialised per user, so parallel creates never overrun.
   */
  Admission insertWithinQuota(Deployment deployment, int maxPerUser, int maxCapacity);

  /** The outcome of {@link #updateWithinCapacity}: the write, or that the capacity was too much. */
  record Scaled(Optional<Deployment> written, boolean overCapacity) {}

  /**
   * As {@link #update}, if the owner's deployments then hold at most {@code maxCapacity} instances
   * together; checked and written in one transaction serialised per user.
   */
  Scaled updateWithinCapacity(Deployment next, int maxCapacity);

  /** The caller's deployment of that name (same user and workspace). */
  Optional<Deployment> findFor(Caller caller, String deployedModel);

  Optional<Deployment> find(String id);

  /** The caller's deployments, oldest first. */
  Page<Deployment> list(Caller caller, PageRequest page);

  /** Every deployment, for the server's start. */
  List<Deployment> listAll();

  /**
   * Deployments of a model, whoever owns them (a job's model may not be deleted while deployed).
   */
  List<Deployment> listForModel(String modelName);

  /**
   * Writes {@code next} if the stored version is still {@code next.version()}.
   *
   * @return the written deployment with the version incremented, or empty when it changed meanwhile
   */
  Optional<Deployment> update(Deployment next);

  /** Removes the deployment if its version is {@code version}; false when it changed or is gone. */
  boolean delete(String id, long version);
}
