package dev.tuneup.server.stream;

import dev.tuneup.error.QuotaExceeded;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Open event streams per user (all of its keys together): job streams, chat and generation streams.
 * One over {@code http.max-streams-per-user} is refused with {@link QuotaExceeded} (429 {@code
 * Throttling}) before anything of the stream is sent.
 */
public final class StreamLimits {
  private final int maxPerUser;
  private final ConcurrentHashMap<String, Integer> open = new ConcurrentHashMap<>();

  public StreamLimits(int maxPerUser) {
    if (maxPerUser < 1) {
      throw new IllegalArgumentException("maxPerUser must be positive, got " + maxPerUser);
    }
    this.maxPerUser = maxPerUser;
  }

  /** A held place; {@link Lease#close()} gives it back, once. */
  public interface Lease extends AutoCloseable {
    @Override
    void close();
  }

  /** Takes a place for one more stream of {@code userId}, or throws {@link QuotaExceeded}. */
  public Lease acquire(String userId) {
    boolean[] taken = {false};
    open.compute(
        userId,
        (k, n) -> {
          int count = n == null ? 0 : n;
          if (count >= maxPerUser) {
            return n;
          }
          taken[0] = true;
          return count + 1;
        });
    if (!taken[0]) {
      throw new QuotaExceeded(
          "streams",
          maxPerUser,
          "Too many open streams: "
              + maxPerUser
              + " are open for this user (http.max-streams-per-user). Close one and retry.");
    }
    boolean[] closed = {false};
    return () -> {
      synchronized (closed) {
        if (closed[0]) {
          return;
        }
        closed[0] = true;
      }
      open.computeIfPresent(userId, (k, n) -> n <= 1 ? null : n - 1);
    };
  }

  private static final String HELD = "tuneup.stream-lease";

  /**
   * Takes a place for a stream served on the request's own thread (chat, generation), held until
   * the request ends: {@link #releaseHeld} runs after every request.
   */
  public void acquireFor(io.javalin.http.Context ctx, String userId) {
    ctx.attribute(HELD, acquire(userId));
  }

  /** Gives back the place {@link #acquireFor} took for this request, if any. */
  public static void releaseHeld(io.javalin.http.Context ctx) {
    Lease lease = ctx.attribute(HELD);
    if (lease != null) {
      lease.close();
    }
  }

  /** Streams open now for {@code userId}. */
  public int openFor(String userId) {
    return open.getOrDefault(userId, 0);
  }
}
