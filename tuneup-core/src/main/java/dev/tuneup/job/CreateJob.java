package dev.tuneup.job;

import java.util.List;
import java.util.Map;

/**
 * A validated-on-arrival create request.
 *
 * @param hyperParametersJson the JSON object text as the caller sent it (echoed back exactly)
 * @param hyperParameters the same, parsed, for checking the known keys
 * @param trainingType the wire string, or null for the default {@code sft}
 * @param metadata the caller's labels (OpenAI {@code metadata}), null or empty when none
 * @param outputName the {@code finetuned_output} the caller chose, or null for the default name
 */
public record CreateJob(
    String model,
    List<String> trainingFileIds,
    List<String> validationFileIds,
    String hyperParametersJson,
    Map<String, Object> hyperParameters,
    String trainingType,
    String jobName,
    String outputSuffix,
    Map<String, String> metadata,
    String outputName) {

  /** A request that leaves the output name to tuneup. */
  public CreateJob(
      String model,
      List<String> trainingFileIds,
      List<String> validationFileIds,
      String hyperParametersJson,
      Map<String, Object> hyperParameters,
      String trainingType,
      String jobName,
      String outputSuffix,
      Map<String, String> metadata) {
    this(
        model,
        trainingFileIds,
        validationFileIds,
        hyperParametersJson,
        hyperParameters,
        trainingType,
        jobName,
        outputSuffix,
        metadata,
        null);
  }

  /** A request without metadata (the DashScope surface has none). */
  public CreateJob(
      String model,
      List<String> trainingFileIds,
      List<String> validationFileIds,
      String hyperParametersJson,
      Map<String, Object> hyperParameters,
      String trainingType,
      String jobName,
      String outputSuffix) {
    this(
        model,
        trainingFileIds,
        validationFileIds,
        hyperParametersJson,
        hyperParameters,
        trainingType,
        jobName,
        outputSuffix,
        null,
        null);
  }
}
