package dev.tuneup.dispatch;

import java.time.Duration;

/** Sleeps between loop iterations, but wakes at once when new work is signalled. */
public final class Waiter {
  private final Object lock = new Object();
  private boolean signalled;

  public void wakeUp() {
    synchronized (lock) {
      signalled = true;
      lock.notifyAll();
    }
  }

  /** Waits up to {@code max}, or less if woken; clears the signal. */
  public void await(Duration max) throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    synchronized (lock) {
      while (!signalled) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        lock.wait(Math.max(1, left / 1_000_000));
      }
      signalled = false;
    }
  }
}
