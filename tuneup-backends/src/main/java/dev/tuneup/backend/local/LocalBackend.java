package dev.tuneup.backend.local;

import dev.tuneup.backend.BackendException;
import dev.tuneup.backend.ExecutionBackend;
import dev.tuneup.backend.RunState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs trainers as child processes of this machine.
 *
 * <p>Each trainer is started through {@code setsid}, so it leads its own session and process group:
 * stop and kill reach everything it started, and a server that dies does not take the trainer with
 * it. {@code setsid} execs in place when its caller is not a group leader, which a fresh child of
 * the JVM never is, so the PID we get is the trainer's and equals its group id. Output goes to
 * files in the job directory, never to pipes that would break when the server goes away.
 *
 * <p>Handles read {@code local:<pid>:<starttime>}: the start time from {@code /proc/<pid>/stat}
 * tells the trainer apart from an unrelated process that got the same PID later.
 */
public final class LocalBackend implements ExecutionBackend {
  private static final Logger log = LoggerFactory.getLogger(LocalBackend.class);
  private static final String PREFIX = "local:";

  private final LocalBackendConfig config;

  /** Trainers this instance started: only for those is the exit code known. */
  private final Map<Long, Process> children = new ConcurrentHashMap<>();

  public LocalBackend(LocalBackendConfig config) {
    this.config = config;
  }

  @Override
  public String name() {
    return "local";
  }

  @Override
  public int slots() {
    return config.slots();
  }

  @Override
  public String launch(String jobId, Path jobDir, Path specFile) {
    List<String> command = new ArrayList<>();
    command.add("setsid");
    for (String arg : config.trainerCommand()) {
      command.add(arg.replace(LocalBackendConfig.SPEC_PLACEHOLDER, specFile.toString()));
    }
    try {
      Files.createDirectories(jobDir);
      ProcessBuilder pb =
          new ProcessBuilder(command)
              .directory(jobDir.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .redirectOutput(
                  ProcessBuilder.Redirect.appendTo(jobDir.resolve("stdout.log").toFile()))
              .redirectError(
                  ProcessBuilder.Redirect.appendTo(jobDir.resolve("train.log").toFile()));
      pb.environment().putAll(config.environment());
      Process p = pb.start();
      long pid = p.pid();
      Optional<ProcStat> stat = ProcStat.of(pid);
      if (stat.isEmpty()) {
        // Gone already (a trainer that failed at once); the exit code is still ours to read.
        children.put(pid, p);
        return PREFIX + pid + ":0";
      }
      children.put(pid, p);
      log.info("job {}: trainer started, pid {}", jobId, pid);
      return PREFIX + pid + ":" + stat.get().startTime();
    } catch (IOException e) {
      throw new BackendException(
          "cannot start the trainer for " + jobId + ": " + e.getMessage(), e);
    }
  }

  @Override
  public RunState state(String handle) {
    Optional<Run> run = Run.parse(handle);
    if (run.isEmpty()) {
      return RunState.GONE;
    }
    long pid = run.get().pid();
    Process child = children.get(pid);
    if (child != null) {
      if (child.isAlive() || !ProcStat.group(pid).isEmpty()) {
        return RunState.ALIVE;
      }
      return RunState.exited(child.exitValue());
    }
    Optional<ProcStat> leader = ProcStat.of(pid);
    if (leader.isPresent() && !leader.get().zombie()) {
      // A live process with another start time got the PID later: ours is gone.
      return leader.get().startTime() == run.get().startTime() ? RunState.ALIVE : RunState.GONE;
    }
    // The leader has exited. Linux reuses no PID while a group of that id still has members,
    // so members left in the group are the trainer's children: the run is not over yet.
    return ProcStat.group(pid).isEmpty() ? RunState.GONE : RunState.ALIVE;
  }

  @Override
  public void requestStop(String handle) {
    signal(handle, "TERM");
  }

  @Override
  public void kill(String handle) {
    signal(handle, "KILL");
  }

  /** Signals the whole process group while anything of the run is alive; silent otherwise. */
  private void signal(String handle, String signal) {
    Optional<Run> run = Run.parse(handle);
    if (run.isEmpty() || !state(handle).alive()) {
      return;
    }
    long pgid = run.get().pid();
    try {
      Process kill =
          new ProcessBuilder("kill", "-" + signal, "--", "-" + pgid)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      kill.waitFor();
      log.info("sent SIG{} to process group {}", signal, pgid);
    } catch (IOException e) {
      throw new BackendException("cannot signal process group " + pgid, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A parsed handle. */
  private record Run(long pid, long startTime) {
    static Optional<Run> parse(String handle) {
      if (handle == null || !handle.startsWith(PREFIX)) {
        return Optional.empty();
      }
      String[] parts = handle.substring(PREFIX.length()).split(":");
      try {
        return Optional.of(new Run(Long.parseLong(parts[0]), Long.parseLong(parts[1])));
      } catch (RuntimeException e) {
        return Optional.empty();
      }
    }
  }
}
