package dev.tuneup.error;

/** The operation is valid in general but not in the resource's current state. */
public class OperationNotAllowed extends TuneupException {
  public OperationNotAllowed(String message) {
    super(message);
  }
}
