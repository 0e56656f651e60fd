package dev.tuneup.backend;

/** A backend could not do what was asked (start a process, reach a cluster). */
public class BackendException extends RuntimeException {
  public BackendException(String message, Throwable cause) {
    super(message, cause);
  }

  public BackendException(String message) {
    super(message);
  }
}
