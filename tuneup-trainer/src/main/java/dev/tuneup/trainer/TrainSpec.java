package dev.tuneup.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tuneup.contract.TrainingDefaults;
import dev.tuneup.contract.TrainingMethod;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The parsed {@code spec.json} of docs/trainer-contract.md.
 *
 * @param hyperParameters the user's DashScope hyper-parameters, untouched (see {@link
 *     HyperParameters})
 */
public record TrainSpec(
    String jobId,
    TrainingMethod method,
    String modelId,
    Path modelPath,
    Path adapterPath,
    List<Path> trainingFiles,
    List<Path> validationFiles,
    JsonNode hyperParameters,
    Path jobDir,
    Path outputDir,
    Path eventsFile,
    Path resumeFrom,
    long seed,
    int threads,
    long memoryLimitBytes) {

  /** Whether the run trains LoRA adapters on a frozen base. */
  public boolean lora() {
    return method.lora();
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Reads and checks a spec file; the message of any failure names the field at fault. */
  public static TrainSpec read(Path file) throws IOException {
    JsonNode j = JSON.readTree(file.toFile());
    String type = j.path("training_type").asText(TrainingMethod.SFT_FULL.dashScopeName());
    TrainingMethod.refusalOfDashScope(type)
        .ifPresent(
            reason -> {
              throw new IllegalArgumentException("spec: " + reason);
            });
    JsonNode model = j.path("model");
    if (!model.hasNonNull("path")) {
      throw new IllegalArgumentException("spec: model.path is required");
    }
    List<Path> train = files(j.path("training_files"));
    if (train.isEmpty()) {
      throw new IllegalArgumentException("spec: training_files is empty");
    }
    Path jobDir = Path.of(required(j, "job_dir"));
    return new TrainSpec(
        j.path("job_id").asText(""),
        TrainingMethod.fromDashScope(type).orElseThrow(),
        model.path("id").asText(""),
        Path.of(model.get("path").asText()),
        model.hasNonNull("adapter_path") ? Path.of(model.get("adapter_path").asText()) : null,
        train,
        files(j.path("validation_files")),
        j.path("hyper_parameters"),
        jobDir,
        j.hasNonNull("output_dir")
            ? Path.of(j.get("output_dir").asText())
            : jobDir.resolve("output"),
        j.hasNonNull("events_file")
            ? Path.of(j.get("events_file").asText())
            : jobDir.resolve("events.jsonl"),
        j.hasNonNull("resume_from") ? Path.of(j.get("resume_from").asText()) : null,
        j.path(TrainingDefaults.SEED).asLong(TrainingDefaults.DEFAULT_SEED),
        j.path("threads").asInt(0),
        j.path("memory").path("limit_bytes").asLong(0));
  }

  private static String required(JsonNode j, String key) {
    if (!j.hasNonNull(key)) {
      throw new IllegalArgumentException("spec: " + key + " is required");
    }
    return j.get(key).asText();
  }

  private static List<Path> files(JsonNode arr) {
    List<Path> out = new ArrayList<>();
    for (JsonNode f : arr) {
      out.add(Path.of(f.isTextual() ? f.asText() : f.path("path").asText()));
    }
    return out;
  }
}
