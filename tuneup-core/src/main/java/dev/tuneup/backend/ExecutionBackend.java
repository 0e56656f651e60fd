package dev.tuneup.backend;

import java.nio.file.Path;

/**
 * Where trainers run: local child processes, Slurm, Kubernetes. A backend starts the trainer of a
 * prepared job directory, reports whether it is alive, and stops it. It does not interpret events:
 * the trainer writes them to the job directory, which the dispatcher reads.
 *
 * <p>A run handle is an opaque string the backend can use after a server restart to find the same
 * run again (for local runs: PID and process start time), so a handle of a process that was
 * replaced by an unrelated one with the same PID reports {@link RunState#GONE}.
 */
public interface ExecutionBackend {
  /** Short name recorded on each job, e.g. {@code local}. */
  String name();

  /** How many trainers may run at once on this backend. */
  int slots();

  /**
   * Starts {@code tuneup train --spec specFile} for a job.
   *
   * @return the run handle to persist with the job
   * @throws BackendException when the trainer could not be started
   */
  String launch(String jobId, Path jobDir, Path specFile);

  /**
   * The run's state. Never throws for an unknown or stale handle: that is {@link RunState#GONE}.
   */
  RunState state(String handle);

  /** Asks the run to stop gracefully (SIGTERM to the whole process group). Idempotent. */
  void requestStop(String handle);

  /** Ends every process of the run at once (SIGKILL to the whole group). Idempotent. */
  void kill(String handle);

  /**
   * Releases resources (reaper threads, clients). Runs stay alive: training outlives the server.
   */
  default void close() {}
}
