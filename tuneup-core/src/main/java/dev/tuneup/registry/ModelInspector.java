package dev.tuneup.registry;

import java.nio.file.Path;

/**
 * Checks that a directory loads before it is registered (port; the adapter reads the files with
 * tuneup-model). Reads headers only, so it is quick even for large models.
 */
public interface ModelInspector {

  /**
   * What a directory that loads holds.
   *
   * @param architecture the Hugging Face class, e.g. {@code Qwen3ForCausalLM}
   * @param parameters parameters stored (the adapter's alone for an adapter)
   * @param dtype the stored dtype ({@code BF16}, {@code F32}, …, or {@code mixed})
   * @param bytes the size of the directory's files
   * @param loraRank the adapter's rank, 0 for full weights
   */
  record Facts(
      String architecture,
      int layers,
      int hiddenSize,
      int vocabSize,
      long parameters,
      String dtype,
      long bytes,
      int loraRank) {}

  /**
   * Checks a full model directory: supported architecture, every weight the config implies with its
   * shape, a tokenizer and a chat template that work.
   *
   * @throws ModelRejected listing every problem, each naming the file at fault
   */
  Facts inspectModel(Path dir);

  /**
   * Checks a PEFT LoRA adapter directory against the base model directory it adapts.
   *
   * @throws ModelRejected listing every problem
   */
  Facts inspectAdapter(Path adapterDir, Path baseDir);
}
