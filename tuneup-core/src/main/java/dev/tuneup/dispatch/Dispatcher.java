package dev.tuneup.dispatch;

import dev.tuneup.auth.Caller;
import dev.tuneup.backend.ExecutionBackend;
import dev.tuneup.backend.RunState;
import dev.tuneup.contract.TrainerEvent;
import dev.tuneup.file.FileStore;
import dev.tuneup.file.StoredFile;
import dev.tuneup.job.Job;
import dev.tuneup.job.JobEvent;
import dev.tuneup.job.JobMetric;
import dev.tuneup.job.JobNames;
import dev.tuneup.job.JobStatus;
import dev.tuneup.job.JobStore;
import dev.tuneup.job.LogLines;
import dev.tuneup.registry.FineTunedModel;
import dev.tuneup.registry.ModelCatalog;
import dev.tuneup.registry.ResolvedModel;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves jobs through their lifecycle: validates PENDING jobs, claims QUEUING jobs for free slots
 * and launches their trainers, turns trainer events into logs and progress, stops cancelled runs
 * (SIGTERM, then SIGKILL after the grace) and finishes jobs when their trainer is gone.
 *
 * <p>Everything it knows is in the store and the job directory, so a restarted server picks up
 * where the last one stopped: a trainer that still runs is followed again, one that vanished is
 * requeued to resume from its last checkpoint. {@link #runOnce()} does one pass and is what tests
 * call; {@link #start()} runs it on a named thread.
 */
public final class Dispatcher {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  private final JobStore jobs;
  private final FileStore files;
  private final ModelCatalog models;
  private final RunPreparer preparer;
  private final ExecutionBackend backend;
  private final TrainerEventSource events;
  private final JobPaths paths;
  private final DispatcherConfig config;
  private final Clock clock;
  private final ZoneId zone;
  private final AtomicLong failedIterations = new AtomicLong();
  private final BackgroundLoop loop;
  private final EventFollower follower;
  private final StopEscalation stopping;

  public Dispatcher(
      JobStore jobs,
      FileStore files,
      ModelCatalog models,
      RunPreparer preparer,
      ExecutionBackend backend,
      TrainerEventSource events,
      JobPaths paths,
      DispatcherConfig config,
      Clock clock,
      ZoneId zone) {
    this.jobs = jobs;
    this.files = files;
    this.models = models;
    this.preparer = preparer;
    this.backend = backend;
    this.events = events;
    this.paths = paths;
    this.config = config;
    this.clock = clock;
    this.zone = zone;
    this.loop = new BackgroundLoop("tuneup-dispatcher", this::runOnce, config.pollInterval());
    this.follower = new EventFollower(events, paths, zone);
    this.stopping = new StopEscalation(backend, config.stopGrace(), zone);
  }

  /** Starts the loop on thread {@code tuneup-dispatcher}. */
  public synchronized void start() {
    if (!loop.start()) {
      return;
    }
    log.info(
        "dispatcher {} started on backend {} ({} slots)",
        config.owner(),
        backend.name(),
        backend.slots());
  }

  /** Makes the loop run its next pass now. */
  public void wakeUp() {
    loop.wakeUp();
  }

  /** Iterations that threw; the loop carries on after each. */
  public long failedIterations() {
    return failedIterations.get();
  }

  /**
   * Stops the loop within {@code timeout}. Trainers keep running: a restarted server re-attaches.
   * Idempotent.
   */
  public void stop(Duration timeout) {
    loop.stop(timeout);
  }

  /** One pass: validate, follow running work, launch queued work. Never throws. */
  public void runOnce() {
    guard("validate", this::validatePending);
    guard("follow", this::followActive);
    guard("launch", this::launchQueued);
  }

  private void guard(String phase, Runnable step) {
    try {
      step.run();
    } catch (RuntimeException e) {
      failedIterations.incrementAndGet();
      log.error("dispatcher {} pass failed; continuing", phase, e);
    }
  }

  // ---- PENDING -> QUEUING

  private void validatePending() {
    for (Job job : jobs.findByStatus(EnumSet.of(JobStatus.PENDING))) {
      Instant now = clock.instant();
      Optional<String> problem = inputProblem(job);
      if (problem.isEmpty()) {
        write(
            job.on(JobEvent.VALIDATED, now).build(),
            line(now, "INFO", "files and model validated; job queued"));
      } else {
        write(
            job.on(JobEvent.VALIDATION_FAILED, now).error(problem.get()).build(),
            line(now, "ERROR", problem.get()),
            line(now, "INFO", "finetune-job failed"));
      }
    }
  }

  private Optional<String> inputProblem(Job job) {
    if (models.resolveFor(job.userId(), job.workspaceId(), job.model()).isEmpty()) {
      return Optional.of("model " + job.model() + " no longer exists");
    }
    Caller owner = new Caller(job.userId(), job.workspaceId(), false);
    List<String> ids = new ArrayList<>(job.trainingFileIds());
    ids.addAll(job.validationFileIds());
    for (String id : ids) {
      if (files.findFor(owner, id).isEmpty()) {
        return Optional.of("file " + id + " no longer exists");
      }
    }
    return Optional.empty();
  }

  // ---- QUEUING -> RUNNING

  private void launchQueued() {
    while (!loop.stopping()) {
      // The backend's slots are this replica's: other replicas' runs use their own.
      long busy = jobs.findByStatusOwnedBy(JobStatus.HOLDING_SLOT, config.owner()).size();
      if (busy >= backend.slots()) {
        return;
      }
      Optional<Job> claimed =
          jobs.claimNext(config.owner(), config.perUserRunning(), clock.instant());
      if (claimed.isEmpty()) {
        return;
      }
      launch(claimed.get());
    }
  }

  private void launch(Job job) {
    Instant now = clock.instant();
    int attempt = job.attempt() + 1;
    String handle;
    try {
      ResolvedModel model =
          models
              .resolveFor(job.userId(), job.workspaceId(), job.model())
              .orElseThrow(() -> new IllegalArgumentException("model " + job.model() + " gone"));
      Caller owner = new Caller(job.userId(), job.workspaceId(), false);
      Path spec =
          preparer.prepare(
              job,
              model,
              storedFiles(owner, job.trainingFileIds()),
              storedFiles(owner, job.validationFileIds()));
      handle = backend.launch(job.id(), paths.dir(job.id()), spec);
    } catch (RuntimeException e) {
      log.error("could not launch job {}", job.id(), e);
      String reason = "could not start the trainer: " + e.getMessage();
      writeLatest(
          job.id(),
          current -> current.on(JobEvent.TRAINER_FAILED, now).error(reason).build(),
          line(now, "ERROR", reason));
      return;
    }
    // A cancel may have landed between claim and launch: record the handle on whatever the
    // job is now, so the follow pass stops the trainer it just started.
    writeLatest(
        job.id(),
        current ->
            current.toBuilder()
                .runHandle(handle)
                .backend(backend.name())
                .attempt(attempt)
                .stopRequestedAt(null)
                .killedAt(null)
                .build(),
        line(
            now,
            "INFO",
            "training started on the " + backend.name() + " backend (attempt " + attempt + ")"));
    log.info("job {} launched: {}", job.id(), handle);
  }

  private List<StoredFile> storedFiles(Caller owner, List<String> ids) {
    List<StoredFile> out = new ArrayList<>();
    for (String id : ids) {
      out.add(
          files
              .findFor(owner, id)
              .orElseThrow(() -> new IllegalArgumentException("file " + id + " gone")));
    }
    return out;
  }

  // ---- RUNNING / CANCELING

  /**
   * Follows this replica's runs and ownerless ones. Another replica's runs are its own to follow
   * while it beats; once it stops, a {@link Reaper} makes them ours and they show up here.
   */
  private void followActive() {
    for (Job job : jobs.findByStatusOwnedBy(JobStatus.HOLDING_SLOT, config.owner())) {
      try {
        follow(job);
      } catch (RuntimeException e) {
        failedIterations.incrementAndGet();
        log.error("following job {} failed; will retry", job.id(), e);
      }
    }
  }

  private void follow(Job job) {
    Instant now = clock.instant();
    if (job.runHandle() == null) {
      // Claimed but never launched: the server died in between.
      if (job.status() == JobStatus.CANCELING) {
        finish(job, JobEvent.CANCEL_CONFIRMED, now, null);
      } else if (job.status() == JobStatus.PAUSING) {
        confirmPause(job, now, null);
      } else {
        requeueOrFail(job, now, "the server stopped before the trainer was started");
      }
      return;
    }
    // State first, then events: once the run is seen gone, every event it wrote is on disk.
    RunState state = backend.state(job.runHandle());
    EventFollower.Applied applied = follower.applyEvents(job, now);
    job = applied.job();
    List<String> lines = new ArrayList<>(applied.lines());

    // A pause stops the run exactly like a cancel: SIGTERM, then the kill after the grace. Only
    // the status it ends in differs.
    if (job.status().isStopping() && state.alive()) {
      Job.Builder next = stopping.escalate(job, now, lines);
      // A run that takes long to stop is still ours: keep beating so no reaper takes it.
      write(next.heartbeatAt(now).owner(config.owner()).build(), lines, applied.metrics());
      return;
    }
    if (state.alive()) {
      boolean beat =
          job.heartbeatAt() == null
              || !now.isBefore(job.heartbeatAt().plus(config.heartbeatInterval()));
      if (beat || !lines.isEmpty() || applied.changed()) {
        write(
            job.toBuilder().heartbeatAt(now).owner(config.owner()).build(),
            lines,
            applied.metrics());
      }
      return;
    }
    // The run is gone: decide how it ended.
    TrainerEvent last = follower.lastWord(job.id());
    RunOutcome outcome = RunOutcome.decide(job.status(), state, last);
    if (!lines.isEmpty()) {
      Optional<Job> written = write(job, lines, applied.metrics());
      if (written.isEmpty()) {
        return;
      }
      job = written.get();
    }
    switch (outcome.event()) {
      case CANCEL_CONFIRMED, TRAINER_SUCCEEDED, TRAINER_FAILED ->
          finish(job, outcome.event(), now, outcome.reason());
      case PAUSE_CONFIRMED -> confirmPause(job, now, last);
      case TRAINER_LOST -> requeueOrFail(job, now, outcome.reason());
      default -> throw new IllegalStateException("bug: a run cannot end in " + outcome);
    }
  }

  private void requeueOrFail(Job job, Instant now, String why) {
    if (job.attempt() < config.maxAttempts()) {
      write(
          job.on(JobEvent.TRAINER_LOST, now)
              .runHandle(null)
              .stopRequestedAt(null)
              .killedAt(null)
              .build(),
          line(
              now,
              "WARN",
              why
                  + "; requeued to resume from its last checkpoint (attempt "
                  + job.attempt()
                  + " of "
                  + config.maxAttempts()
                  + " used)"));
    } else {
      finish(
          job,
          JobEvent.TRAINER_FAILED,
          now,
          why + "; gave up after " + job.attempt() + " attempts");
    }
  }

  /**
   * PAUSING → PAUSED once no process of the run is left. The run's attempt is given back: a
   * confirmed pause is not a lost trainer, so pausing and resuming never exhausts {@code
   * jobs.max-attempts}.
   */
  private void confirmPause(Job job, Instant now, TrainerEvent last) {
    String where =
        last instanceof TrainerEvent.Stopped s && s.checkpoint() != null
            ? "paused at step "
                + s.step()
                + "; resume continues from "
                + Path.of(s.checkpoint()).getFileName()
            : "paused; resume continues from its last complete checkpoint";
    Optional<Job> written =
        write(
            job.on(JobEvent.PAUSE_CONFIRMED, now)
                .runHandle(null)
                .stopRequestedAt(null)
                .killedAt(null)
                .attempt(Math.max(0, job.attempt() - 1))
                .build(),
            line(now, "INFO", "finetune-job " + where));
    if (written.isPresent()) {
      log.info("job {} {}", job.id(), written.get().status());
    }
  }

  private void finish(Job job, JobEvent event, Instant now, String reason) {
    Job.Builder next = job.on(event, now);
    JobStatus to = next.build().status();
    List<String> lines = new ArrayList<>();
    String output = null;
    switch (to) {
      case SUCCEEDED -> {
        // Reserved at create; jobs created before names were reserved get it now.
        output =
            job.finetunedOutput() != null
                ? job.finetunedOutput()
                : JobNames.defaultOutput(job.model(), job.outputSuffix(), job.id());
        next.finetunedOutput(output);
        lines.add(line(now, "INFO", "finetune-job succeeded"));
        lines.add(line(now, "INFO", "finetuned_output " + output));
      }
      case FAILED -> {
        next.error(reason);
        lines.add(line(now, "ERROR", reason));
        lines.add(line(now, "INFO", "finetune-job failed"));
      }
      case CANCELED ->
          lines.add(line(now, "INFO", "finetune-job canceled; no trainer process" + " is left"));
      default -> throw new IllegalStateException("finish to non-terminal " + to + ": a bug");
    }
    lines.add(line(now, "INFO", "training usage " + job.usage()));
    lines.add("##FT_COMPLETE##");
    Optional<Job> written = write(next.build(), lines);
    if (written.isPresent() && output != null) {
      Job j = written.get();
      models
          .fineTuned()
          .insert(
              new FineTunedModel(
                  output,
                  j.id(),
                  j.userId(),
                  j.workspaceId(),
                  j.baseModel(),
                  j.model(),
                  j.trainingType(),
                  paths.output(j.id()),
                  now));
    }
    if (written.isPresent()) {
      log.info("job {} {}", job.id(), written.get().status());
    }
  }

  // ---- writes

  private String line(Instant time, String level, String message) {
    return LogLines.format(time, zone, level, message);
  }

  private Optional<Job> write(Job job, String... lines) {
    return write(job, List.of(lines));
  }

  private Optional<Job> write(Job job, List<String> lines) {
    return write(job, lines, List.of());
  }

  private Optional<Job> write(Job job, List<String> lines, List<JobMetric> metrics) {
    Optional<Job> written = jobs.update(job, lines, metrics);
    if (written.isEmpty()) {
      log.debug("job {} changed meanwhile; the next pass will see it", job.id());
    }
    return written;
  }

  /** Applies {@code change} to the freshest copy of a job until the write wins. */
  private void writeLatest(
      String jobId, java.util.function.UnaryOperator<Job> change, String line) {
    for (int i = 0; i < 16; i++) {
      Optional<Job> current = jobs.find(jobId);
      if (current.isEmpty()) {
        return;
      }
      if (jobs.update(change.apply(current.get()), List.of(line)).isPresent()) {
        return;
      }
    }
    throw new IllegalStateException("job " + jobId + " kept changing; could not record launch");
  }
}
