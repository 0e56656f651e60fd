package dev.tuneup.error;

/** A resource with the same identity already exists. */
public non-sealed class Conflict extends TuneupException {
  public Conflict(String message) {
    super(message);
  }

  @Override
  public <R> R accept(Cases<R> cases) {
    return cases.conflict(this);
  }
}
