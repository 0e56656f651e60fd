package dev.tuneup.store;

import dev.tuneup.file.BlobStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link BlobStore} on the file system: {@code <root>/<fileId>}, with temp files in {@code
 * <root>/.tmp} so a commit is a rename within one file system. Only file ids become paths; an id
 * that could escape the root is rejected.
 *
 * <p>At start, temp files untouched for {@link #STALE_AFTER} are removed: they are uploads of a
 * process that died. Younger ones are left alone, since another process on the same data directory
 * (the admin CLI beside a running server) may be writing them.
 */
public final class FsBlobStore implements BlobStore {
  public static final Duration STALE_AFTER = Duration.ofHours(1);
  static final String TEMP_DIR = ".tmp";

  private static final Logger log = LoggerFactory.getLogger(FsBlobStore.class);
  private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,127}");

  private final Path root;
  private final Path temp;

  public FsBlobStore(Path root) {
    this(root, Clock.systemUTC());
  }

  /** {@code clock} decides which temp files are stale. */
  public FsBlobStore(Path root, Clock clock) {
    this.root = root;
    this.temp = root.resolve(TEMP_DIR);
    try {
      Files.createDirectories(temp);
      removeStaleTempFiles(clock.instant().minus(STALE_AFTER));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the blob directory " + root, e);
    }
  }

  @Override
  public Path newTempFile() throws IOException {
    return Files.createTempFile(temp, "upload-", ".part");
  }

  /** Syncs the bytes, renames the temp file onto the blob, then syncs the directory entry. */
  @Override
  public void commit(Path tempFile, String fileId) throws IOException {
    Path target = path(fileId);
    try (FileChannel ch = FileChannel.open(tempFile, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    Files.move(tempFile, target, StandardCopyOption.ATOMIC_MOVE);
    syncDirectory(root);
  }

  @Override
  public Path path(String fileId) {
    if (fileId == null || !SAFE_ID.matcher(fileId).matches()) {
      throw new IllegalArgumentException("not a file id: " + fileId);
    }
    return root.resolve(fileId);
  }

  @Override
  public void delete(String fileId) throws IOException {
    Files.deleteIfExists(path(fileId));
  }

  private void removeStaleTempFiles(Instant olderThan) throws IOException {
    try (DirectoryStream<Path> files = Files.newDirectoryStream(temp)) {
      for (Path f : files) {
        if (Files.isRegularFile(f)
            && Files.getLastModifiedTime(f).toInstant().isBefore(olderThan)) {
          Files.deleteIfExists(f);
          log.info("removed stale upload temp file {}", f);
        }
      }
    }
  }

  private static void syncDirectory(Path dir) {
    // Makes the rename itself durable on Linux; some platforms cannot open a directory for
    // syncing, and there the rename is as durable as the platform makes it.
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      log.debug("cannot sync directory {}", dir, e);
    }
  }
}
