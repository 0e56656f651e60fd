package dev.tuneup.dispatch;

import dev.tuneup.job.Job;
import dev.tuneup.registry.ResolvedModel;
import java.util.List;
import java.util.Optional;

/**
 * The memory a trainer is started with, sized from its model before launch.
 *
 * @param limitBytes what the trainer may use in all, 0 = its machine's memory; it refuses a job
 *     whose estimate is larger
 * @param heapBytes the trainer JVM's {@code -Xmx}
 * @param directBytes the trainer JVM's {@code -XX:MaxDirectMemorySize}
 */
public record MemoryPlan(long limitBytes, long heapBytes, long directBytes) {

  /** Sizes the trainer of a job; empty where the model cannot be read (the trainer says why). */
  @FunctionalInterface
  public interface Planner {
    Optional<MemoryPlan> plan(Job job, ResolvedModel model, List<Long> fileSizes);

    /** No sizing: the trainer command's own settings apply. */
    Planner NONE = (job, model, sizes) -> Optional.empty();
  }
}
