package dev.tuneup.dispatch;

import dev.tuneup.job.Job;
import dev.tuneup.job.JobStatus;
import dev.tuneup.job.JobStore;
import dev.tuneup.job.LogLines;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes over the runs of replicas that stopped beating. A RUNNING, CANCELING or PAUSING job whose
 * heartbeat is older than {@code missedHeartbeats × heartbeatInterval} and whose owner is another
 * replica becomes this replica's, by one optimistic write of the owner and a fresh heartbeat; from
 * then on this replica's {@link Dispatcher} follows it like its own: it re-attaches through the run
 * handle if the trainer still runs, or requeues (or fails) the job if the run is gone.
 *
 * <p>When two reapers race for one job, the version check lets exactly one write win; the loser
 * sees a fresh heartbeat on its next pass and leaves the job alone. A replica that was only slow (a
 * long GC pause, a network cut) and comes back finds its job owned by another replica and no longer
 * follows it: the run itself is never touched by a takeover.
 *
 * <p>{@link #runOnce()} is one pass, for tests; {@link #start()} runs it every heartbeat interval
 * on thread {@code tuneup-reaper}.
 */
public final class Reaper {
  private static final Logger log = LoggerFactory.getLogger(Reaper.class);

  /**
   * How the reaper decides that an owner stopped.
   *
   * @param owner this replica's id, written on the jobs it takes over
   * @param heartbeatInterval how often owners beat (the dispatchers' {@code
   *     jobs.heartbeat-interval}); also how often the reaper looks
   * @param missedHeartbeats heartbeats an owner may miss before its runs are taken over; at least
   *     {@value #MIN_MISSED_HEARTBEATS}, so one slow pass or a short pause never moves a run
   */
  public record Config(String owner, Duration heartbeatInterval, int missedHeartbeats) {
    public static final int MIN_MISSED_HEARTBEATS = 4;
    public static final int DEFAULT_MISSED_HEARTBEATS = 6;

    public Config {
      if (owner == null || owner.isBlank()) {
        throw new IllegalArgumentException("owner (replica-id) must not be blank");
      }
      if (heartbeatInterval == null
          || heartbeatInterval.isNegative()
          || heartbeatInterval.isZero()) {
        throw new IllegalArgumentException("jobs.heartbeat-interval must be positive");
      }
      if (missedHeartbeats < MIN_MISSED_HEARTBEATS) {
        throw new IllegalArgumentException(
            "jobs.missed-heartbeats must be "
                + MIN_MISSED_HEARTBEATS
                + " or more, got "
                + missedHeartbeats);
      }
    }

    /** How old a heartbeat may be before its run is taken over. */
    public Duration deadAfter() {
      return heartbeatInterval.multipliedBy(missedHeartbeats);
    }
  }

  private final JobStore jobs;
  private final Config config;
  private final Clock clock;
  private final ZoneId zone;
  private final Runnable onTakeOver;
  private final AtomicLong failedIterations = new AtomicLong();
  private final AtomicLong takenOver = new AtomicLong();
  private final BackgroundLoop loop;

  /**
   * @param onTakeOver called after a pass took over at least one job (wakes the dispatcher)
   */
  public Reaper(JobStore jobs, Config config, Clock clock, ZoneId zone, Runnable onTakeOver) {
    this.jobs = jobs;
    this.config = config;
    this.clock = clock;
    this.zone = zone;
    this.onTakeOver = onTakeOver;
    this.loop = new BackgroundLoop("tuneup-reaper", this::runOnce, config.heartbeatInterval());
  }

  /** Starts the loop on thread {@code tuneup-reaper}. Idempotent. */
  public synchronized void start() {
    if (!loop.start()) {
      return;
    }
    log.info(
        "reaper {} started: takes over runs silent for {} ({} heartbeats of {})",
        config.owner(),
        config.deadAfter(),
        config.missedHeartbeats(),
        config.heartbeatInterval());
  }

  /** Stops the loop within {@code timeout}. Idempotent. */
  public void stop(Duration timeout) {
    loop.stop(timeout);
  }

  /** Passes that threw; the loop carries on after each. */
  public long failedIterations() {
    return failedIterations.get();
  }

  /** Jobs this reaper took over since it was made. */
  public long takenOver() {
    return takenOver.get();
  }

  /**
   * One pass: takes over every active job of another owner whose heartbeat is too old.
   *
   * @return how many jobs this pass took over; never throws
   */
  public int runOnce() {
    try {
      return reapDeadRuns();
    } catch (RuntimeException e) {
      failedIterations.incrementAndGet();
      log.error("reaper pass failed; continuing", e);
      return 0;
    }
  }

  private int reapDeadRuns() {
    Instant now = clock.instant();
    Instant deadline = now.minus(config.deadAfter());
    int taken = 0;
    for (Job job : jobs.findByStatus(JobStatus.HOLDING_SLOT)) {
      if (config.owner().equals(job.owner()) || job.owner() == null) {
        continue; // ours, or ownerless: our dispatcher follows those already
      }
      if (job.heartbeatAt() != null && job.heartbeatAt().isAfter(deadline)) {
        continue;
      }
      String line =
          LogLines.format(
              now,
              zone,
              "WARN",
              "server "
                  + job.owner()
                  + " stopped reporting on this job (last heartbeat "
                  + (job.heartbeatAt() == null ? "never" : job.heartbeatAt().toString())
                  + "); server "
                  + config.owner()
                  + " takes it over");
      boolean won =
          jobs.update(job.toBuilder().owner(config.owner()).heartbeatAt(now).build(), List.of(line))
              .isPresent();
      if (won) {
        taken++;
        takenOver.incrementAndGet();
        log.warn(
            "took over job {} ({}) from {}: last heartbeat {}",
            job.id(),
            job.status(),
            job.owner(),
            job.heartbeatAt());
      }
    }
    if (taken > 0) {
      onTakeOver.run();
    }
    return taken;
  }
}
