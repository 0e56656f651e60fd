package dev.tuneup.error;

/** A resource with the same identity already exists. */
public class Conflict extends TuneupException {
  public Conflict(String message) {
    super(message);
  }
}
