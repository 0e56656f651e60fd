package dev.tuneup.backend.slurm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tuneup.backend.BackendException;
import dev.tuneup.backend.ExecutionBackend;
import dev.tuneup.backend.RunState;
import dev.tuneup.testkit.backend.BackendContract;
import dev.tuneup.testkit.slurm.SlurmCluster;
import dev.tuneup.testkit.trainer.ScriptedTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The backend contract on a real one-node Slurm cluster, and what only Slurm runs have. */
class SlurmBackendTest extends BackendContract {
  private final SlurmCluster cluster = SlurmCluster.get();

  private SlurmBackendConfig config(List<String> command) {
    return config(command, null, null);
  }

  private SlurmBackendConfig config(
      List<String> command, Path jobCompletionLog, Duration pollInterval) {
    return new SlurmBackendConfig(
        command,
        4,
        cluster.conf(),
        null,
        null,
        0,
        List.of(),
        jobCompletionLog,
        Map.of(),
        pollInterval);
  }

  @Override
  protected ExecutionBackend backend() {
    return new SlurmBackend(config(ScriptedTrainer.command()));
  }

  @Override
  protected List<Long> runProcesses(String handle) {
    return SlurmBackend.jobId(handle).map(SlurmCluster::processesOf).orElse(List.of());
  }

  @Override
  protected List<String> unknownHandles() {
    return List.of(
        "nonsense", "slurm:", "slurm:abc", "slurm:0", "slurm:-3", "slurm:99999999", "local:1:1:1");
  }

  /** As the OOM killer would: SIGKILL to the job's processes, behind Slurm's back. */
  @Override
  protected void crash(String handle) {
    killProcesses(handle);
  }

  @Override
  protected boolean reportsExitCodesToEveryInstance() {
    return true;
  }

  @Test
  void the_batch_script_execs_the_trainer_with_its_output_in_the_files_of_a_local_run()
      throws Exception {
    ExecutionBackend b = backend();
    Path spec = job("{\"test_steps\":40,\"test_step_ms\":50}");
    String handle = launch(b, spec);
    assertThat(handle).matches("slurm:\\d+");
    await(START, "step 1", () -> hasEvent(spec, progressAt(1)));
    Path jobDir = spec.getParent();
    assertThat(Files.readString(jobDir.resolve(SlurmBackend.SCRIPT)))
        .startsWith("#!/bin/bash")
        .contains("exec '")
        .contains("'" + spec + "'");
    List<Long> pids = runProcesses(handle);
    assertThat(pids).hasSize(1);
    String cmdline = Files.readString(Path.of("/proc", pids.get(0).toString(), "cmdline"));
    assertThat(cmdline).as("the shell was replaced").contains(ScriptedTrainer.class.getName());
    b.kill(handle);
    await(GRACE, "run gone", () -> !b.state(handle).alive());
    assertThat(Files.readString(jobDir.resolve("stdout.log"))).contains("\"type\":\"progress\"");
    assertThat(Files.readString(jobDir.resolve("train.log"))).contains("scripted trainer pid");
  }

  @Test
  void a_job_purged_by_slurm_is_still_known_from_the_job_completion_log() throws Exception {
    ExecutionBackend b = backend();
    Path spec = job("{\"test_steps\":1,\"test_step_ms\":10,\"test_exit\":7}");
    String handle = launch(b, spec);
    await(START, "trainer end", () -> !b.state(handle).alive());
    String id = SlurmBackend.jobId(handle).orElseThrow();
    await(
        START,
        "job completion record",
        () -> {
          try {
            return Files.readString(cluster.jobCompletionLog()).contains("JobId=" + id + " ");
          } catch (java.io.IOException e) {
            return false;
          }
        });
    // the same line as scontrol's, read from the log alone, as after a purge
    String line =
        Files.readAllLines(cluster.jobCompletionLog()).stream()
            .filter(l -> l.startsWith("JobId=" + id + " "))
            .reduce((x, y) -> y)
            .orElseThrow();
    assertThat(SlurmBackend.stateOf(line)).isEqualTo(RunState.exited(7));
    SlurmBackend withLogOnly =
        new SlurmBackend(config(ScriptedTrainer.command(), cluster.jobCompletionLog(), null));
    assertThat(withLogOnly.state(handle)).isEqualTo(RunState.exited(7));
  }

