package dev.tuneup.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tuneup.auth.Caller;
import dev.tuneup.common.Page;
import dev.tuneup.common.PageRequest;
import dev.tuneup.inference.ChatRequest;
import dev.tuneup.inference.Completion;
import dev.tuneup.inference.InferenceRuntime;
import dev.tuneup.inference.TokenSink;
import dev.tuneup.registry.BaseModel;
import dev.tuneup.registry.FineTunedModel;
import dev.tuneup.registry.FineTunedModelStore;
import dev.tuneup.registry.ModelCatalog;
import dev.tuneup.registry.ResolvedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One replica's reconciler against a store that other replicas change. */
class DeploymentReconcilerTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @TempDir Path dir;
  MapStore store = new MapStore();
  Runtime runtime = new Runtime();
  MutableClock clock = new MutableClock();
  DeploymentReconciler reconciler;

  @BeforeEach
  void wire() throws Exception {
    Path weights = Files.createDirectories(dir.resolve("tiny"));
    ModelCatalog catalog =
        new ModelCatalog(List.of(new BaseModel("tiny", weights)), new NoFineTunes());
    reconciler = new DeploymentReconciler(store, catalog, runtime, clock, Duration.ofSeconds(1));
  }

  @Test
  void a_running_deployment_of_another_replica_is_loaded_at_its_capacity() {
    store.put(aDeployment("dep-1", "tiny", DeploymentStatus.RUNNING, 3));

    assertThat(reconciler.runOnce()).isEqualTo(1);

    assertThat(runtime.capacities).containsEntry("dep-1", 3);
    assertThat(reconciler.runOnce()).as("second pass has nothing to do").isZero();
  }

  @Test
  void deployments_still_loading_elsewhere_are_left_alone() {
    store.put(aDeployment("dep-1", "tiny", DeploymentStatus.PENDING, 1));
    store.put(aDeployment("dep-2", "tiny", DeploymentStatus.DEPLOYING, 1));
    store.put(aDeployment("dep-3", "tiny", DeploymentStatus.FAILED, 1));

    reconciler.runOnce();

    assertThat(runtime.capacities).isEmpty();
  }

  @Test
  void a_scale_through_another_replica_resizes_here() {
    store.put(aDeployment("dep-1", "tiny", DeploymentStatus.RUNNING, 1));
    reconciler.runOnce();

    store.put(aDeployment("dep-1", "tiny", DeploymentStatus.UPDATING, 4));
    reconciler.runOnce();

    assertThat(runtime.capacities).containsEntry("dep-1", 4);
    Deployment after = store.find("dep-1").orElseThrow();
    assertThat(after.status()).isEqualTo(DeploymentStatus.RUNNING);
    assertThat(after.readyCapacity()).isEqualTo(4);
  }

  @Test
  void a_delete_through_another_replica_unloads_here() {
    store.put(aDeployment("dep-1", "tiny", DeploymentStatus.RUNNING, 1));
    store.put(aDeployment("dep-2", "tiny", DeploymentStatus.RUNNING, 1));
    reconciler.runOnce();

    store.put(aDeployment("dep-1", "tiny", DeploymentStatus.DELETING, 1));
    store.remove("dep-2");
    reconciler.runOnce();

    assertThat(runtime.capacities).isEmpty();
    assertThat(runtime.unloads).containsExactlyInAnyOrder("dep-1", "dep-2");
  }

  @Test
  void a_deployment_loaded_by_this_replicas_deployer_is_unloaded_when_deleted_elsewhere() {
    store.put(aDeployment("dep-1", "tiny", DeploymentStatus.RUNNING, 1));
    runtime.capacities.put("dep-1", 1); // loaded by this replica's own create
    assertThat(reconciler.runOnce()).isZero();

    store.remove("dep-1");
    reconciler.runOnce();

    assertThat(runtime.unloads).containsExactly("dep-1");
  }

  @Test
  void a_failed_load_is_retried_only_after_the_retry_delay_and_the_loop_goes_on() {
    store.put(aDeployment("dep-1", "tiny", DeploymentStatus.RUNNING, 1));
    store.put(aDeployment("dep-2", "tiny", DeploymentStatus.RUNNING, 1));
    runtime.failing.add("dep-1");

    reconciler.runOnce();
    assertThat(runtime.capacities).containsOnlyKeys("dep-2");
    assertThat(store.find("dep-1").orElseThrow().status())
        .as("the other replicas may serve it")
        .isEqualTo(DeploymentStatus.RUNNING);

    int attempts = runtime.loadAttempts;
    reconciler.runOnce();
    assertThat(reconciler.ensureLoaded(store.find("dep-1").orElseThrow()))
        .as("a request does not repeat a load that just failed")
        .isFalse();
    assertThat(runtime.loadAttempts).isEqualTo(attempts);

    clock.now = T0.plus(DeploymentReconciler.RETRY_AFTER).plusSeconds(1);
    runtime.failing.clear();
    reconciler.runOnce();
    assertThat(runtime.capacities).containsOnlyKeys("dep-1", "dep-2");
  }

  @Test
  void a_request_loads_a_serving_deployment_before_the_next_pass() {
    Deployment d = aDeployment("dep-1", "tiny", DeploymentStatus.RUNNING, 2);
    store.put(d);

    assertThat(reconciler.ensureLoaded(d)).isTrue();
    assertThat(runtime.capacities).containsEntry("dep-1", 2);
    assertThat(reconciler.ensureLoaded(d)).isTrue();
    assertThat(runtime.loadAttempts).isEqualTo(1);
  }

  @Test
  void a_pass_that_throws_is_counted_and_the_next_one_works() {
    store.put(aDeployment("dep-1", "tiny", DeploymentStatus.RUNNING, 1));
    store.broken = true;
    assertThat(reconciler.runOnce()).isZero();
    assertThat(reconciler.failedPasses()).isEqualTo(1);

    store.broken = false;
    assertThat(reconciler.runOnce()).isEqualTo(1);
  }

  private static Deployment aDeployment(
      String id, String model, DeploymentStatus status, int capacity) {
    return new Deployment(
        id,
        id + "-name",
        "u-1",
        "ws-1",
        model,
        model,
        null,
        "mu",
        status,
        capacity,
        0,
        null,
        "u-1",
        "u-1",
        T0,
        T0,
        1,
        RateLimits.NONE);
  }

  static final class MutableClock extends Clock {
    Instant now = T0;

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  /** Loaded models by key with their capacity. */
  static final class Runtime implements InferenceRuntime {
    final Map<String, Integer> capacities = new LinkedHashMap<>();
    final List<String> unloads = new ArrayList<>();
    final java.util.Set<String> failing = new java.util.HashSet<>();
    int loadAttempts;

    @Override
    public void load(String key, ResolvedModel model, int capacity) {
      loadAttempts++;
      if (failing.contains(key)) {
        throw new IllegalStateException("weights of " + key + " unreadable");
      }
      capacities.put(key, capacity);
    }

    @Override
    public void resize(String key, int capacity) {
      if (!capacities.containsKey(key)) {
        throw new IllegalStateException(key + " is not loaded");
      }
      capacities.put(key, capacity);
    }

    @Override
    public void unload(String key) {
      unloads.add(key);
      capacities.remove(key);
    }

    @Override
    public boolean isLoaded(String key) {
      return capacities.containsKey(key);
    }

    @Override
    public Completion generate(String key, ChatRequest request, TokenSink sink) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void close() {}
  }

  /** The store as the other replicas leave it. */
  static final class MapStore implements DeploymentStore {
    final Map<String, Deployment> rows = new LinkedHashMap<>();
    boolean broken;

    void put(Deployment d) {
      rows.put(d.id(), d);
    }

    void remove(String id) {
      rows.remove(id);
    }

    @Override
    public boolean insert(Deployment deployment) {
      return rows.putIfAbsent(deployment.id(), deployment) == null;
    }

    @Override
    public Admission insertWithinQuota(Deployment deployment, int maxPerUser, int maxCapacity) {
      return insert(deployment) ? Admission.STORED : Admission.NAME_TAKEN;
    }

    @Override
    public Scaled updateWithinCapacity(Deployment next, int maxCapacity) {
      return new Scaled(update(next), false);
    }

    @Override
    public Optional<Deployment> findFor(Caller caller, String deployedModel) {
      return rows.values().stream()
          .filter(d -> d.deployedModel().equals(deployedModel))
          .findFirst();
    }

    @Override
    public Optional<Deployment> find(String id) {
      return Optional.ofNullable(rows.get(id));
    }

    @Override
    public Page<Deployment> list(Caller caller, PageRequest page) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<Deployment> listAll() {
      if (broken) {
        throw new IllegalStateException("database unreachable");
      }
      return List.copyOf(rows.values());
    }

    @Override
    public List<Deployment> listForModel(String modelName) {
      return rows.values().stream().filter(d -> d.modelName().equals(modelName)).toList();
    }

    @Override
    public Optional<Deployment> update(Deployment next) {
      rows.put(next.id(), next);
      return Optional.of(next);
    }

    @Override
    public boolean delete(String id, long version) {
      return rows.remove(id) != null;
    }
  }

  static final class NoFineTunes implements FineTunedModelStore {
    @Override
    public void insert(FineTunedModel model) {}

    @Override
    public Optional<FineTunedModel> find(String name) {
      return Optional.empty();
    }

    @Override
    public boolean nameTaken(Caller caller, String name) {
      return false;
    }

    @Override
    public Optional<FineTunedModel> findFor(Caller caller, String name) {
      return Optional.empty();
    }

    @Override
    public List<FineTunedModel> list(Caller caller) {
      return List.of();
    }

    @Override
    public List<FineTunedModel> listForJob(String jobId) {
      return List.of();
    }

    @Override
    public void deleteForJob(String jobId) {}
  }
}
