package dev.tuneup.inference.engine;

import dev.tuneup.error.QuotaExceeded;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Admission to a deployment's instances: {@code capacity} requests run at once, up to {@code
 * maxQueue} more wait in arrival order, the rest are refused at once with 429 so that a client can
 * back off instead of hanging.
 */
final class Slots {
  /** A semaphore whose permits can also be taken away (scale down). */
  private static final class Permits extends Semaphore {
    Permits(int n) {
      super(n, true);
    }

    void reduce(int n) {
      reducePermits(n);
    }
  }

  private final Permits permits;
  private final int maxQueue;
  private final AtomicInteger waiting = new AtomicInteger();
  private final AtomicInteger running = new AtomicInteger();
  private int capacity;

  Slots(int capacity, int maxQueue) {
    this.permits = new Permits(capacity);
    this.capacity = capacity;
    this.maxQueue = maxQueue;
  }

  /**
   * Takes an instance, waiting in line when all are busy.
   *
   * @throws QuotaExceeded when the line is full
   */
  void acquire() throws InterruptedException {
    if (!permits.tryAcquire()) {
      if (waiting.incrementAndGet() > maxQueue) {
        waiting.decrementAndGet();
        throw new QuotaExceeded(
            "inference.max-queue",
            maxQueue,
            "Requests throttling triggered: every instance of this deployment is busy and "
                + maxQueue
                + " requests are already waiting. Retry later or scale the deployment up.");
      }
      try {
        permits.acquire();
      } finally {
        waiting.decrementAndGet();
      }
    }
    running.incrementAndGet();
  }

  void release() {
    running.decrementAndGet();
    permits.release();
  }

  /** Changes the number of instances; requests running beyond a smaller capacity finish first. */
  synchronized void resize(int newCapacity) {
    int diff = newCapacity - capacity;
    if (diff > 0) {
      permits.release(diff);
    } else if (diff < 0) {
      permits.reduce(-diff);
    }
    capacity = newCapacity;
  }

  synchronized int capacity() {
    return capacity;
  }

  int running() {
    return running.get();
  }

  int waiting() {
    return waiting.get();
  }
}
