package dev.tuneup.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import dev.tuneup.model.config.ModelConfig;
import dev.tuneup.model.lora.LoraAdapter;
import dev.tuneup.model.weights.SafetensorsReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A decoder-only transformer (Qwen2, Qwen3, LLaMA) computed directly on NDArrays, with its weights
 * kept in a map under their Hugging Face names and shapes (a linear weight is {@code [out, in]}).
 *
 * <p>Everything runs in float32. Constants that enter the autograd graph are long-lived native
 * scalar tensors, never {@code NDArray.mul(Number)} and friends: those wrap the number in
 * Java-owned memory that is freed right after the op while autograd still points at it, which
 * silently corrupts gradients after a GC (reference/djl-training.md §2).
 *
 * <p>Intermediate results land in the manager of the input ids, so callers scope a step by creating
 * the inputs in a sub-manager and closing it afterwards. Not thread-safe.
 */
public final class Transformer implements AutoCloseable {

  private final ModelConfig config;
  private final NDManager manager;
  private final Map<String, NDArray> weights;
  private final NDArray eps;
  private final NDArray attentionScale;
  private final NDArray maskedOut;
  private final NDArray one;
  private final NDArray invFreq;
  private final NDArray rotateHalf;
  private final NDArray cosTable;
  private final NDArray sinTable;
  private volatile Decoding decoding;
  private LoraAdapter lora;
  private boolean training;

  private Transformer(ModelConfig config, NDManager manager, Map<String, NDArray> weights) {
    this.config = config;
    this.manager = manager;
    this.weights = weights;
    this.eps = manager.full(new Shape(), (float) config.rmsNormEps());
    this.attentionScale = manager.full(new Shape(), (float) (1.0 / Math.sqrt(config.headDim())));
    this.maskedOut = manager.full(new Shape(), 1e9f);
    this.one = manager.full(new Shape(), 1f);
    int half = config.headDim() / 2;
    float[] freq = new float[half];
    for (int i = 0; i < half; i++) {
      // float32 like transformers: 1 / theta^(2i/d)
      freq[i] = (float) (1.0 / Math.pow(config.ropeTheta(), (2.0 * i) / config.headDim()));
    }
    this.invFreq = manager.create(freq);
    int d = config.headDim();
    // x @ rotateHalf = concat(-x2, x1): one product instead of split, negate and concatenate
    float[] r = new float[d * d];
    for (int j = 0; j < half; j++) {
      r[(j + half) * d + j] = -1f;
      r[j * d + j + half] = 1f;
    }
    this.rotateHalf = manager.create(r, new Shape(d, d));
    // cos and sin of every position a decode step can see, computed as the packed forward does
    int positions = Math.min(config.maxPositionEmbeddings(), ROTARY_TABLE_LIMIT);
    try (NDManager tmp = manager.newSubManager()) {
      NDArray f = tmp.arange((float) positions).expandDims(1).mul(invFreq);
      NDArray emb = f.concat(f, 1);
      this.cosTable = emb.cos();
      this.sinTable = emb.sin();
      cosTable.attach(manager);
      sinTable.attach(manager);
    }
  }

  /** Positions beyond this many get their rotary angles computed at each step instead. */
  private static final int ROTARY_TABLE_LIMIT = 8192;

  /**
   * What decoding reads besides the weights: per layer the q, k and v projections as one matrix
   * (and bias), and the q and k norm weights repeated per head as one {@code [nh + nkv, d]} array.
   */
  private record Decoding(NDArray[] qkv, NDArray[] qkvBias, NDArray[] qkNorm) {}

  /**
   * Builds a model from arrays already owned by {@code manager} (which the model then owns).
   *
   * @throws IllegalArgumentException naming the first missing or mis-shaped tensor
   */
  public static Transformer of(
      ModelConfig config, Map<String, NDArray> weights, NDManager manager) {
    Map<String, NDArray> kept = new LinkedHashMap<>();
    for (Map.Entry<String, Shape> e : expectedShapes(config).entrySet()) {
      NDArray a = weights.get(e.getKey());
      if (a == null) {
        throw new IllegalArgumentException("missing weight " + e.getKey());
      }
      if (!a.getShape().equals(e.getValue())) {
        throw new IllegalArgumentException(
            "weight " + e.getKey() + " has shape " + a.getShape() + ", expected " + e.getValue());
      }
      kept.put(e.getKey(), a);
    }
    return new Transformer(config, manager, kept);
  }

