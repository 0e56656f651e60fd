package dev.tuneup.error;

/** The operation is valid in general but not in the resource's current state. */
// Open to refinements in other packages (request bodies, illegal transitions); they are answered
// as this type, which is why accept is final.
public non-sealed class OperationNotAllowed extends TuneupException {
  public OperationNotAllowed(String message) {
    super(message);
  }

  @Override
  public final <R> R accept(Cases<R> cases) {
    return cases.operationNotAllowed(this);
  }
}
