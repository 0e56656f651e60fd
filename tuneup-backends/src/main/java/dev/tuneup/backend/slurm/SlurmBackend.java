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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
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
 * with nothing else. States come from one {@code squeue} call per poll interval for every job
 * followed; {@code squeue} knows a job until Slurm purges it ({@code MinJobAge}), after which the
 * job-completion log ({@code jobcomp/filetxt}) still has its final state and exit code. Unlike
 * local runs, every instance learns the exit code, not only the one that started the run.
 *
 * <p>Stopping follows the trainer contract: {@code scancel --signal=TERM --full} lets the trainer
 * write its checkpoint and never escalates on its own (the dispatcher's grace decides when); {@link
 * #kill} is a plain {@code scancel}, Slurm's own termination of every process of the job (SIGTERM,
 * then SIGKILL after the cluster's {@code KillWait}). A job still pending is simply cancelled.
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

  /** A job's state as last read from Slurm. */
  private record Seen(RunState state, long readAt, long askedAt) {}

  /** Jobs not asked about for this long are no longer followed (or remembered, once ended). */
  private static final long FORGET_NANOS = Duration.ofMinutes(10).toNanos();

  private final SlurmBackendConfig config;
  private final SlurmCommands slurm;
  private volatile Path jobCompletionLog;
  private final Map<String, Seen> seen = new ConcurrentHashMap<>();

  /** Jobs this instance signalled: read afresh on every call until they end. */
  private final Set<String> stopping = ConcurrentHashMap.newKeySet();

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
    // a job lost with its node comes back through the dispatcher, resumed from its checkpoint;
    // Slurm rerunning the batch script would start it over from the first spec
    cmd.add("--no-requeue");
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
    long now = System.nanoTime();
    Seen s = seen.get(id.get());
    if (s == null || !fresh(id.get(), s, now)) {
      synchronized (this) {
        s = seen.get(id.get());
        if (s == null || !fresh(id.get(), s, now)) {
          refresh(id.get(), now);
          s = seen.get(id.get());
        }
      }
    }
    if (s == null) {
      return RunState.GONE;
    }
    seen.put(id.get(), new Seen(s.state(), s.readAt(), now));
    return s.state();
  }

  /** Whether a job's state read earlier may still be given: an ended job stays ended. */
  private boolean fresh(String id, Seen s, long now) {
    if (!s.state().alive()) {
      return true;
    }
    return !stopping.contains(id) && now - s.readAt() < config.pollInterval().toNanos();
  }

  /**
   * Reads the states of this job and of every other job still followed in one {@code squeue} call;
   * jobs Slurm no longer knows are looked up in the job-completion log.
   */
  private void refresh(String id, long now) {
    Set<String> ids = new TreeSet<>();
    ids.add(id);
    for (Map.Entry<String, Seen> e : seen.entrySet()) {
      if (now - e.getValue().askedAt() > FORGET_NANOS) {
        seen.remove(e.getKey());
        stopping.remove(e.getKey());
      } else if (e.getValue().state().alive()) {
        ids.add(e.getKey());
      }
    }
    SlurmCommands.Result r =
        slurm.run(
            List.of(
                "squeue",
                "--noheader",
                "--states=all",
                "--jobs=" + String.join(",", ids),
                "--Format=JobID:|,State:|,exit_code:|"));
    Map<String, RunState> found = new HashMap<>();
    if (r.ok()) {
      for (String line : r.out().split("\n")) {
        String[] f = line.strip().split("\\|", -1);
        if (f.length >= 3 && ids.contains(f[0])) {
          found.put(f[0], stateOf(f[1], waitStatus(f[2])));
        }
      }
    } else if (!r.err().contains("Invalid job id")) {
      // an unreachable controller says nothing about the jobs: keep what was known
      throw new BackendException(
          "squeue failed (exit " + r.exitCode() + "): " + r.err().strip() + "; is slurmctld up?");
    }
    Set<String> missing = new TreeSet<>(ids);
    missing.removeAll(found.keySet());
    found.putAll(completions(missing));
    for (String each : ids) {
      RunState state = found.get(each);
      if (state == null) {
        // neither Slurm nor its completion log knows the job
        seen.remove(each);
        stopping.remove(each);
      } else {
        Seen before = seen.get(each);
        seen.put(each, new Seen(state, now, before == null ? now : before.askedAt()));
        if (!state.alive()) {
          stopping.remove(each);
        }
      }
    }
  }

  /** The exit code in a raw wait status, as {@code squeue}'s {@code exit_code} gives it. */
  static Optional<Integer> waitStatus(String raw) {
    if (!raw.strip().matches("\\d+")) {
      return Optional.empty();
    }
    int status = Integer.parseInt(raw.strip());
    int signal = status & 0x7f;
    return Optional.of(signal != 0 ? 128 + signal : (status >> 8) & 0xff);
  }

  /** The state a line of {@code scontrol show job -o} or of the job-completion log describes. */
  static RunState stateOf(String line) {
    Optional<String> exit = field(line, "ExitCode");
    Optional<Integer> code = Optional.empty();
    if (exit.isPresent() && exit.get().matches("\\d+:\\d+")) {
      String[] parts = exit.get().split(":");
      int signal = Integer.parseInt(parts[1]);
      code = Optional.of(signal != 0 ? 128 + signal : Integer.parseInt(parts[0]));
    }
    return stateOf(field(line, "JobState").orElse(""), code);
  }

  /** A Slurm job state and exit code as a run state. */
  static RunState stateOf(String state, Optional<Integer> exitCode) {
    if (ALIVE.contains(state)) {
      return RunState.ALIVE;
    }
    if (state.isEmpty() || LOST.contains(state) || exitCode.isEmpty()) {
      return RunState.GONE;
    }
    return RunState.exited(exitCode.get());
  }

  /** A {@code Key=value} field; values of the fields read here hold no spaces. */
  static Optional<String> field(String line, String key) {
    Matcher m = Pattern.compile("(?:^|\\s)" + key + "=(\\S*)").matcher(line);
    return m.find() ? Optional.of(m.group(1)) : Optional.empty();
  }

  /** The states the job-completion log gives these jobs (the last line of each). */
  private Map<String, RunState> completions(Set<String> ids) {
    Map<String, RunState> out = new HashMap<>();
    Path file = ids.isEmpty() ? null : jobCompletionLog();
    if (file == null || !Files.isRegularFile(file)) {
      return out;
    }
    try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
      lines.forEach(
          l -> {
            Optional<String> id = field(l, "JobId");
            if (l.startsWith("JobId=") && id.isPresent() && ids.contains(id.get())) {
              out.put(id.get(), stateOf(l));
            }
          });
    } catch (IOException | UncheckedIOException e) {
      log.warn("cannot read the Slurm job-completion log {}: {}", file, e.getMessage());
    }
    return out;
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
    cancel(handle, List.of("--signal=TERM", "--full"));
  }

  /**
   * Ends the job with a plain {@code scancel}: Slurm sends SIGTERM to every process of the job and
   * SIGKILL after the cluster's {@code KillWait}, and the job ends CANCELLED. The trainer ignored
   * the earlier SIGTERM, so this is the kill; signalling the processes ourselves would race with
   * Slurm's process tracking and miss processes on other nodes.
   */
  @Override
  public void kill(String handle) {
    cancel(handle, List.of());
  }

  /**
   * {@code scancel} with these options for a running job, read afresh from then on until it ends; a
   * job still pending has nothing to signal or checkpoint: plainly cancelled.
   */
  private void cancel(String handle, List<String> options) {
    jobId(handle)
        .ifPresent(
            id -> {
              stopping.add(id);
              List<String> cmd = new ArrayList<>(List.of("scancel"));
              if (!options.isEmpty() && !pending(id)) {
                cmd.addAll(options);
              }
              cmd.add(id);
              slurm.run(cmd);
            });
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
