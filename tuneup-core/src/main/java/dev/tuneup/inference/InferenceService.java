package dev.tuneup.inference;

import dev.tuneup.auth.Caller;
import dev.tuneup.deployment.Deployment;
import dev.tuneup.deployment.DeploymentStatus;
import dev.tuneup.deployment.DeploymentStore;
import dev.tuneup.error.ModelNotFound;
import dev.tuneup.error.OperationNotAllowed;
import dev.tuneup.error.QuotaExceeded;

/** Answers chat requests with the caller's deployed models. */
public final class InferenceService {
  private final DeploymentStore deployments;
  private final InferenceRuntime runtime;
  private final OnDemandModels onDemand;
  private final RateLimiter limiter;

  public InferenceService(DeploymentStore deployments, InferenceRuntime runtime) {
    this(deployments, runtime, null, null);
  }

  /**
   * @param onDemand serves models that have no deployment (the OpenAI surface), or null for none
   */
  public InferenceService(
      DeploymentStore deployments, InferenceRuntime runtime, OnDemandModels onDemand) {
    this(deployments, runtime, onDemand, null);
  }

  /**
   * @param limiter enforces the deployments' rate limits, or null for none
   */
  public InferenceService(
      DeploymentStore deployments,
      InferenceRuntime runtime,
      OnDemandModels onDemand,
      RateLimiter limiter) {
    this.deployments = deployments;
    this.runtime = runtime;
    this.onDemand = onDemand;
    this.limiter = limiter;
  }

  /**
   * The runtime key to answer {@code model} with: the caller's serving deployment of that name,
   * else, when on-demand serving is on, the model itself loaded on first use.
   *
   * @throws ModelNotFound when neither exists
   */
  public String route(Caller caller, String model, boolean allowOnDemand) {
    if (model == null || model.isBlank()) {
      throw new dev.tuneup.error.InvalidParameter("model", "Missing model: name a model.");
    }
    boolean deployed =
        deployments
            .findFor(caller, model)
            .filter(x -> x.status() != DeploymentStatus.DELETING)
            .isPresent();
    if (deployed || onDemand == null || !allowOnDemand) {
      return serving(caller, model).id();
    }
    return onDemand.acquire(caller, model);
  }

  /** Generates with a runtime key from {@link #route}. */
  public Completion chat(String key, ChatRequest request, TokenSink sink) {
    Completion c = runtime.generate(key, request, sink);
    if (limiter != null) {
      limiter.recordTokens(key, c.totalTokens());
    }
    return c;
  }

  /**
   * The caller's deployment of {@code model}, checked to be serving.
   *
   * @throws ModelNotFound when the caller has no such deployment (or it is being deleted)
   * @throws OperationNotAllowed while it is still loading, or when it failed
   * @throws QuotaExceeded when the request would pass its {@code rpm_limit} or {@code tpm_limit}
   */
  public Deployment serving(Caller caller, String model) {
    if (model == null || model.isBlank()) {
      throw new dev.tuneup.error.InvalidParameter("model", "Missing model: name a deployed_model.");
    }
    Deployment d =
        deployments
            .findFor(caller, model)
            .filter(x -> x.status() != DeploymentStatus.DELETING)
            .orElseThrow(() -> new ModelNotFound(model));
    if (!d.status().serves()) {
      throw new OperationNotAllowed(
          "The model "
              + model
              + " is "
              + d.status()
              + (d.status() == DeploymentStatus.FAILED
                  ? ": " + d.reason() + " Delete the deployment and deploy again."
                  : ": it is still loading, retry once its deployment is RUNNING."));
    }
    if (limiter != null) {
      limiter.admit(d);
    }
    return d;
  }

  /**
   * Generates an answer, streaming it to {@code sink}.
   *
   * @throws QuotaExceeded when every instance is busy and the wait queue is full
   */
  public Completion chat(Deployment deployment, ChatRequest request, TokenSink sink) {
    return chat(deployment.id(), request, sink);
  }
}