  /**
   * Loads {@code config.json} and the safetensors weights of a Hugging Face model directory into a
   * new sub-manager of {@code parent}.
   */
  public static Transformer load(Path modelDir, NDManager parent) {
    ModelConfig config = ModelConfig.load(modelDir);
    NDManager m = parent.newSubManager();
    try (SafetensorsReader reader = SafetensorsReader.open(modelDir)) {
      Map<String, NDArray> w = new LinkedHashMap<>();
      for (String name : expectedShapes(config).keySet()) {
        if (!reader.contains(name)) {
          throw new IllegalArgumentException(
              "missing weight "
                  + name
                  + " in "
                  + modelDir
                  + " (config says "
                  + config.architecture()
                  + ")");
        }
        w.put(name, reader.load(name, m));
      }
      return of(config, w, m);
    } catch (RuntimeException e) {
      m.close();
      throw e;
    }
  }

  /** Every tensor name this config needs, with its shape, in layer order. */
  public static Map<String, Shape> expectedShapes(ModelConfig c) {
    Map<String, Shape> s = new LinkedHashMap<>();
    int h = c.hiddenSize();
    int q = c.numAttentionHeads() * c.headDim();
    int kv = c.numKeyValueHeads() * c.headDim();
    s.put("model.embed_tokens.weight", new Shape(c.vocabSize(), h));
    for (int l = 0; l < c.numHiddenLayers(); l++) {
      String p = "model.layers." + l + ".";
      s.put(p + "input_layernorm.weight", new Shape(h));
      s.put(p + "self_attn.q_proj.weight", new Shape(q, h));
      s.put(p + "self_attn.k_proj.weight", new Shape(kv, h));
      s.put(p + "self_attn.v_proj.weight", new Shape(kv, h));
      s.put(p + "self_attn.o_proj.weight", new Shape(h, q));
      if (c.qkvBias()) {
        s.put(p + "self_attn.q_proj.bias", new Shape(q));
        s.put(p + "self_attn.k_proj.bias", new Shape(kv));
        s.put(p + "self_attn.v_proj.bias", new Shape(kv));
      }
      if (c.outputBias()) {
        s.put(p + "self_attn.o_proj.bias", new Shape(h));
      }
      if (c.queryKeyNorm()) {
        s.put(p + "self_attn.q_norm.weight", new Shape(c.headDim()));
        s.put(p + "self_attn.k_norm.weight", new Shape(c.headDim()));
      }
      s.put(p + "post_attention_layernorm.weight", new Shape(h));
      s.put(p + "mlp.gate_proj.weight", new Shape(c.intermediateSize(), h));
      s.put(p + "mlp.up_proj.weight", new Shape(c.intermediateSize(), h));
      s.put(p + "mlp.down_proj.weight", new Shape(h, c.intermediateSize()));
    }
    s.put("model.norm.weight", new Shape(h));
    if (!c.tieWordEmbeddings()) {
      s.put("lm_head.weight", new Shape(c.vocabSize(), h));
    }
    return s;
  }

  public ModelConfig config() {
    return config;
  }

  public NDManager manager() {
    return manager;
  }

  /** The live weights by Hugging Face name; changing an array changes the model. */
  public Map<String, NDArray> weights() {
    return weights;
  }

  /** Attaches a LoRA adapter (or detaches with null); its deltas are added to the projections. */
  public void setLora(LoraAdapter adapter) {
    this.lora = adapter;
  }

  public LoraAdapter lora() {
    return lora;
  }

  /** Training mode turns LoRA dropout on. */
  public void setTraining(boolean training) {
    this.training = training;
  }

