package dev.tuneup.trainer.data;

/**
 * One tokenized chat: ids and unshifted labels (the id on assistant tokens, -100 elsewhere).
 * Minimal stand-in on the model branch; the data engineer's version wins at merge.
 */
public record SftExample(int[] inputIds, int[] labels) {}
