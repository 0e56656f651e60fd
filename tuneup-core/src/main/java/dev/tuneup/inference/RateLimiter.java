package dev.tuneup.inference;

import dev.tuneup.deployment.Deployment;
import dev.tuneup.deployment.RateLimits;
import dev.tuneup.error.QuotaExceeded;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Enforces deployments' {@code rpm_limit} and {@code tpm_limit} over a sliding minute. A request is
 * admitted while fewer than {@code rpm_limit} were admitted in the last 60 s and fewer than {@code
 * tpm_limit} tokens (input plus output) were generated in it; its tokens count once it is answered,
 * since a request's size is only known then. Thread-safe; counts are per server.
 */
public final class RateLimiter {
  private static final long WINDOW_MILLIS = 60_000;

  private final Clock clock;
  private final Map<String, Window> windows = new ConcurrentHashMap<>();

  public RateLimiter(Clock clock) {
    this.clock = clock;
  }

  private static final class Window {
    final ArrayDeque<Long> requests = new ArrayDeque<>();
    final ArrayDeque<long[]> tokens = new ArrayDeque<>();
    long tokenSum;

    void evict(long now) {
      while (!requests.isEmpty() && requests.peekFirst() <= now - WINDOW_MILLIS) {
        requests.pollFirst();
      }
      while (!tokens.isEmpty() && tokens.peekFirst()[0] <= now - WINDOW_MILLIS) {
        tokenSum -= tokens.pollFirst()[1];
      }
    }
  }

  /**
   * Counts one request against {@code d}'s limits.
   *
   * @throws QuotaExceeded (429 Throttling) naming the limit reached
   */
  public void admit(Deployment d) {
    RateLimits limits = d.limits();
    if (limits.requestsPerMinute() == null && limits.tokensPerMinute() == null) {
      return;
    }
    Window w = windows.computeIfAbsent(d.id(), k -> new Window());
    long now = clock.millis();
    synchronized (w) {
      w.evict(now);
      Integer rpm = limits.requestsPerMinute();
      if (rpm != null && w.requests.size() >= rpm) {
        throw new QuotaExceeded(
            "rpm_limit",
            rpm,
            "Requests rate limit exceeded: "
                + d.deployedModel()
                + " allows "
                + rpm
                + " requests per minute (rpm_limit); retry later or raise it with PUT"
                + " /deployments/"
                + d.deployedModel()
                + "/update.");
      }
      Integer tpm = limits.tokensPerMinute();
      if (tpm != null && w.tokenSum >= tpm) {
        throw new QuotaExceeded(
            "tpm_limit",
            tpm,
            "Tokens rate limit exceeded: "
                + d.deployedModel()
                + " allows "
                + tpm
                + " tokens per minute (tpm_limit); retry later or raise it with PUT"
                + " /deployments/"
                + d.deployedModel()
                + "/update.");
      }
      w.requests.addLast(now);
    }
  }

  /** Counts the tokens of an answered request of deployment {@code deploymentId}. */
  public void recordTokens(String deploymentId, int tokens) {
    Window w = windows.get(deploymentId);
    if (w == null) {
      return;
    }
    long now = clock.millis();
    synchronized (w) {
      w.evict(now);
      w.tokens.addLast(new long[] {now, tokens});
      w.tokenSum += tokens;
    }
  }
}
