package dev.tuneup.model.config;

import ai.djl.ndarray.types.Shape;
import dev.tuneup.model.nn.Transformer;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The peak memory of a training run, estimated before it starts from the model's {@code
 * config.json} and the job's settings, the way the trainer lays its tensors out: F32 weights,
 * gradients and AdamW's two moments for what is trained (the whole model, or only the LoRA matrices
 * of a frozen base), activations kept for backward for one micro-batch, and the output layer with
 * its softmax at the labelled positions.
 *
 * <p>All figures are bytes.
 *
 * @param weights the model's weights in F32
 * @param training gradients and optimizer state of the trained tensors (and the LoRA matrices)
 * @param activations what the forward pass of one micro-batch keeps for backward
 * @param outputLayer logits, log-probabilities and their gradient at the labelled positions
 * @param loading direct (off-heap) buffers that carry tensors from files into libtorch
 * @param heap the trainer's Java heap: data records, tokenizer, events
 * @param runtime libtorch, the JVM itself and thread stacks
 */
public record MemoryEstimate(
    long weights,
    long training,
    long activations,
    long outputLayer,
    long loading,
    long heap,
    long runtime) {

  /** Tokens of one micro-batch: a step's batch is cut into rows of about this many tokens. */
  public static final int MICRO_BATCH_TOKENS = 4096;

  /** What libtorch, its thread pools and the JVM take beside the tensors. */
  static final long RUNTIME_BYTES = 768L << 20;

  /** The smallest Java heap a trainer starts with. */
  static final long MIN_HEAP_BYTES = 512L << 20;

  private static final long F32 = 4;
  private static final List<String> ATTENTION = List.of("q_proj", "k_proj", "v_proj", "o_proj");

  /**
   * The settings of a job that decide its memory.
   *
   * @param lora whether only LoRA matrices are trained (efficient_sft)
   * @param loraRank the LoRA rank
   * @param loraTargets projection names LoRA attaches to, e.g. {@code q_proj}
   * @param batchSize samples per step
   * @param sequenceLength tokens of a packed row: the longest sample, at most {@code max_length}
   * @param dataBytes bytes of the training and validation files
   */
  public record Job(
      boolean lora,
      int loraRank,
      List<String> loraTargets,
      int batchSize,
      int sequenceLength,
      long dataBytes) {
    public Job {
      loraTargets = List.copyOf(loraTargets);
    }
  }

  /** The estimate for training {@code config} with {@code job}'s settings. */
  public static MemoryEstimate of(ModelConfig config, Job job) {
    Map<String, Shape> shapes = Transformer.expectedShapes(config);
    long params = 0;
    long largest = 0;
    for (Shape s : shapes.values()) {
      params += s.size();
      largest = Math.max(largest, s.size());
    }
    long weights = F32 * params;

    long trained = job.lora() ? loraParameters(config, shapes, job) : params;
    // gradient + AdamW m and v; LoRA matrices are weights of their own on top.
    long training = F32 * trained * (job.lora() ? 4 : 3);

    long seq = Math.max(1, job.sequenceLength());
    // Rows of seq tokens, as many as make a micro-batch, never more than the step's samples.
    long rows = Math.max(1, Math.min(job.batchSize(), MICRO_BATCH_TOKENS / seq));
    long tokens = rows * seq;
    long h = config.hiddenSize();
    long q = (long) config.numAttentionHeads() * config.headDim();
    long kv = (long) config.numKeyValueHeads() * config.headDim();
    long inter = config.intermediateSize();
    // Kept per token and layer: norms, residuals and projections (8 h), q through its norm and
    // rope (3 q), k and v through norm, rope and the repeat to all heads (6 kv + 2 q), the MLP's
    // gate, up, activation and product (4 i).
    long perTokenLayer = 8 * h + 5 * q + 6 * kv + 4 * inter;
    // Attention scores, the masked and the softmaxed copy, and the mask per row.
    long scores = rows * seq * seq * (3L * config.numAttentionHeads() + 4);
    long perLayer = F32 * (tokens * perTokenLayer + scores);
    // Every layer's saved tensors, plus one layer's gradients in flight during backward.
    long activations = perLayer * (config.numHiddenLayers() + 1);

    // The output layer runs in chunks of rows (Transformer.outputChunkRows): one chunk's logits,
    // log-probabilities, one-hot targets and gradient at a time, plus the hidden states of every
    // position that may carry a label and their gradient; a trained head adds its gradient buffer.
    long chunk = Math.min(tokens, Transformer.outputChunkRows(config.vocabSize()));
    long outputLayer =
        F32 * (chunk * config.vocabSize() * 4 + 3 * tokens * h)
            + (job.lora() ? 0 : F32 * config.vocabSize() * h);

    // Each tensor crosses into libtorch through a direct buffer; they are freed by the GC, so
    // up to a model's worth may be outstanding while loading, plus the largest BF16 to F32 copy.
    long loading = weights + 2 * F32 * largest;
    // Token ids and labels as int arrays (at most one token per byte of data, twice over for the
    // parsed JSON and the records), the tokenizer, events.
    long heap = MIN_HEAP_BYTES + 16 * job.dataBytes();
    return new MemoryEstimate(
        weights, training, activations, outputLayer, loading, heap, RUNTIME_BYTES);
  }

  private static long loraParameters(ModelConfig config, Map<String, Shape> shapes, Job job) {
    long n = 0;
    for (int l = 0; l < config.numHiddenLayers(); l++) {
      for (String target : job.loraTargets()) {
        String module = ATTENTION.contains(target) ? "self_attn." : "mlp.";
        Shape s = shapes.get("model.layers." + l + "." + module + target + ".weight");
        if (s != null) {
          n += (long) job.loraRank() * (s.get(0) + s.get(1));
        }
      }
    }
    return n;
  }

  /**
   * The peak: the runtime, the heap and the weights throughout, then the larger of loading (its
   * buffers are gone once the model is in) and training.
   */
  public long total() {
    return runtime + heap + weights + Math.max(loading, training + activations + outputLayer);
  }

  /** The trainer's {@code -XX:MaxDirectMemorySize}: the loading buffers, with room. */
  public long directLimit() {
    return loading + (256L << 20);
  }

  /** What each part takes, e.g. {@code "weights 2.2 GiB, gradients and optimizer state …"}. */
  public String breakdown() {
    return "weights "
        + gib(weights)
        + ", gradients and optimizer state "
        + gib(training)
        + ", activations "
        + gib(activations)
        + ", output layer "
        + gib(outputLayer)
        + ", heap and runtime "
        + gib(heap + runtime);
  }

  /** Bytes in GiB with two decimals, e.g. {@code "2.25 GiB"}. */
  public static String gib(long bytes) {
    return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
  }
}
