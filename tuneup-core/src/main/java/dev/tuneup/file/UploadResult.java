package dev.tuneup.file;

import java.util.List;

/** Files stored by an upload, and the ones refused for a quota (reported inside a 200). */
public record UploadResult(List<StoredFile> uploaded, List<FailedUpload> failed) {
  public UploadResult {
    uploaded = List.copyOf(uploaded);
    failed = List.copyOf(failed);
  }

  /** A file that was not stored, with the DashScope code saying why. */
  public record FailedUpload(String name, String code, String message) {}
}