  /**
   * Readies the model for decoding with a KV cache ({@link #forward(NDArray, KvCache)}): the q, k
   * and v projection weights of each layer become views of one fused matrix (no extra memory; the
   * weight map keeps working, an in-place change of a view changes the fused matrix), so a step
   * runs one product instead of three, and the q/k norm weights are stacked for one norm over both.
   * Call it once the norm weights are final (after loading, after merging an adapter); without it
   * decoding computes the same values with more operations. Idempotent.
   */
  public synchronized void prepareDecoding() {
    if (decoding != null) {
      return;
    }
    int layers = config.numHiddenLayers();
    long nq = (long) config.numAttentionHeads() * config.headDim();
    long nkv = (long) config.numKeyValueHeads() * config.headDim();
    NDArray[] qkv = new NDArray[layers];
    NDArray[] bias = new NDArray[layers];
    NDArray[] norm = new NDArray[layers];
    for (int l = 0; l < layers; l++) {
      String p = "model.layers." + l + ".self_attn.";
      qkv[l] = fuse(p, ".weight", nq, nkv);
      if (config.qkvBias()) {
        bias[l] = fuse(p, ".bias", nq, nkv);
      }
      if (config.queryKeyNorm()) {
        try (NDManager tmp = manager.newSubManager()) {
          NDArray q = tmp.ones(new Shape(config.numAttentionHeads(), 1));
          NDArray k = tmp.ones(new Shape(config.numKeyValueHeads(), 1));
          norm[l] =
              q.mul(weights.get(p + "q_norm.weight"))
                  .concat(k.mul(weights.get(p + "k_norm.weight")), 0);
          norm[l].attach(manager);
        }
      }
    }
    decoding = new Decoding(qkv, bias, norm);
  }

  /** Concatenates q, k and v (rows) and puts views of the result back in the weight map. */
  private NDArray fuse(String prefix, String suffix, long nq, long nkv) {
    NDArray q = weights.get(prefix + "q_proj" + suffix);
    NDArray k = weights.get(prefix + "k_proj" + suffix);
    NDArray v = weights.get(prefix + "v_proj" + suffix);
    NDArray fused = NDArrays.concat(new NDList(q, k, v), 0);
    weights.put(prefix + "q_proj" + suffix, fused.get(new NDIndex().addSliceDim(0, nq)));
    weights.put(prefix + "k_proj" + suffix, fused.get(new NDIndex().addSliceDim(nq, nq + nkv)));
    weights.put(
        prefix + "v_proj" + suffix, fused.get(new NDIndex().addSliceDim(nq + nkv, nq + 2 * nkv)));
    q.close();
    k.close();
    v.close();
    return fused;
  }

  /**
   * Logits for packed sequences.
   *
   * @param inputIds {@code [B, S]} token ids
   * @param positionIds {@code [B, S]} RoPE positions, restarting at 0 for each packed sample
   * @param segmentIds {@code [B, S]}; a token attends only to earlier tokens of the same segment
   * @return {@code [B, S, vocab]} float32 logits
   */
  public NDArray forward(NDArray inputIds, NDArray positionIds, NDArray segmentIds) {
    return head(hidden(inputIds, positionIds, segmentIds));
  }

  /**
   * The training loss of packed sequences: the sum of the negative log-likelihood over labelled
   * positions, as {@code nllSum(forward(...), labels)} computes it, but with the output layer and
   * the softmax applied only to the positions that carry a label. In chat data most positions are
   * prompt (system prompt, question, template), so this skips most of the widest matrix product of
   * the step, forward and backward.
   *
   * @param labels {@code B} rows of {@code S} labels, unshifted, {@code -100} = ignored
   * @return a scalar in the manager of {@code inputIds}; 0 when nothing is labelled
   */
  public NDArray lossSum(
      NDArray inputIds, NDArray positionIds, NDArray segmentIds, int[][] labels) {
    return score(inputIds, positionIds, segmentIds, labels).lossSum();
  }

  /**
   * The summed loss of the labelled positions and how many of them the model's argmax predicts.
   *
   * @param lossSum a differentiable scalar, as {@link #lossSum}
   * @param correct a scalar count, not differentiable; divide by {@link #countTargets} for the
   *     token accuracy
   */
  public record Score(NDArray lossSum, NDArray correct) {}

  /** {@link #lossSum} together with the count of labelled positions predicted right. */
  public Score score(NDArray inputIds, NDArray positionIds, NDArray segmentIds, int[][] labels) {
    NDArray h = hidden(inputIds, positionIds, segmentIds);
    int b = labels.length;
    int s = labels[0].length;
    long width = h.getShape().get(2);
    int n = countTargets(labels);
    NDManager m = inputIds.getManager();
    if (n == 0) {
      return new Score(m.zeros(new Shape()), m.zeros(new Shape()));
    }
    long[] rows = new long[(int) (n * width)];
    long[] targets = new long[n];
    int k = 0;
    for (int i = 0; i < b; i++) {
      for (int t = 0; t < s - 1; t++) {
        int y = labels[i][t + 1];
        if (y >= 0) {
          java.util.Arrays.fill(rows, (int) (k * width), (int) ((k + 1) * width), (long) i * s + t);
          targets[k++] = y;
        }
      }
    }
    NDArray picked = h.reshape((long) b * s, width).gather(m.create(rows, new Shape(n, width)), 0);
    NDArray logits = head(picked);
    NDArray logp = logits.logSoftmax(-1);
    NDArray loss = logp.gather(m.create(targets, new Shape(n, 1)), 1).sum().neg();
    NDArray correct =
        logits.argMax(-1).eq(m.create(targets, new Shape(n))).toType(DataType.FLOAT32, false).sum();
    return new Score(loss, correct);
  }

