package dev.tuneup.backend.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tuneup.backend.BackendException;
import dev.tuneup.backend.ExecutionBackend;
import dev.tuneup.backend.RunState;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs trainers as child processes of this machine.
 *
 * <p>Each trainer is started through {@code setsid} (util-linux), so it leads its own session and
 * process group: stop and kill reach everything it started, and a server that dies, or whose
 * terminal closes, does not take the trainer with it. {@code setsid} forks only when its caller
 * already leads a process group, which a fresh child of the JVM never does, so it execs in place
 * and the PID we get is the trainer's own and equals its group id; {@link #launch} checks this.
 * Output goes to files in the job directory, never to pipes, which would break (SIGPIPE) when the
 * server goes away.
 *
 * <p>Handles read {@code local:<pid>:<starttime>:<pgid>}. The start time (field 22 of {@code
 * /proc/<pid>/stat}) tells the trainer apart from an unrelated process that got the same PID later.
 * A run is alive while any process of its group is: a trainer that died leaving a child behind
 * still holds GPU memory or files, and its job is not over until the group is empty.
 */
public final class LocalBackend implements ExecutionBackend {
  /** Where a trainer's stdout (the event lines, again) goes, in its job directory. */
  public static final String STDOUT_LOG = "stdout.log";

  /** Where a trainer's stderr (human-readable log) goes, in its job directory. */
  public static final String TRAIN_LOG = "train.log";

  /** How long a fresh child may take to become its own session leader before launch gives up. */
  static final Duration SESSION_SETTLE = Duration.ofSeconds(10);

  private static final Logger log = LoggerFactory.getLogger(LocalBackend.class);
  private static final String PREFIX = "local:";
  private static final ObjectMapper SPEC_JSON = new ObjectMapper();

  private final LocalBackendConfig config;

  /** Trainers this instance started and that have not been seen ending yet, by handle. */
  private final Map<String, Process> children = new ConcurrentHashMap<>();

  /** Exit codes of trainers this instance started and saw end (group empty), by handle. */
  private final Map<String, Integer> exitCodes = new ConcurrentHashMap<>();

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
    String[] memory = memory(specFile);
    for (String arg : config.trainerCommand()) {
      command.add(
          arg.replace(LocalBackendConfig.SPEC_PLACEHOLDER, specFile.toString())
              .replace(LocalBackendConfig.HEAP_PLACEHOLDER, memory[0])
              .replace(LocalBackendConfig.DIRECT_PLACEHOLDER, memory[1]));
    }
    Process p;
    try {
      Files.createDirectories(jobDir);
      ProcessBuilder pb =
          new ProcessBuilder(command)
              .directory(jobDir.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectOutput(ProcessBuilder.Redirect.appendTo(jobDir.resolve(STDOUT_LOG).toFile()))
              .redirectError(ProcessBuilder.Redirect.appendTo(jobDir.resolve(TRAIN_LOG).toFile()));
      pb.environment().putAll(config.environment());
      p = pb.start();
    } catch (IOException e) {
      throw new BackendException(
          "cannot start the trainer for "
              + jobId
              + " (needs setsid from util-linux and the trainer command "
              + config.trainerCommand().get(0)
              + "): "
              + e.getMessage(),
          e);
    }
    long pid = p.pid();
    // The start time is fixed at fork, so the first read is the trainer's even if setsid has not
    // run yet; the group is only ours once setsid has made the process a session leader.
    Optional<ProcStat> stat = awaitSessionLeader(p);
    String handle;
    boolean leader = stat.isPresent() && stat.get().pgrp() == pid && stat.get().session() == pid;
    if (!leader && endedAtOnce(p)) {
      // Ended at once (a command that cannot run, a trainer that fails on start): nothing of it
      // is left to signal, and the exit code is still ours to report.
      handle = PREFIX + pid + ":" + stat.map(ProcStat::startTime).orElse(0L) + ":" + pid;
    } else if (!leader) {
      p.destroyForcibly();
      throw new BackendException(
          "the trainer for "
              + jobId
              + " did not become its own process group leader (pid "
              + pid
              + ", group "
              + stat.map(ProcStat::pgrp).orElse(-1L)
              + "); is setsid from util-linux on the PATH?");
    } else {
      handle = PREFIX + pid + ":" + stat.get().startTime() + ":" + pid;
    }
    children.put(handle, p);
    log.info("job {}: trainer started, handle {}", jobId, handle);
    return handle;
  }

  /**
   * The heap and direct-buffer sizes of a spec's memory plan as JVM sizes ({@code 1536m}); {@link
   * LocalBackendConfig#DEFAULT_TRAINER_HEAP} for what the spec does not give.
   */
  static String[] memory(Path specFile) {
    String heap = LocalBackendConfig.DEFAULT_TRAINER_HEAP;
    String direct = LocalBackendConfig.DEFAULT_TRAINER_HEAP;
    try {
      JsonNode m = SPEC_JSON.readTree(specFile.toFile()).path("memory");
      if (m.path("heap_bytes").asLong(0) > 0) {
        heap = mebibytes(m.path("heap_bytes").asLong());
      }
      if (m.path("direct_bytes").asLong(0) > 0) {
        direct = mebibytes(m.path("direct_bytes").asLong());
      }
    } catch (IOException e) {
      // A spec that cannot be read fails in the trainer, which says why.
    }
    return new String[] {heap, direct};
  }

