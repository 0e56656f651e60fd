package dev.tuneup.inference.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tuneup.error.QuotaExceeded;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SlotsTest {
  private final List<String> admitted = new CopyOnWriteArrayList<>();

  private Thread waitFor(Slots slots, String tenant, String label) {
    Thread t =
        new Thread(
            () -> {
              try {
                slots.acquire(tenant);
                admitted.add(label);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            label);
    t.start();
    return t;
  }

  private static void awaitWaiting(Slots slots, int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (slots.waiting() != n) {
      assertThat(System.nanoTime()).as("waiting for %d waiters", n).isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  private void awaitAdmitted(int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (admitted.size() < n) {
      assertThat(System.nanoTime()).as("waiting for %d admissions", n).isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  @Test
  void a_tenant_flooding_a_shared_model_delays_another_tenant_by_one_request_not_the_flood()
      throws Exception {
    Slots slots = new Slots(1, 16);
    slots.acquire("a"); // a's first long request runs
    for (int i = 2; i <= 4; i++) {
      waitFor(slots, "a", "a" + i);
      awaitWaiting(slots, i - 1);
    }
    waitFor(slots, "b", "b1");
    awaitWaiting(slots, 4);

    for (int i = 1; i <= 4; i++) {
      slots.release();
      awaitAdmitted(i);
    }

    // Turns go round the tenants: b's request runs second, not after a's whole flood.
    assertThat(admitted).containsExactly("a2", "b1", "a3", "a4");
  }

  @Test
  void a_full_line_of_one_tenant_refuses_that_tenant_only() throws Exception {
    Slots slots = new Slots(1, 2);
    slots.acquire("a");
    waitFor(slots, "a", "a2");
    waitFor(slots, "a", "a3");
    awaitWaiting(slots, 2);

    assertThatThrownBy(() -> slots.acquire("a"))
        .isInstanceOf(QuotaExceeded.class)
        .hasMessageContaining("2 of your requests are already waiting");
    waitFor(slots, "b", "b1");
    awaitWaiting(slots, 3);
    slots.release();
    slots.release();
    slots.release();
    awaitAdmitted(3);
    assertThat(admitted).containsExactly("a2", "b1", "a3");
  }

  @Test
  void scaling_up_admits_waiters_at_once() throws Exception {
    Slots slots = new Slots(1, 4);
    slots.acquire("a");
    waitFor(slots, "b", "b1");
    awaitWaiting(slots, 1);

    slots.resize(2);

    awaitAdmitted(1);
    assertThat(slots.running()).isEqualTo(2);
  }
}
