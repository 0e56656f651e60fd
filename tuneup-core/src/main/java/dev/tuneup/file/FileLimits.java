package dev.tuneup.file;

/** Per-user upload limits. */
public record FileLimits(long maxFileBytes, long maxFilesPerUser, long maxBytesPerUser) {
  public static final long DEFAULT_MAX_FILE_BYTES = 300L * 1024 * 1024;
  public static final long DEFAULT_MAX_FILES_PER_USER = 1000;
  public static final long DEFAULT_MAX_BYTES_PER_USER = 5L * 1024 * 1024 * 1024;

  public FileLimits {
    if (maxFileBytes <= 0 || maxFilesPerUser <= 0 || maxBytesPerUser <= 0) {
      throw new IllegalArgumentException("file limits must be positive");
    }
  }

  public static FileLimits defaults() {
    return new FileLimits(
        DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_FILES_PER_USER, DEFAULT_MAX_BYTES_PER_USER);
  }
}
