package dev.tuneup.deployment;

import dev.tuneup.auth.Caller;
import dev.tuneup.common.Ids;
import dev.tuneup.common.Page;
import dev.tuneup.common.PageRequest;
import dev.tuneup.error.Conflict;
import dev.tuneup.error.InvalidParameter;
import dev.tuneup.error.NotFound;
import dev.tuneup.error.QuotaExceeded;
import dev.tuneup.inference.InferenceRuntime;
import dev.tuneup.registry.ModelCatalog;
import dev.tuneup.registry.ModelUsage;
import dev.tuneup.registry.ResolvedModel;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates, scales and deletes deployments, and drives them through {@link DeploymentLifecycle}.
 *
 * <p>Requests only record the wish (PENDING, UPDATING, DELETING) and answer at once; one named
 * thread, {@code tuneup-deployer}, does the slow part in order (load, resize, unload) and records
 * the outcome. Because that thread works through one deployment's tasks in the order they were
 * asked, a delete that arrives while the model is still loading unloads it right after.
 */
public final class DeploymentService implements ModelUsage, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DeploymentService.class);

  /** Instances a deployment may ask for: at least 1, below 1000 (DashScope's bound). */
  public static final int MAX_CAPACITY = 999;

  /** Capacity granularity; DashScope calls it base_capacity. */
  public static final int BASE_CAPACITY = 1;

  private static final Set<String> PLANS = Set.of("lora", "mu", "ptu", "cu");
  private static final int WRITE_ATTEMPTS = 16;

  /** Deployments one user may hold when the configuration sets no other number. */
  public static final int DEFAULT_MAX_PER_USER = 10;

  /** Instances one user's deployments may hold together by default. */
  public static final int DEFAULT_MAX_CAPACITY_PER_USER = 32;

  private final DeploymentStore store;
  private final int maxPerUser;
  private final int maxCapacityPerUser;
  private final ModelCatalog models;
  private final InferenceRuntime runtime;
  private final Clock clock;
  private final ExecutorService deployer;

  public DeploymentService(
      DeploymentStore store, ModelCatalog models, InferenceRuntime runtime, Clock clock) {
    this(store, models, runtime, clock, DEFAULT_MAX_PER_USER, DEFAULT_MAX_CAPACITY_PER_USER);
  }

  /**
   * @param maxPerUser deployments one user may hold ({@code deployments.max-per-user})
   * @param maxCapacityPerUser instances one user's deployments may hold together ({@code
   *     deployments.max-capacity-per-user})
   */
  public DeploymentService(
      DeploymentStore store,
      ModelCatalog models,
      InferenceRuntime runtime,
      Clock clock,
      int maxPerUser,
      int maxCapacityPerUser) {
    if (maxCapacityPerUser < 1) {
      throw new IllegalArgumentException(
          "deployments.max-capacity-per-user must be 1 or more, got " + maxCapacityPerUser);
    }
    this.maxCapacityPerUser = maxCapacityPerUser;
    if (maxPerUser < 1) {
      throw new IllegalArgumentException(
          "deployments.max-per-user must be 1 or more, got " + maxPerUser);
    }
    this.maxPerUser = maxPerUser;
    this.store = store;
    this.models = models;
    this.runtime = runtime;
    this.clock = clock;
    this.deployer =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "tuneup-deployer");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Accepts a deployment in PENDING and starts loading it off the caller's thread.
   *
   * @throws NotFound for a model the caller cannot see
   * @throws InvalidParameter for a bad capacity, suffix or plan
   * @throws Conflict when the caller already deploys that model under that name
   * @throws QuotaExceeded when the caller already holds {@code deployments.max-per-user}
   */
  public Deployment create(
      Caller caller, String modelName, Integer capacity, String suffix, String plan) {
    if (modelName == null || modelName.isBlank()) {
      throw new InvalidParameter("model_name", "Missing model_name: name the model to deploy.");
    }
    int cap = checkCapacity(capacity == null ? BASE_CAPACITY : capacity);
    if (suffix != null && !suffix.matches("[a-z0-9]{1,8}")) {
      throw new InvalidParameter(
          "suffix", "suffix must be 1 to 8 lower-case letters or digits, got '" + suffix + "'.");
    }
    ResolvedModel model =
        models.resolve(caller, modelName).orElseThrow(() -> NotFound.model(modelName));
    String thePlan = plan == null || plan.isBlank() ? defaultPlan(model) : plan;
    if (!PLANS.contains(thePlan)) {
      throw new InvalidParameter(
          "plan", "plan must be one of lora, mu, ptu or cu, got '" + thePlan + "'.");
    }
    String deployedModel = suffix == null ? modelName : modelName + "-" + suffix;
    Instant now = clock.instant();
    Deployment d =
        new Deployment(
            Ids.random("dep-", 8),
            deployedModel,
            caller.userId(),
            caller.workspaceId(),
            modelName,
            model.baseModel(),
            suffix,
            thePlan,
            DeploymentStatus.PENDING,
            cap,
            0,
            null,
            caller.userId(),
            caller.userId(),
            now,
            now,
            1,
            RateLimits.NONE);
    switch (store.insertWithinQuota(d, maxPerUser, maxCapacityPerUser)) {
      case STORED -> {}
      case NAME_TAKEN ->
          throw new Conflict(
              "Model instance " + deployedModel + " already exists, please specify a suffix");
      case LIMIT ->
          throw new QuotaExceeded(
              "deployments.max-per-user",
              maxPerUser,
              "Only "
                  + maxPerUser
                  + " deployments allowed per user. Delete a deployment you no longer use and"
                  + " try again.");
      case CAPACITY_LIMIT -> throw overCapacity();
    }
    deployer.execute(() -> load(d.id()));
    return d;
  }

  public Deployment get(Caller caller, String deployedModel) {
    return store
        .findFor(caller, deployedModel)
        .orElseThrow(() -> new NotFound("deployment", deployedModel));
  }

  public Page<Deployment> list(Caller caller, PageRequest page) {
    return store.list(caller, page);
  }

  /**
   * Asks for another capacity: the deployment answers UPDATING with the new capacity, then becomes
   * RUNNING once the engine has it.
   */
  public Deployment scale(Caller caller, String deployedModel, Integer capacity) {
    if (capacity == null) {
      throw new InvalidParameter("capacity", "Missing capacity: give the number of instances.");
    }
    int cap = checkCapacity(capacity);
    for (int i = 0; i < WRITE_ATTEMPTS; i++) {
      Deployment d = get(caller, deployedModel);
      DeploymentStatus to =
          DeploymentLifecycle.next(deployedModel, d.status(), DeploymentEvent.SCALE);
      DeploymentStore.Scaled scaled =
          store.updateWithinCapacity(
              d.moved(to, clock.instant(), caller.userId()).withCapacity(cap), maxCapacityPerUser);
      if (scaled.overCapacity()) {
        throw overCapacity();
      }
      Optional<Deployment> written = scaled.written();
      if (written.isPresent()) {
        deployer.execute(() -> resize(d.id()));
        return written.get();
      }
    }
    throw new IllegalStateException("deployment " + deployedModel + " kept changing under scale");
  }

  /** Marks the deployment DELETING and answers it; the engine unloads it, then it is gone. */
  public Deployment delete(Caller caller, String deployedModel) {
    for (int i = 0; i < WRITE_ATTEMPTS; i++) {
      Deployment d = get(caller, deployedModel);
      DeploymentStatus to =
          DeploymentLifecycle.next(deployedModel, d.status(), DeploymentEvent.DELETE);
      if (to == d.status()) {
        return d;
      }
      Optional<Deployment> written =
          store.update(d.moved(to, clock.instant(), caller.userId()).withReadyCapacity(0));
      if (written.isPresent()) {
        deployer.execute(() -> remove(d.id()));
        return written.get();
      }
    }
    throw new IllegalStateException("deployment " + deployedModel + " kept changing under delete");
  }

  /**
   * Picks up every stored deployment after a start: those being deleted are removed, those that
   * were about to load go back to PENDING and are loaded here. FAILED ones stay as they are.
   *
   * <p>RUNNING and UPDATING ones stay as they are: other replicas may be serving them, and this
   * replica's {@link DeploymentReconciler} loads them (or the first request does), so sending them
   * back to PENDING would refuse requests on every replica while this one reads the weights.
   */
  public void start() {
    for (Deployment d : store.listAll()) {
      if (d.status() == DeploymentStatus.FAILED || d.status().serves()) {
        continue;
      }
      DeploymentStatus to =
          DeploymentLifecycle.next(d.deployedModel(), d.status(), DeploymentEvent.SERVER_RESTARTED);
      if (to == DeploymentStatus.DELETING) {
        deployer.execute(() -> remove(d.id()));
        continue;
      }
      Optional<Deployment> written =
          store.update(d.moved(to, clock.instant(), null).withReadyCapacity(0));
      if (written.isPresent()) {
        log.info("deployment {} will be loaded again", d.deployedModel());
        deployer.execute(() -> load(d.id()));
      }
    }
  }

  /** The deployed model serving {@code modelName}, if any, whoever deployed it. */
  @Override
  public Optional<String> usedBy(String modelName) {
    return store.listForModel(modelName).stream().map(Deployment::deployedModel).findFirst();
  }

  /** Waits for queued loads and unloads to finish (tests), up to {@code timeout}. */
  public boolean awaitIdle(Duration timeout) {
    try {
      return deployer.submit(() -> {}).get(timeout.toMillis(), TimeUnit.MILLISECONDS) == null;
    } catch (Exception e) {
      return false;
    }
  }

  /** Stops the deployer thread; loaded models are released by the runtime's own close. */
  @Override
  public void close() {
    deployer.shutdownNow();
    try {
      deployer.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void load(String id) {
    Optional<Deployment> started = move(id, DeploymentEvent.LOAD_STARTED, d -> d);
    if (started.isEmpty()) {
      return;
    }
    Deployment d = started.get();
    long t0 = System.nanoTime();
    try {
      ResolvedModel model =
          models
              .resolveFor(d.userId(), d.workspaceId(), d.modelName())
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          "model " + d.modelName() + " is no longer registered"));
      runtime.load(id, model, d.capacity());
    } catch (RuntimeException e) {
      String reason = "The model " + d.modelName() + " could not be loaded: " + describe(e);
      log.warn("deployment {} failed: {}", d.deployedModel(), reason, e);
      move(id, DeploymentEvent.LOAD_FAILED, x -> x.withReason(reason));
      return;
    }
    log.info(
        "deployment {} loaded in {} ms", d.deployedModel(), (System.nanoTime() - t0) / 1_000_000);
    if (move(id, DeploymentEvent.LOADED, x -> x.withReadyCapacity(x.capacity())).isEmpty()) {
      // Deleted (or restarted) meanwhile: the queued removal unloads it.
      log.info("deployment {} changed while loading", d.deployedModel());
    }
  }

  private void resize(String id) {
    Optional<Deployment> d = store.find(id);
    if (d.isEmpty() || d.get().status() != DeploymentStatus.UPDATING) {
      return;
    }
    try {
      // Not loaded here yet (scaled through a replica whose reconciler has not loaded it): the
      // reconciler loads it at the new capacity, so there is nothing to resize.
      if (runtime.isLoaded(id)) {
        runtime.resize(id, d.get().capacity());
      }
    } catch (RuntimeException e) {
      String reason = "Scaling to " + d.get().capacity() + " failed: " + describe(e);
      move(id, DeploymentEvent.LOAD_FAILED, x -> x.withReason(reason));
      return;
    }
    move(id, DeploymentEvent.LOADED, x -> x.withReadyCapacity(x.capacity()));
  }

  private void remove(String id) {
    runtime.unload(id);
    for (int i = 0; i < WRITE_ATTEMPTS; i++) {
      Optional<Deployment> d = store.find(id);
      if (d.isEmpty() || store.delete(id, d.get().version())) {
        return;
      }
    }
    log.warn("deployment {} kept changing while being removed", id);
  }

  /** Applies one event if the deployment can take it now; empty when it cannot (or is gone). */
  private Optional<Deployment> move(
      String id, DeploymentEvent event, java.util.function.UnaryOperator<Deployment> change) {
    for (int i = 0; i < WRITE_ATTEMPTS; i++) {
      Optional<Deployment> current = store.find(id);
      if (current.isEmpty()) {
        return Optional.empty();
      }
      Deployment d = current.get();
      Optional<DeploymentStatus> to = DeploymentLifecycle.target(d.status(), event);
      if (to.isEmpty()) {
        return Optional.empty();
      }
      Optional<Deployment> written =
          store.update(change.apply(d.moved(to.get(), clock.instant(), null)));
      if (written.isPresent()) {
        return written;
      }
    }
    return Optional.empty();
  }

  private QuotaExceeded overCapacity() {
    return new QuotaExceeded(
        "deployments.max-capacity-per-user",
        maxCapacityPerUser,
        "Your deployments may hold "
            + maxCapacityPerUser
            + " instances together. Scale a deployment down or delete one and try again.");
  }

  /**
   * Sets a deployment's rate limits (Model Studio's {@code PUT /deployments/{m}/update}); a limit
   * left out keeps its value. The status does not change: the limits apply to the next request.
   *
   * @throws InvalidParameter when neither limit is given, or one is below 1
   */
  public Deployment updateLimits(
      Caller caller, String deployedModel, Integer rpmLimit, Integer tpmLimit) {
    if (rpmLimit == null && tpmLimit == null) {
      throw new InvalidParameter(
          "rpm_limit", "Missing rpm_limit and tpm_limit: give at least one of them.");
    }
    checkLimit("rpm_limit", rpmLimit);
    checkLimit("tpm_limit", tpmLimit);
    for (int i = 0; i < WRITE_ATTEMPTS; i++) {
      Deployment d = get(caller, deployedModel);
      Deployment next =
          d.moved(d.status(), clock.instant(), caller.userId())
              .withReason(d.reason())
              .withLimits(d.limits().merged(rpmLimit, tpmLimit));
      Optional<Deployment> written = store.update(next);
      if (written.isPresent()) {
        return written.get();
      }
    }
    throw new IllegalStateException("deployment " + deployedModel + " kept changing under update");
  }

  private static void checkLimit(String field, Integer value) {
    if (value != null && value < 1) {
      throw new InvalidParameter(
          field, "Invalid " + field + " (" + value + "): it must be a whole number of 1 or more.");
    }
  }

  private static int checkCapacity(int capacity) {
    if (capacity < BASE_CAPACITY || capacity > MAX_CAPACITY || capacity % BASE_CAPACITY != 0) {
      throw new InvalidParameter(
          "capacity",
          "Invalid capacity ("
              + capacity
              + "), capacity must be larger than or equal to "
              + BASE_CAPACITY
              + " and multiples of "
              + BASE_CAPACITY
              + " and less than 1000!");
    }
    return capacity;
  }

  private static String defaultPlan(ResolvedModel model) {
    // The SDK never sends a plan; an adapter on a shared base is DashScope's "lora" plan.
    return model.adapterPath() != null ? "lora" : "mu";
  }

  private static String describe(Throwable e) {
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
  }
}
