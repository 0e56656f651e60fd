package dev.tuneup.file;

import java.io.IOException;
import java.nio.file.Path;

/**
 * File bytes on disk. Uploads are written to a temp file first and renamed into place only when
 * complete and valid, so a failed upload leaves nothing behind. File ids, never user file names,
 * become paths.
 */
public interface BlobStore {
  /** A new empty temp file on the same file system as the final location. */
  Path newTempFile() throws IOException;

  /** Atomically moves a complete temp file to the blob of {@code fileId}. */
  void commit(Path temp, String fileId) throws IOException;

  /** Where the blob of {@code fileId} lives. */
  Path path(String fileId);

  /** Removes the blob; no error if it is already gone. */
  void delete(String fileId) throws IOException;
}
