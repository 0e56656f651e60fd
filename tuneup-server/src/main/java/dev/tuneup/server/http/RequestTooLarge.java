package dev.tuneup.server.http;

import dev.tuneup.error.TuneupException;

/** The request body is over {@code http.max-body-bytes}. */
public class RequestTooLarge extends TuneupException {
  public RequestTooLarge(long limit) {
    super("The request body is larger than the limit of " + limit + " bytes.");
  }
}