  /**
   * A training loss whose output layer is computed in chunks of rows: the {@code [labelled tokens,
   * vocab]} logits never exist at once. Each chunk's logits, softmax and gradient ({@code softmax -
   * one-hot}, times the head) are computed outside the autograd graph and freed before the next;
   * the graph only sees {@link Loss#backward()}, a scalar whose gradient with respect to every
   * weight equals that of the negative log-likelihood sum {@link #lossSum} returns.
   *
   * @param labels {@code B} rows of {@code S} labels, unshifted, {@code -100} = ignored
   */
  public Loss trainingLoss(
      NDArray inputIds, NDArray positionIds, NDArray segmentIds, int[][] labels) {
    return chunkedLoss(inputIds, positionIds, segmentIds, labels, outputChunkRows(), true);
  }

  /** {@link #lossSum}'s value with the output layer in chunks, for evaluation (no gradients). */
  public double lossValue(
      NDArray inputIds, NDArray positionIds, NDArray segmentIds, int[][] labels) {
    return evalLoss(inputIds, positionIds, segmentIds, labels).value();
  }

  /** {@link #trainingLoss} without gradients: the loss and the argmax hits, for evaluation. */
  public Loss evalLoss(NDArray inputIds, NDArray positionIds, NDArray segmentIds, int[][] labels) {
    return chunkedLoss(inputIds, positionIds, segmentIds, labels, outputChunkRows(), false);
  }

  /**
   * The loss of {@link #trainingLoss}.
   *
   * @param backward a scalar to run backward on (its value is not the loss)
   * @param value the sum of the negative log-likelihood over the labelled positions
   * @param correct how many labelled positions the model's argmax predicts (token accuracy's
   *     numerator)
   */
  public record Loss(NDArray backward, double value, long correct) {}

  /** Logit elements of one output-layer chunk: 32 M floats (128 MiB), at least 16 rows. */
  static final long OUTPUT_CHUNK_ELEMENTS = 32L << 20;

  /** Rows of one output-layer chunk for this model's vocabulary. */
  public int outputChunkRows() {
    return outputChunkRows(config.vocabSize());
  }

  /** Rows of one output-layer chunk for a vocabulary of {@code vocab} tokens. */
  public static int outputChunkRows(int vocab) {
    return (int) Math.max(16, OUTPUT_CHUNK_ELEMENTS / Math.max(1, vocab));
  }

