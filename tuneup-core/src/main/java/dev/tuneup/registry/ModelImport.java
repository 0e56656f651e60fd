package dev.tuneup.registry;

import java.time.Instant;

/**
 * One import of model files: an administrator's pull of a base model, or a user's custom-model
 * import. It is stored when asked for and run by the importer; the model it names is registered
 * only once the files are complete, verified and checked to load.
 *
 * @param id the import id (Model Studio's {@code job_id} of an import job)
 * @param userId who asked for it
 * @param workspaceId the workspace it belongs to
 * @param modelName the id the model gets once registered
 * @param displayName a name for people, at most 50 characters
 * @param baseModel for a custom import, the base model it is on; null for a base pull
 * @param weightType full weights or a LoRA adapter
 * @param location the hub repository id, or the server-side directory
 * @param revision the hub revision asked for (branch, tag or commit), null for a directory
 * @param commit the hub commit the files come from, once resolved
 * @param bytesDone bytes copied or downloaded so far
 * @param bytesTotal bytes to copy or download, once known (0 before)
 * @param currentFile the file being copied or downloaded, null when none
 * @param message why it failed, or a note on what was done
 * @param owner the server replica running it, null while PENDING
 * @param updatedAt the last write: while RUNNING it is the heartbeat of the replica running it
 * @param version the optimistic lock of every write
 */
public record ModelImport(
    String id,
    ImportKind kind,
    String userId,
    String workspaceId,
    ImportStatus status,
    String modelName,
    String displayName,
    String baseModel,
    WeightType weightType,
    ImportSource source,
    String location,
    String revision,
    String commit,
    long bytesDone,
    long bytesTotal,
    String currentFile,
    String message,
    String owner,
    Instant createdAt,
    Instant updatedAt,
    Instant endedAt,
    long version) {

  /** A new import, PENDING. */
  public static ModelImport pending(
      String id,
      ImportKind kind,
      String userId,
      String workspaceId,
      String modelName,
      String displayName,
      String baseModel,
      WeightType weightType,
      ImportSource source,
      String location,
      String revision,
      Instant now) {
    return new ModelImport(
        id,
        kind,
        userId,
        workspaceId,
        ImportStatus.PENDING,
        modelName,
        displayName,
        baseModel,
        weightType,
        source,
        location,
        revision,
        null,
        0,
        0,
        null,
        null,
        null,
        now,
        now,
        null,
        0);
  }

  /** Taken by {@code owner} to run. */
  public ModelImport running(String newOwner, Instant now) {
    return new ModelImport(
        id,
        kind,
        userId,
        workspaceId,
        ImportStatus.RUNNING,
        modelName,
        displayName,
        baseModel,
        weightType,
        source,
        location,
        revision,
        commit,
        bytesDone,
        bytesTotal,
        currentFile,
        message,
        newOwner,
        createdAt,
        now,
        endedAt,
        version);
  }

  /** Progress of the copy or download (also the heartbeat). */
  public ModelImport progress(
      String resolvedCommit, long done, long total, String file, Instant now) {
    return new ModelImport(
        id,
        kind,
        userId,
        workspaceId,
        status,
        modelName,
        displayName,
        baseModel,
        weightType,
        source,
        location,
        revision,
        resolvedCommit,
        done,
        total,
        file,
        message,
        owner,
        createdAt,
        now,
        endedAt,
        version);
  }

  public ModelImport succeeded(String note, Instant now) {
    return new ModelImport(
        id,
        kind,
        userId,
        workspaceId,
        ImportStatus.SUCCEEDED,
        modelName,
        displayName,
        baseModel,
        weightType,
        source,
        location,
        revision,
        commit,
        bytesTotal,
        bytesTotal,
        null,
        note,
        owner,
        createdAt,
        now,
        now,
        version);
  }

  public ModelImport failed(String reason, Instant now) {
    return new ModelImport(
        id,
        kind,
        userId,
        workspaceId,
        ImportStatus.FAILED,
        modelName,
        displayName,
        baseModel,
        weightType,
        source,
        location,
        revision,
        commit,
        bytesDone,
        bytesTotal,
        null,
        reason,
        owner,
        createdAt,
        now,
        now,
        version);
  }

  /** The same import as stored after one more write. */
  public ModelImport nextVersion() {
    return new ModelImport(
        id,
        kind,
        userId,
        workspaceId,
        status,
        modelName,
        displayName,
        baseModel,
        weightType,
        source,
        location,
        revision,
        commit,
        bytesDone,
        bytesTotal,
        currentFile,
        message,
        owner,
        createdAt,
        updatedAt,
        endedAt,
        version + 1);
  }
}
