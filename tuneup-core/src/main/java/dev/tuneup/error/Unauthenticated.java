package dev.tuneup.error;

/** No API key, or one that matches no key on record. */
public final class Unauthenticated extends TuneupException {
  private final boolean keyMissing;

  private Unauthenticated(boolean keyMissing, String message) {
    super(message);
    this.keyMissing = keyMissing;
  }

  public static Unauthenticated missingKey() {
    return new Unauthenticated(true, "No API-key provided.");
  }

  public static Unauthenticated invalidKey() {
    return new Unauthenticated(false, "Invalid API-key provided.");
  }

  public boolean keyMissing() {
    return keyMissing;
  }

  @Override
  public <R> R accept(Cases<R> cases) {
    return cases.unauthenticated(this);
  }
}
