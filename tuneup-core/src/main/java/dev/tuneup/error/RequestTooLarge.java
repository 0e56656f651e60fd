package dev.tuneup.error;

/** The request body is over {@code http.max-body-bytes}. */
public final class RequestTooLarge extends TuneupException {
  public RequestTooLarge(long limit) {
    super("The request body is larger than the limit of " + limit + " bytes.");
  }

  @Override
  public <R> R accept(Cases<R> cases) {
    return cases.requestTooLarge(this);
  }
}
