package dev.tuneup.file;

import java.io.IOException;
import java.io.InputStream;

/** One file of an upload request, read once as a stream. */
public record IncomingFile(String name, String description, Content content) {
  /** Opens the upload's bytes. */
  @FunctionalInterface
  public interface Content {
    InputStream open() throws IOException;
  }
}
