package dev.tuneup.server.defaults;

import dev.tuneup.dispatch.MemoryPlan;
import dev.tuneup.job.Job;
import dev.tuneup.model.config.MemoryEstimate;
import dev.tuneup.model.config.ModelConfig;
import dev.tuneup.model.lora.LoraConfig;
import dev.tuneup.registry.ResolvedModel;
import java.util.List;
import java.util.Optional;

/**
 * Sizes a trainer JVM from its model: the heap from the data it reads, the direct-buffer limit from
 * the weights that pass through direct buffers on their way into libtorch; and the limit the
 * trainer checks its full estimate against before it loads the model (docs/training.md, "Memory").
 */
public final class TrainerMemory implements MemoryPlan.Planner {
  private final long limit;

  /**
   * @param configuredLimit {@code trainer.memory-limit} in bytes; 0 = the memory of the machine the
   *     trainer runs on (which, on Slurm or Kubernetes, is not this one)
   */
  public TrainerMemory(long configuredLimit) {
    this.limit = Math.max(0, configuredLimit);
  }

  @Override
  public Optional<MemoryPlan> plan(Job job, ResolvedModel model, List<Long> fileSizes) {
    ModelConfig config;
    try {
      config = ModelConfig.load(model.weightsPath());
    } catch (RuntimeException e) {
      return Optional.empty(); // the trainer fails on it and says why
    }
    long data = fileSizes.stream().mapToLong(Long::longValue).sum();
    // Heap and direct buffers do not depend on the row length: the trainer checks that part.
    MemoryEstimate e =
        MemoryEstimate.of(
            config,
            new MemoryEstimate.Job(
                job.trainingType().lora(), 8, LoraConfig.DEFAULT_TARGETS, 1, 8, data));
    return Optional.of(new MemoryPlan(limit, e.heap(), e.directLimit()));
  }
}
