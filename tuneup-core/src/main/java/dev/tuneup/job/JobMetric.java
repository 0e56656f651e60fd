package dev.tuneup.job;

/**
 * One progress or evaluation event of a job's trainer, as data: stored beside the log line written
 * for it, in the same transaction, so nothing reads numbers back out of log text.
 *
 * @param line on write, the index in the written log lines of the line logged with it; on read,
 *     that line's 0-based index in the job's log
 * @param loss training loss ({@link Kind#TRAIN}) or validation loss ({@link Kind#EVAL}); NaN when
 *     the run diverged
 * @param tokenAccuracy share of labelled tokens whose argmax is the label, or null when the trainer
 *     does not report it
 * @param totalSteps {@link Kind#TRAIN} only, else null; so are {@code epoch}, {@code lr} and {@code
 *     tokens}
 */
public record JobMetric(
    long line,
    Kind kind,
    int step,
    double loss,
    Double tokenAccuracy,
    Integer totalSteps,
    Double epoch,
    Double lr,
    Long tokens) {

  /** Which batches a metric was measured on. */
  public enum Kind {
    /** The training batches since the previous progress event. */
    TRAIN,
    /** The whole validation set. */
    EVAL
  }

  public static JobMetric train(
      long line,
      int step,
      int totalSteps,
      double epoch,
      double loss,
      Double tokenAccuracy,
      double lr,
      long tokens) {
    return new JobMetric(
        line, Kind.TRAIN, step, loss, tokenAccuracy, totalSteps, epoch, lr, tokens);
  }

  public static JobMetric eval(long line, int step, double loss, Double tokenAccuracy) {
    return new JobMetric(line, Kind.EVAL, step, loss, tokenAccuracy, null, null, null, null);
  }
}
