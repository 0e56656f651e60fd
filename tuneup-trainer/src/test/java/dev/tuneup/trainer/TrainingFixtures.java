package dev.tuneup.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tuneup.model.builtin.TinyModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Builds spec files for trainer tests around the built-in tiny model and the sample data. */
final class TrainingFixtures {

  static final ObjectMapper JSON = new ObjectMapper();
  static final Path SAMPLE = Path.of("../docs/sample-train.jsonl").toAbsolutePath().normalize();

  private TrainingFixtures() {}

  static Path tinyModel(Path root) throws IOException {
    return TinyModel.ensure(root.resolve("models"));
  }

  static Path spec(Path root, Path model, Path data, String type, ObjectNode hp, Path resume)
      throws IOException {
    Path job = root.resolve("job");
    Files.createDirectories(job);
    ObjectNode s = JSON.createObjectNode();
    s.put("job_id", "ft-test");
    s.put("training_type", type);
    s.putObject("model")
        .put("id", "tuneup-tiny")
        .put("path", model.toString())
        .putNull("adapter_path");
    s.putArray("training_files")
        .addObject()
        .put("file_id", "file-1")
        .put("name", "train.jsonl")
        .put("path", data.toString());
    s.putArray("validation_files");
    s.set("hyper_parameters", hp);
    s.put("job_dir", job.toString());
    s.put("output_dir", job.resolve("output").toString());
    s.put("events_file", job.resolve("events.jsonl").toString());
    if (resume == null) {
      s.putNull("resume_from");
    } else {
      s.put("resume_from", resume.toString());
    }
    s.put("seed", 42);
    s.put("threads", 2);
    Path f = job.resolve("spec.json");
    Files.writeString(f, JSON.writeValueAsString(s));
    return f;
  }

  static List<JsonNode> events(Path specFile) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(specFile.getParent().resolve("events.jsonl"))) {
      out.add(JSON.readTree(line));
    }
    return out;
  }

  static List<JsonNode> ofType(List<JsonNode> events, String type) {
    return events.stream().filter(e -> e.path("type").asText().equals(type)).toList();
  }
}
