package dev.tuneup.job;

import java.time.Instant;

/**
 * A complete checkpoint of a job: the directory {@code checkpoint-<step>} in its job directory.
 *
 * @param exportedAs the model name it was exported under, or null
 */
public record Checkpoint(
    String jobId, String name, long step, Instant createdAt, String exportedAs) {}
