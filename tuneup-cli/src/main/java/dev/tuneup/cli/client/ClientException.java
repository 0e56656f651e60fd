package dev.tuneup.cli.client;

/**
 * The CLI could not talk to a server: none reachable at the URL, or no API key to talk with. Exit
 * code {@value #EXIT}.
 */
public class ClientException extends RuntimeException {
  public static final int EXIT = 3;

  public ClientException(String message) {
    super(message);
  }

  public ClientException(String message, Throwable cause) {
    super(message, cause);
  }
}
