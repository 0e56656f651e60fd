package dev.tuneup.error;

/**
 * An operation refused in the resource's current state where Model Studio answers {@code
 * OperationDenied} rather than {@code UnsupportedOperation} (deleting an import job that is not
 * over).
 */
public class OperationDenied extends OperationNotAllowed {
  public OperationDenied(String message) {
    super(message);
  }
}