  Loss chunkedLoss(
      NDArray inputIds,
      NDArray positionIds,
      NDArray segmentIds,
      int[][] labels,
      int chunkRows,
      boolean gradients) {
    NDArray h = hidden(inputIds, positionIds, segmentIds);
    int b = labels.length;
    int s = labels[0].length;
    long width = h.getShape().get(2);
    int n = countTargets(labels);
    NDManager m = inputIds.getManager();
    if (n == 0) {
      return new Loss(m.zeros(new Shape()), 0, 0);
    }
    long[] rows = new long[n];
    long[] targets = new long[n];
    int k = 0;
    for (int i = 0; i < b; i++) {
      for (int t = 0; t < s - 1; t++) {
        int y = labels[i][t + 1];
        if (y >= 0) {
          rows[k] = (long) i * s + t;
          targets[k++] = y;
        }
      }
    }
    long[] spread = new long[(int) (n * width)];
    for (int r = 0; r < n; r++) {
      java.util.Arrays.fill(spread, (int) (r * width), (int) ((r + 1) * width), rows[r]);
    }
    NDArray picked =
        h.reshape((long) b * s, width).gather(m.create(spread, new Shape(n, width)), 0);
    NDArray w = headWeight();
    boolean headTrained = gradients && w.hasGradient();
    NDArray frozenW = w.stopGradient();
    NDArray frozenPicked = picked.stopGradient();
    int vocab = (int) w.getShape().get(0);
    NDArray dw = headTrained ? m.zeros(w.getShape()) : null;
    List<NDArray> dh = new ArrayList<>();
    double value = 0;
    long correct = 0;
    for (int from = 0; from < n; from += chunkRows) {
      int to = Math.min(n, from + chunkRows);
      try (NDManager cm = m.newSubManager()) {
        NDArray hc = frozenPicked.get(new NDIndex("{}:{}", from, to));
        hc.attach(cm);
        NDArray tgt = cm.create(java.util.Arrays.copyOfRange(targets, from, to));
        NDArray logits = linear(hc, frozenW, null);
        NDArray logp = logits.logSoftmax(-1);
        value -= logp.gather(tgt.reshape(to - from, 1), 1).sum().getFloat();
        correct +=
            (long) logits.argMax(-1).eq(tgt).toType(DataType.FLOAT32, false).sum().getFloat();
        if (gradients) {
          NDArray dLogits = logp.exp().sub(tgt.oneHot(vocab));
          NDArray dhc = dLogits.matMul(frozenW);
          dhc.attach(m);
          dh.add(dhc);
          if (headTrained) {
            dw.addi(dLogits.transpose().matMul(hc));
          }
        }
      }
    }
    if (!gradients) {
      return new Loss(m.zeros(new Shape()), value, correct);
    }
    NDArray grad = dh.size() == 1 ? dh.get(0) : NDArrays.concat(new NDList(dh), 0);
    NDArray surrogate = picked.mul(grad).sum();
    if (headTrained) {
      surrogate = surrogate.add(w.mul(dw).sum());
    }
    return new Loss(surrogate, value, correct);
  }

  private NDArray headWeight() {
    return config.tieWordEmbeddings()
        ? weights.get("model.embed_tokens.weight")
        : weights.get("lm_head.weight");
  }

  private NDArray hidden(NDArray inputIds, NDArray positionIds, NDArray segmentIds) {
    long s = inputIds.getShape().get(1);
    NDManager sm = inputIds.getManager();
    NDArray seg = segmentIds.toType(DataType.INT64, false);
    NDArray same = seg.expandDims(2).eq(seg.expandDims(1));
    NDArray idx = sm.arange((int) s);
    NDArray causal = idx.expandDims(1).gte(idx.expandDims(0));
    NDArray allowed = same.logicalAnd(causal).expandDims(1);
    NDArray mask = allowed.toType(DataType.FLOAT32, false).sub(one).mul(maskedOut);
    return run(inputIds, positionIds, mask);
  }

  /**
   * Logits of the next token of one sequence, reading and extending {@code cache}. The first call
   * is the prefill (the whole prompt), later calls pass one token each. Only the last position goes
   * through the output layer: decoding needs no other, and it is the widest product of the step.
   *
   * @param inputIds {@code [1, s]} the tokens not yet in the cache
   * @return {@code [1, 1, vocab]} the logits after the last of {@code inputIds}
   */
  public NDArray forward(NDArray inputIds, KvCache cache) {
    long s = inputIds.getShape().get(1);
    int past = cache.length();
    NDManager sm = inputIds.getManager();
    // one new token attends to everything cached: no mask to build or add
    NDArray mask = null;
    if (s > 1) {
      float[] m = new float[(int) (s * (past + s))];
      for (int i = 0; i < s; i++) {
        for (int j = past + i + 1; j < past + s; j++) {
          m[(int) (i * (past + s) + j)] = -1e9f;
        }
      }
      mask = sm.create(m, new Shape(1, 1, s, past + s));
    }
    cache.borrow(sm);
    NDArray hidden = decode(inputIds, past, mask, cache);
    if (s > 1) {
      hidden = hidden.get(new NDIndex(":, -1:, :"));
    }
    NDArray logits = head(hidden);
    cache.keep(s);
    return logits;
  }

