package dev.tuneup.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BackgroundLoopTest {
  private static void awaitAtLeast(AtomicInteger n, int value) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (n.get() < value && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(n.get()).isGreaterThanOrEqualTo(value);
  }

  @Test
  void a_woken_loop_runs_a_pass_at_once_and_a_stopped_loop_can_start_again() throws Exception {
    AtomicInteger passes = new AtomicInteger();
    BackgroundLoop loop =
        new BackgroundLoop("test-loop", passes::incrementAndGet, Duration.ofMinutes(10));
    assertThat(loop.start()).isTrue();
    assertThat(loop.start()).isFalse();
    awaitAtLeast(passes, 1);
    loop.wakeUp();
    awaitAtLeast(passes, 2);
    loop.stop(Duration.ofSeconds(5));
    loop.stop(Duration.ofSeconds(5));
    int stoppedAt = passes.get();
    Thread.sleep(50);
    assertThat(passes.get()).isEqualTo(stoppedAt);
    assertThat(loop.start()).isTrue();
    awaitAtLeast(passes, stoppedAt + 1);
    loop.wakeUp();
    awaitAtLeast(passes, stoppedAt + 2);
    loop.stop(Duration.ofSeconds(5));
  }
}
