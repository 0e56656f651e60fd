package dev.tuneup.trainer.data;

/** A training file that cannot be used; the message names the file and 1-based line. */
public final class DataException extends RuntimeException {
  public DataException(String message) {
    super(message);
  }
}
