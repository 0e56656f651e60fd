package dev.tuneup.error;

/**
 * A request field is missing or malformed. {@link #field()} names it when one field is at fault.
 */
// Open to refinements in other packages (request bodies, illegal transitions); they are answered
// as this type, which is why accept is final.
public non-sealed class InvalidParameter extends TuneupException {
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

  @Override
  public final <R> R accept(Cases<R> cases) {
    return cases.invalidParameter(this);
  }
}
