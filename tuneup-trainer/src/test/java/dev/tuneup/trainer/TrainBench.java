package dev.tuneup.trainer;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.tuneup.model.config.ModelConfig;
import dev.tuneup.model.lora.LoraAdapter;
import dev.tuneup.model.lora.LoraConfig;
import dev.tuneup.model.nn.Transformer;
import dev.tuneup.trainer.data.PackedBatch;
import dev.tuneup.trainer.data.Packer;
import dev.tuneup.trainer.data.SftExample;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Training throughput of the trainer's step (forward, loss, backward, clipping, AdamW) on random
 * weights and synthetic data; bench/train-bench.sh runs it next to bench/train_bench.py, the same
 * computation in PyTorch. Prints one JSON line.
 *
 * <p>{@code java ... TrainBench <tiny|big> <full|lora> <fixed|mix-packed|mix-unpacked> [steps]}.
 * {@code fixed}: 8 rows of 128 tokens, second half labelled. {@code mix-*}: chat-like lengths
 * (log-normal, median 90, 16..512 tokens, a third of each labelled) laid out packed or one sample
 * per row, rows of 512, batches of about 4096 tokens.
 */
public final class TrainBench {

  private TrainBench() {}

  static ModelConfig shape(String name) {
    return switch (name) {
      case "tiny" ->
          new ModelConfig(
              ModelConfig.Architecture.QWEN3,
              192,
              512,
              3,
              6,
              2,
              32,
              1e-6,
              10000.0,
              2112,
              true,
              2048,
              false);
      case "big" ->
          new ModelConfig(
              ModelConfig.Architecture.QWEN3,
              512,
              1536,
              8,
              8,
              2,
              64,
              1e-6,
              10000.0,
              2112,
              true,
              2048,
              false);
      // the Qwen3-0.6B architecture with its real vocabulary (tied embeddings, q/k norm)
      case "q06" ->
          new ModelConfig(
              ModelConfig.Architecture.QWEN3,
              1024,
              3072,
              28,
              16,
              8,
              128,
              1e-6,
              1000000.0,
              151936,
              true,
              40960,
              false);
      default -> throw new IllegalArgumentException("shape tiny, big or q06, got " + name);
    };
  }

  public static void main(String[] args) {
    ModelConfig c = shape(args[0]);
    boolean lora = args[1].equals("lora");
    String data = args[2];
    int steps = args.length > 3 ? Integer.parseInt(args[3]) : 30;
    int warmup = 5;
    Random rnd = new Random(1);
    List<List<PackedBatch>> stepsData = new ArrayList<>();
    for (int i = 0; i < warmup + steps; i++) {
      stepsData.add(batchesFor(data, rnd, c.vocabSize()));
    }
    try (NDManager root = NDManager.newBaseManager()) {
      Map<String, NDArray> w = new LinkedHashMap<>();
      for (Map.Entry<String, Shape> e : Transformer.expectedShapes(c).entrySet()) {
        w.put(
            e.getKey(),
            e.getKey().endsWith("norm.weight")
                ? root.ones(e.getValue())
                : root.randomNormal(
                    0f, 0.02f, e.getValue(), ai.djl.ndarray.types.DataType.FLOAT32));
      }
      Transformer model = Transformer.of(c, w, root);
      Map<String, NDArray> params = model.weights();
      if (lora) {
        LoraAdapter a =
            LoraAdapter.create(
                new LoraConfig(8, 16, 0, LoraConfig.DEFAULT_TARGETS, "bench"), model, 1);
        model.setLora(a);
        params = a.tensors();
      }
      params.values().forEach(p -> p.setRequiresGradient(true));
      AdamW opt = new AdamW(root.newSubManager(), 0.1f);
      long tokens = 0;
      long t0 = 0;
      for (int i = 0; i < warmup + steps; i++) {
        if (i == warmup) {
          t0 = System.nanoTime();
        }
        List<PackedBatch> micro = stepsData.get(i);
        int targets = 0;
        for (PackedBatch b : micro) {
          targets += Transformer.countTargets(b.labels());
        }
        for (PackedBatch b : micro) {
          try (NDManager sm = root.newSubManager()) {
            NDArray inv = sm.full(new Shape(), 1f / targets);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
              NDArray sum =
                  model.lossSum(
                      Trainer.array(sm, b.inputIds()),
                      Trainer.array(sm, b.positionIds()),
                      Trainer.array(sm, b.segmentIds()),
                      b.labels());
              gc.backward(sum.mul(inv));
              sum.getFloat();
            }
          }
          if (i >= warmup) {
            tokens += b.tokens();
          }
        }
        opt.step(params, 1e-4f);
      }
      double s = (System.nanoTime() - t0) / 1e9;
      System.out.printf(
          "{\"impl\":\"djl\",\"shape\":\"%s\",\"mode\":\"%s\",\"data\":\"%s\",\"steps\":%d,"
              + "\"tokens_per_second\":%.1f,\"step_ms\":%.1f}%n",
          args[0], args[1], data, steps, tokens / s, s * 1000 / steps);
    }
  }

  /** One optimizer step's micro-batches; the layout bench/train_bench.py reproduces. */
  static List<PackedBatch> batchesFor(String data, Random rnd, int vocab) {
    if (data.equals("fixed")) {
      List<SftExample> ex = new ArrayList<>();
      for (int r = 0; r < 8; r++) {
        ex.add(example(rnd, vocab, 128, 64));
      }
      return Packer.unpacked(ex, 128, 8, 0);
    }
    List<SftExample> ex = new ArrayList<>();
    int total = 0;
    while (total < 8192) {
      int len = (int) Math.round(Math.exp(Math.log(90) + 0.8 * rnd.nextGaussian()));
      len = Math.max(16, Math.min(512, len));
      ex.add(example(rnd, vocab, len, len - len / 3));
      total += len;
    }
    return data.equals("mix-packed") ? Packer.pack(ex, 512, 8, 0) : Packer.unpacked(ex, 512, 8, 0);
  }

  private static SftExample example(Random rnd, int vocab, int len, int promptLen) {
    int[] ids = new int[len];
    int[] labels = new int[len];
    for (int i = 0; i < len; i++) {
      ids[i] = rnd.nextInt(vocab - 1) + 1;
      labels[i] = i < promptLen ? SftExample.IGNORE : ids[i];
    }
    return new SftExample(ids, labels);
  }
}
