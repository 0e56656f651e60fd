package dev.tuneup.error;

/** The caller is authenticated but the operation needs a permission it lacks (admin only). */
public class AccessDenied extends TuneupException {
  public AccessDenied(String message) {
    super(message);
  }
}
