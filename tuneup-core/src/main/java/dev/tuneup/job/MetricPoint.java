package dev.tuneup.job;

/**
 * One point of a job's loss curves.
 *
 * @param step the optimizer step
 * @param loss the training loss at that step, or null
 * @param evalLoss the validation loss measured at that step, or null
 * @param tokenAccuracy the training token accuracy at that step, or null
 * @param evalTokenAccuracy the validation token accuracy at that step, or null
 */
public record MetricPoint(
    int step, Double loss, Double evalLoss, Double tokenAccuracy, Double evalTokenAccuracy) {

  static MetricPoint of(JobMetric m) {
    return m.kind() == JobMetric.Kind.TRAIN
        ? new MetricPoint(m.step(), m.loss(), null, m.tokenAccuracy(), null)
        : new MetricPoint(m.step(), null, m.loss(), null, m.tokenAccuracy());
  }
}
