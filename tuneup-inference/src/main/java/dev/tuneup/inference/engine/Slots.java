package dev.tuneup.inference.engine;

import dev.tuneup.error.QuotaExceeded;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Admission to a deployment's instances: {@code capacity} requests run at once; the others wait in
 * one line per tenant, and a freed instance goes to the tenants in turn (round-robin), so one
 * tenant's flood of long requests delays another tenant's request by at most one of them per
 * instance rather than by the whole flood. Each tenant's line holds at most {@code maxQueue}
 * requests; beyond it the request is refused at once with 429 so that a client can back off instead
 * of hanging.
 */
final class Slots {
  /** One request waiting for an instance. */
  private static final class Waiter {
    final Condition granted;
    boolean admitted;

    Waiter(Condition granted) {
      this.granted = granted;
    }
  }

  private final ReentrantLock lock = new ReentrantLock();
  private final int maxQueue;

  /** The tenants with waiting requests, in the order they get the next free instance. */
  private final LinkedHashMap<String, ArrayDeque<Waiter>> lines = new LinkedHashMap<>();

  private int capacity;
  private int running;
  private int waiting;

  Slots(int capacity, int maxQueue) {
    this.capacity = capacity;
    this.maxQueue = maxQueue;
  }

  /**
   * Takes an instance for {@code tenant}, waiting in the tenant's line when all are busy.
   *
   * @throws QuotaExceeded when the tenant's line is full
   */
  void acquire(String tenant) throws InterruptedException {
    lock.lock();
    try {
      if (running < capacity && waiting == 0) {
        running++;
        return;
      }
      ArrayDeque<Waiter> line = lines.get(tenant);
      if ((line == null ? 0 : line.size()) >= maxQueue) {
        throw new QuotaExceeded(
            "inference.max-queue",
            maxQueue,
            "Requests throttling triggered: every instance of this deployment is busy and "
                + maxQueue
                + " of your requests are already waiting. Retry later or scale the deployment"
                + " up.");
      }
      if (line == null) {
        line = new ArrayDeque<>();
        lines.put(tenant, line);
      }
      Waiter w = new Waiter(lock.newCondition());
      line.addLast(w);
      waiting++;
      try {
        while (!w.admitted) {
          w.granted.await();
        }
      } catch (InterruptedException e) {
        if (w.admitted) {
          // Admitted as the interrupt came: hand the instance on.
          running--;
          admit();
        } else {
          ArrayDeque<Waiter> mine = lines.get(tenant);
          if (mine != null && mine.remove(w)) {
            waiting--;
            if (mine.isEmpty()) {
              lines.remove(tenant);
            }
          }
        }
        throw e;
      }
    } finally {
      lock.unlock();
    }
  }

  /** Acquires for a request of no particular tenant. */
  void acquire() throws InterruptedException {
    acquire("");
  }

  void release() {
    lock.lock();
    try {
      running--;
      admit();
    } finally {
      lock.unlock();
    }
  }

  /** Gives free instances to the head tenant's oldest request, moving that tenant to the back. */
  private void admit() {
    while (running < capacity && !lines.isEmpty()) {
      Iterator<Map.Entry<String, ArrayDeque<Waiter>>> it = lines.entrySet().iterator();
      Map.Entry<String, ArrayDeque<Waiter>> head = it.next();
      it.remove();
      Waiter w = head.getValue().pollFirst();
      if (!head.getValue().isEmpty()) {
        lines.put(head.getKey(), head.getValue());
      }
      waiting--;
      running++;
      w.admitted = true;
      w.granted.signal();
    }
  }

  /** Changes the number of instances; requests running beyond a smaller capacity finish first. */
  void resize(int newCapacity) {
    lock.lock();
    try {
      capacity = newCapacity;
      admit();
    } finally {
      lock.unlock();
    }
  }

  int capacity() {
    lock.lock();
    try {
      return capacity;
    } finally {
      lock.unlock();
    }
  }

  int running() {
    lock.lock();
    try {
      return running;
    } finally {
      lock.unlock();
    }
  }

  int waiting() {
    lock.lock();
    try {
      return waiting;
    } finally {
      lock.unlock();
    }
  }
}
