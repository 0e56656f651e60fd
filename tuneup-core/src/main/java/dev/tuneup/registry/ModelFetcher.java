package dev.tuneup.registry;

import java.nio.file.Path;

/** Downloads a model repository from a hub (port; the Hugging Face adapter is in tuneup-hub). */
public interface ModelFetcher {

  /**
   * What to download and with which credentials.
   *
   * @param repo the repository id, e.g. {@code Qwen/Qwen3-0.6B}
   * @param revision a branch, tag or commit; null for the default branch
   * @param token an access token given with this request, or null
   * @param serverToken whether the server's own token ({@code HF_TOKEN}) may be used when no token
   *     is given: yes for an administrator's pull, no for a user's import, so that users cannot
   *     read what only the server's account may
   */
  record Request(String repo, String revision, String token, boolean serverToken) {}

  /** Called as the download proceeds; also the importer's heartbeat. */
  @FunctionalInterface
  interface Progress {
    /**
     * @param commit the commit the files come from, once resolved
     * @param done bytes of the selected files on disk so far
     * @param total bytes of the selected files
     * @param file the file being downloaded, or null
     * @throws ImportInterrupted to stop (the server is shutting down); the files stay to resume
     */
    void update(String commit, long done, long total, String file);
  }

  /** What was downloaded. */
  record Result(String commit, int files, long bytes, java.util.List<String> skipped) {}

  /**
   * Downloads the model files of the repository into {@code dir} (created if needed), resuming what
   * an earlier attempt left there, and verifies each file's size and checksum as the hub publishes
   * them. Files the model does not need (other weight formats, images, sub-folders) are not
   * downloaded.
   *
   * @throws ModelFetchException naming what failed: the repository, revision or file, and why
   * @throws ImportInterrupted when {@code progress} asked to stop
   */
  Result fetch(Request request, Path dir, Progress progress);
}
