package dev.tuneup.testkit.store;

import static dev.tuneup.testkit.JobFixtures.ALICE;
import static dev.tuneup.testkit.JobFixtures.ALICE_ELSEWHERE;
import static dev.tuneup.testkit.JobFixtures.BOB;
import static dev.tuneup.testkit.JobFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tuneup.auth.Caller;
import dev.tuneup.common.Page;
import dev.tuneup.common.PageRequest;
import dev.tuneup.file.FileStore;
import dev.tuneup.file.StoredFile;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@link FileStore} must do; subclass with a factory for a fresh, empty store. */
public abstract class FileStoreContract {
  protected FileStore store;

  protected abstract FileStore createStore();

  @BeforeEach
  void openStore() {
    store = createStore();
  }

  static StoredFile aFile(String id, Caller owner, long size, Instant createdAt) {
    return new StoredFile(
        id,
        owner.userId(),
        owner.workspaceId(),
        "训练数据 train.jsonl",
        "first round",
        "fine-tune",
        size,
        "9e107d9d372bb6826bd81d3542a419d6",
        42,
        createdAt);
  }

  @Test
  void inserted_file_is_found_by_its_owner_with_every_field() {
    StoredFile file = aFile("file-ft-1", ALICE, 1024, T0);

    store.insert(file);

    assertThat(store.findFor(ALICE, file.id())).contains(file);
  }

  @Test
  void absent_description_and_md5_come_back_null() {
    StoredFile file =
        new StoredFile("file-ft-1", "u-alice", "ws-alice", "a.jsonl", null, null, 0, null, 0, T0);

    store.insert(file);

    assertThat(store.findFor(ALICE, file.id())).contains(file);
  }

  @Test
  void a_file_of_another_user_or_workspace_is_not_found() {
    store.insert(aFile("file-ft-1", ALICE, 1, T0));

    assertThat(store.findFor(BOB, "file-ft-1")).isEmpty();
    assertThat(store.findFor(ALICE_ELSEWHERE, "file-ft-1")).isEmpty();
  }

  @Test
  void list_is_newest_first_paged_and_only_the_callers() {
    StoredFile old = aFile("file-ft-old", ALICE, 1, T0);
    StoredFile mid = aFile("file-ft-mid", ALICE, 1, T0.plusSeconds(1));
    StoredFile fresh = aFile("file-ft-new", ALICE, 1, T0.plusSeconds(2));
    store.insert(mid);
    store.insert(old);
    store.insert(fresh);
    store.insert(aFile("file-ft-bob", BOB, 1, T0.plusSeconds(3)));
    store.insert(aFile("file-ft-team", ALICE_ELSEWHERE, 1, T0.plusSeconds(3)));

    Page<StoredFile> first = store.list(ALICE, new PageRequest(1, 2));
    Page<StoredFile> second = store.list(ALICE, new PageRequest(2, 2));

    assertThat(first.items()).containsExactly(fresh, mid);
    assertThat(first.total()).isEqualTo(3);
    assertThat(second.items()).containsExactly(old);
  }

  @Test
  void delete_says_whether_a_file_was_removed() {
    store.insert(aFile("file-ft-1", ALICE, 1, T0));

    assertThat(store.delete("file-ft-1")).isTrue();
    assertThat(store.delete("file-ft-1")).isFalse();
    assertThat(store.findFor(ALICE, "file-ft-1")).isEmpty();
  }

  @Test
  void usage_counts_a_users_files_and_bytes_in_all_workspaces() {
    store.insert(aFile("file-ft-1", ALICE, 100, T0));
    store.insert(aFile("file-ft-2", ALICE_ELSEWHERE, 20, T0));
    store.insert(aFile("file-ft-3", BOB, 5, T0));

    assertThat(store.usageOf(ALICE.userId())).isEqualTo(new FileStore.Usage(2, 120));
    assertThat(store.usageOf("u-nobody")).isEqualTo(new FileStore.Usage(0, 0));
  }

  @Test
  void parallel_inserts_never_overrun_the_file_count_or_bytes_quota() throws Exception {
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(12);
    try {
      java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
      java.util.List<java.util.concurrent.Future<FileStore.Admission>> byCount =
          new java.util.ArrayList<>();
      java.util.List<java.util.concurrent.Future<FileStore.Admission>> byBytes =
          new java.util.ArrayList<>();
      for (int i = 0; i < 12; i++) {
        String n = String.valueOf(i);
        byCount.add(
            pool.submit(
                () -> {
                  start.await();
                  return store.insertWithinQuota(aFile("file-a-" + n, ALICE, 1, T0), 3, 1000);
                }));
        byBytes.add(
            pool.submit(
                () -> {
                  start.await();
                  return store.insertWithinQuota(aFile("file-b-" + n, BOB, 4, T0), 1000, 10);
                }));
      }
      start.countDown();
      long stored = 0;
      for (var f : byCount) {
        stored += f.get(60, java.util.concurrent.TimeUnit.SECONDS).stored() ? 1 : 0;
      }
      long storedBytes = 0;
      for (var f : byBytes) {
        storedBytes += f.get(60, java.util.concurrent.TimeUnit.SECONDS).stored() ? 1 : 0;
      }
      assertThat(stored).isEqualTo(3);
      assertThat(store.usageOf(ALICE.userId()).files()).isEqualTo(3);
      assertThat(storedBytes).isEqualTo(2);
      assertThat(store.usageOf(BOB.userId()).bytes()).isEqualTo(8);
    } finally {
      pool.shutdownNow();
    }
  }
}
