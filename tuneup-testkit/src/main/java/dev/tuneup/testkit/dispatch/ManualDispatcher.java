package dev.tuneup.testkit.dispatch;

import dev.tuneup.dispatch.Dispatcher;
import dev.tuneup.dispatch.DispatcherConfig;
import dev.tuneup.dispatch.JobPaths;
import dev.tuneup.dispatch.RunPreparer;
import dev.tuneup.dispatch.TrainerEventSource;
import dev.tuneup.file.FileStore;
import dev.tuneup.job.Job;
import dev.tuneup.job.JobStore;
import dev.tuneup.registry.ModelCatalog;
import dev.tuneup.testkit.SettableClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.ZoneOffset;

/**
 * A dispatcher stepped by hand: a real store, a {@link ScriptedBackend}, a {@link SettableClock},
 * {@link #runOnce()}, and {@link #trainerWrites} standing in for the trainer's event log. Replicas
 * made with {@link #replica} share the store, backend, clock and job directories, as two servers on
 * one machine do.
 */
public final class ManualDispatcher {
  /** What a dispatcher reads and writes, as the test's store and backends module build it. */
  public record Ports(
      JobStore jobs,
      FileStore files,
      ModelCatalog models,
      RunPreparer preparer,
      TrainerEventSource events,
      JobPaths paths) {}

  private final Ports ports;
  private final ScriptedBackend backend;
  private final SettableClock clock;
  private final Dispatcher dispatcher;

  public ManualDispatcher(
      Ports ports, ScriptedBackend backend, SettableClock clock, DispatcherConfig config) {
    this.ports = ports;
    this.backend = backend;
    this.clock = clock;
    this.dispatcher =
        new Dispatcher(
            ports.jobs(),
            ports.files(),
            ports.models(),
            ports.preparer(),
            backend,
            ports.events(),
            ports.paths(),
            config,
            clock,
            ZoneOffset.UTC);
  }

  /** Another replica with its own {@code config} (owner) on the same store, backend and clock. */
  public ManualDispatcher replica(DispatcherConfig config) {
    return new ManualDispatcher(ports, backend, clock, config);
  }

  /** One pass of the dispatcher. */
  public void runOnce() {
    dispatcher.runOnce();
  }

  public Dispatcher dispatcher() {
    return dispatcher;
  }

  public ScriptedBackend backend() {
    return backend;
  }

  public SettableClock clock() {
    return clock;
  }

  public JobPaths paths() {
    return ports.paths();
  }

  /** The job as the store holds it now. */
  public Job reload(Job job) {
    return ports.jobs().find(job.id()).orElseThrow();
  }

  /** The trainer of {@code job} appends these JSON lines to its events file. */
  public void trainerWrites(Job job, String... events) {
    Path f = ports.paths().events(job.id());
    StringBuilder b = new StringBuilder();
    for (String e : events) {
      b.append(e).append('\n');
    }
    try {
      Files.createDirectories(f.getParent());
      Files.writeString(
          f, b, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
