package dev.tuneup.file;

import java.util.List;

/** Files stored by an upload, and the ones refused for a quota (reported inside a 200). */
public record UploadResult(List<StoredFile> uploaded, List<FailedUpload> failed) {
  public UploadResult {
    uploaded = List.copyOf(uploaded);
    failed = List.copyOf(failed);
  }

  /** Why a file of an upload was not stored. */
  public enum Refusal {
    /** The user already holds {@code limit} files ({@code used} of them). */
    TOO_MANY_FILES,
    /** The file alone is over the per-file limit of {@code limit} bytes. */
    FILE_TOO_LARGE,
    /** The user's files take {@code used} of {@code limit} bytes and this one does not fit. */
    STORAGE_FULL
  }

  /**
   * A file that was not stored, with the quota it hit. Each surface words it in its own terms
   * (DashScope's {@code BadRequest.TooLarge}).
   */
  public record FailedUpload(String name, Refusal refusal, long used, long limit) {}
}
