package dev.tuneup.testkit.backend;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tuneup.backend.ExecutionBackend;
import dev.tuneup.backend.RunState;
import dev.tuneup.dispatch.DispatcherConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every execution backend must do, run against each implementation with real trainers (the
 * scripted test trainer, {@link dev.tuneup.testkit.trainer.ScriptedTrainer}) and real signals.
 * Subclasses say how to build the backend and how the platform shows a run's processes.
 *
 * <p>The trainer's behaviour comes from its hyper-parameters ({@code test_steps}, {@code
 * test_step_ms}, {@code test_exit}, {@code test_ignore_sigterm}, {@code test_spawn_child}).
 */
public abstract class BackendContract {
  /** The time a stopped trainer has to end, as the dispatcher grants it by default. */
  protected static final Duration GRACE = DispatcherConfig.DEFAULT_STOP_GRACE;

  /** Generous: a trainer JVM starts in well under this even on two busy cores. */
  protected static final Duration START = Duration.ofSeconds(30);

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir protected Path dir;

  /** Every run a test started: killed after each test, so a failing test leaves no process. */
  protected final List<String> launched = new ArrayList<>();

  /** A fresh backend instance (a second call stands for a restarted server). */
  protected abstract ExecutionBackend backend();

  /** PIDs of the run's processes that are alive now, as the platform sees them. */
  protected abstract List<Long> runProcesses(String handle);

  /** Handles of this backend's kind that name no run: malformed, or of a run that never was. */
  protected abstract List<String> unknownHandles();

