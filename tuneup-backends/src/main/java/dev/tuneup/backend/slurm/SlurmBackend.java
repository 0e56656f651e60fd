package dev.tuneup.backend.slurm;

import dev.tuneup.backend.BackendException;
import dev.tuneup.backend.ExecutionBackend;
import dev.tuneup.backend.RunState;
import dev.tuneup.backend.local.LocalBackend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs trainers as Slurm batch jobs through the Slurm command-line tools. A job's batch script
 * {@code exec}s the trainer, so the signals Slurm delivers reach the trainer itself; its output
 * goes to the same files of the job directory as a local run's, so logs read the same.
 *
 * <p>The handle is {@code slurm:<job id>}: Slurm keeps the job, so a restarted server follows it
 * with nothing else. {@code scontrol show job} knows a job until Slurm purges it ({@code
 * MinJobAge}); after that the job-completion log ({@code jobcomp/filetxt}) still has its final
 * state and exit code. Unlike local runs, every instance learns the exit code, not only the one
 * that started the run.
 *
 * <p>Stopping follows the trainer contract: {@code scancel --signal=TERM --full} lets the trainer
 * write its checkpoint and never escalates on its own (the dispatcher's grace decides when); {@link
 * #kill} leaves the rest to Slurm, which ends every process of the job within its {@code KillWait}.
 * A job still pending is simply cancelled.
 */
public final class SlurmBackend implements ExecutionBackend {
  private static final Logger log = LoggerFactory.getLogger(SlurmBackend.class);

  static final String PREFIX = "slurm:";

  /** The batch script written into each job directory. */
  public static final String SCRIPT = "slurm-job.sh";

  private static final Pattern JOB_ID = Pattern.compile("[1-9][0-9]{0,18}");
  private static final Set<String> ALIVE =
      Set.of(
          "PENDING",
          "CONFIGURING",
          "RUNNING",
          "COMPLETING",
          "SUSPENDED",
          "REQUEUED",
          "REQUEUE_HOLD",
          "REQUEUE_FED",
          "RESIZING",
          "SIGNALING",
          "STAGE_OUT",
          "STOPPED");

  /** Ended without the trainer's own exit: the node or Slurm lost it. */
  private static final Set<String> LOST =
      Set.of("NODE_FAIL", "BOOT_FAIL", "PREEMPTED", "DEADLINE", "REVOKED");

  private final SlurmBackendConfig config;
  private final SlurmCommands slurm;
  private volatile Path jobCompletionLog;

  public SlurmBackend(SlurmBackendConfig config) {
    this.config = config;
    this.slurm = new SlurmCommands(config.slurmConf());
    this.jobCompletionLog = config.jobCompletionLog();
  }

  @Override
  public String name() {
    return "slurm";
  }

  @Override
  public int slots() {
    return config.slots();
  }

  @Override
  public String launch(String jobId, Path jobDir, Path specFile) {
    Path script = jobDir.resolve(SCRIPT);
    try {
      Files.writeString(script, script(specFile), StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-x---"));
    } catch (IOException e) {
      throw new BackendException("cannot write the batch script " + script, e);
    }
    SlurmCommands.Result r = slurm.run(sbatch(jobId, jobDir, script), config.environment());
    if (!r.ok()) {
      throw new BackendException(
          "sbatch refused job " + jobId + " (exit " + r.exitCode() + "): " + r.err().strip());
    }
    String id = r.out().strip().split(";")[0];
    if (!JOB_ID.matcher(id).matches()) {
      throw new BackendException("sbatch printed no job id for " + jobId + ": " + r.out().strip());
    }
    log.info("job {} submitted as Slurm job {}", jobId, id);
    return PREFIX + id;
  }

  /** The sbatch command line of a job (without the environment). */
  List<String> sbatch(String jobId, Path jobDir, Path script) {
    List<String> cmd = new ArrayList<>();
    cmd.add("sbatch");
    cmd.add("--parsable");
    cmd.add("--job-name=tuneup-" + jobId);
    cmd.add("--chdir=" + jobDir);
    cmd.add("--output=" + jobDir.resolve(LocalBackend.STDOUT_LOG));
    cmd.add("--error=" + jobDir.resolve(LocalBackend.TRAIN_LOG));
    // a requeued or resumed job appends to the log of its earlier attempts
    cmd.add("--open-mode=append");
    cmd.add("--export=ALL");
    if (config.partition() != null) {
      cmd.add("--partition=" + config.partition());
    }
    if (config.timeLimit() != null) {
      cmd.add("--time=" + config.timeLimit());
    }
    if (config.gpus() > 0) {
      cmd.add("--gres=gpu:" + config.gpus());
    }
    cmd.addAll(config.extraOptions());
    cmd.add(script.toString());
    return cmd;
  }

  /** The batch script: the trainer replaces the shell, so Slurm's signals reach it directly. */
  String script(Path specFile) {
    StringBuilder s = new StringBuilder("#!/bin/bash\n# tuneup trainer job\nexec");
    for (String arg : config.trainerCommand()) {
      s.append(' ').append(quote(arg.replace("{spec}", specFile.toString())));
    }
    return s.append('\n').toString();
  }

  static String quote(String arg) {
    return "'" + arg.replace("'", "'\\''") + "'";
  }

  @Override
  public RunState state(String handle) {
    Optional<String> id = jobId(handle);
    if (id.isEmpty()) {
      return RunState.GONE;
    }
    SlurmCommands.Result r = slurm.run(List.of("scontrol", "show", "job", "-o", id.get()));
    if (r.ok() && !r.out().isBlank()) {
      return stateOf(r.out());
    }
    return completion(id.get()).map(SlurmBackend::stateOf).orElse(RunState.GONE);
  }

  /** The state a line of {@code scontrol show job -o} or of the job-completion log describes. */
  static RunState stateOf(String line) {
    String state = field(line, "JobState").orElse("");
    if (ALIVE.contains(state)) {
      return RunState.ALIVE;
    }
    if (state.isEmpty() || LOST.contains(state)) {
      return RunState.GONE;
    }
    Optional<String> exit = field(line, "ExitCode");
    if (exit.isEmpty() || !exit.get().matches("\\d+:\\d+")) {
      return RunState.GONE;
    }
    String[] parts = exit.get().split(":");
    int code = Integer.parseInt(parts[0]);
    int signal = Integer.parseInt(parts[1]);
    return RunState.exited(signal != 0 ? 128 + signal : code);
  }

  /** A {@code Key=value} field; values of the fields read here hold no spaces. */
  static Optional<String> field(String line, String key) {
    Matcher m = Pattern.compile("(?:^|\\s)" + key + "=(\\S*)").matcher(line);
    return m.find() ? Optional.of(m.group(1)) : Optional.empty();
  }

  /** The last line the job-completion log has for a job. */
  private Optional<String> completion(String id) {
    Path file = jobCompletionLog();
    if (file == null || !Files.isRegularFile(file)) {
      return Optional.empty();
    }
    String prefix = "JobId=" + id + " ";
    try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
      return lines.filter(l -> l.startsWith(prefix)).reduce((a, b) -> b);
    } catch (IOException | UncheckedIOException e) {
      log.warn("cannot read the Slurm job-completion log {}: {}", file, e.getMessage());
      return Optional.empty();
    }
  }

  private Path jobCompletionLog() {
    Path f = jobCompletionLog;
    if (f != null) {
      return f;
    }
    SlurmCommands.Result r = slurm.run(List.of("scontrol", "show", "config"));
    if (r.ok()) {
      String type = "";
      String location = "";
      for (String line : r.out().split("\n")) {
        String[] kv = line.split("=", 2);
        if (kv.length == 2 && kv[0].strip().equals("JobCompType")) {
          type = kv[1].strip();
        } else if (kv.length == 2 && kv[0].strip().equals("JobCompLoc")) {
          location = kv[1].strip();
        }
      }
      if (type.equals("jobcomp/filetxt") && location.startsWith("/")) {
        f = Path.of(location);
        jobCompletionLog = f;
      }
    }
    return f;
  }

  @Override
  public void requestStop(String handle) {
    cancel(handle, "--signal=TERM");
  }

  /**
   * Ends the job. Slurm turns a SIGKILL for a job into its own termination: SIGTERM to every
   * process of the job, SIGKILL after the cluster's {@code KillWait}. Killing only the batch step
   * at once would orphan the trainer's children, which {@code proctrack/linuxproc} then loses.
   */
  @Override
  public void kill(String handle) {
    cancel(handle, "--signal=KILL");
  }

  /**
   * Signals every process of a running job; a job still pending has nothing to signal: cancelled.
   */
  private void cancel(String handle, String signal) {
    jobId(handle)
        .ifPresent(
            id ->
                slurm.run(
                    pending(id)
                        ? List.of("scancel", id)
                        : List.of("scancel", signal, "--full", id)));
  }

  private boolean pending(String id) {
    SlurmCommands.Result r = slurm.run(List.of("scontrol", "show", "job", "-o", id));
    return r.ok() && field(r.out(), "JobState").orElse("").equals("PENDING");
  }

  /** The Slurm job id of a handle of this backend, if it is one. */
  public static Optional<String> jobId(String handle) {
    if (handle == null || !handle.startsWith(PREFIX)) {
      return Optional.empty();
    }
    String id = handle.substring(PREFIX.length());
    return JOB_ID.matcher(id).matches() ? Optional.of(id) : Optional.empty();
  }
}
