package dev.tuneup.backend;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import dev.tuneup.contract.TrainingDefaults;
import dev.tuneup.dispatch.JobPaths;
import dev.tuneup.dispatch.MemoryPlan;
import dev.tuneup.dispatch.RunPreparer;
import dev.tuneup.file.StoredFile;
import dev.tuneup.job.Job;
import dev.tuneup.registry.ResolvedModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Writes a job's {@code spec.json} as docs/trainer-contract.md describes, atomically, and picks the
 * checkpoint a restarted run resumes from: the highest-step complete {@code checkpoint-<n>}
 * directory. Trainers rename checkpoints into place only when complete, so a directory of that
 * exact name is complete; temp directories ({@code .checkpoint-<n>.tmp}) never match.
 */
public final class SpecWriter implements RunPreparer {
  /** The spec's file name in the job directory. */
  public static final String SPEC_FILE = "spec.json";

  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private final Function<String, Path> blobPath;
  private final JobPaths paths;
  private final int threads;
  private final TrainerRuntime runtime;
  private final MemoryPlan.Planner memory;

  /**
   * @param blobPath where an uploaded file's bytes are, by file id
   * @param jobsRoot the directory holding one directory per job
   * @param threads CPU threads the trainer may use
   */
  public SpecWriter(Function<String, Path> blobPath, Path jobsRoot, int threads) {
    this(blobPath, new JobPaths(jobsRoot.toAbsolutePath()), threads, MemoryPlan.Planner.NONE);
  }

  /**
   * @param memory sizes each trainer from its model; its plan goes into the spec's {@code memory}
   */
  public SpecWriter(
      Function<String, Path> blobPath, Path jobsRoot, int threads, MemoryPlan.Planner memory) {
    this(blobPath, new JobPaths(jobsRoot.toAbsolutePath()), threads, memory);
  }

  /**
   * @param blobPath where an uploaded file's bytes are, by file id
   * @param paths where job directories are
   * @param threads CPU threads the trainer may use
   */
  public SpecWriter(Function<String, Path> blobPath, JobPaths paths, int threads) {
    this(blobPath, paths, threads, TrainerRuntime.DEFAULT, MemoryPlan.Planner.NONE);
  }

  /**
   * @param blobPath where an uploaded file's bytes are, by file id
   * @param paths where job directories are
   * @param threads CPU threads the trainer may use
   * @param runtime the trainer runtime; anything but the default goes into the spec's {@code
   *     trainer} object
   */
  public SpecWriter(
      Function<String, Path> blobPath, JobPaths paths, int threads, TrainerRuntime runtime) {
    this(blobPath, paths, threads, runtime, MemoryPlan.Planner.NONE);
  }

  /**
   * @param blobPath where an uploaded file's bytes are, by file id
   * @param paths where job directories are
   * @param threads CPU threads the trainer may use
   * @param memory sizes each trainer from its model; its plan goes into the spec's {@code memory}
   */
  public SpecWriter(
      Function<String, Path> blobPath, JobPaths paths, int threads, MemoryPlan.Planner memory) {
    this(blobPath, paths, threads, TrainerRuntime.DEFAULT, memory);
  }

  /**
   * @param blobPath where an uploaded file's bytes are, by file id
   * @param paths where job directories are
   * @param threads CPU threads the trainer may use
   * @param runtime the trainer runtime; anything but the default goes into the spec's {@code
   *     trainer} object
   * @param memory sizes each trainer from its model; its plan goes into the spec's {@code memory}
   */
  public SpecWriter(
      Function<String, Path> blobPath,
      JobPaths paths,
      int threads,
      TrainerRuntime runtime,
      MemoryPlan.Planner memory) {
    this.runtime = runtime;
    if (threads < 1) {
      throw new IllegalArgumentException("trainer threads must be 1 or more, got " + threads);
    }
    this.blobPath = blobPath;
    this.paths = paths;
    this.threads = threads;
    this.memory = memory;
  }

