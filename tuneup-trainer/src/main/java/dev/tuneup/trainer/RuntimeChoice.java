package dev.tuneup.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * Which trainer runtime a job uses and how the torch runtime is started, read from {@code
 * spec.json}: the job's {@code hyper_parameters.trainer_runtime} (a tuneup extension) wins over the
 * server's {@code trainer} object ({@code runtime}, {@code torch_python}, {@code torch_devices},
 * {@code torch_nproc_per_node}), which the server writes from its {@code trainer.*} keys.
 *
 * @param runtime {@code java} (the embedded DJL trainer) or {@code torch}
 * @param python the interpreter that has {@code torch}
 * @param devices {@code auto}, {@code cpu} or {@code cuda}
 * @param nprocPerNode processes on this node; 0 = one per visible GPU, else 1
 */
record RuntimeChoice(String runtime, String python, String devices, int nprocPerNode) {

  static final String JAVA = "java";
  static final String TORCH = "torch";
  static final String DEFAULT_PYTHON = "python3";

  RuntimeChoice {
    if (!List.of(JAVA, TORCH).contains(runtime)) {
      throw new IllegalArgumentException(
          "trainer runtime must be java or torch, got '"
              + runtime
              + "' (hyper_parameters.trainer_runtime or trainer.runtime)");
    }
    if (!List.of("auto", "cpu", "cuda").contains(devices)) {
      throw new IllegalArgumentException(
          "trainer.torch.devices must be auto, cpu or cuda, got '" + devices + "'");
    }
    if (nprocPerNode < 0) {
      throw new IllegalArgumentException(
          "trainer.torch.nproc-per-node must be 0 (auto) or more, got " + nprocPerNode);
    }
  }

  static RuntimeChoice of(JsonNode spec) {
    JsonNode t = spec.path("trainer");
    String runtime = t.path("runtime").asText(JAVA);
    JsonNode perJob = spec.path("hyper_parameters").get("trainer_runtime");
    if (perJob != null && !perJob.isNull()) {
      runtime = perJob.asText();
    }
    return new RuntimeChoice(
        runtime.trim().toLowerCase(java.util.Locale.ROOT),
        t.path("torch_python").asText(DEFAULT_PYTHON),
        t.path("torch_devices").asText("auto"),
        t.path("torch_nproc_per_node").asInt(0));
  }

  boolean torch() {
    return runtime.equals(TORCH);
  }
}