  /** Whether a process is alive (not ended, not a zombie). */
  protected boolean processAlive(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      char state = stat.substring(stat.lastIndexOf(')') + 2).charAt(0);
      return state != 'Z' && state != 'X';
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** Whether this backend reports exit codes of the runs it started itself. */
  protected boolean reportsExitCodes() {
    return true;
  }

  /**
   * Whether the exit code of a run ended by {@link ExecutionBackend#requestStop} or {@link
   * ExecutionBackend#kill} stays known (on Kubernetes, stopping deletes the pod that held it).
   */
  protected boolean reportsExitCodesOfStoppedRuns() {
    return reportsExitCodes();
  }

  /**
   * Whether any instance learns a run's exit code, not only the one that started it (a cluster
   * scheduler keeps it; a local child's exit status goes only to its parent).
   */
  protected boolean reportsExitCodesToEveryInstance() {
    return false;
  }

  /**
   * Ends a run from outside, the way a crash or the OOM killer would: no final event is written.
   */
  protected void crash(String handle) {
    backend().kill(handle);
  }

  /** SIGKILL to every process of the run, behind the platform's back (a crash, the OOM killer). */
  protected void killProcesses(String handle) {
    for (long pid : runProcesses(handle)) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  // ---- helpers

  /** Writes a spec for the scripted trainer with these hyper-parameters; returns its path. */
  protected Path job(String hyperParameters) throws IOException {
    Path jobDir = dir.resolve("job-" + System.nanoTime()).toAbsolutePath();
    Files.createDirectories(jobDir);
    ObjectNode spec = JSON.createObjectNode();
    spec.put("job_id", "ft-test");
    spec.put("training_type", "sft");
    spec.set("hyper_parameters", JSON.readTree(hyperParameters));
    spec.put("job_dir", jobDir.toString());
    spec.put("output_dir", jobDir.resolve("output").toString());
    spec.put("events_file", jobDir.resolve("events.jsonl").toString());
    spec.putNull("resume_from");
    spec.put("seed", 42);
    spec.put("threads", 1);
    Path file = jobDir.resolve("spec.json");
    JSON.writeValue(file.toFile(), spec);
    return file;
  }

  protected String launch(ExecutionBackend b, Path spec) {
    String handle = b.launch("ft-test", spec.getParent(), spec);
    launched.add(handle);
    return handle;
  }

  @AfterEach
  void killLeftovers() {
    ExecutionBackend b = backend();
    for (String handle : launched) {
      b.kill(handle);
    }
  }

  /** The events the trainer has written so far, complete lines only. */
  protected static List<JsonNode> events(Path spec) {
    Path f = spec.getParent().resolve("events.jsonl");
    List<JsonNode> out = new ArrayList<>();
    try {
      if (!Files.exists(f)) {
        return out;
      }
      String text = Files.readString(f);
      int end = text.lastIndexOf('\n');
      for (String line : text.substring(0, end + 1).split("\n")) {
        if (!line.isBlank()) {
          out.add(JSON.readTree(line));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  protected static boolean hasEvent(Path spec, Predicate<JsonNode> p) {
    return events(spec).stream().anyMatch(p);
  }

  protected static Predicate<JsonNode> type(String type) {
    return e -> type.equals(e.path("type").asText());
  }

  protected static Predicate<JsonNode> progressAt(int step) {
    return e -> type("progress").test(e) && e.path("step").asInt() >= step;
  }

  protected static String lastType(Path spec) {
    List<JsonNode> all = events(spec);
    return all.isEmpty() ? null : all.get(all.size() - 1).path("type").asText();
  }

  /** The PID the scripted trainer reports for its child ({@code test_spawn_child}). */
  protected static long childPid(Path spec) {
    return events(spec).stream()
        .map(e -> e.path("message").asText(""))
        .filter(m -> m.startsWith("child pid "))
        .mapToLong(m -> Long.parseLong(m.substring("child pid ".length())))
        .findFirst()
        .orElseThrow(() -> new AssertionError("the trainer named no child"));
  }

  /** Polls until the condition holds, failing after the timeout. */
  protected static void await(Duration timeout, String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return;
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    assertThat(condition.getAsBoolean()).as(what + " within " + timeout).isTrue();
  }

  // ---- the contract

  @Test
  void events_arrive_while_the_trainer_runs_and_exit_code_zero_is_reported() throws IOException {
    ExecutionBackend b = backend();
    Path spec = job("{\"test_steps\":30,\"test_step_ms\":50}");
    String handle = launch(b, spec);
    await(START, "first progress event", () -> hasEvent(spec, progressAt(1)));
    assertThat(b.state(handle).alive()).as("alive while it writes progress").isTrue();
    await(START, "trainer end", () -> !b.state(handle).alive());
    assertThat(b.state(handle)).isEqualTo(reportsExitCodes() ? RunState.exited(0) : RunState.GONE);
    assertThat(events(spec).stream().filter(type("progress"))).hasSize(30);
    assertThat(lastType(spec)).isEqualTo("done");
  }

  @Test
  void a_failing_trainer_reports_its_non_zero_exit_code_and_an_error_event() throws IOException {
    ExecutionBackend b = backend();
    Path spec = job("{\"test_steps\":1,\"test_step_ms\":10,\"test_exit\":7}");
    String handle = launch(b, spec);
    await(START, "trainer end", () -> !b.state(handle).alive());
    if (reportsExitCodes()) {
      assertThat(b.state(handle)).isEqualTo(RunState.exited(7));
    }
    assertThat(lastType(spec)).isEqualTo("error");
  }

  @Test
  void a_stop_request_ends_the_whole_group_gracefully_with_a_checkpoint_within_the_grace()
      throws IOException {
    ExecutionBackend b = backend();
    Path spec = job("{\"test_steps\":1000,\"test_step_ms\":50,\"test_spawn_child\":true}");
    String handle = launch(b, spec);
    await(START, "step 2", () -> hasEvent(spec, progressAt(2)));
    List<Long> pids = runProcesses(handle);
    assertThat(pids).as("trainer and its child").contains(childPid(spec)).hasSizeGreaterThan(1);

    long start = System.nanoTime();
    b.requestStop(handle);
    await(GRACE, "run gone after the stop request", () -> !b.state(handle).alive());
    long ms = (System.nanoTime() - start) / 1_000_000;
    System.out.println("cancel latency (requestStop -> group gone): " + ms + " ms");

    assertThat(pids).noneMatch(this::processAlive);
    assertThat(runProcesses(handle)).isEmpty();
    assertThat(lastType(spec)).isEqualTo("stopped");
    JsonNode stopped = events(spec).get(events(spec).size() - 1);
    assertThat(Path.of(stopped.path("checkpoint").asText())).isDirectory();
    if (reportsExitCodesOfStoppedRuns()) {
      assertThat(b.state(handle)).isEqualTo(RunState.exited(143));
    }
  }

  @Test
  void a_kill_after_the_grace_ends_every_process_of_a_run_that_ignores_the_stop()
      throws IOException {
    ExecutionBackend b = backend();
    Path spec =
        job(
            "{\"test_steps\":1000,\"test_step_ms\":50,\"test_ignore_sigterm\":true,"
                + "\"test_spawn_child\":true}");
    String handle = launch(b, spec);
    await(START, "step 2", () -> hasEvent(spec, progressAt(2)));
    List<Long> pids = runProcesses(handle);
    long child = childPid(spec);
    assertThat(pids).as("trainer and its child").contains(child).hasSizeGreaterThan(1);

    b.requestStop(handle);
    await(
        START,
        "SIGTERM seen",
        () -> hasEvent(spec, e -> "SIGTERM ignored".equals(e.path("message").asText())));
    int stepAtStop =
        events(spec).stream()
            .filter(type("progress"))
            .mapToInt(e -> e.path("step").asInt())
            .max()
            .orElse(0);
    await(START, "steps after SIGTERM", () -> hasEvent(spec, progressAt(stepAtStop + 2)));
    assertThat(b.state(handle).alive()).isTrue();
    assertThat(pids).as("every process survived SIGTERM").allMatch(this::processAlive);

    b.kill(handle);
    await(GRACE, "run gone after the kill", () -> !b.state(handle).alive());
    assertThat(pids).as("trainer " + pids + " and child " + child).noneMatch(this::processAlive);
    assertThat(runProcesses(handle)).isEmpty();
    assertThat(lastType(spec)).isNotIn("done", "stopped", "error");
    if (reportsExitCodesOfStoppedRuns()) {
      assertThat(b.state(handle)).isEqualTo(RunState.exited(128 + 9));
    }
  }

  @Test
  void a_new_backend_instance_reattaches_and_sees_the_run_end() throws IOException {
    ExecutionBackend first = backend();
    Path spec = job("{\"test_steps\":30,\"test_step_ms\":50}");
    String handle = launch(first, spec);
    ExecutionBackend second = backend();
    assertThat(second.state(handle).alive()).isTrue();
    await(START, "trainer end", () -> !second.state(handle).alive());
    assertThat(second.state(handle))
        .as("an exit code only where the platform keeps it for every instance")
        .isEqualTo(reportsExitCodesToEveryInstance() ? RunState.exited(0) : RunState.GONE);
    assertThat(lastType(spec)).isEqualTo("done");
  }

  @Test
  void a_reattached_backend_stops_the_whole_group() throws IOException {
    Path spec = job("{\"test_steps\":1000,\"test_step_ms\":50,\"test_spawn_child\":true}");
    String handle = launch(backend(), spec);
    await(START, "step 1", () -> hasEvent(spec, progressAt(1)));
    List<Long> pids = runProcesses(handle);
    ExecutionBackend second = backend();
    second.requestStop(handle);
    await(GRACE, "run gone", () -> !second.state(handle).alive());
    assertThat(pids).hasSizeGreaterThan(1).noneMatch(this::processAlive);
    assertThat(lastType(spec)).isEqualTo("stopped");
  }

  @Test
  void a_handle_of_a_run_that_ended_is_gone_and_signals_to_it_are_harmless() throws IOException {
    ExecutionBackend first = backend();
    Path spec = job("{\"test_steps\":1,\"test_step_ms\":10}");
    String handle = launch(first, spec);
    await(START, "trainer end", () -> !first.state(handle).alive());
    ExecutionBackend second = backend();
    RunState ended = reportsExitCodesToEveryInstance() ? RunState.exited(0) : RunState.GONE;
    assertThat(second.state(handle)).isEqualTo(ended);
    second.requestStop(handle);
    second.kill(handle);
    first.requestStop(handle);
    first.kill(handle);
    assertThat(second.state(handle)).isEqualTo(ended);
  }

  @Test
  void an_unknown_handle_is_gone_and_signals_to_it_are_harmless() {
    ExecutionBackend b = backend();
    for (String handle : unknownHandles()) {
      assertThat(b.state(handle)).as(handle).isEqualTo(RunState.GONE);
      b.requestStop(handle);
      b.kill(handle);
    }
  }

  @Test
  void a_run_that_vanishes_without_a_final_event_is_gone_for_a_new_instance() throws IOException {
    ExecutionBackend first = backend();
    Path spec = job("{\"test_steps\":1000,\"test_step_ms\":50}");
    String handle = launch(first, spec);
    await(START, "step 1", () -> hasEvent(spec, progressAt(1)));
    crash(handle);
    ExecutionBackend second = backend();
    await(GRACE, "run gone", () -> !second.state(handle).alive());
    if (reportsExitCodesToEveryInstance()) {
      assertThat(second.state(handle).exitCode()).as("killed by a signal").isNotNull().isNotZero();
    } else {
      assertThat(second.state(handle)).as("lost: no exit code").isEqualTo(RunState.GONE);
    }
    assertThat(lastType(spec)).as("no final event").isNotIn("done", "stopped", "error");
    if (reportsExitCodes()) {
      await(GRACE, "exit seen", () -> !first.state(handle).alive());
      assertThat(first.state(handle).exitCode()).as("killed by a signal").isNotNull().isNotZero();
    }
  }
}
