package dev.tuneup.dispatch;

import dev.tuneup.backend.ExecutionBackend;
import dev.tuneup.job.Job;
import dev.tuneup.job.JobStatus;
import dev.tuneup.job.LogLines;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;

/**
 * Stops a live run of a CANCELING or PAUSING job, one step per dispatcher pass: SIGTERM once (the
 * trainer finishes its step, checkpoints and writes {@code stopped}), then the kill of the whole
 * process group once the grace has passed, repeated while any process of it is left. The times it
 * acted are kept on the job, so a restarted server continues the escalation where it was.
 */
final class StopEscalation {
  private final ExecutionBackend backend;
  private final Duration grace;
  private final ZoneId zone;

  StopEscalation(ExecutionBackend backend, Duration grace, ZoneId zone) {
    this.backend = backend;
    this.grace = grace;
    this.zone = zone;
  }

  /**
   * Takes the next step for {@code job} and returns it with the time of that step recorded; adds
   * the log line of a step taken to {@code lines}.
   */
  Job.Builder escalate(Job job, Instant now, List<String> lines) {
    Job.Builder next = job.toBuilder();
    if (job.stopRequestedAt() == null) {
      backend.requestStop(job.runHandle());
      next.stopRequestedAt(now);
      lines.add(
          line(
              now,
              "INFO",
              "sent SIGTERM to the trainer"
                  + (job.status() == JobStatus.PAUSING ? " to pause it" : "")
                  + "; grace "
                  + grace.toSeconds()
                  + " s"));
    } else if (job.killedAt() == null && !now.isBefore(job.stopRequestedAt().plus(grace))) {
      backend.kill(job.runHandle());
      next.killedAt(now);
      lines.add(
          line(
              now,
              "WARN",
              "the trainer did not stop within the grace; killed its" + " process group"));
    } else if (job.killedAt() != null) {
      backend.kill(job.runHandle());
    }
    return next;
  }

  private String line(Instant time, String level, String message) {
    return LogLines.format(time, zone, level, message);
  }
}
