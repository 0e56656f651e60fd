package dev.tuneup.backend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tuneup.dispatch.RunPreparer;
import dev.tuneup.file.StoredFile;
import dev.tuneup.job.Job;
import dev.tuneup.registry.ResolvedModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Writes a job's {@code spec.json} as docs/trainer-contract.md describes, atomically, and picks the
 * checkpoint a restarted run resumes from: the highest-step complete {@code checkpoint-<n>}
 * directory (checkpoints are renamed into place only when complete, so their presence is enough).
 */
public final class SpecWriter implements RunPreparer {
  /** Seed used when the job's hyper-parameters name none, so runs are reproducible. */
  public static final long DEFAULT_SEED = 42;

  private static final Pattern CHECKPOINT = Pattern.compile("checkpoint-(\\d+)");
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final Function<String, Path> blobPath;
  private final Path jobsRoot;
  private final int threads;

  /**
   * @param blobPath where an uploaded file's bytes are
   * @param jobsRoot the directory holding one directory per job
   * @param threads CPU threads the trainer may use
   */
  public SpecWriter(Function<String, Path> blobPath, Path jobsRoot, int threads) {
    this.blobPath = blobPath;
    this.jobsRoot = jobsRoot;
    this.threads = threads;
  }

  @Override
  public Path prepare(
      Job job, ResolvedModel model, List<StoredFile> training, List<StoredFile> validation) {
    Path dir = jobsRoot.resolve(job.id()).toAbsolutePath();
    try {
      Files.createDirectories(dir);
      ObjectNode spec = JSON.createObjectNode();
      spec.put("job_id", job.id());
      spec.put("training_type", job.trainingType().wire());
      ObjectNode m = spec.putObject("model");
      m.put("id", model.id());
      m.put("path", model.weightsPath().toAbsolutePath().toString());
      if (model.adapterPath() == null) {
        m.putNull("adapter_path");
      } else {
        m.put("adapter_path", model.adapterPath().toAbsolutePath().toString());
      }
      files(spec.putArray("training_files"), training);
      files(spec.putArray("validation_files"), validation);
      JsonNode hp = JSON.readTree(job.hyperParameters() == null ? "{}" : job.hyperParameters());
      spec.set("hyper_parameters", hp);
      spec.put("job_dir", dir.toString());
      spec.put("output_dir", dir.resolve("output").toString());
      spec.put("events_file", dir.resolve("events.jsonl").toString());
      Optional<Path> resume = latestCheckpoint(dir);
      if (resume.isPresent()) {
        spec.put("resume_from", resume.get().toString());
      } else {
        spec.putNull("resume_from");
      }
      spec.put("seed", hp.path("seed").canConvertToLong() ? hp.get("seed").asLong() : DEFAULT_SEED);
      spec.put("threads", threads);
      Path target = dir.resolve("spec.json");
      Path temp = dir.resolve(".spec.json.tmp");
      JSON.writeValue(temp.toFile(), spec);
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the spec of " + job.id(), e);
    }
  }

  private void files(ArrayNode array, List<StoredFile> files) {
    for (StoredFile f : files) {
      ObjectNode o = array.addObject();
      o.put("file_id", f.id());
      o.put("name", f.name());
      o.put("path", blobPath.apply(f.id()).toAbsolutePath().toString());
    }
  }

  /** The complete checkpoint with the highest step in a job directory. */
  public static Optional<Path> latestCheckpoint(Path jobDir) throws IOException {
    if (!Files.isDirectory(jobDir)) {
      return Optional.empty();
    }
    try (Stream<Path> entries = Files.list(jobDir)) {
      return entries
          .filter(Files::isDirectory)
          .filter(p -> CHECKPOINT.matcher(p.getFileName().toString()).matches())
          .max(Comparator.comparingLong(SpecWriter::step));
    }
  }

  private static long step(Path checkpoint) {
    Matcher m = CHECKPOINT.matcher(checkpoint.getFileName().toString());
    return m.matches() ? Long.parseLong(m.group(1)) : -1;
  }
}
