package dev.tuneup.server.http;

import dev.tuneup.error.InvalidParameter;

/** The request body is not the JSON the endpoint expects. */
public class BadRequestBody extends InvalidParameter {
  public BadRequestBody(String message) {
    super("body", message);
  }
}
