package dev.tuneup.registry;

import dev.tuneup.contract.TrainingMethod;
import java.nio.file.Path;
import java.time.Instant;

/**
 * The result of a succeeded job, registered under its {@code finetuned_output} name.
 *
 * @param baseModel the root base model id (a base model from the configuration)
 * @param parentModel the model the job was created with (a base model or another fine-tune)
 * @param path for {@code efficient_sft}, a PEFT adapter directory on top of the root base; for
 *     {@code sft}, a full Hugging Face model directory
 */
public record FineTunedModel(
    String name,
    String jobId,
    String userId,
    String workspaceId,
    String baseModel,
    String parentModel,
    TrainingMethod trainingType,
    Path path,
    Instant createdAt) {}
