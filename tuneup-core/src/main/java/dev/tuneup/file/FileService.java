package dev.tuneup.file;

import dev.tuneup.auth.Caller;
import dev.tuneup.common.Ids;
import dev.tuneup.common.Page;
import dev.tuneup.common.PageRequest;
import dev.tuneup.error.InvalidParameter;
import dev.tuneup.error.NotFound;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Uploads, lists and deletes training files. */
public final class FileService {
  /** The DashScope SDK sends no purpose at all, so a missing one means fine-tuning data. */
  public static final String DEFAULT_PURPOSE = "fine-tune";

  /** Spellings accepted for fine-tuning data: the docs say fine-tune, the SDK uses fine_tune. */
  private static final Set<String> FINE_TUNE_PURPOSES = Set.of("fine-tune", "fine_tune");

  private static final Set<String> PURPOSES = Set.of("fine-tune", "file-extract", "batch");
  private static final int MAX_PROBLEMS = 10;

  private final FileStore store;
  private final BlobStore blobs;
  private final TrainingFileValidator validator;
  private final FileLimits limits;
  private final Clock clock;

  public FileService(
      FileStore store,
      BlobStore blobs,
      TrainingFileValidator validator,
      FileLimits limits,
      Clock clock) {
    this.store = store;
    this.blobs = blobs;
    this.validator = validator;
    this.limits = limits;
    this.clock = clock;
  }

  /** Whether a purpose string names fine-tuning data. */
  public static boolean isFineTune(String purpose) {
    return FINE_TUNE_PURPOSES.contains(purpose);
  }

  /**
   * Stores the files of one upload request. A file over the size or count quota is reported in
   * {@link UploadResult#failed()} and the others are stored. A fine-tune file with bad content
   * fails the whole request with {@link InvalidParameter} naming each file, line and problem, and
   * then nothing of the request is stored.
   */
  public UploadResult upload(Caller caller, List<IncomingFile> files, String purpose) {
    String normalized = normalizePurpose(purpose);
    if (files.isEmpty()) {
      throw new InvalidParameter(
          "files", "No file in the request: send one or more 'files' parts.");
    }
    FileStore.Usage usage = store.usageOf(caller.userId());
    long count = usage.files();
    long bytes = usage.bytes();
    List<Staged> staged = new ArrayList<>();
    List<UploadResult.FailedUpload> failed = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    try {
      for (IncomingFile file : files) {
        String name = displayName(file.name());
        if (count >= limits.maxFilesPerUser()) {
          failed.add(
              new UploadResult.FailedUpload(
                  name, UploadResult.Refusal.TOO_MANY_FILES, count, limits.maxFilesPerUser()));
          continue;
        }
        Staged s = stage(file, name);
        if (s == null) {
          failed.add(
              new UploadResult.FailedUpload(
                  name, UploadResult.Refusal.FILE_TOO_LARGE, 0, limits.maxFileBytes()));
          continue;
        }
        if (bytes + s.size > limits.maxBytesPerUser()) {
          Files.deleteIfExists(s.temp);
          failed.add(
              new UploadResult.FailedUpload(
                  name, UploadResult.Refusal.STORAGE_FULL, bytes, limits.maxBytesPerUser()));
          continue;
        }
        staged.add(s);
        if (isFineTune(normalized)) {
          TrainingFileValidator.Result result = validator.validate(s.temp, MAX_PROBLEMS);
          if (!result.valid()) {
            for (String p : result.problems()) {
              problems.add(name + ": " + p);
            }
          }
          s.lines = result.lines();
        }
        count++;
        bytes += s.size;
      }
      if (!problems.isEmpty()) {
        throw new InvalidParameter(
            "files", "Invalid fine-tune data, nothing was stored. " + String.join("; ", problems));
      }
      List<StoredFile> uploaded = new ArrayList<>();
      for (Staged s : staged) {
        StoredFile f =
            new StoredFile(
                Ids.random("file-ft-", 12),
                caller.userId(),
                caller.workspaceId(),
                s.name,
                s.description,
                normalized,
                s.size,
                s.md5,
                s.lines,
                clock.instant());
        // The counts above only spare work: the store checks and takes the quota atomically,
        // so parallel uploads of one user cannot both pass it.
        FileStore.Admission admitted =
            store.insertWithinQuota(f, limits.maxFilesPerUser(), limits.maxBytesPerUser());
        if (!admitted.stored()) {
          failed.add(quotaFailure(s.name, admitted.before()));
          continue;
        }
        try {
          blobs.commit(s.temp, f.id());
        } catch (IOException | RuntimeException e) {
          store.delete(f.id());
          throw e;
        }
        uploaded.add(f);
        s.temp = null;
      }
      return new UploadResult(uploaded, failed);
    } catch (IOException e) {
      throw new UncheckedIOException("could not store an upload", e);
    } finally {
      for (Staged s : staged) {
        deleteQuietly(s.temp);
      }
    }
  }

