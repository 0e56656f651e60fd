package dev.tuneup.error;

/**
 * Root of every error that tuneup reports to a caller. Each subclass carries the fields that
 * explain it; the HTTP layer maps the type to a status and wire code in exactly one place per API
 * surface. A broken invariant is an {@link IllegalStateException}, never one of these.
 *
 * <p>The hierarchy is sealed and every mapper implements {@link Cases}, one method per kind of
 * error: a new kind is a new permitted subclass and a new method of {@link Cases}, so each surface
 * that does not answer it fails to compile instead of answering 500. (Java 17 has no pattern {@code
 * switch}; {@link #accept} is that switch.) Messages are surface-neutral: the wire texts of one API
 * (DashScope's {@code "Not found!"}, its HTTP paths) are added by that API's mapper.
 */
public abstract sealed class TuneupException extends RuntimeException
    permits AccessDenied,
        Conflict,
        InvalidParameter,
        NotFound,
        OperationDenied,
        OperationNotAllowed,
        QuotaExceeded,
        RequestTooLarge,
        Unauthenticated,
        WorkspaceNotFound {

  private NextStep nextStep;

  protected TuneupException(String message) {
    super(message);
  }

  protected TuneupException(String message, Throwable cause) {
    super(message, cause);
  }

  /** Adds the step the caller can take next, which each surface words with its own paths. */
  public TuneupException then(NextStep step) {
    this.nextStep = step;
    return this;
  }

  /** The step the caller can take next, or null when the message says all there is. */
  public NextStep nextStep() {
    return nextStep;
  }

  /** Calls the method of {@code cases} for this kind of error and returns what it returns. */
  public abstract <R> R accept(Cases<R> cases);

  /**
   * One answer per kind of error: what an API surface makes of each. Implementations are the error
   * mappers, one per surface.
   */
  public interface Cases<R> {
    R unauthenticated(Unauthenticated e);

    R workspaceNotFound(WorkspaceNotFound e);

    R accessDenied(AccessDenied e);

    R modelNotFound(ModelNotFound e);

    R notFound(NotFound e);

    R invalidParameter(InvalidParameter e);

    R operationDenied(OperationDenied e);

    R operationNotAllowed(OperationNotAllowed e);

    R quotaExceeded(QuotaExceeded e);

    R conflict(Conflict e);

    R requestTooLarge(RequestTooLarge e);
  }
}
