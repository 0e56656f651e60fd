package dev.tuneup.deployment;

import dev.tuneup.error.OperationNotAllowed;

/** A deployment cannot take an event in its current status. */
public class IllegalDeploymentTransition extends OperationNotAllowed {
  private final String deployedModel;
  private final DeploymentStatus from;
  private final DeploymentEvent event;

  public IllegalDeploymentTransition(
      String deployedModel, DeploymentStatus from, DeploymentEvent event, String message) {
    super(message);
    this.deployedModel = deployedModel;
    this.from = from;
    this.event = event;
  }

  public String deployedModel() {
    return deployedModel;
  }

  public DeploymentStatus from() {
    return from;
  }

  public DeploymentEvent event() {
    return event;
  }
}
