package dev.tuneup.trainer.data;

/**
 * Rows of packed examples (segment 0 = padding, positions restart per example). Minimal stand-in on
 * the model branch; the data engineer's version wins at merge.
 */
public record PackedBatch(
    int[][] inputIds, int[][] labels, int[][] positionIds, int[][] segmentIds, int tokens) {}
