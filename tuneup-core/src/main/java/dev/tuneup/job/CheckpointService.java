package dev.tuneup.job;

import dev.tuneup.auth.Caller;
import dev.tuneup.contract.TrainingDefaults;
import dev.tuneup.contract.TrainingMethod;
import dev.tuneup.dispatch.JobPaths;
import dev.tuneup.error.Conflict;
import dev.tuneup.error.NotFound;
import dev.tuneup.registry.FineTunedModel;
import dev.tuneup.registry.ModelCatalog;
import dev.tuneup.registry.ResolvedModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Lists a job's checkpoints and exports one as a model of its own. A checkpoint directory is
 * renamed into place by the trainer only when complete, so every {@code checkpoint-<step>}
 * directory is usable. An export copies the checkpoint under the models directory, so the model
 * survives the trainer pruning old checkpoints ({@code save_total_limit}).
 */
public final class CheckpointService {
  private static final String MODEL_NAME = "[A-Za-z0-9][A-Za-z0-9._-]{0,127}";

  /** Files a full-weights export needs beside the weights, taken from the base model. */
  private static final List<String> TOKENIZER_FILES =
      List.of(
          "tokenizer.json",
          "tokenizer_config.json",
          "generation_config.json",
          "chat_template.jinja",
          "special_tokens_map.json",
          "vocab.json",
          "merges.txt");

  private final JobService jobs;
  private final ModelCatalog models;
  private final JobPaths paths;
  private final Path modelsDir;
  private final Clock clock;

  public CheckpointService(
      JobService jobs, ModelCatalog models, JobPaths paths, Path modelsDir, Clock clock) {
    this.jobs = jobs;
    this.models = models;
    this.paths = paths;
    this.modelsDir = modelsDir;
    this.clock = clock;
  }

  /** The job's checkpoints, highest step first. */
  public List<Checkpoint> list(Caller caller, String jobId) {
    Job job = jobs.get(caller, jobId);
    Map<String, String> exported =
        models.fineTuned().listForJob(job.id()).stream()
            .filter(m -> m.path() != null && m.path().startsWith(modelsDir))
            .collect(
                Collectors.toMap(
                    m -> m.path().getFileName().toString(), FineTunedModel::name, (a, b) -> a));
    List<Checkpoint> out = new ArrayList<>();
    Path dir = paths.dir(job.id());
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (Stream<Path> entries = Files.list(dir)) {
      for (Path p : (Iterable<Path>) entries::iterator) {
        Optional<Integer> step = TrainingDefaults.checkpointStep(p);
        if (step.isPresent() && Files.isDirectory(p)) {
          out.add(
              new Checkpoint(
                  job.id(),
                  p.getFileName().toString(),
                  step.get(),
                  Files.getLastModifiedTime(p).toInstant(),
                  exported.get(exportDirName(job.id(), p.getFileName().toString()))));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list checkpoints of " + jobId, e);
    }
    out.sort(Comparator.comparingLong(Checkpoint::step).reversed());
    return out;
  }

  /** The name an export without an explicit name registers. */
  public static String defaultModelName(Job job, Checkpoint checkpoint) {
    return job.model() + "-" + job.id() + "-" + checkpoint.name();
  }

  /**
   * Registers a checkpoint as a model named {@code modelName} (or the default name), usable as the
   * base of a new job.
   *
   * @throws NotFound for an unknown job or checkpoint
   * @throws Conflict when a model of that name exists
   */
  public FineTunedModel export(Caller caller, String jobId, String checkpoint, String modelName) {
    Job job = jobs.get(caller, jobId);
    Checkpoint cp =
        list(caller, jobId).stream()
            .filter(c -> c.name().equals(checkpoint))
            .findFirst()
            .orElseThrow(
                () ->
                    new NotFound(
                        "checkpoint",
                        checkpoint,
                        "Checkpoint " + checkpoint + " of job " + jobId + " not found."));
    String name =
        modelName == null || modelName.isBlank() ? defaultModelName(job, cp) : modelName.trim();
    JobNames.checkName("model_name", name);
    // Names are per tenant: only the caller's own models, reserved outputs and the base models
    // can be in the way, so the answer says nothing about other tenants' names.
    if (models.resolve(caller, name).isPresent() || models.fineTuned().nameTaken(caller, name)) {
      throw new Conflict("Model " + name + " already exists, please choose another model_name.");
    }
    ResolvedModel parent =
        models
            .resolveFor(job.userId(), job.workspaceId(), job.model())
            .orElseThrow(() -> NotFound.model(job.model()));
    Path target = modelsDir.resolve(exportDirName(job.id(), cp.name()));
    try {
      copyTree(
          paths.dir(job.id()).resolve(cp.name()),
          target,
          job.trainingType() == TrainingMethod.SFT_FULL ? parent.weightsPath() : null);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot export " + checkpoint + " of " + jobId, e);
    }
    FineTunedModel model =
        new FineTunedModel(
            name,
            job.id(),
            job.userId(),
            job.workspaceId(),
            job.baseModel(),
            job.model(),
            job.trainingType(),
            target,
            clock.instant());
    models.fineTuned().insert(model);
    return model;
  }

  private static String exportDirName(String jobId, String checkpoint) {
    return jobId + "-" + checkpoint;
  }

  /** Copies the model files (not the optimizer state) through a temp dir and a rename. */
  private static void copyTree(Path from, Path to, Path tokenizerFrom) throws IOException {
    if (Files.exists(to)) {
      return;
    }
    Files.createDirectories(to.getParent());
    Path tmp = Files.createTempDirectory(to.getParent(), "." + to.getFileName() + "-");
    try (Stream<Path> files = Files.list(from)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        String n = f.getFileName().toString();
        if (Files.isRegularFile(f) && !n.startsWith("optimizer")) {
          Files.copy(f, tmp.resolve(n));
        }
      }
    }
    if (tokenizerFrom != null) {
      for (String n : TOKENIZER_FILES) {
        Path f = tokenizerFrom.resolve(n);
        if (Files.isRegularFile(f) && !Files.exists(tmp.resolve(n))) {
          Files.copy(f, tmp.resolve(n));
        }
      }
    }
    Files.move(tmp, to, StandardCopyOption.ATOMIC_MOVE);
  }
}