  @Test
  void scontrol_lines_map_to_run_states() {
    assertThat(SlurmBackend.stateOf("JobId=3 JobName=x JobState=RUNNING Reason=None ExitCode=0:0"))
        .isEqualTo(RunState.ALIVE);
    assertThat(SlurmBackend.stateOf("JobId=3 JobState=PENDING Reason=Priority ExitCode=0:0"))
        .isEqualTo(RunState.ALIVE);
    assertThat(SlurmBackend.stateOf("JobId=3 JobState=COMPLETED ExitCode=0:0"))
        .isEqualTo(RunState.exited(0));
    assertThat(SlurmBackend.stateOf("JobId=3 JobState=FAILED DerivedExitCode=0:0 ExitCode=143:0"))
        .isEqualTo(RunState.exited(143));
    assertThat(SlurmBackend.stateOf("JobId=3 JobState=CANCELLED ExitCode=0:9"))
        .isEqualTo(RunState.exited(137));
    assertThat(SlurmBackend.stateOf("JobId=3 JobState=NODE_FAIL ExitCode=0:0"))
        .as("lost with its node: no exit code of the trainer")
        .isEqualTo(RunState.GONE);
  }

  @Test
  void an_unreachable_controller_is_an_error_and_not_a_lost_run() throws Exception {
    Path conf = dir.resolve("unreachable.conf");
    Files.writeString(
        conf,
        Files.readString(cluster.conf()).replaceAll("(?m)^SlurmctldPort=.*$", "SlurmctldPort=1"));
    SlurmBackend b =
        new SlurmBackend(
            new SlurmBackendConfig(
                ScriptedTrainer.command(),
                1,
                conf,
                null,
                null,
                0,
                List.of(),
                null,
                Map.of(),
                null));
    assertThatThrownBy(() -> b.state("slurm:5"))
        .isInstanceOf(BackendException.class)
        .hasMessageContaining("slurmctld");
  }

  @Test
  void squeue_exit_codes_are_raw_wait_statuses() {
    assertThat(SlurmBackend.waitStatus("0")).contains(0);
    assertThat(SlurmBackend.waitStatus("768")).as("exit 3").contains(3);
    assertThat(SlurmBackend.waitStatus("36608")).as("exit 143").contains(143);
    assertThat(SlurmBackend.waitStatus("9")).as("SIGKILL").contains(137);
    assertThat(SlurmBackend.waitStatus("")).isEmpty();
    assertThat(SlurmBackend.waitStatus("N/A")).isEmpty();
  }

  @Test
  void states_are_read_once_per_poll_interval_but_afresh_for_a_job_asked_to_stop()
      throws Exception {
    SlurmBackend b =
        new SlurmBackend(config(ScriptedTrainer.command(), null, Duration.ofMinutes(5)));
    Path quick = job("{\"test_steps\":1,\"test_step_ms\":10}");
    Path slow = job("{\"test_steps\":1000,\"test_step_ms\":50}");
    String quickHandle = launch(b, quick);
    String slowHandle = launch(b, slow);
    assertThat(b.state(quickHandle).alive()).isTrue();
    assertThat(b.state(slowHandle).alive()).isTrue();
    await(START, "quick trainer done", () -> "done".equals(lastType(quick)));
    await(START, "slow trainer step 1", () -> hasEvent(slow, progressAt(1)));
    String quickId = SlurmBackend.jobId(quickHandle).orElseThrow();
    await(START, "quick job ended in Slurm", () -> SlurmCluster.processesOf(quickId).isEmpty());
    // Slurm may report the job COMPLETING for a moment after its processes are gone
    await(
        START,
        "an instance that never read it sees the job ended",
        () -> !backend().state(quickHandle).alive());
    assertThat(backend().state(quickHandle)).isEqualTo(RunState.exited(0));
    assertThat(b.state(quickHandle).alive()).as("read less than a poll interval ago").isTrue();

    b.requestStop(slowHandle);
    await(GRACE, "stopped job seen gone", () -> !b.state(slowHandle).alive());
    assertThat(b.state(slowHandle)).isEqualTo(RunState.exited(143));
    assertThat(lastType(slow)).isEqualTo("stopped");
  }

