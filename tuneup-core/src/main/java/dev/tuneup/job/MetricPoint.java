package dev.tuneup.job;

/**
 * One point of a job's loss curves.
 *
 * @param step the optimizer step
 * @param loss the training loss at that step, or null
 * @param evalLoss the validation loss measured at that step, or null
 */
public record MetricPoint(int step, Double loss, Double evalLoss) {}
