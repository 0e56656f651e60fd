package dev.tuneup.error;

/** The caller is authenticated but the operation needs a permission it lacks (admin only). */
public final class AccessDenied extends TuneupException {
  public AccessDenied(String message) {
    super(message);
  }

  @Override
  public <R> R accept(Cases<R> cases) {
    return cases.accessDenied(this);
  }
}
