package dev.tuneup.error;

/** A per-user limit is reached; the caller should free capacity or retry later. */
public final class QuotaExceeded extends TuneupException {
  private final String quota;
  private final long limit;

  public QuotaExceeded(String quota, long limit, String message) {
    super(message);
    this.quota = quota;
    this.limit = limit;
  }

  public String quota() {
    return quota;
  }

  public long limit() {
    return limit;
  }

  @Override
  public <R> R accept(Cases<R> cases) {
    return cases.quotaExceeded(this);
  }
}
