package dev.tuneup.inference;

import dev.tuneup.auth.Caller;
import dev.tuneup.deployment.Deployment;
import dev.tuneup.deployment.DeploymentReconciler;
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
  private final long maxPromptChars;
  private final DeploymentReconciler reconciler;

  /** Characters a prompt may hold when the configuration sets no other number. */
  public static final long DEFAULT_MAX_PROMPT_CHARS = 200_000;

  private final RateLimiter limiter;

  public InferenceService(DeploymentStore deployments, InferenceRuntime runtime) {
    this(deployments, runtime, null);
  }

  public InferenceService(
      DeploymentStore deployments, InferenceRuntime runtime, OnDemandModels onDemand) {
    this(deployments, runtime, onDemand, DEFAULT_MAX_PROMPT_CHARS, null, null);
  }

  /**
   * @param onDemand serves models that have no deployment (the OpenAI surface), or null for none
   * @param maxPromptChars characters the messages of one request may hold together ({@code
   *     inference.max-prompt-chars}); checked before anything is tokenised
   * @param reconciler loads a serving deployment that this replica has not loaded yet before the
   *     request is answered, or null when only this process loads deployments
   * @param limiter enforces the deployments' rate limits, or null for none
   */
  public InferenceService(
      DeploymentStore deployments,
      InferenceRuntime runtime,
      OnDemandModels onDemand,
      long maxPromptChars,
      DeploymentReconciler reconciler,
      RateLimiter limiter) {
    if (maxPromptChars < 1) {
      throw new IllegalArgumentException(
          "inference.max-prompt-chars must be 1 or more, got " + maxPromptChars);
    }
    this.maxPromptChars = maxPromptChars;
    this.deployments = deployments;
    this.runtime = runtime;
    this.onDemand = onDemand;
    this.reconciler = reconciler;
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
    checkLength(request);
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
    if (reconciler != null) {
      // Created or reloaded through another replica: load it here rather than refuse the request.
      reconciler.ensureLoaded(d);
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
    checkLength(request);
    return chat(deployment.id(), request, sink);
  }

  /** Refuses an over-long prompt by its characters, before tokenising costs any CPU. */
  private void checkLength(ChatRequest request) {
    long chars = request.promptChars();
    if (chars > maxPromptChars) {
      throw new dev.tuneup.error.InvalidParameter(
          "messages",
          "The messages hold "
              + chars
              + " characters; at most "
              + maxPromptChars
              + " are allowed per request (inference.max-prompt-chars). Shorten the prompt.");
    }
  }
}
