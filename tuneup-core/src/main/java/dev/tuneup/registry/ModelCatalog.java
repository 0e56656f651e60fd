package dev.tuneup.registry;

import dev.tuneup.auth.Caller;
import dev.tuneup.contract.TrainingMethod;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every model a caller can name: the base models (of the configuration and those registered at run
 * time, visible to all) and the caller's fine-tuned and imported models. A configured id shadows a
 * registered one of the same id, which registration prevents anyway.
 */
public final class ModelCatalog {
  private final Map<String, BaseModel> configured = new LinkedHashMap<>();
  private final BaseModelStore registered;
  private final FineTunedModelStore fineTuned;

  public ModelCatalog(List<BaseModel> baseModels, FineTunedModelStore fineTuned) {
    this(baseModels, BaseModelStore.none(), fineTuned);
  }

  public ModelCatalog(
      List<BaseModel> configuredModels, BaseModelStore registered, FineTunedModelStore fineTuned) {
    configuredModels.forEach(b -> configured.put(b.id(), b));
    this.registered = registered;
    this.fineTuned = fineTuned;
  }

  /** The configured base models, then the registered ones, oldest first. */
  public List<BaseModel> baseModels() {
    List<BaseModel> all = new ArrayList<>(configured.values());
    for (BaseModel b : registered.list()) {
      if (!configured.containsKey(b.id())) {
        all.add(b);
      }
    }
    return all;
  }

  public Optional<BaseModel> base(String id) {
    BaseModel b = configured.get(id);
    return b != null ? Optional.of(b) : registered.find(id);
  }

  public BaseModelStore registered() {
    return registered;
  }

  public FineTunedModelStore fineTuned() {
    return fineTuned;
  }

  /** Whether any model, base or fine-tuned, of anyone, already answers to {@code id}. */
  public boolean taken(String id) {
    return base(id).isPresent() || fineTuned.find(id).isPresent();
  }

  /** Resolves a model id for the caller, or empty when no such model is visible. */
  public Optional<ResolvedModel> resolve(Caller caller, String id) {
    Optional<BaseModel> base = base(id);
    if (base.isPresent()) {
      return Optional.of(new ResolvedModel(id, id, base.get().path(), null));
    }
    return fineTuned.findFor(caller, id).flatMap(this::resolve);
  }

  /** Resolves a registered fine-tuned model regardless of owner (for a job already accepted). */
  public Optional<ResolvedModel> resolve(FineTunedModel m) {
    if (m.trainingType() == TrainingMethod.SFT_FULL) {
      return Optional.of(new ResolvedModel(m.name(), m.baseModel(), m.path(), null));
    }
    return base(m.baseModel())
        .map(b -> new ResolvedModel(m.name(), m.baseModel(), b.path(), m.path()));
  }

  /**
   * Resolves a model id as its owner sees it (dispatch of an accepted job, loading a deployment): a
   * base model, else the owner's model of that name. Names are per tenant, so the owner decides.
   */
  public Optional<ResolvedModel> resolveFor(String userId, String workspaceId, String id) {
    return resolve(new Caller(userId, workspaceId, false), id);
  }
}
