package dev.tuneup.job;

import java.util.List;
import java.util.Map;

/**
 * A validated-on-arrival create request.
 *
 * @param hyperParametersJson the JSON object text as the caller sent it (echoed back exactly)
 * @param hyperParameters the same, parsed, for checking the known keys
 * @param trainingType the wire string, or null for the default {@code sft}
 */
public record CreateJob(
    String model,
    List<String> trainingFileIds,
    List<String> validationFileIds,
    String hyperParametersJson,
    Map<String, Object> hyperParameters,
    String trainingType,
    String jobName,
    String outputSuffix) {}
