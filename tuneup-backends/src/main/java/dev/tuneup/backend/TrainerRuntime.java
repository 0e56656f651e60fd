package dev.tuneup.backend;

import java.util.List;

/**
 * The server's choice of trainer runtime, written into every spec as its {@code trainer} object
 * (docs/trainer-contract.md); a job's {@code hyper_parameters.trainer_runtime} overrides {@code
 * runtime}.
 *
 * @param runtime {@code java} (the embedded DJL trainer, CPU) or {@code torch} (the Python trainer)
 * @param python the interpreter with {@code torch} ({@code trainer.torch.python})
 * @param devices {@code auto}, {@code cpu} or {@code cuda} ({@code trainer.torch.devices})
 * @param nprocPerNode processes per node, 0 = one per visible GPU, else 1 ({@code
 *     trainer.torch.nproc-per-node})
 */
public record TrainerRuntime(String runtime, String python, String devices, int nprocPerNode) {

  public static final TrainerRuntime DEFAULT = new TrainerRuntime("java", "python3", "auto", 0);

  public TrainerRuntime {
    if (!List.of("java", "torch").contains(runtime)) {
      throw new IllegalArgumentException("trainer.runtime must be java or torch, got " + runtime);
    }
    if (python == null || python.isBlank()) {
      throw new IllegalArgumentException("trainer.torch.python must name an interpreter");
    }
    if (!List.of("auto", "cpu", "cuda").contains(devices)) {
      throw new IllegalArgumentException(
          "trainer.torch.devices must be auto, cpu or cuda, got " + devices);
    }
    if (nprocPerNode < 0) {
      throw new IllegalArgumentException(
          "trainer.torch.nproc-per-node must be 0 (one per GPU) or more, got " + nprocPerNode);
    }
  }
}
