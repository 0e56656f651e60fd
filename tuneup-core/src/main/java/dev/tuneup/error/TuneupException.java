package dev.tuneup.error;

/**
 * Root of every error that tuneup reports to a caller. Each subclass carries the fields that
 * explain it; the HTTP layer maps the type to a status and wire code in exactly one place. A broken
 * invariant is an {@link IllegalStateException}, never one of these.
 */
public abstract class TuneupException extends RuntimeException {
  protected TuneupException(String message) {
    super(message);
  }

  protected TuneupException(String message, Throwable cause) {
    super(message, cause);
  }
}
