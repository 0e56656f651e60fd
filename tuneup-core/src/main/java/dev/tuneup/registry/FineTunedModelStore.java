package dev.tuneup.registry;

import dev.tuneup.auth.Caller;
import java.util.List;
import java.util.Optional;

/**
 * Persistence of fine-tuned models. Names are per tenant (user and workspace): two tenants may each
 * hold a model of one name.
 */
public interface FineTunedModelStore {
  /**
   * Registers a model under a name of its tenant: one that is free there, or that its own job
   * reserved at create.
   *
   * @throws dev.tuneup.error.ModelNameTaken when the tenant holds the name for something else
   */
  void insert(FineTunedModel model);

  /** Any tenant's model of that name, the oldest one (administration only: no owner check). */
  Optional<FineTunedModel> find(String name);

  /** Whether the caller's tenant holds the name: a model, or a job's reserved output. */
  boolean nameTaken(Caller caller, String name);

  /** The model if it belongs to the caller's user and workspace. */
  Optional<FineTunedModel> findFor(Caller caller, String name);

  List<FineTunedModel> list(Caller caller);

  /** Models registered from one job: its output and exported checkpoints. */
  List<FineTunedModel> listForJob(String jobId);

  void deleteForJob(String jobId);
}
