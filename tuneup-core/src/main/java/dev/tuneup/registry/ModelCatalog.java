package dev.tuneup.registry;

import dev.tuneup.auth.Caller;
import dev.tuneup.job.TrainingType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every model a caller can name: the base models of the configuration (visible to all) and the
 * caller's fine-tuned models.
 */
public final class ModelCatalog {
  private final Map<String, BaseModel> bases = new LinkedHashMap<>();
  private final FineTunedModelStore fineTuned;

  public ModelCatalog(List<BaseModel> baseModels, FineTunedModelStore fineTuned) {
    baseModels.forEach(b -> bases.put(b.id(), b));
    this.fineTuned = fineTuned;
  }

  public List<BaseModel> baseModels() {
    return List.copyOf(bases.values());
  }

  public Optional<BaseModel> base(String id) {
    return Optional.ofNullable(bases.get(id));
  }

  public FineTunedModelStore fineTuned() {
    return fineTuned;
  }

  /** Resolves a model id for the caller, or empty when no such model is visible. */
  public Optional<ResolvedModel> resolve(Caller caller, String id) {
    BaseModel base = bases.get(id);
    if (base != null) {
      return Optional.of(new ResolvedModel(id, id, base.path(), null));
    }
    return fineTuned.findFor(caller, id).flatMap(this::resolve);
  }

  /** Resolves a registered fine-tuned model regardless of owner (for a job already accepted). */
  public Optional<ResolvedModel> resolve(FineTunedModel m) {
    if (m.trainingType() == TrainingType.SFT) {
      return Optional.of(new ResolvedModel(m.name(), m.baseModel(), m.path(), null));
    }
    return base(m.baseModel())
        .map(b -> new ResolvedModel(m.name(), m.baseModel(), b.path(), m.path()));
  }

  /** Resolves any model id without an owner check (dispatch of an accepted job). */
  public Optional<ResolvedModel> resolveAny(String id) {
    BaseModel base = bases.get(id);
    if (base != null) {
      return Optional.of(new ResolvedModel(id, id, base.path(), null));
    }
    return fineTuned.find(id).flatMap(this::resolve);
  }
}
