package dev.tuneup.error;

/**
 * A request field is missing or malformed. {@link #field()} names it when one field is at fault.
 */
public class InvalidParameter extends TuneupException {
  private final String field;

  public InvalidParameter(String field, String message) {
    super(message);
    this.field = field;
  }

  public InvalidParameter(String message) {
    this(null, message);
  }

  public String field() {
    return field;
  }
}
