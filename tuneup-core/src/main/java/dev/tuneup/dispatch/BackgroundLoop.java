package dev.tuneup.dispatch;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A named daemon thread that runs one pass, then sleeps on a {@link Waiter} until the interval
 * passes or {@link #wakeUp()} is called. The pass must not throw (it catches and counts its own
 * failures), so the loop never dies of one bad iteration. Start and stop are idempotent; stop is
 * bounded by its timeout.
 */
public final class BackgroundLoop {
  private static final Logger log = LoggerFactory.getLogger(BackgroundLoop.class);

  private final String name;
  private final Runnable pass;
  private final Duration interval;
  private final Waiter waiter = new Waiter();
  private volatile boolean stopping;
  private Thread thread;

  public BackgroundLoop(String name, Runnable pass, Duration interval) {
    this.name = name;
    this.pass = pass;
    this.interval = interval;
  }

  /** Starts the loop; false if it runs already. A stopped loop can start again. */
  public synchronized boolean start() {
    if (thread != null) {
      return false;
    }
    stopping = false;
    thread = new Thread(this::run, name);
    thread.setDaemon(true);
    thread.start();
    return true;
  }

  public void wakeUp() {
    waiter.wakeUp();
  }

  /** Whether {@link #stop} was called: a pass in flight should wind down. */
  public boolean stopping() {
    return stopping;
  }

  /** Stops the loop within {@code timeout}, interrupting it past that. Idempotent. */
  public void stop(Duration timeout) {
    Thread t;
    synchronized (this) {
      if (thread == null || stopping) {
        return;
      }
      stopping = true;
      t = thread;
    }
    waiter.wakeUp();
    try {
      t.join(timeout.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (t.isAlive()) {
      t.interrupt();
      log.warn("{} did not stop within {}; interrupted", name, timeout);
    } else {
      log.info("{} stopped", name);
    }
    synchronized (this) {
      thread = null;
    }
  }

  private void run() {
    while (!stopping && !Thread.currentThread().isInterrupted()) {
      pass.run();
      try {
        waiter.await(interval);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