  private NDArray run(NDArray inputIds, NDArray positionIds, NDArray mask) {
    long b = inputIds.getShape().get(0);
    long s = inputIds.getShape().get(1);
    int nh = config.numAttentionHeads();
    int nkv = config.numKeyValueHeads();
    int d = config.headDim();
    NDArray ids = inputIds.toType(DataType.INT64, false);
    NDArray x =
        ids.getNDArrayInternal()
            .embedding(ids, weights.get("model.embed_tokens.weight"), SparseFormat.DENSE)
            .head();
    NDArray freqs = positionIds.toType(DataType.FLOAT32, false).expandDims(2).mul(invFreq);
    NDArray emb = freqs.concat(freqs, 2).expandDims(1);
    NDArray cos = emb.cos();
    NDArray sin = emb.sin();
    for (int l = 0; l < config.numHiddenLayers(); l++) {
      String p = "model.layers." + l + ".";
      NDArray h = rmsNorm(x, weights.get(p + "input_layernorm.weight"));
      NDArray q = project(h, p + "self_attn.q_proj").reshape(b, s, nh, d);
      NDArray k = project(h, p + "self_attn.k_proj").reshape(b, s, nkv, d);
      NDArray v = project(h, p + "self_attn.v_proj").reshape(b, s, nkv, d);
      if (config.queryKeyNorm()) {
        q = rmsNorm(q, weights.get(p + "self_attn.q_norm.weight"));
        k = rmsNorm(k, weights.get(p + "self_attn.k_norm.weight"));
      }
      q = rope(q.transpose(0, 2, 1, 3), cos, sin);
      k = rope(k.transpose(0, 2, 1, 3), cos, sin);
      v = v.transpose(0, 2, 1, 3);
      k = repeatKv(k, nh / nkv);
      v = repeatKv(v, nh / nkv);
      NDArray att =
          q.matMul(k.transpose(0, 1, 3, 2)).mul(attentionScale).add(mask).softmax(-1).matMul(v);
      x = attentionOutAndMlp(x, att, p);
    }
    return rmsNorm(x, weights.get("model.norm.weight"));
  }

  /** The residual after attention, then the MLP block with its residual. */
  private NDArray attentionOutAndMlp(NDArray x, NDArray att, String p) {
    Shape as = att.getShape();
    if (as.get(2) > 1) {
      att = att.transpose(0, 2, 1, 3);
    }
    // one position ([b, nh, 1, d]) needs no transpose: the heads are already consecutive
    att = att.reshape(as.get(0), as.get(2), as.get(1) * as.get(3));
    x = x.add(project(att, p + "self_attn.o_proj"));
    NDArray h = rmsNorm(x, weights.get(p + "post_attention_layernorm.weight"));
    NDArray g = project(h, p + "mlp.gate_proj");
    NDArray u = project(h, p + "mlp.up_proj");
    return x.add(project(g.mul(Activation.sigmoid(g)).mul(u), p + "mlp.down_proj"));
  }

  /**
   * The hidden states of {@code s} new tokens of one sequence at positions {@code past...}, reading
   * and extending {@code cache}. The same computation as the packed forward, in fewer operations (a
   * decode step is hundreds of small ones, so their number sets the speed): rotary angles from a
   * table, q and k normed and rotated together, rotate-half as one product, and with {@link
   * #prepareDecoding} one q/k/v product.
   */
  private NDArray decode(NDArray inputIds, int past, NDArray mask, KvCache cache) {
    long s = inputIds.getShape().get(1);
    int nh = config.numAttentionHeads();
    int nkv = config.numKeyValueHeads();
    int d = config.headDim();
    NDManager sm = inputIds.getManager();
    Decoding prepared = decoding;
    boolean fused = prepared != null && lora == null;
    NDArray ids = inputIds.toType(DataType.INT64, false);
    NDArray x =
        ids.getNDArrayInternal()
            .embedding(ids, weights.get("model.embed_tokens.weight"), SparseFormat.DENSE)
            .head();
    NDArray cos;
    NDArray sin;
    if (past + s <= cosTable.getShape().get(0)) {
      NDIndex rows = new NDIndex().addSliceDim(past, past + s);
      cos = cosTable.get(rows);
      sin = sinTable.get(rows);
      cos.attach(sm);
      sin.attach(sm);
    } else {
      NDArray f = sm.arange((float) past, (float) (past + s)).expandDims(1).mul(invFreq);
      NDArray emb = f.concat(f, 1);
      cos = emb.cos();
      sin = emb.sin();
    }
    // Each intermediate is released as soon as it is used (as a reference-counted runtime would),
    // and the residual is updated in place: the next allocation then reuses memory that is still
    // in the cache, which makes a long prompt's prefill markedly faster. No gradient flows here.
    for (int l = 0; l < config.numHiddenLayers(); l++) {
      String p = "model.layers." + l + ".";
      NDArray h = rmsNormEager(x, weights.get(p + "input_layernorm.weight"));
      NDArray qk;
      NDArray v;
      if (fused) {
        NDArray projected = linear(h, prepared.qkv()[l], prepared.qkvBias()[l]);
        h.close();
        NDArray heads = projected.reshape(1, s, nh + 2L * nkv, d);
        projected.close();
        NDList parts = heads.split(new long[] {nh + nkv}, 2);
        heads.close();
        qk = parts.get(0);
        v = parts.get(1);
      } else {
        qk =
            project(h, p + "self_attn.q_proj")
                .concat(project(h, p + "self_attn.k_proj"), 2)
                .reshape(1, s, nh + nkv, d);
        v = project(h, p + "self_attn.v_proj").reshape(1, s, nkv, d);
        h.close();
      }
      if (config.queryKeyNorm()) {
        NDArray w;
        if (prepared != null) {
          w = prepared.qkNorm()[l];
        } else {
          w =
              sm.ones(new Shape(nh, 1))
                  .mul(weights.get(p + "self_attn.q_norm.weight"))
                  .concat(
                      sm.ones(new Shape(nkv, 1)).mul(weights.get(p + "self_attn.k_norm.weight")),
                      0);
        }
        NDArray normed = rmsNormEager(qk, w);
        qk.close();
        qk = normed;
      }
      NDArray byHead = qk.transpose(0, 2, 1, 3);
      qk.close();
      NDArray rotated = byHead.matMul(rotateHalf).muli(sin);
      NDArray roped = byHead.mul(cos).addi(rotated);
      byHead.close();
      rotated.close();
      NDList qkParts = roped.split(new long[] {nh}, 1);
      roped.close();
      NDArray q = qkParts.get(0);
      NDArray k = qkParts.get(1);
      NDArray vt = v.transpose(0, 2, 1, 3);
      v.close();
      NDArray[] kv = cache.append(l, k, vt);
      if (kv[0] != k) {
        k.close();
        vt.close();
      }
      NDArray att = groupedAttention(q, kv[0], kv[1], mask);
      q.close();
      x = attentionOutAndMlpEager(x, att, p);
    }
    NDArray out = rmsNormEager(x, weights.get("model.norm.weight"));
    x.close();
    return out;
  }

