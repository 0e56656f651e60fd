package dev.tuneup.registry;

import dev.tuneup.auth.Caller;
import dev.tuneup.common.Page;
import dev.tuneup.common.PageRequest;
import java.time.Instant;
import java.util.Optional;

/** Persistence of model imports. Every write of an existing import is optimistic. */
public interface ModelImportStore {
  void insert(ModelImport modelImport);

  Optional<ModelImport> find(String id);

  /**
   * Imports of one kind, newest first.
   *
   * @param owner only the imports of this user and workspace; null for all (base pulls are
   *     administered together)
   * @param status only imports in this status, or null
   * @param modelName only imports that register this model name, or null
   */
  Page<ModelImport> list(
      ImportKind kind, Caller owner, ImportStatus status, String modelName, PageRequest page);

  /**
   * Writes {@code modelImport} if the stored one still has its {@code version}.
   *
   * @return false when another writer came first (nothing changes); the caller re-reads
   */
  boolean update(ModelImport modelImport);

  /**
   * Takes the oldest PENDING import, or a RUNNING one whose heartbeat ({@code updated_at}) is older
   * than {@code staleBefore} (its replica stopped), for {@code owner}: RUNNING, owned, its
   * heartbeat now. One claim wins when replicas race.
   */
  Optional<ModelImport> claimNext(String owner, Instant now, Instant staleBefore);

  /** Whether an import that is not over registers {@code modelName}. */
  boolean activeFor(String modelName);

  /** Removes an import; false when there was none. */
  boolean delete(String id);
}
