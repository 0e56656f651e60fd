package dev.tuneup.model.check;

import dev.tuneup.model.config.ModelConfig;

/**
 * What a check learned about a directory that loads.
 *
 * @param config the shape read from {@code config.json} (of the base, for an adapter)
 * @param parameters parameters stored in the directory's safetensors files (the adapter's alone,
 *     for an adapter)
 * @param dtype the dtype of the stored weights ({@code F32}, {@code BF16}, {@code F16}, or {@code
 *     mixed})
 * @param bytes bytes of all files in the directory
 * @param loraRank the adapter's rank, 0 for a full model
 */
public record ModelSummary(
    ModelConfig config, long parameters, String dtype, long bytes, int loraRank) {}
