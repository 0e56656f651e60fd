package dev.tuneup.error;

/**
 * An operation refused in the resource's current state where Model Studio answers {@code
 * OperationDenied} rather than {@code UnsupportedOperation} (deleting an import job that is not
 * over).
 */
public final class OperationDenied extends TuneupException {
  public OperationDenied(String message) {
    super(message);
  }

  @Override
  public <R> R accept(Cases<R> cases) {
    return cases.operationDenied(this);
  }
}
