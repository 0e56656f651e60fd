package dev.tuneup.dispatch;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** Where a job's files live: {@code <jobs>/<job_id>/{spec.json, events.jsonl, ...}}. */
public final class JobPaths {
  private final Path root;

  public JobPaths(Path root) {
    this.root = root;
  }

  public Path root() {
    return root;
  }

  public Path dir(String jobId) {
    if (!jobId.matches("[A-Za-z0-9_.-]+")) {
      throw new IllegalArgumentException("job ids never contain path characters: " + jobId);
    }
    return root.resolve(jobId);
  }

  public Path spec(String jobId) {
    return dir(jobId).resolve("spec.json");
  }

  public Path events(String jobId) {
    return dir(jobId).resolve("events.jsonl");
  }

  public Path output(String jobId) {
    return dir(jobId).resolve("output");
  }

  /** Removes the job's directory and everything in it; no error if it is absent. */
  public void delete(String jobId) throws IOException {
    deleteTree(dir(jobId));
  }

  /** Removes a directory and everything in it; no error if it is absent. */
  public static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    Files.walkFileTree(
        dir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
            Files.delete(d);
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
