package dev.tuneup.model.config;

/** A model directory that names an architecture or feature this code cannot run. */
public final class UnsupportedModelException extends RuntimeException {
  public UnsupportedModelException(String message) {
    super(message);
  }
}
