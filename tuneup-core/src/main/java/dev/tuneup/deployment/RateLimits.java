package dev.tuneup.deployment;

/**
 * A deployment's rate limits, Model Studio's {@code rpm_limit} and {@code tpm_limit}: requests and
 * tokens (input plus output) per minute. Null is no limit.
 */
public record RateLimits(Integer requestsPerMinute, Integer tokensPerMinute) {
  public static final RateLimits NONE = new RateLimits(null, null);

  public RateLimits {
    if (requestsPerMinute != null && requestsPerMinute < 1) {
      throw new IllegalArgumentException("rpm_limit must be at least 1, got " + requestsPerMinute);
    }
    if (tokensPerMinute != null && tokensPerMinute < 1) {
      throw new IllegalArgumentException("tpm_limit must be at least 1, got " + tokensPerMinute);
    }
  }

  /** These limits with each given value replacing the current one. */
  public RateLimits merged(Integer rpm, Integer tpm) {
    return new RateLimits(
        rpm == null ? requestsPerMinute : rpm, tpm == null ? tokensPerMinute : tpm);
  }
}