  private static String mebibytes(long bytes) {
    return ((bytes + (1L << 20) - 1) >> 20) + "m";
  }

  /**
   * Whether a trainer that is not a session leader has already ended. The kernel may have dropped
   * it from /proc (reaped) a moment before {@link Process#isAlive} turns false, so an ended or
   * missing process is waited for rather than taken for a live one.
   */
  private static boolean endedAtOnce(Process p) {
    if (!p.isAlive()) {
      return true;
    }
    if (ProcStat.of(p.pid()).map(s -> !s.ended()).orElse(false)) {
      return false;
    }
    try {
      return p.waitFor(SESSION_SETTLE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !p.isAlive();
    }
  }

  private static Optional<ProcStat> awaitSessionLeader(Process p) {
    long deadline = System.nanoTime() + SESSION_SETTLE.toNanos();
    Optional<ProcStat> stat = ProcStat.of(p.pid());
    while (stat.isPresent()
        && !stat.get().ended()
        && stat.get().session() != p.pid()
        && System.nanoTime() < deadline) {
      try {
        Thread.sleep(2);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      Optional<ProcStat> next = ProcStat.of(p.pid());
      if (next.isEmpty()) {
        break; // ended: keep the start time already read
      }
      stat = next;
    }
    return stat;
  }

  @Override
  public RunState state(String handle) {
    Optional<Run> parsed = Run.parse(handle);
    if (parsed.isEmpty()) {
      return RunState.GONE;
    }
    Run run = parsed.get();
    Integer known = exitCodes.get(handle);
    if (known != null) {
      return RunState.exited(known);
    }
    Process child = children.get(handle);
    if (child != null) {
      if (child.isAlive() || !ProcStat.group(run.pgid()).isEmpty()) {
        return RunState.ALIVE;
      }
      int code = child.exitValue();
      exitCodes.put(handle, code);
      children.remove(handle);
      return RunState.exited(code);
    }
    Optional<ProcStat> leader = ProcStat.of(run.pid());
    if (leader.isPresent() && !leader.get().ended()) {
      // A live process with another start time got the PID later: ours is gone.
      return leader.get().startTime() == run.startTime() ? RunState.ALIVE : RunState.GONE;
    }
    // The leader has ended. Linux reuses no PID while a process group of that id has members, so
    // members left in the group are the trainer's children: the run is not over yet.
    return ProcStat.group(run.pgid()).isEmpty() ? RunState.GONE : RunState.ALIVE;
  }

  @Override
  public void requestStop(String handle) {
    signal(handle, "TERM");
  }

  @Override
  public void kill(String handle) {
    signal(handle, "KILL");
  }

  /** Does not stop any run: training outlives the server, which re-attaches after a restart. */
  @Override
  public void close() {
    if (!children.isEmpty()) {
      log.info("{} trainer(s) keep running after the local backend closes", children.size());
    }
  }

  /**
   * Signals the whole process group while anything of the run is alive; silent otherwise. The state
   * check first keeps a stale handle from signalling an unrelated group that reuses the PID.
   */
  private void signal(String handle, String signal) {
    Optional<Run> run = Run.parse(handle);
    if (run.isEmpty() || !state(handle).alive()) {
      return;
    }
    long pgid = run.get().pgid();
    try {
      // One kill(2) on the negative id reaches every member at once, including children the
      // trainer forks while we look; signalling PIDs one by one would race with them.
      Process kill =
          new ProcessBuilder("kill", "-s", signal, "--", "-" + pgid)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!kill.waitFor(10, TimeUnit.SECONDS)) {
        kill.destroyForcibly();
        throw new BackendException("kill -" + signal + " of process group " + pgid + " hung");
      }
      // A non-zero exit means the group ended between the check and the signal: nothing to do.
      log.info("sent SIG{} to process group {} (kill exit {})", signal, pgid, kill.exitValue());
    } catch (IOException e) {
      throw new BackendException("cannot signal process group " + pgid + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BackendException("interrupted while signalling process group " + pgid, e);
    }
  }

  /**
   * A parsed handle: {@code local:<pid>:<starttime>[:<pgid>]}; without a group id (handles of
   * earlier builds) the group is the PID, as setsid makes it.
   */
  record Run(long pid, long startTime, long pgid) {
    static Optional<Run> parse(String handle) {
      if (handle == null || !handle.startsWith(PREFIX)) {
        return Optional.empty();
      }
      String[] parts = handle.substring(PREFIX.length()).split(":");
      if (parts.length < 2 || parts.length > 3) {
        return Optional.empty();
      }
      try {
        long pid = Long.parseLong(parts[0]);
        long start = Long.parseLong(parts[1]);
        long pgid = parts.length == 3 ? Long.parseLong(parts[2]) : pid;
        // 0 and negative ids would make kill(2) signal our own group or every process.
        if (pid <= 1 || pgid <= 1 || start < 0) {
          return Optional.empty();
        }
        return Optional.of(new Run(pid, start, pgid));
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
    }
  }
}
