package dev.tuneup.backend;

/**
 * What a backend knows of a run.
 *
 * @param alive whether any process of the run is still alive
 * @param exitCode the trainer's exit code when known (the backend started it and saw it end), else
 *     null
 */
public record RunState(boolean alive, Integer exitCode) {
  public static final RunState ALIVE = new RunState(true, null);
  public static final RunState GONE = new RunState(false, null);

  public static RunState exited(int code) {
    return new RunState(false, code);
  }
}
