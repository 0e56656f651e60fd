package dev.tuneup.job;

import java.util.List;

/**
 * The loss points found in a stretch of a job's log.
 *
 * @param points the points, in log order
 * @param nextLine how many log lines have been read in all: ask from there for newer points
 */
public record MetricsPage(List<MetricPoint> points, long nextLine) {}