  /**
   * Creates the job directory and writes its spec, replacing an earlier one (a resumed run gets a
   * new spec naming its latest checkpoint).
   *
   * @throws IllegalArgumentException when the job's hyper-parameters are not a JSON object
   * @throws UncheckedIOException when the directory or file cannot be written
   */
  @Override
  public Path prepare(
      Job job, ResolvedModel model, List<StoredFile> training, List<StoredFile> validation) {
    Path dir = paths.dir(job.id()).toAbsolutePath();
    String hpText = hyperParametersText(job);
    JsonNode hp = parseObject(job.id(), hpText);
    try {
      Files.createDirectories(dir);
      ObjectNode spec = JSON.createObjectNode();
      spec.put("job_id", job.id());
      spec.put("training_type", job.trainingType().dashScopeName());
      ObjectNode m = spec.putObject("model");
      m.put("id", model.id());
      m.put("path", model.weightsPath().toAbsolutePath().toString());
      m.put("adapter_path", absolute(model.adapterPath()));
      files(spec.putArray("training_files"), training);
      files(spec.putArray("validation_files"), validation);
      // The user's object goes out as it came in (numbers as written, key order, strings for
      // numbers): the trainer, not the server, decides how to read each key.
      spec.putRawValue("hyper_parameters", new RawValue(hpText));
      spec.put("job_dir", dir.toString());
      spec.put("output_dir", dir.resolve("output").toString());
      spec.put("events_file", dir.resolve("events.jsonl").toString());
      spec.put("resume_from", latestCheckpoint(dir).map(Path::toString).orElse(null));
      spec.put("seed", seed(hp));
      spec.put("threads", threads);
      if (!runtime.equals(TrainerRuntime.DEFAULT)) {
        spec.putObject("trainer")
            .put("runtime", runtime.runtime())
            .put("torch_python", runtime.python())
            .put("torch_devices", runtime.devices())
            .put("torch_nproc_per_node", runtime.nprocPerNode());
      }
      Optional<MemoryPlan> plan = memory.plan(job, model, sizes(training, validation));
      if (plan.isPresent()) {
        ObjectNode mem = spec.putObject("memory");
        mem.put("limit_bytes", plan.get().limitBytes());
        mem.put("heap_bytes", plan.get().heapBytes());
        mem.put("direct_bytes", plan.get().directBytes());
      }
      Path target = dir.resolve(SPEC_FILE);
      writeAtomically(target, JSON.writeValueAsBytes(spec));
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the spec of " + job.id() + " in " + dir, e);
    }
  }

  private List<Long> sizes(List<StoredFile> training, List<StoredFile> validation) {
    List<Long> out = new java.util.ArrayList<>();
    for (StoredFile f : training) {
      out.add(f.size());
    }
    for (StoredFile f : validation) {
      out.add(f.size());
    }
    return out;
  }

  private static String hyperParametersText(Job job) {
    String text = job.hyperParameters();
    return text == null || text.isBlank() ? "{}" : text.strip();
  }

  private static JsonNode parseObject(String jobId, String text) {
    try {
      JsonNode n = JSON.readTree(text);
      if (n != null && n.isObject()) {
        return n;
      }
    } catch (IOException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        "hyper_parameters of " + jobId + " is not a JSON object: " + text);
  }

  /** {@code seed} from the hyper-parameters, a number or a string of digits; else the default. */
  static long seed(JsonNode hp) {
    JsonNode s = hp.get("seed");
    if (s != null && s.isIntegralNumber() && s.canConvertToLong()) {
      return s.asLong();
    }
    if (s != null && s.isTextual() && s.asText().strip().matches("-?\\d{1,18}")) {
      return Long.parseLong(s.asText().strip());
    }
    return TrainingDefaults.DEFAULT_SEED;
  }

  private void files(ArrayNode array, List<StoredFile> files) {
    for (StoredFile f : files) {
      ObjectNode o = array.addObject();
      o.put("file_id", f.id());
      o.put("name", f.name());
      o.put("path", blobPath.apply(f.id()).toAbsolutePath().toString());
    }
  }

  private static String absolute(Path p) {
    return p == null ? null : p.toAbsolutePath().toString();
  }

  /** Temp file, flushed to disk, renamed over the target: a reader sees the old or the new spec. */
  private static void writeAtomically(Path target, byte[] bytes) throws IOException {
    Path temp = target.resolveSibling("." + target.getFileName() + ".tmp");
    try (FileChannel ch =
        FileChannel.open(
            temp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer buf = ByteBuffer.wrap(bytes);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    }
    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /**
   * The complete checkpoint with the highest step in a job directory, as an absolute path; empty
   * when there is none (or no directory).
   */
  public static Optional<Path> latestCheckpoint(Path jobDir) throws IOException {
    if (!Files.isDirectory(jobDir)) {
      return Optional.empty();
    }
    try (Stream<Path> entries = Files.list(jobDir)) {
      return entries
          .filter(p -> step(p) >= 0)
          .filter(Files::isDirectory)
          .max(Comparator.comparingLong(SpecWriter::step))
          .map(Path::toAbsolutePath);
    }
  }

  /** The step of a {@code checkpoint-<step>} path, or -1 for any other name. */
  static long step(Path checkpoint) {
    return TrainingDefaults.checkpointStep(checkpoint).orElse(-1);
  }
}
