package dev.tuneup.testkit.store;

import static dev.tuneup.testkit.JobFixtures.ALICE;
import static dev.tuneup.testkit.JobFixtures.ALICE_ELSEWHERE;
import static dev.tuneup.testkit.JobFixtures.BOB;
import static dev.tuneup.testkit.JobFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tuneup.auth.Caller;
import dev.tuneup.common.Page;
import dev.tuneup.common.PageRequest;
import dev.tuneup.registry.ImportKind;
import dev.tuneup.registry.ImportSource;
import dev.tuneup.registry.ImportStatus;
import dev.tuneup.registry.ModelImport;
import dev.tuneup.registry.ModelImportStore;
import dev.tuneup.registry.WeightType;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@link ModelImportStore} must do; subclass with a factory for an empty store. */
public abstract class ModelImportStoreContract {
  protected ModelImportStore store;

  protected abstract ModelImportStore createStore();

  @BeforeEach
  void openStore() {
    store = createStore();
  }

  private static final PageRequest PAGE = new PageRequest(1, 10);

  static ModelImport anImport(String id, Caller owner, ImportKind kind, Instant at) {
    return ModelImport.pending(
        id,
        kind,
        owner.userId(),
        owner.workspaceId(),
        "qwen3-0.6b-offline-20260314-" + id,
        "my adapter",
        kind == ImportKind.CUSTOM ? "qwen3-0.6b" : null,
        kind == ImportKind.CUSTOM ? WeightType.LORA : WeightType.FULL,
        ImportSource.HUB,
        "someone/qwen3-0.6b-lora",
        "main",
        at);
  }

  @Test
  void inserted_import_is_found_with_every_field() {
    ModelImport imp = anImport("imp-1", ALICE, ImportKind.CUSTOM, T0);

    store.insert(imp);

    assertThat(store.find("imp-1")).contains(imp);
    assertThat(store.find("imp-missing")).isEmpty();
  }

  @Test
  void an_update_with_the_stored_version_is_written_and_a_stale_one_is_refused() {
    ModelImport imp = anImport("imp-1", ALICE, ImportKind.CUSTOM, T0);
    store.insert(imp);
    ModelImport progressed =
        imp.progress("c0ffee", 10, 100, "adapter_model.safetensors", T0.plusSeconds(1));

    assertThat(store.update(progressed)).isTrue();
    assertThat(store.update(imp.failed("late writer", T0.plusSeconds(2)))).isFalse();

    ModelImport stored = store.find("imp-1").orElseThrow();
    assertThat(stored).isEqualTo(progressed.nextVersion());
    assertThat(stored.bytesDone()).isEqualTo(10);
    assertThat(stored.currentFile()).isEqualTo("adapter_model.safetensors");
  }

  @Test
  void list_shows_one_kind_of_the_owner_newest_first_with_filters() {
    ModelImport older = anImport("imp-1", ALICE, ImportKind.CUSTOM, T0);
    ModelImport newer = anImport("imp-2", ALICE, ImportKind.CUSTOM, T0.plusSeconds(1));
    store.insert(older);
    store.insert(newer);
    store.insert(anImport("imp-3", BOB, ImportKind.CUSTOM, T0));
    store.insert(anImport("imp-4", ALICE_ELSEWHERE, ImportKind.CUSTOM, T0));
    store.insert(anImport("imp-5", ALICE, ImportKind.BASE, T0));
    store.update(older.failed("bad", T0.plusSeconds(3)));

    Page<ModelImport> all = store.list(ImportKind.CUSTOM, ALICE, null, null, PAGE);
    Page<ModelImport> failed =
        store.list(ImportKind.CUSTOM, ALICE, ImportStatus.FAILED, null, PAGE);
    Page<ModelImport> named = store.list(ImportKind.CUSTOM, ALICE, null, newer.modelName(), PAGE);
    Page<ModelImport> pulls = store.list(ImportKind.BASE, null, null, null, PAGE);

    assertThat(all.items()).extracting(ModelImport::id).containsExactly("imp-2", "imp-1");
    assertThat(all.total()).isEqualTo(2);
    assertThat(failed.items()).extracting(ModelImport::id).containsExactly("imp-1");
    assertThat(named.items()).extracting(ModelImport::id).containsExactly("imp-2");
    assertThat(pulls.items()).extracting(ModelImport::id).containsExactly("imp-5");
  }

  @Test
  void list_pages_by_page_size() {
    for (int i = 0; i < 5; i++) {
      store.insert(anImport("imp-" + i, ALICE, ImportKind.CUSTOM, T0.plusSeconds(i)));
    }

    Page<ModelImport> second =
        store.list(ImportKind.CUSTOM, ALICE, null, null, new PageRequest(2, 2));

    assertThat(second.total()).isEqualTo(5);
    assertThat(second.items()).extracting(ModelImport::id).containsExactly("imp-2", "imp-1");
  }

