package dev.tuneup.backend.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tuneup.backend.ExecutionBackend;
import dev.tuneup.backend.RunState;
import dev.tuneup.testkit.backend.BackendContract;
import dev.tuneup.testkit.trainer.ScriptedTrainer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The backend contract on local child processes, and what only local processes have. */
class LocalBackendTest extends BackendContract {
  @Override
  protected ExecutionBackend backend() {
    return new LocalBackend(new LocalBackendConfig(ScriptedTrainer.command(), 1, Map.of()));
  }

  @Override
  protected List<Long> runProcesses(String handle) {
    return LocalBackend.Run.parse(handle)
        .map(r -> ProcStat.group(r.pgid()))
        .orElse(List.of())
        .stream()
        .map(ProcStat::pid)
        .toList();
  }

  @Override
  protected List<String> unknownHandles() {
    return List.of(
        "nonsense",
        "local:",
        "local:abc:1",
        "local:0:1",
        "local:-1:1",
        "local:1:1",
        "local:999999999:1:999999999",
        "slurm:12345");
  }

  @Test
  void the_trainer_leads_its_own_session_with_output_in_files_of_its_job_dir() throws Exception {
    ExecutionBackend b = backend();
    Path spec = job("{\"test_steps\":40,\"test_step_ms\":50}");
    String handle = launch(b, spec);
    await(START, "step 1", () -> hasEvent(spec, progressAt(1)));

    assertThat(handle).matches("local:\\d+:\\d+:\\d+");
    long pid = Long.parseLong(handle.split(":")[1]);
    ProcStat stat = ProcStat.of(pid).orElseThrow();
    assertThat(handle).isEqualTo("local:" + pid + ":" + stat.startTime() + ":" + pid);
    assertThat(stat.pgrp()).as("group leader").isEqualTo(pid);
    assertThat(stat.session()).as("session leader").isEqualTo(pid);
    long ourSession = ProcStat.of(ProcessHandle.current().pid()).orElseThrow().session();
    assertThat(stat.session()).isNotEqualTo(ourSession);
    // setsid exec'd in place: the PID is the trainer JVM itself, not a setsid wrapper
    String cmdline = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"));
    assertThat(cmdline).contains(ScriptedTrainer.class.getName()).doesNotStartWith("setsid");
    Path jobDir = spec.getParent();
    Path fd = Path.of("/proc", Long.toString(pid), "fd");
    assertThat(Files.readSymbolicLink(fd.resolve("1"))).isEqualTo(jobDir.resolve("stdout.log"));
    assertThat(Files.readSymbolicLink(fd.resolve("2"))).isEqualTo(jobDir.resolve("train.log"));
    assertThat(Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "cwd")))
        .isEqualTo(jobDir);

    b.kill(handle);
    await(GRACE, "run gone", () -> !b.state(handle).alive());
    assertThat(Files.readString(jobDir.resolve("stdout.log"))).contains("\"type\":\"progress\"");
    assertThat(Files.readString(jobDir.resolve("train.log")))
        .contains("scripted trainer pid " + pid);
  }

  @Test
  void a_handle_whose_pid_now_has_another_start_time_is_gone_and_never_signals_that_process()
      throws Exception {
    Process victim = new ProcessBuilder("setsid", "sleep", "60").start();
    try {
      long pid = victim.pid();
      await(
          START,
          "victim leads its group",
          () -> ProcStat.of(pid).map(s -> s.pgrp() == pid).orElse(false));
      long start = ProcStat.of(pid).orElseThrow().startTime();
      ExecutionBackend b = backend();
      String reused = "local:" + pid + ":" + (start + 1) + ":" + pid;
      String legacyReused = "local:" + pid + ":" + (start + 1);

      assertThat(b.state("local:" + pid + ":" + start + ":" + pid).alive())
          .as("the true handle")
          .isTrue();
      for (String h : List.of(reused, legacyReused)) {
        assertThat(b.state(h)).isEqualTo(RunState.GONE);
        b.requestStop(h);
        b.kill(h);
      }
      Thread.sleep(200);
      assertThat(victim.isAlive()).as("an unrelated process that reuses the PID lives on").isTrue();
    } finally {
      victim.destroyForcibly().waitFor();
    }
  }

  @Test
  void a_run_stays_alive_while_a_child_of_its_dead_trainer_lives_on() throws Exception {
    ExecutionBackend b = backend();
    Path spec =
        job(
            "{\"test_steps\":1000,\"test_step_ms\":50,\"test_ignore_sigterm\":true,"
                + "\"test_spawn_child\":true}");
    String handle = launch(b, spec);
    await(
        START,
        "child started",
        () -> hasEvent(spec, e -> e.path("message").asText().startsWith("child pid")));
    long trainer = Long.parseLong(handle.split(":")[1]);
    long child = childPid(spec);
    ProcessHandle.of(trainer).orElseThrow().destroyForcibly(); // the trainer alone, not its group
    await(GRACE, "trainer dead", () -> !processAlive(trainer));

    assertThat(processAlive(child)).isTrue();
    assertThat(b.state(handle)).as("starter instance").isEqualTo(RunState.ALIVE);
    assertThat(backend().state(handle)).as("re-attached instance").isEqualTo(RunState.ALIVE);

    backend().kill(handle);
    await(GRACE, "group gone", () -> !b.state(handle).alive());
    assertThat(processAlive(child)).isFalse();
    assertThat(b.state(handle)).isEqualTo(RunState.exited(128 + 9));
  }

  @Test
  void a_trainer_that_cannot_be_executed_is_reported_as_exited_with_the_reason_in_its_log()
      throws Exception {
    ExecutionBackend b =
        new LocalBackend(
            new LocalBackendConfig(List.of("/nonexistent/trainer", "{spec}"), 1, Map.of()));
    Path spec = job("{}");
    String handle = launch(b, spec);
    await(START, "end", () -> !b.state(handle).alive());
    assertThat(b.state(handle).exitCode()).isNotNull().isNotZero();
    assertThat(Files.readString(spec.getParent().resolve("train.log")))
        .contains("/nonexistent/trainer");
  }

  @Test
  void a_trainer_that_ends_at_once_is_reported_with_its_exit_code_every_time() throws Exception {
    // the process may be gone from /proc before the JVM has seen it end: not a launch failure
    ExecutionBackend b =
        new LocalBackend(
            new LocalBackendConfig(List.of("sh", "-c", "exit 3; : {spec}"), 1, Map.of()));
    Path spec = job("{}");
    for (int i = 0; i < 200; i++) {
      String handle = launch(b, spec);
      await(START, "end", () -> !b.state(handle).alive());
      assertThat(b.state(handle)).as("launch " + i).isEqualTo(RunState.exited(3));
    }
  }

  @Test
  void the_environment_of_the_config_reaches_the_trainer() throws Exception {
    Path out = dir.resolve("env.txt");
    ExecutionBackend b =
        new LocalBackend(
            new LocalBackendConfig(
                List.of("sh", "-c", "echo \"$TUNEUP_TEST_VAR\" > " + out + "; : {spec}"),
                1,
                Map.of("TUNEUP_TEST_VAR", "from-config")));
    Path spec = job("{}");
    String handle = launch(b, spec);
    await(START, "end", () -> !b.state(handle).alive());
    assertThat(b.state(handle)).isEqualTo(RunState.exited(0));
    assertThat(Files.readString(out).strip()).isEqualTo("from-config");
  }

  @Test
  void a_trainer_outlives_the_server_that_started_it() throws Exception {
    Path spec = job("{\"test_steps\":25,\"test_step_ms\":60}");
    Process server =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                LaunchingServer.class.getName(),
                spec.toString())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    String handle;
    try (BufferedReader r =
        new BufferedReader(
            new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
      handle = r.readLine();
      launched.add(handle);
      assertThat(handle).as("handle printed by the server").startsWith("local:");
      await(START, "step 1", () -> hasEvent(spec, progressAt(1)));
      server.destroyForcibly().waitFor(); // SIGKILL: no shutdown hooks, no cleanup
    }
    ExecutionBackend restarted = backend();
    assertThat(restarted.state(handle).alive()).isTrue();
    await(START, "trainer end", () -> !restarted.state(handle).alive());
    assertThat(lastType(spec)).as("trained to the end").isEqualTo("done");
    assertThat(restarted.state(handle)).isEqualTo(RunState.GONE);
  }

  /** A stand-in server: launches one scripted trainer, prints its handle, waits to be killed. */
  public static final class LaunchingServer {
    public static void main(String[] args) throws Exception {
      Path spec = Path.of(args[0]);
      LocalBackend b =
          new LocalBackend(new LocalBackendConfig(ScriptedTrainer.command(), 1, Map.of()));
      System.out.println(b.launch("ft-test", spec.getParent(), spec));
      System.out.flush();
      Thread.sleep(600_000);
    }
  }

  @Test
  void handles_are_parsed_strictly_and_legacy_handles_use_the_pid_as_group() {
    assertThat(LocalBackend.Run.parse("local:123:456:789"))
        .contains(new LocalBackend.Run(123, 456, 789));
    assertThat(LocalBackend.Run.parse("local:123:456"))
        .contains(new LocalBackend.Run(123, 456, 123));
    for (String bad : unknownHandles().subList(0, 6)) {
      assertThat(LocalBackend.Run.parse(bad)).as(bad).isEmpty();
    }
    assertThat(LocalBackend.Run.parse("local:1:2:3:4")).isEmpty();
    assertThat(LocalBackend.Run.parse(null)).isEmpty();
  }
}
