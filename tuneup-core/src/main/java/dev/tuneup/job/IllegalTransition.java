package dev.tuneup.job;

import dev.tuneup.error.OperationNotAllowed;

/** A job cannot take an event in its current status. */
public class IllegalTransition extends OperationNotAllowed {
  private final String jobId;
  private final JobStatus from;
  private final JobEvent event;

  public IllegalTransition(String jobId, JobStatus from, JobEvent event, String message) {
    super(message);
    this.jobId = jobId;
    this.from = from;
    this.event = event;
  }

  public String jobId() {
    return jobId;
  }

  public JobStatus from() {
    return from;
  }

  public JobEvent event() {
    return event;
  }
}
