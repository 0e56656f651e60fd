package dev.tuneup.registry;

/**
 * The importer is stopping: the import in progress stays RUNNING with its files, and the next start
 * resumes it.
 */
public final class ImportInterrupted extends RuntimeException {
  public ImportInterrupted() {
    super("the importer is stopping");
  }
}
