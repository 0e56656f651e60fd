package dev.tuneup.registry;

/** A download that cannot complete; the message names the repository or file and says why. */
public class ModelFetchException extends RuntimeException {
  public ModelFetchException(String message) {
    super(message);
  }

  public ModelFetchException(String message, Throwable cause) {
    super(message, cause);
  }
}
