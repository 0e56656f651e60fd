package dev.tuneup.testkit.backend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tuneup.backend.ExecutionBackend;
import dev.tuneup.backend.RunState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every execution backend must do, run against each implementation with real trainers (the
 * scripted test trainer). Subclasses say how to build the backend and how to see whether a run's
 * processes exist.
 */
public abstract class BackendContract {
  @TempDir protected Path dir;

  /** A fresh backend instance (a second call simulates a restarted server). */
  protected abstract ExecutionBackend backend();

  /** Whether any process of the run is still there, as the platform sees it. */
  protected abstract boolean processesExist(String handle);

  protected Path job(String hyperParameters) throws IOException {
    Path jobDir = dir.resolve("job-" + System.nanoTime());
    Files.createDirectories(jobDir);
    Path spec = jobDir.resolve("spec.json");
    Files.writeString(
        spec,
        "{\"job_id\":\"ft-test\",\"hyper_parameters\":"
            + hyperParameters
            + ",\"job_dir\":\""
            + jobDir
            + "\",\"output_dir\":\""
            + jobDir.resolve("output")
            + "\",\"events_file\":\""
            + jobDir.resolve("events.jsonl")
            + "\",\"resume_from\":null}");
    return spec;
  }

  private String launch(ExecutionBackend b, Path spec) {
    return b.launch("ft-test", spec.getParent(), spec);
  }

  protected static String events(Path spec) throws IOException {
    Path f = spec.getParent().resolve("events.jsonl");
    return Files.exists(f) ? Files.readString(f) : "";
  }

  protected static void await(Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    assertThat(condition.getAsBoolean()).as("condition within " + timeout).isTrue();
  }

  @Test
  void a_launched_trainer_writes_events_and_reports_exit_code_zero() throws IOException {
    ExecutionBackend b = backend();
    Path spec = job("{\"test_steps\":3,\"test_step_ms\":20}");
    String handle = launch(b, spec);
    assertThat(b.state(handle).alive()).isTrue();
    await(Duration.ofSeconds(30), () -> !b.state(handle).alive());
    assertThat(b.state(handle)).isEqualTo(RunState.exited(0));
    assertThat(events(spec)).contains("\"type\":\"progress\"").contains("\"type\":\"done\"");
  }

  @Test
  void a_failing_trainer_reports_its_non_zero_exit_code() throws IOException {
    ExecutionBackend b = backend();
    Path spec = job("{\"test_steps\":1,\"test_step_ms\":10,\"test_exit\":7}");
    String handle = launch(b, spec);
    await(Duration.ofSeconds(30), () -> !b.state(handle).alive());
    assertThat(b.state(handle)).isEqualTo(RunState.exited(7));
    assertThat(events(spec)).contains("\"type\":\"error\"");
  }

  @Test
  void a_stop_request_ends_the_run_gracefully_with_a_checkpoint() throws IOException {
    ExecutionBackend b = backend();
    Path spec = job("{\"test_steps\":1000,\"test_step_ms\":50,\"test_spawn_child\":true}");
    String handle = launch(b, spec);
    await(Duration.ofSeconds(30), () -> eventsContain(spec, "\"step\":2"));
    long start = System.nanoTime();
    b.requestStop(handle);
    await(Duration.ofSeconds(10), () -> !b.state(handle).alive());
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertThat(ms).as("one step plus exit").isLessThan(3000);
    assertThat(processesExist(handle)).isFalse();
    assertThat(events(spec)).contains("\"type\":\"stopped\"");
    assertThat(b.state(handle).exitCode()).isEqualTo(143);
  }

  @Test
  void a_kill_ends_every_process_of_a_run_that_ignores_the_stop() throws IOException {
    ExecutionBackend b = backend();
    Path spec =
        job(
            "{\"test_steps\":1000,\"test_step_ms\":50,\"test_ignore_sigterm\":true,"
                + "\"test_spawn_child\":true}");
    String handle = launch(b, spec);
    await(Duration.ofSeconds(30), () -> eventsContain(spec, "\"step\":2"));
    b.requestStop(handle);
    await(Duration.ofSeconds(10), () -> eventsContain(spec, "SIGTERM ignored"));
    assertThat(b.state(handle).alive()).isTrue();
    b.kill(handle);
    await(Duration.ofSeconds(10), () -> !b.state(handle).alive());
    assertThat(processesExist(handle)).isFalse();
  }

  @Test
  void a_new_backend_instance_reattaches_to_a_running_trainer() throws IOException {
    ExecutionBackend first = backend();
    Path spec = job("{\"test_steps\":20,\"test_step_ms\":50}");
    String handle = launch(first, spec);
    ExecutionBackend second = backend();
    assertThat(second.state(handle).alive()).isTrue();
    await(Duration.ofSeconds(30), () -> !second.state(handle).alive());
    assertThat(second.state(handle))
        .as("no exit code for a run it did not start")
        .isEqualTo(RunState.GONE);
    assertThat(events(spec)).contains("\"type\":\"done\"");
  }

  @Test
  void a_reattached_backend_can_stop_the_trainer() throws IOException {
    Path spec = job("{\"test_steps\":1000,\"test_step_ms\":50,\"test_spawn_child\":true}");
    String handle = launch(backend(), spec);
    await(Duration.ofSeconds(30), () -> eventsContain(spec, "\"step\":1"));
    ExecutionBackend second = backend();
    second.requestStop(handle);
    await(Duration.ofSeconds(10), () -> !second.state(handle).alive());
    assertThat(processesExist(handle)).isFalse();
  }

  @Test
  void an_unknown_or_stale_handle_is_gone_and_signals_to_it_are_harmless() {
    ExecutionBackend b = backend();
    for (String handle : new String[] {"nonsense", "local:999999999:1", staleHandle()}) {
      assertThat(b.state(handle)).isEqualTo(RunState.GONE);
      b.requestStop(handle);
      b.kill(handle);
    }
  }

  /** A handle naming a live process with the wrong start time (PID reuse). */
  protected String staleHandle() {
    return "local:" + ProcessHandle.current().pid() + ":1";
  }

  private static boolean eventsContain(Path spec, String text) {
    try {
      return events(spec).contains(text);
    } catch (IOException e) {
      return false;
    }
  }
}
