package dev.tuneup.file;

import dev.tuneup.auth.Caller;
import dev.tuneup.common.Page;
import dev.tuneup.common.PageRequest;
import java.util.Optional;

/** Persistence of file metadata. */
public interface FileStore {
  void insert(StoredFile file);

  /**
   * Stores the file's metadata if its user then holds at most {@code maxFiles} files and {@code
   * maxBytes} bytes. The check and the insert are one transaction serialised per user, so parallel
   * uploads never overrun the quota.
   *
   * @return the user's usage before the insert, and whether the file was stored
   */
  Admission insertWithinQuota(StoredFile file, long maxFiles, long maxBytes);

  /** The outcome of {@link #insertWithinQuota}. */
  record Admission(boolean stored, Usage before) {}

  /** The file if it belongs to the caller's user and workspace. */
  Optional<StoredFile> findFor(Caller caller, String fileId);

  /** Files of the caller's user and workspace, newest first. */
  Page<StoredFile> list(Caller caller, PageRequest page);

  /**
   * @return whether a row was deleted
   */
  boolean delete(String fileId);

  /** Number of files and their total bytes owned by a user, all workspaces. */
  Usage usageOf(String userId);

  /** A user's file count and bytes. */
  record Usage(long files, long bytes) {}
}