  /**
   * Stores a file that tuneup produced (not an upload) under a fixed id, once: a second call with
   * the same id returns the first file and keeps its bytes. No quota applies, and the content is
   * not validated.
   */
  public StoredFile storeProduced(
      Caller owner, String fileId, String name, String purpose, byte[] content) {
    Optional<StoredFile> existing = store.findFor(owner, fileId);
    if (existing.isPresent()) {
      return existing.get();
    }
    try {
      Path temp = blobs.newTempFile();
      try {
        Files.write(temp, content);
        StoredFile f =
            new StoredFile(
                fileId,
                owner.userId(),
                owner.workspaceId(),
                name,
                null,
                purpose,
                content.length,
                HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(content)),
                0,
                clock.instant());
        blobs.commit(temp, fileId);
        temp = null;
        try {
          store.insert(f);
        } catch (RuntimeException raced) {
          // Two readers produced it at once: the first insert stands (same bytes).
          return store.findFor(owner, fileId).orElseThrow(() -> raced);
        }
        return f;
      } finally {
        deleteQuietly(temp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not store " + fileId, e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("bug: the JDK has no MD5", e);
    }
  }

  public StoredFile get(Caller caller, String fileId) {
    return store.findFor(caller, fileId).orElseThrow(() -> NotFound.file(fileId));
  }

  public Page<StoredFile> list(Caller caller, PageRequest page) {
    return store.list(caller, page);
  }

  /** Removes the file's record and bytes. Jobs that used it keep their own copy of its id. */
  public void delete(Caller caller, String fileId) {
    StoredFile f = get(caller, fileId);
    store.delete(f.id());
    try {
      blobs.delete(f.id());
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete the bytes of " + fileId, e);
    }
  }

  /** Where a file's bytes are, for a file the caller may use. */
  public Path content(Caller caller, String fileId) {
    return blobs.path(get(caller, fileId).id());
  }

  private UploadResult.FailedUpload quotaFailure(String name, FileStore.Usage usage) {
    if (usage.files() >= limits.maxFilesPerUser()) {
      return new UploadResult.FailedUpload(
          name, UploadResult.Refusal.TOO_MANY_FILES, usage.files(), limits.maxFilesPerUser());
    }
    return new UploadResult.FailedUpload(
        name, UploadResult.Refusal.STORAGE_FULL, usage.bytes(), limits.maxBytesPerUser());
  }

  private static String normalizePurpose(String purpose) {
    if (purpose == null || purpose.isBlank()) {
      return DEFAULT_PURPOSE;
    }
    if (isFineTune(purpose)) {
      return DEFAULT_PURPOSE;
    }
    if (!PURPOSES.contains(purpose)) {
      throw new InvalidParameter(
          "purpose", "Unknown purpose '" + purpose + "': use fine-tune, file-extract or batch.");
    }
    return purpose;
  }

  /** Longest file name kept, in characters (most file systems stop at 255 bytes). */
  public static final int MAX_NAME_CHARS = 255;

  private static String displayName(String name) {
    if (name == null || name.isBlank()) {
      return "unnamed";
    }
    // Keep only the last path segment: browsers and curl may send a full client path.
    String n = name.replace('\\', '/');
    n = n.substring(n.lastIndexOf('/') + 1);
    if (n.length() > MAX_NAME_CHARS) {
      throw new InvalidParameter(
          "files",
          "The file name is "
              + n.length()
              + " characters long; at most "
              + MAX_NAME_CHARS
              + " are accepted.");
    }
    // control characters (CR, LF, NUL) would break headers and logs that show the name
    return n.replaceAll("\\p{Cntrl}", "_");
  }

  private Staged stage(IncomingFile file, String name) throws IOException {
    Path temp = blobs.newTempFile();
    MessageDigest md5 = md5();
    long size = 0;
    byte[] buf = new byte[64 * 1024];
    try (InputStream in = file.content().open();
        OutputStream out = new DigestOutputStream(Files.newOutputStream(temp), md5)) {
      int n;
      while ((n = in.read(buf)) > 0) {
        size += n;
        if (size > limits.maxFileBytes()) {
          out.close();
          Files.deleteIfExists(temp);
          return null;
        }
        out.write(buf, 0, n);
      }
    } catch (IOException | RuntimeException e) {
      deleteQuietly(temp);
      throw e;
    }
    Staged s = new Staged();
    s.temp = temp;
    s.name = name;
    s.description = file.description();
    s.size = size;
    s.md5 = HexFormat.of().formatHex(md5.digest());
    return s;
  }

  private static MessageDigest md5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("MD5 is part of every JDK", e);
    }
  }

  private static void deleteQuietly(Path p) {
    if (p == null) {
      return;
    }
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // a temp file left behind is cleaned at the next start
    }
  }

  private static final class Staged {
    Path temp;
    String name;
    String description;
    long size;
    String md5;
    long lines;
  }
}
