package dev.tuneup.testkit.store;

import static dev.tuneup.testkit.JobFixtures.ALICE;
import static dev.tuneup.testkit.JobFixtures.ALICE_ELSEWHERE;
import static dev.tuneup.testkit.JobFixtures.BOB;
import static dev.tuneup.testkit.JobFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tuneup.auth.Caller;
import dev.tuneup.common.Page;
import dev.tuneup.common.PageRequest;
import dev.tuneup.deployment.Deployment;
import dev.tuneup.deployment.DeploymentStatus;
import dev.tuneup.deployment.DeploymentStore;
import dev.tuneup.deployment.RateLimits;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@link DeploymentStore} must do; subclass with a factory for an empty store. */
public abstract class DeploymentStoreContract {
  private static final AtomicLong SEQUENCE = new AtomicLong();
  protected DeploymentStore store;

  protected abstract DeploymentStore createStore();

  @BeforeEach
  void openStore() {
    store = createStore();
  }

  /** A PENDING deployment of {@code model} for {@code owner}, version 1. */
  public static Deployment aDeployment(Caller owner, String model, Instant createdAt) {
    return new Deployment(
        "dep-" + SEQUENCE.incrementAndGet(),
        model,
        owner.userId(),
        owner.workspaceId(),
        model,
        "qwen3-0.6b",
        null,
        "lora",
        DeploymentStatus.PENDING,
        1,
        0,
        null,
        owner.userId(),
        owner.userId(),
        createdAt,
        createdAt,
        1,
        RateLimits.NONE);
  }

  @Test
  void inserted_deployment_is_found_with_every_field() {
    Deployment d = aDeployment(ALICE, "m-1", T0);

    assertThat(store.insert(d)).isTrue();

    assertThat(store.find(d.id())).contains(d);
    assertThat(store.findFor(ALICE, "m-1")).contains(d);
  }

  @Test
  void a_second_deployment_of_the_same_name_for_the_same_owner_is_refused() {
    store.insert(aDeployment(ALICE, "m-1", T0));

    assertThat(store.insert(aDeployment(ALICE, "m-1", T0))).isFalse();
    assertThat(store.insert(aDeployment(BOB, "m-1", T0))).isTrue();
    assertThat(store.insert(aDeployment(ALICE_ELSEWHERE, "m-1", T0))).isTrue();
    assertThat(store.listForModel("m-1")).hasSize(3);
  }

  @Test
  void another_users_or_workspaces_deployment_is_not_found_for_the_caller() {
    store.insert(aDeployment(ALICE, "m-1", T0));

    assertThat(store.findFor(BOB, "m-1")).isEmpty();
    assertThat(store.findFor(ALICE_ELSEWHERE, "m-1")).isEmpty();
  }

  @Test
  void list_pages_the_callers_deployments_oldest_first_with_the_total() {
    Deployment a = aDeployment(ALICE, "m-a", T0);
    Deployment b = aDeployment(ALICE, "m-b", T0.plusSeconds(1));
    Deployment c = aDeployment(ALICE, "m-c", T0.plusSeconds(2));
    store.insert(c);
    store.insert(a);
    store.insert(b);
    store.insert(aDeployment(BOB, "m-bob", T0));

    Page<Deployment> first = store.list(ALICE, new PageRequest(1, 2));
    Page<Deployment> second = store.list(ALICE, new PageRequest(2, 2));

    assertThat(first.total()).isEqualTo(3);
    assertThat(first.items()).containsExactly(a, b);
    assertThat(second.items()).containsExactly(c);
    assertThat(store.list(BOB, new PageRequest(1, 10)).items()).hasSize(1);
    assertThat(store.listAll()).hasSize(4);
  }

  @Test
  void update_is_optimistic_and_increments_the_version() {
    Deployment d = aDeployment(ALICE, "m-1", T0);
    store.insert(d);
    Deployment running =
        d.moved(DeploymentStatus.RUNNING, T0.plusSeconds(5), "u-x").withReadyCapacity(1);

    Deployment written = store.update(running).orElseThrow();

    assertThat(written.version()).isEqualTo(2);
    assertThat(written.status()).isEqualTo(DeploymentStatus.RUNNING);
    assertThat(written.readyCapacity()).isEqualTo(1);
    assertThat(written.modifier()).isEqualTo("u-x");
    assertThat(written.modifiedAt()).isEqualTo(T0.plusSeconds(5));
    assertThat(store.update(running.withCapacity(3))).as("stale version").isEmpty();
    assertThat(store.find(d.id()).orElseThrow().capacity()).isEqualTo(1);
  }

  @Test
  void rate_limits_are_stored_and_cleared_values_stay_null() {
    Deployment d = aDeployment(ALICE, "m-limits", T0);
    store.insert(d);

    Deployment written = store.update(d.withLimits(new RateLimits(60, null))).orElseThrow();

    assertThat(written.limits()).isEqualTo(new RateLimits(60, null));
    assertThat(store.find(d.id()).orElseThrow().limits()).isEqualTo(new RateLimits(60, null));
  }

  @Test
  void a_failed_deployment_keeps_its_reason() {
    Deployment d = aDeployment(ALICE, "m-1", T0);
    store.insert(d);

    store.update(d.moved(DeploymentStatus.FAILED, T0, null).withReason("no weights"));

    assertThat(store.find(d.id()).orElseThrow().reason()).isEqualTo("no weights");
  }

  @Test
  void delete_is_optimistic() {
    Deployment d = aDeployment(ALICE, "m-1", T0);
    store.insert(d);

    assertThat(store.delete(d.id(), 7)).isFalse();
    assertThat(store.delete(d.id(), 1)).isTrue();
    assertThat(store.find(d.id())).isEmpty();
    assertThat(store.delete(d.id(), 1)).isFalse();
  }

  @Test
  void parallel_creates_never_overrun_the_per_user_deployment_limit() throws Exception {
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(10);
    try {
      java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
      java.util.List<java.util.concurrent.Future<DeploymentStore.Admission>> all =
          new java.util.ArrayList<>();
      for (int i = 0; i < 10; i++) {
        String model = "m-" + i;
        all.add(
            pool.submit(
                () -> {
                  go.await();
                  return store.insertWithinQuota(aDeployment(ALICE, model, T0), 3, 1000);
                }));
      }
      go.countDown();
      long stored = 0;
      for (var f : all) {
        DeploymentStore.Admission a = f.get(60, java.util.concurrent.TimeUnit.SECONDS);
        stored += a == DeploymentStore.Admission.STORED ? 1 : 0;
      }
      assertThat(stored).isEqualTo(3);
      assertThat(store.list(ALICE, PageRequest.of(1, 100, 100)).items()).hasSize(3);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void a_create_past_the_users_capacity_is_refused() {
    assertThat(store.insertWithinQuota(aDeployment(ALICE, "m-1", T0), 10, 1))
        .isEqualTo(DeploymentStore.Admission.STORED);
    assertThat(store.insertWithinQuota(aDeployment(ALICE, "m-2", T0), 10, 1))
        .isEqualTo(DeploymentStore.Admission.CAPACITY_LIMIT);
    assertThat(store.insertWithinQuota(aDeployment(BOB, "m-2", T0), 10, 1))
        .isEqualTo(DeploymentStore.Admission.STORED);
  }
}