  @Test
  void claim_takes_the_oldest_pending_import_and_makes_it_running_for_the_owner() {
    store.insert(anImport("imp-new", ALICE, ImportKind.CUSTOM, T0.plusSeconds(5)));
    store.insert(anImport("imp-old", BOB, ImportKind.BASE, T0));
    Instant now = T0.plusSeconds(10);

    ModelImport claimed = store.claimNext("replica-a", now, now.minusSeconds(120)).orElseThrow();

    assertThat(claimed.id()).isEqualTo("imp-old");
    assertThat(claimed.status()).isEqualTo(ImportStatus.RUNNING);
    assertThat(claimed.owner()).isEqualTo("replica-a");
    assertThat(store.find("imp-old")).contains(claimed);
  }

  @Test
  void a_running_import_is_claimed_again_only_by_its_owner_or_once_its_heartbeat_is_stale() {
    store.insert(anImport("imp-1", ALICE, ImportKind.CUSTOM, T0));
    Instant now = T0.plusSeconds(10);
    store.claimNext("replica-a", now, now.minus(Duration.ofMinutes(2))).orElseThrow();

    Optional<ModelImport> byOther =
        store.claimNext("replica-b", now.plusSeconds(60), now.plusSeconds(60).minusSeconds(120));
    Optional<ModelImport> byOwner =
        store.claimNext("replica-a", now.plusSeconds(61), now.plusSeconds(61).minusSeconds(120));
    Instant later = now.plus(Duration.ofMinutes(10));
    Optional<ModelImport> afterStale = store.claimNext("replica-b", later, later.minusSeconds(120));

    assertThat(byOther).isEmpty();
    assertThat(byOwner).map(ModelImport::owner).contains("replica-a");
    assertThat(afterStale).map(ModelImport::owner).contains("replica-b");
  }

  @Test
  void a_finished_import_is_never_claimed() {
    ModelImport imp = anImport("imp-1", ALICE, ImportKind.CUSTOM, T0);
    store.insert(imp);
    store.update(imp.failed("bad files", T0.plusSeconds(1)));

    assertThat(store.claimNext("replica-a", T0.plusSeconds(2), T0.plusSeconds(2))).isEmpty();
  }

  @Test
  void two_replicas_claiming_at_once_never_take_the_same_import() throws Exception {
    for (int i = 0; i < 6; i++) {
      store.insert(anImport("imp-" + i, ALICE, ImportKind.CUSTOM, T0.plusSeconds(i)));
    }
    ExecutorService pool = Executors.newFixedThreadPool(2);
    ConcurrentLinkedQueue<String> taken = new ConcurrentLinkedQueue<>();
    CountDownLatch start = new CountDownLatch(1);
    List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
    for (String replica : List.of("replica-a", "replica-b")) {
      futures.add(
          pool.submit(
              () -> {
                start.await();
                Instant now = T0.plusSeconds(100);
                // as the importer does: run each claimed import to its end before the next claim
                for (int k = 0; k < 6; k++) {
                  Optional<ModelImport> c = store.claimNext(replica, now, T0);
                  if (c.isEmpty()) {
                    break;
                  }
                  taken.add(c.get().id());
                  store.update(c.get().succeeded("done", now));
                }
                return null;
              }));
    }
    start.countDown();
    for (var f : futures) {
      f.get(30, TimeUnit.SECONDS);
    }
    pool.shutdown();

    assertThat(taken).doesNotHaveDuplicates().hasSize(6);
    assertThat(store.list(ImportKind.CUSTOM, ALICE, ImportStatus.SUCCEEDED, null, PAGE).total())
        .isEqualTo(6);
  }

  @Test
  void active_for_sees_pending_and_running_imports_of_a_model_name_only() {
    ModelImport pending = anImport("imp-1", ALICE, ImportKind.BASE, T0);
    ModelImport failed = anImport("imp-2", ALICE, ImportKind.BASE, T0);
    store.insert(pending);
    store.insert(failed);
    store.update(failed.failed("bad", T0));

    assertThat(store.activeFor(pending.modelName())).isTrue();
    assertThat(store.activeFor(failed.modelName())).isFalse();
    assertThat(store.activeFor("qwen3-unknown")).isFalse();
  }

  @Test
  void delete_removes_the_import() {
    store.insert(anImport("imp-1", ALICE, ImportKind.CUSTOM, T0));

    assertThat(store.delete("imp-1")).isTrue();
    assertThat(store.delete("imp-1")).isFalse();
    assertThat(store.find("imp-1")).isEmpty();
  }
}
