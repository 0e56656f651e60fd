package dev.tuneup.cli.client;

/** The server answered with an error (DashScope error shape). Exit code {@value #EXIT}. */
public final class ApiException extends RuntimeException {
  public static final int EXIT = 1;

  private final int status;
  private final String code;
  private final String requestId;

  public ApiException(int status, String code, String message, String requestId) {
    super(message);
    this.status = status;
    this.code = code;
    this.requestId = requestId;
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public String requestId() {
    return requestId;
  }
}
