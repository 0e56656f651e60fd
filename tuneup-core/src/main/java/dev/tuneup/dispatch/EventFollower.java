package dev.tuneup.dispatch;

import dev.tuneup.contract.TrainerEvent;
import dev.tuneup.job.EvalLine;
import dev.tuneup.job.Job;
import dev.tuneup.job.JobMetric;
import dev.tuneup.job.LogLines;
import dev.tuneup.job.Progress;
import dev.tuneup.job.StepLine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Follows a job's event log: turns the events written since the job's stored offset into log lines,
 * progress and usage ({@link #applyEvents}), and finds the trainer's last word once the run is gone
 * ({@link #lastWord}). Reads only; the dispatcher writes what it returns, with the new offset, in
 * one transaction.
 */
final class EventFollower {
  /** Bytes at the end of an events file searched for the trainer's last word. */
  private static final long TAIL_BYTES = 64 * 1024;

  private final TrainerEventSource events;
  private final JobPaths paths;
  private final ZoneId zone;

  EventFollower(TrainerEventSource events, JobPaths paths, ZoneId zone) {
    this.events = events;
    this.paths = paths;
    this.zone = zone;
  }

  /** The job after its new events, their log lines first, and the metrics tied to those lines. */
  record Applied(Job job, List<String> lines, List<JobMetric> metrics, boolean changed) {}

  Applied applyEvents(Job job, Instant now) {
    TrainerEventSource.Batch batch = events.read(paths.events(job.id()), job.eventsOffset());
    if (batch.nextOffset() == job.eventsOffset()) {
      return new Applied(job, List.of(), List.of(), false);
    }
    Progress progress = job.progress();
    long usage = job.usage();
    String error = job.error();
    List<String> lines = new ArrayList<>();
    List<JobMetric> metrics = new ArrayList<>();
    for (TrainerEvent e : batch.events()) {
      // An event the trainer wrote after this tick began is stamped no later than the tick, so the
      // lines this tick writes after it (a SIGTERM, the end) never read older than it.
      Instant t = e.time() == null || e.time().isAfter(now) ? now : e.time();
      if (e instanceof TrainerEvent.Log l) {
        String level = l.level() == null ? "INFO" : l.level().toUpperCase(Locale.ROOT);
        lines.add(line(t, level, l.message()));
      } else if (e instanceof TrainerEvent.Progress p) {
        progress =
            progress.withTraining(
                p.step(),
                p.totalSteps(),
                p.epoch(),
                p.loss(),
                p.lr(),
                p.tokensPerSecond(),
                p.etaSeconds(),
                p.tokenAccuracy());
        usage = Math.max(usage, p.tokens());
        metrics.add(
            JobMetric.train(
                lines.size(),
                p.step(),
                p.totalSteps(),
                p.epoch(),
                p.loss(),
                p.tokenAccuracy(),
                p.lr(),
                p.tokens()));
        lines.add(
            line(
                t,
                "INFO",
                StepLine.format(
                    p.step(),
                    p.totalSteps(),
                    p.epoch(),
                    p.loss(),
                    p.lr(),
                    p.tokensPerSecond(),
                    p.etaSeconds())));
      } else if (e instanceof TrainerEvent.Eval ev) {
        progress = progress.withEval(ev.evalLoss(), ev.evalTokenAccuracy());
        metrics.add(JobMetric.eval(lines.size(), ev.step(), ev.evalLoss(), ev.evalTokenAccuracy()));
        lines.add(line(t, "INFO", EvalLine.format(ev.step(), ev.evalLoss())));
      } else if (e instanceof TrainerEvent.Checkpoint c) {
        lines.add(
            line(
                t,
                "INFO",
                "checkpoint saved at step " + c.step() + ": " + Path.of(c.path()).getFileName()));
      } else if (e instanceof TrainerEvent.Done d) {
        usage = Math.max(usage, d.tokens());
        lines.add(line(t, "INFO", "training finished; model written"));
      } else if (e instanceof TrainerEvent.Stopped s) {
        lines.add(
            line(
                t,
                "INFO",
                "trainer stopped at step "
                    + s.step()
                    + (s.checkpoint() == null
                        ? ""
                        : " after saving " + Path.of(s.checkpoint()).getFileName())));
      } else if (e instanceof TrainerEvent.Error err) {
        error = err.message();
        lines.add(line(t, "ERROR", err.message()));
      } else if (e instanceof TrainerEvent.Unknown u) {
        lines.add(line(t, "INFO", u.line()));
      }
    }
    Job next =
        job.toBuilder()
            .progress(progress)
            .usage(usage)
            .error(error)
            .eventsOffset(batch.nextOffset())
            .build();
    return new Applied(next, lines, metrics, true);
  }

  /** The trainer's terminal event (done, error, stopped), if its events file ends with one. */
  TrainerEvent lastWord(String jobId) {
    Path file = paths.events(jobId);
    long size;
    try {
      size = Files.exists(file) ? Files.size(file) : 0;
    } catch (java.io.IOException e) {
      return null;
    }
    TrainerEvent last = null;
    for (TrainerEvent e : events.read(file, Math.max(0, size - TAIL_BYTES)).events()) {
      if (e instanceof TrainerEvent.Done
          || e instanceof TrainerEvent.Error
          || e instanceof TrainerEvent.Stopped) {
        last = e;
      } else if (!(e instanceof TrainerEvent.Unknown) && !(e instanceof TrainerEvent.Log)) {
        last = null;
      }
    }
    return last;
  }

  private String line(Instant time, String level, String message) {
    return LogLines.format(time, zone, level, message);
  }
}