  /**
   * {@link #attentionOutAndMlp} for decoding: adds into {@code x} in place and closes {@code att}
   * and every intermediate as soon as it is used.
   */
  private NDArray attentionOutAndMlpEager(NDArray x, NDArray att, String p) {
    Shape as = att.getShape();
    NDArray heads = as.get(2) > 1 ? att.transpose(0, 2, 1, 3) : att;
    // one position ([b, nh, 1, d]) needs no transpose: the heads are already consecutive
    NDArray flat = heads.reshape(as.get(0), as.get(2), as.get(1) * as.get(3));
    if (heads != att) {
      heads.close();
    }
    att.close();
    NDArray o = project(flat, p + "self_attn.o_proj");
    flat.close();
    x.addi(o);
    o.close();
    NDArray h = rmsNormEager(x, weights.get(p + "post_attention_layernorm.weight"));
    NDArray g = project(h, p + "mlp.gate_proj");
    NDArray u = project(h, p + "mlp.up_proj");
    h.close();
    NDArray gate = Activation.sigmoid(g);
    g.muli(gate).muli(u);
    gate.close();
    u.close();
    NDArray down = project(g, p + "mlp.down_proj");
    g.close();
    x.addi(down);
    down.close();
    return x;
  }

  /** {@link #rmsNorm} that releases its intermediates at once; {@code x} is left as it is. */
  private NDArray rmsNormEager(NDArray x, NDArray w) {
    NDArray squares = x.square();
    NDArray meanSquare = squares.mean(new int[] {-1}, true).addi(eps);
    squares.close();
    NDArray rms = meanSquare.sqrt();
    meanSquare.close();
    NDArray y = x.div(rms).muli(w);
    rms.close();
    return y;
  }

  /** The output layer: logits from final hidden states. */
  private NDArray head(NDArray hidden) {
    NDArray w =
        config.tieWordEmbeddings()
            ? weights.get("model.embed_tokens.weight")
            : weights.get("lm_head.weight");
    return linear(hidden, w, null);
  }

  private NDArray project(NDArray x, String module) {
    NDArray y = linear(x, weights.get(module + ".weight"), weights.get(module + ".bias"));
    if (lora != null && lora.targets(module)) {
      y = y.add(lora.delta(module, x, training));
    }
    return y;
  }

  static NDArray linear(NDArray x, NDArray w, NDArray bias) {
    return x.getNDArrayInternal().linear(x, w, bias).head();
  }

