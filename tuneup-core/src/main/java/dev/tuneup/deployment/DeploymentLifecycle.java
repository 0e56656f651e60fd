package dev.tuneup.deployment;

import static dev.tuneup.deployment.DeploymentEvent.DELETE;
import static dev.tuneup.deployment.DeploymentEvent.LOADED;
import static dev.tuneup.deployment.DeploymentEvent.LOAD_FAILED;
import static dev.tuneup.deployment.DeploymentEvent.LOAD_STARTED;
import static dev.tuneup.deployment.DeploymentEvent.SCALE;
import static dev.tuneup.deployment.DeploymentEvent.SERVER_RESTARTED;
import static dev.tuneup.deployment.DeploymentStatus.DELETING;
import static dev.tuneup.deployment.DeploymentStatus.DEPLOYING;
import static dev.tuneup.deployment.DeploymentStatus.FAILED;
import static dev.tuneup.deployment.DeploymentStatus.PENDING;
import static dev.tuneup.deployment.DeploymentStatus.RUNNING;
import static dev.tuneup.deployment.DeploymentStatus.UPDATING;

import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * The deployment state machine: one transition table, checked in one method. Every status change of
 * a deployment goes through {@link #next}.
 *
 * <p>Delete wins: it is accepted in every status and repeated deletes have one effect. A restart
 * sends a deployment that was becoming loaded back to PENDING, so that statuses stay honest while
 * the weights are read again; a deployment being deleted stays DELETING. A serving one (RUNNING,
 * UPDATING) is not sent through the restart at all: other replicas serve it, and the restarted one
 * loads it again through its {@link DeploymentReconciler}.
 */
public final class DeploymentLifecycle {
  private static final Map<DeploymentStatus, Map<DeploymentEvent, DeploymentStatus>> TABLE =
      new EnumMap<>(DeploymentStatus.class);

  static {
    allow(PENDING, LOAD_STARTED, DEPLOYING);
    allow(PENDING, LOAD_FAILED, FAILED);
    allow(PENDING, DELETE, DELETING);
    allow(PENDING, SERVER_RESTARTED, PENDING);

    allow(DEPLOYING, LOADED, RUNNING);
    allow(DEPLOYING, LOAD_FAILED, FAILED);
    allow(DEPLOYING, DELETE, DELETING);
    allow(DEPLOYING, SERVER_RESTARTED, PENDING);

    allow(RUNNING, SCALE, UPDATING);
    allow(RUNNING, DELETE, DELETING);
    allow(RUNNING, SERVER_RESTARTED, PENDING);

    allow(UPDATING, LOADED, RUNNING);
    allow(UPDATING, LOAD_FAILED, FAILED);
    allow(UPDATING, SCALE, UPDATING);
    allow(UPDATING, DELETE, DELETING);
    allow(UPDATING, SERVER_RESTARTED, PENDING);

    allow(DELETING, DELETE, DELETING);
    allow(DELETING, SERVER_RESTARTED, DELETING);

    allow(FAILED, DELETE, DELETING);
  }

  private DeploymentLifecycle() {}

  private static void allow(DeploymentStatus from, DeploymentEvent event, DeploymentStatus to) {
    TABLE.computeIfAbsent(from, f -> new EnumMap<>(DeploymentEvent.class)).put(event, to);
  }

  /** The status {@code event} leads to from {@code from}, or empty when it is not allowed. */
  public static Optional<DeploymentStatus> target(DeploymentStatus from, DeploymentEvent event) {
    return Optional.ofNullable(TABLE.getOrDefault(from, Map.of()).get(event));
  }

  /**
   * The status {@code event} leads to.
   *
   * @throws IllegalDeploymentTransition naming the deployment, its status and the event
   */
  public static DeploymentStatus next(
      String deployedModel, DeploymentStatus from, DeploymentEvent event) {
    return target(from, event).orElseThrow(() -> refusal(deployedModel, from, event));
  }

  private static IllegalDeploymentTransition refusal(
      String deployedModel, DeploymentStatus from, DeploymentEvent event) {
    String message =
        switch (event) {
          case SCALE ->
              "The deployment "
                  + deployedModel
                  + " can not be scaled because it is "
                  + from
                  + ": scale it once it is RUNNING"
                  + (from == FAILED ? ", or delete it and deploy again." : ".");
          default ->
              "The deployment " + deployedModel + " can not take " + event + " while " + from + ".";
        };
    return new IllegalDeploymentTransition(deployedModel, from, event, message);
  }
}
