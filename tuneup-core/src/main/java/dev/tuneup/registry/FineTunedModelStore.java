package dev.tuneup.registry;

import dev.tuneup.auth.Caller;
import java.util.List;
import java.util.Optional;

/** Persistence of fine-tuned models. */
public interface FineTunedModelStore {
  void insert(FineTunedModel model);

  Optional<FineTunedModel> find(String name);

  /** The model if it belongs to the caller's user and workspace. */
  Optional<FineTunedModel> findFor(Caller caller, String name);

  List<FineTunedModel> list(Caller caller);

  /** Models registered from one job: its output and exported checkpoints. */
  List<FineTunedModel> listForJob(String jobId);

  void deleteForJob(String jobId);
}
