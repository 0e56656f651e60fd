package dev.tuneup.testkit.dispatch;

import dev.tuneup.backend.BackendException;
import dev.tuneup.backend.ExecutionBackend;
import dev.tuneup.backend.RunState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A backend whose runs are what the test says: every launch is alive until the test makes it {@link
 * #exit} or {@link #vanish}; stops and kills are recorded, not sent. One slot.
 */
public final class ScriptedBackend implements ExecutionBackend {
  private final Map<String, RunState> states = new HashMap<>();

  /** Handles that were sent SIGTERM, in order, once per request. */
  public final List<String> stops = new ArrayList<>();

  /** Handles whose process group was killed, each once. */
  public final List<String> kills = new ArrayList<>();

  /** While true, every launch fails as a missing trainer command would. */
  public boolean failLaunches;

  /** Runs launched so far; the n-th run's handle is {@code fake:n}. */
  public int launches;

  @Override
  public String name() {
    return "fake";
  }

  @Override
  public int slots() {
    return 1;
  }

  @Override
  public String launch(String jobId, Path jobDir, Path specFile) {
    if (failLaunches) {
      throw new BackendException("no such command");
    }
    String handle = "fake:" + ++launches;
    states.put(handle, RunState.ALIVE);
    return handle;
  }

  /** The run's trainer exits with {@code code}; the backend saw it. */
  public void exit(String handle, int code) {
    states.put(handle, RunState.exited(code));
  }

  /** The run is gone without an exit code (another replica's run, a cluster job). */
  public void vanish(String handle) {
    states.put(handle, RunState.GONE);
  }

  @Override
  public RunState state(String handle) {
    return states.getOrDefault(handle, RunState.GONE);
  }

  @Override
  public void requestStop(String handle) {
    stops.add(handle);
  }

  @Override
  public void kill(String handle) {
    if (!kills.contains(handle)) {
      kills.add(handle);
    }
  }
}