  private NDArray rmsNorm(NDArray x, NDArray w) {
    NDArray rms = x.square().mean(new int[] {-1}, true).add(eps).sqrt();
    return x.div(rms).mul(w);
  }

  private static NDArray rope(NDArray x, NDArray cos, NDArray sin) {
    NDList halves = x.split(2, 3);
    NDArray rotated = halves.get(1).neg().concat(halves.get(0), 3);
    return x.mul(cos).add(rotated.mul(sin));
  }

  /**
   * Attention of grouped queries without copying the cached keys and values for every head: the
   * heads sharing one key/value head are consecutive, so the queries of a group are stacked into
   * rows of one product with that head. Decoding then reads the cache once per step, not once per
   * query head, and runs fewer operations.
   *
   * @param q {@code [b, nh, s, d]}
   * @param k {@code [b, nkv, t, d]}
   * @param mask {@code [1, 1, s, t]}, or null when every query may see every key
   * @return {@code [b, nh, s, d]}; every intermediate is released as soon as it is used
   */
  private NDArray groupedAttention(NDArray q, NDArray k, NDArray v, NDArray mask) {
    Shape qs = q.getShape();
    long b = qs.get(0);
    long nh = qs.get(1);
    long s = qs.get(2);
    long d = qs.get(3);
    long nkv = k.getShape().get(1);
    long t = k.getShape().get(2);
    long g = nh / nkv;
    NDArray scaled = q.mul(attentionScale);
    NDArray rows = scaled.reshape(b, nkv, g * s, d);
    if (rows != scaled) {
      scaled.close();
    }
    NDArray keys = k.transpose(0, 1, 3, 2);
    NDArray scores = rows.matMul(keys);
    rows.close();
    keys.close();
    if (mask != null) {
      NDArray grouped = scores.reshape(b, nkv, g, s, t);
      grouped.addi(mask);
      grouped.close();
    }
    NDArray weightsOfKeys = scores.softmax(-1);
    scores.close();
    NDArray mixed = weightsOfKeys.matMul(v);
    weightsOfKeys.close();
    NDArray out = mixed.reshape(b, nh, s, d);
    if (out != mixed) {
      mixed.close();
    }
    return out;
  }

  private static NDArray repeatKv(NDArray x, int times) {
    if (times == 1) {
      return x;
    }
    Shape s = x.getShape();
    return x.expandDims(2)
        .broadcast(s.get(0), s.get(1), times, s.get(2), s.get(3))
        .reshape(s.get(0), s.get(1) * times, s.get(2), s.get(3));
  }

  /**
   * Sum of the negative log-likelihood over labelled positions; position {@code t} predicts label
   * {@code t + 1} (labels are given unshifted, {@code -100} = ignored).
   *
   * @param logits {@code [B, S, V]}
   * @param labels {@code B} rows of {@code S} labels
   * @return a scalar in the manager of {@code logits}; divide by {@link #countTargets} for a mean
   */
  public static NDArray nllSum(NDArray logits, int[][] labels) {
    int b = labels.length;
    int s = labels[0].length;
    long[] targets = new long[b * (s - 1)];
    float[] weights = new float[b * (s - 1)];
    for (int i = 0; i < b; i++) {
      for (int t = 0; t < s - 1; t++) {
        int y = labels[i][t + 1];
        targets[i * (s - 1) + t] = y < 0 ? 0 : y;
        weights[i * (s - 1) + t] = y < 0 ? 0f : 1f;
      }
    }
    NDManager m = logits.getManager();
    NDArray tgt = m.create(targets, new Shape(b, s - 1, 1));
    NDArray w = m.create(weights, new Shape(b, s - 1));
    NDArray shifted = logits.get(new NDIndex(":, :-1, :"));
    NDArray picked = shifted.logSoftmax(-1).gather(tgt, 2).squeeze(2);
    return picked.mul(w).sum().neg();
  }

  /** How many positions {@link #nllSum} counts. */
  public static int countTargets(int[][] labels) {
    int n = 0;
    for (int[] row : labels) {
      for (int t = 1; t < row.length; t++) {
        if (row[t] >= 0) {
          n++;
        }
      }
    }
    return n;
  }

  /** Names of the weights in a stable order. */
  public List<String> weightNames() {
    return new ArrayList<>(weights.keySet());
  }

  @Override
  public void close() {
    manager.close();
  }
}
