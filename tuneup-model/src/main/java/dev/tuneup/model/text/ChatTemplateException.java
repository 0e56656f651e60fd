package dev.tuneup.model.text;

/**
 * A chat template could not be rendered: the template called {@code raise_exception} (usually a
 * conversation shape the model does not support, e.g. two user turns in a row), or it failed in the
 * engine. The message is the template's own message where there is one.
 */
public class ChatTemplateException extends RuntimeException {

  public ChatTemplateException(String message) {
    super(message);
  }

  public ChatTemplateException(String message, Throwable cause) {
    super(message, cause);
  }
}
