package dev.tuneup.server.defaults;

import dev.tuneup.auth.Caller;
import dev.tuneup.contract.TrainingDefaults;
import dev.tuneup.contract.TrainingMethod;
import dev.tuneup.job.HyperParameters;
import dev.tuneup.job.Job;
import dev.tuneup.model.config.ModelConfig;
import dev.tuneup.model.config.ModelDefaults;
import dev.tuneup.registry.ModelCatalog;
import dev.tuneup.registry.ResolvedModel;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The per-model defaults on the server side, the same {@link ModelDefaults} the trainer applies:
 * what OpenAI's {@code "auto"} resolves to at create time, and the values a job trains with as both
 * surfaces show them. A model's {@code config.json} is read once per directory.
 */
public final class HyperParameterDefaults {
  /** Epochs for OpenAI's {@code "auto"}: OpenAI picks them itself; tuneup's choice is fixed. */
  public static final int AUTO_N_EPOCHS = TrainingDefaults.DEFAULT_N_EPOCHS;

  /** DashScope's documented default epochs, for a job that sets none. */
  public static final int DEFAULT_N_EPOCHS = 1;

  private final ModelCatalog catalog;
  private final Map<Path, Optional<ModelConfig>> configs = new ConcurrentHashMap<>();

  public HyperParameterDefaults(ModelCatalog catalog) {
    this.catalog = catalog;
  }

  /** The defaults of a model as the caller names it (at create time). */
  public ModelDefaults.Defaults forModel(Caller caller, String model, TrainingMethod type) {
    return of(catalog.resolve(caller, model), type);
  }

  /** The defaults of a stored job's model. */
  public ModelDefaults.Defaults forJob(Job job) {
    return of(catalog.resolveFor(job.userId(), job.workspaceId(), job.model()), job.trainingType());
  }

  /**
   * The values a job trains with for the keys the defaults cover: what it set, else its model's
   * default. LoRA settings only for LoRA jobs.
   */
  public Map<String, Object> resolved(Job job, Map<String, Object> given) {
    ModelDefaults.Defaults d = forJob(job);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("n_epochs", valueOr(given.get("n_epochs"), DEFAULT_N_EPOCHS));
    for (Map.Entry<String, Object> e : d.values().entrySet()) {
      out.put(e.getKey(), valueOr(given.get(e.getKey()), e.getValue()));
    }
    return out;
  }

  private ModelDefaults.Defaults of(Optional<ResolvedModel> model, TrainingMethod type) {
    boolean lora = type.lora();
    Optional<ModelConfig> config =
        model.flatMap(m -> configs.computeIfAbsent(m.weightsPath(), HyperParameterDefaults::read));
    // A model whose config cannot be read fails in the trainer with the reason; until then it
    // is shown with DashScope's defaults for real models.
    return config
        .map(c -> ModelDefaults.of(c, lora))
        .orElseGet(() -> ModelDefaults.documented(lora));
  }

  private static Optional<ModelConfig> read(Path dir) {
    try {
      return Optional.of(ModelConfig.load(dir));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  private static Object valueOr(Object given, Object dflt) {
    if (given == null) {
      return dflt;
    }
    Double d = HyperParameters.number(given);
    if (d != null && given instanceof String) {
      return d == Math.rint(d) && Math.abs(d) < 1e15 ? (Object) d.longValue() : (Object) d;
    }
    return given;
  }
}
