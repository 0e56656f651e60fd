package dev.tuneup.inference.engine;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.tuneup.inference.ChatMessage;
import dev.tuneup.inference.ChatRequest;
import dev.tuneup.inference.Completion;
import dev.tuneup.inference.SamplingOptions;
import dev.tuneup.inference.TokenSink;
import dev.tuneup.model.builtin.TinyModel;
import dev.tuneup.model.config.ModelConfig;
import dev.tuneup.model.lora.LoraAdapter;
import dev.tuneup.model.lora.LoraConfig;
import dev.tuneup.model.nn.KvCache;
import dev.tuneup.model.nn.TokenPicker;
import dev.tuneup.model.nn.Transformer;
import dev.tuneup.model.text.TinyTokenizer;
import dev.tuneup.model.weights.HostTensor;
import dev.tuneup.model.weights.SafetensorsWriter;
import dev.tuneup.registry.ResolvedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Decode speed of the inference engine; bench/inference-bench.sh runs it next to
 * bench/inference_bench.py, a greedy PyTorch loop with a KV cache on the same weights. Prints JSON
 * lines.
 *
 * <p>{@code java ... InferenceBench <tiny|big> <dir> [prompt] [new] [runs]}: creates the model in
 * {@code dir} ({@code tiny} is the built-in model, {@code big} a Qwen3 shape of 24 M parameters
 * with seeded random weights and the built-in tokenizer), then measures
 *
 * <ul>
 *   <li>{@code single}: time to first token (prefill of {@code prompt} tokens and the first pick)
 *       and decode tokens/s for {@code new} greedy tokens (end tokens ignored), with the engine's
 *       own decode step, median of {@code runs} after two warm-ups; the tokens of the last run;
 *   <li>{@code concurrent}: four chat requests at once through {@link Engine} at capacity 1 and 2,
 *       generated tokens per second over all of them and the mean latency.
 * </ul>
 */
public final class InferenceBench {
  private static final TokenSink DISCARD = (delta, count) -> true;

  private InferenceBench() {}

  public static void main(String[] args) throws Exception {
    String shape = args[0];
    Path dir = Path.of(args[1]);
    int promptLength = args.length > 2 ? Integer.parseInt(args[2]) : 64;
    int newTokens = args.length > 3 ? Integer.parseInt(args[3]) : 128;
    int runs = args.length > 4 ? Integer.parseInt(args[4]) : 5;
    Path modelDir = createModel(shape, dir);
    single(shape, modelDir, promptLength, newTokens, runs);
    for (int capacity = 1; capacity <= 2; capacity++) {
      concurrent(shape, modelDir, capacity, 4, newTokens);
    }
  }

  static Path createModel(String shape, Path dir) throws Exception {
    if (shape.equals("tiny")) {
      return TinyModel.ensure(dir);
    }
    if (!shape.equals("big")) {
      throw new IllegalArgumentException("shape tiny or big, got " + shape);
    }
    Path out = dir.resolve("bench-big");
    if (Files.isRegularFile(out.resolve("model.safetensors"))) {
      return out;
    }
    Files.createDirectories(out);
    TinyTokenizer.write(out);
    ModelConfig c =
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
    c.write(out);
    Random rnd = new Random(1);
    Map<String, HostTensor> weights = new TreeMap<>();
    for (Map.Entry<String, Shape> e : Transformer.expectedShapes(c).entrySet()) {
      float[] data = new float[(int) e.getValue().size()];
      if (e.getKey().endsWith("norm.weight")) {
        // a large final norm, as the built-in model has, gives confident (untied) greedy picks
        Arrays.fill(data, e.getKey().equals("model.norm.weight") ? 6f : 1f);
      } else {
        for (int i = 0; i < data.length; i++) {
          data[i] = (float) (rnd.nextGaussian() * 0.02);
        }
      }
      weights.put(e.getKey(), new HostTensor(e.getValue().getShape(), data));
    }
    SafetensorsWriter.writeHost(
        out.resolve("model.safetensors"),
        weights,
        Map.of("format", "pt"),
        SafetensorsWriter.Dtype.F32);
    return out;
  }

  /** The prompt both sides decode from: fixed ordinary token ids. */
  static int[] prompt(int length) {
    int[] ids = new int[length];
    for (int i = 0; i < length; i++) {
      ids[i] = 100 + (i * 7919) % 1500;
    }
    return ids;
  }