  @Test
  void sbatch_gets_partition_time_limit_gpus_and_extra_options_from_the_config() {
    SlurmBackend b =
        new SlurmBackend(
            new SlurmBackendConfig(
                List.of("tuneup", "train", "--spec", "{spec}"),
                2,
                null,
                "gpu",
                "4:00:00",
                2,
                List.of("--account=ml", "--qos=high"),
                null,
                Map.of(),
                null));
    Path dir = Path.of("/shared/jobs/ft-1");
    assertThat(b.sbatch("ft-1", dir, dir.resolve("slurm-job.sh")))
        .containsExactly(
            "sbatch",
            "--parsable",
            "--job-name=tuneup-ft-1",
            "--chdir=/shared/jobs/ft-1",
            "--output=/shared/jobs/ft-1/stdout.log",
            "--error=/shared/jobs/ft-1/train.log",
            "--open-mode=append",
            "--no-requeue",
            "--export=ALL",
            "--partition=gpu",
            "--time=4:00:00",
            "--gres=gpu:2",
            "--account=ml",
            "--qos=high",
            "/shared/jobs/ft-1/slurm-job.sh");
    assertThat(b.script(dir.resolve("spec.json")))
        .isEqualTo(
            "#!/bin/bash\n# tuneup trainer job\nexec 'tuneup' 'train' '--spec'"
                + " '/shared/jobs/ft-1/spec.json'\n");
    assertThat(SlurmBackend.quote("it's")).isEqualTo("'it'\\''s'");
  }

  @Test
  void a_submission_slurm_refuses_is_a_backend_error_naming_the_reason() throws Exception {
    SlurmBackend b =
        new SlurmBackend(
            new SlurmBackendConfig(
                ScriptedTrainer.command(),
                1,
                cluster.conf(),
                "no-such-partition",
                null,
                0,
                List.of(),
                null,
                Map.of(),
                null));
    Path spec = job("{\"test_steps\":1}");
    assertThatThrownBy(() -> b.launch("ft-x", spec.getParent(), spec))
        .isInstanceOf(BackendException.class)
        .hasMessageContaining("sbatch refused job ft-x")
        .hasMessageContaining("partition");
  }

  @Test
  void bad_settings_are_refused_naming_the_key() {
    List<String> cmd = List.of("t", "{spec}");
    assertThatThrownBy(
            () ->
                new SlurmBackendConfig(cmd, 1, null, null, "soon", 0, List.of(), null, null, null))
        .hasMessageContaining("backend.slurm.time-limit");
    assertThatThrownBy(
            () -> new SlurmBackendConfig(cmd, 1, null, null, null, -1, List.of(), null, null, null))
        .hasMessageContaining("backend.slurm.gpus");
    assertThatThrownBy(
            () ->
                new SlurmBackendConfig(
                    cmd, 1, null, null, null, 0, List.of("--output=/x"), null, null, null))
        .hasMessageContaining("backend.slurm.sbatch-options")
        .hasMessageContaining("--output");
    assertThatThrownBy(
            () ->
                new SlurmBackendConfig(
                    cmd, 1, null, null, null, 0, List.of("--requeue"), null, null, null))
        .hasMessageContaining("backend.slurm.sbatch-options")
        .hasMessageContaining("jobs.max-attempts");
    assertThatThrownBy(
            () ->
                new SlurmBackendConfig(
                    cmd, 1, null, null, null, 0, null, null, null, Duration.ofSeconds(-1)))
        .hasMessageContaining("backend.slurm.poll-interval");
    assertThatThrownBy(
            () ->
                new SlurmBackendConfig(
                    List.of("t"), 1, null, null, null, 0, null, null, null, null))
        .hasMessageContaining("{spec}");
    assertThatThrownBy(
            () -> new SlurmBackendConfig(cmd, 0, null, null, null, 0, null, null, null, null))
        .hasMessageContaining("backend.slurm.slots");
  }
}
