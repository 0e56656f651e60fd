package dev.tuneup.deployment;

import dev.tuneup.dispatch.BackgroundLoop;
import dev.tuneup.inference.InferenceRuntime;
import dev.tuneup.registry.ModelCatalog;
import dev.tuneup.registry.ResolvedModel;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes this replica serve every deployment the store says is serving, whichever replica created
 * it: loads RUNNING and UPDATING deployments that are not loaded here, resizes those whose capacity
 * changed through another replica, and unloads those deleted (or gone) through another replica.
 *
 * <p>Every replica loads every serving deployment, so a load balancer may send a request anywhere
 * and a replica that dies leaves the others serving. A pass runs on thread {@code
 * tuneup-deployment-reconciler} every interval; a request that finds a serving deployment not yet
 * loaded here calls {@link #ensureLoaded} and waits for the load instead of failing.
 *
 * <p>A load that fails here is retried after {@link #RETRY_AFTER}, not at every pass, so a model
 * this replica cannot read does not keep the loop busy; it leaves the deployment's status alone,
 * since the other replicas may serve it.
 */
public final class DeploymentReconciler {
  private static final Logger log = LoggerFactory.getLogger(DeploymentReconciler.class);

  /** How long a load that failed on this replica waits before it is tried again. */
  public static final Duration RETRY_AFTER = Duration.ofSeconds(30);

  private final DeploymentStore store;
  private final ModelCatalog models;
  private final InferenceRuntime runtime;
  private final Clock clock;
  private final BackgroundLoop loop;

  /** Deployments this replica holds loaded, with the capacity they were loaded at. */
  private final Map<String, Integer> held = new ConcurrentHashMap<>();

  /** Deployments whose load failed here, with when it may be tried again. */
  private final Map<String, Instant> failedUntil = new ConcurrentHashMap<>();

  /** One lock per deployment, so a pass and a request never load the same one twice. */
  private final Map<String, Object> locks = new ConcurrentHashMap<>();

  private final AtomicLong failedPasses = new AtomicLong();

  public DeploymentReconciler(
      DeploymentStore store,
      ModelCatalog models,
      InferenceRuntime runtime,
      Clock clock,
      Duration interval) {
    this.store = store;
    this.models = models;
    this.runtime = runtime;
    this.clock = clock;
    this.loop = new BackgroundLoop("tuneup-deployment-reconciler", this::runOnce, interval);
  }

  /** Starts the loop. Idempotent. */
  public void start() {
    if (loop.start()) {
      log.info("deployment reconciler started");
    }
  }

  /** Stops the loop within {@code timeout}; loaded models stay with the runtime. Idempotent. */
  public void stop(Duration timeout) {
    loop.stop(timeout);
  }

  /** Passes that threw; the loop carries on after each. */
  public long failedPasses() {
    return failedPasses.get();
  }

  /**
   * One pass over the store; never throws.
   *
   * @return how many deployments this pass loaded, resized or unloaded here
   */
  public int runOnce() {
    try {
      return reconcile();
    } catch (RuntimeException e) {
      failedPasses.incrementAndGet();
      log.error("deployment reconciler pass failed; continuing", e);
      return 0;
    }
  }

  /**
   * Loads {@code d} here when it is serving and not loaded yet, blocking until it is. Called by a
   * request that reached this replica before its next pass did.
   *
   * @return whether {@code d} is loaded here now
   */
  public boolean ensureLoaded(Deployment d) {
    if (runtime.isLoaded(d.id())) {
      return true;
    }
    if (!d.status().serves() || retryLater(d.id())) {
      // A load that just failed here is not repeated by every request that arrives meanwhile.
      return false;
    }
    return load(d);
  }

  private int reconcile() {
    List<Deployment> all = store.listAll();
    Map<String, Deployment> byId = new HashMap<>();
    for (Deployment d : all) {
      byId.put(d.id(), d);
    }
    int changed = 0;
    for (Deployment d : all) {
      if (!d.status().serves()) {
        continue;
      }
      Integer capacity = held.get(d.id());
      if (capacity == null || !runtime.isLoaded(d.id())) {
        if (retryLater(d.id())) {
          continue;
        }
        if (load(d)) {
          changed++;
        }
      } else if (capacity != d.capacity()) {
        synchronized (lockOf(d.id())) {
          runtime.resize(d.id(), d.capacity());
          held.put(d.id(), d.capacity());
        }
        log.info("deployment {} resized here to {}", d.deployedModel(), d.capacity());
        changed++;
      }
      if (d.status() == DeploymentStatus.UPDATING && runtime.isLoaded(d.id())) {
        finishScale(d);
      }
    }
    Set<String> gone =
        held.keySet().stream()
            .filter(id -> byId.get(id) == null || unloads(byId.get(id).status()))
            .collect(Collectors.toSet());
    for (String id : gone) {
      synchronized (lockOf(id)) {
        runtime.unload(id);
        held.remove(id);
      }
      failedUntil.remove(id);
      log.info("deployment {} unloaded here: deleted or failed in the store", id);
      changed++;
    }
    failedUntil.keySet().removeIf(id -> !byId.containsKey(id));
    locks.keySet().removeIf(id -> !byId.containsKey(id) && !held.containsKey(id));
    return changed;
  }

  /**
   * Moves an UPDATING deployment to RUNNING once its new capacity is loaded here: the replica that
   * took the scale does the same, and may have died before it did. Losing the race is fine.
   */
  private void finishScale(Deployment d) {
    DeploymentLifecycle.target(d.status(), DeploymentEvent.LOADED)
        .flatMap(
            to -> store.update(d.moved(to, clock.instant(), null).withReadyCapacity(d.capacity())))
        .ifPresent(x -> log.info("deployment {} RUNNING at {}", x.deployedModel(), x.capacity()));
  }

  /** PENDING and DEPLOYING keep what is loaded: a restarting replica is loading it again. */
  private static boolean unloads(DeploymentStatus status) {
    return status == DeploymentStatus.DELETING || status == DeploymentStatus.FAILED;
  }

  private boolean load(Deployment d) {
    synchronized (lockOf(d.id())) {
      if (runtime.isLoaded(d.id())) {
        held.putIfAbsent(d.id(), d.capacity());
        return false;
      }
      long t0 = System.nanoTime();
      try {
        ResolvedModel model =
            models
                .resolveFor(d.userId(), d.workspaceId(), d.modelName())
                .orElseThrow(
                    () ->
                        new IllegalStateException(
                            "model " + d.modelName() + " is not registered on this replica"));
        held.put(d.id(), d.capacity());
        runtime.load(d.id(), model, d.capacity());
      } catch (RuntimeException e) {
        held.remove(d.id());
        failedUntil.put(d.id(), clock.instant().plus(RETRY_AFTER));
        log.warn(
            "deployment {} could not be loaded here; retrying in {}",
            d.deployedModel(),
            RETRY_AFTER,
            e);
        return false;
      }
      log.info(
          "deployment {} loaded here in {} ms",
          d.deployedModel(),
          (System.nanoTime() - t0) / 1_000_000);
      return true;
    }
  }

  private boolean retryLater(String id) {
    Instant retry = failedUntil.get(id);
    return retry != null && clock.instant().isBefore(retry);
  }

  private Object lockOf(String id) {
    return locks.computeIfAbsent(id, k -> new Object());
  }
}