  private static void single(String shape, Path modelDir, int promptLength, int n, int runs)
      throws Exception {
    try (NDManager root = NDManager.newBaseManager();
        Transformer model = Transformer.load(modelDir, root)) {
      int[] prompt = prompt(promptLength);
      double[] ttft = new double[runs];
      double[] tps = new double[runs];
      int[] tokens = new int[n];
      for (int r = -2; r < runs; r++) {
        try (KvCache cache = new KvCache(model.manager(), model.config().numHiddenLayers())) {
          long t0 = System.nanoTime();
          tokens[0] = TokenPicker.greedy(Decoder.step(model, cache, prompt));
          long t1 = System.nanoTime();
          for (int i = 1; i < n; i++) {
            tokens[i] = TokenPicker.greedy(Decoder.step(model, cache, new int[] {tokens[i - 1]}));
          }
          long t2 = System.nanoTime();
          if (r >= 0) {
            ttft[r] = (t1 - t0) / 1e6;
            tps[r] = (n - 1) / ((t2 - t1) / 1e9);
          }
        }
      }
      System.out.printf(
          "{\"side\":\"tuneup\",\"kind\":\"single\",\"shape\":\"%s\",\"prompt\":%d,\"new\":%d,"
              + "\"ttft_ms\":%.2f,\"decode_tok_s\":%.1f,\"tokens\":%s}%n",
          shape, promptLength, n, median(ttft), median(tps), Arrays.toString(tokens));
      // A LoRA adapter (r 32 on every linear layer, the built-in model's default) applied on the
      // fly; merged at load it costs exactly the base figure above.
      LoraConfig lora =
          new LoraConfig(
              32,
              64,
              0,
              List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"),
              shape);
      try (LoraAdapter adapter = LoraAdapter.create(lora, model, 1)) {
        model.setLora(adapter);
        double[] onTheFly = new double[runs];
        for (int r = -1; r < runs; r++) {
          try (KvCache cache = new KvCache(model.manager(), model.config().numHiddenLayers())) {
            int token = TokenPicker.greedy(Decoder.step(model, cache, prompt));
            long t1 = System.nanoTime();
            for (int i = 1; i < n; i++) {
              token = TokenPicker.greedy(Decoder.step(model, cache, new int[] {token}));
            }
            if (r >= 0) {
              onTheFly[r] = (n - 1) / ((System.nanoTime() - t1) / 1e9);
            }
          }
        }
        model.setLora(null);
        System.out.printf(
            "{\"side\":\"tuneup\",\"kind\":\"lora\",\"shape\":\"%s\",\"merged_tok_s\":%.1f,"
                + "\"on_the_fly_tok_s\":%.1f}%n",
            shape, median(tps), median(onTheFly));
      }
    }
  }

  private static void concurrent(String shape, Path modelDir, int capacity, int requests, int n)
      throws Exception {
    Engine engine = new Engine(new EngineConfig(requests));
    ExecutorService pool = Executors.newFixedThreadPool(requests);
    try {
      engine.load("bench", new ResolvedModel("bench", "bench", modelDir, null), capacity);
      // warm-up: the first full-length generations of a JVM run at half speed (JIT)
      for (int i = 0; i < 3; i++) {
        engine.generate("bench", request(i, n), DISCARD);
      }
      long t0 = System.nanoTime();
      List<Future<long[]>> futures = new ArrayList<>();
      for (int i = 0; i < requests; i++) {
        int k = i;
        futures.add(
            pool.submit(
                () -> {
                  long s = System.nanoTime();
                  Completion c = engine.generate("bench", request(k, n), DISCARD);
                  return new long[] {c.outputTokens(), System.nanoTime() - s};
                }));
      }
      long tokens = 0;
      double latency = 0;
      for (Future<long[]> f : futures) {
        long[] r = f.get();
        tokens += r[0];
        latency += r[1] / 1e9;
      }
      double wall = (System.nanoTime() - t0) / 1e9;
      System.out.printf(
          "{\"side\":\"tuneup\",\"kind\":\"concurrent\",\"shape\":\"%s\",\"capacity\":%d,"
              + "\"requests\":%d,\"tokens\":%d,\"tok_s\":%.1f,\"mean_latency_s\":%.2f}%n",
          shape, capacity, requests, tokens, tokens / wall, latency / requests);
    } finally {
      pool.shutdownNow();
      engine.close();
    }
  }

  private static ChatRequest request(int k, int n) {
    return new ChatRequest(
        List.of(new ChatMessage("user", "Tell me a long story about benchmark number " + k + ".")),
        new SamplingOptions(n, 0, 1, 0, 0, List.of(), 1));
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
