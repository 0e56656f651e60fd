package dev.tuneup.inference.engine;

import static java.nio.charset.StandardCharsets.UTF_8;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Decode speed of the inference engine next to a greedy PyTorch loop with a KV cache on the same
 * weights (bench/inference_bench.py); bench/inference-bench.sh runs it. Prints JSON lines.
 *
 * <p>{@code java ... InferenceBench <tiny|big> <dir> <prompts> <new> <runs> <threads> <script>
 * [parts]}: creates the model in {@code dir} ({@code tiny} is the built-in model, {@code big} a
 * Qwen3 shape of 24 M parameters with seeded random weights and the built-in tokenizer), then
 * measures ({@code parts}, comma-separated, default all):
 *
 * <ul>
 *   <li>{@code single}: for each prompt length (comma-separated), time to first token (prefill and
 *       the first pick) and decode tokens/s for {@code new} greedy tokens (end tokens ignored),
 *       with the engine's own decode step, after five seconds of warm-up (JIT). The PyTorch loop
 *       runs as a child process ({@code script --serve}) and the two sides take turns run by run,
 *       so that both see the same load; two warm-ups, then the median of {@code runs} per side and
 *       the median of the per-turn ratios; how many greedy tokens of the last run agree;
 *   <li>{@code lora}: decode tokens/s with a LoRA adapter applied on the fly;
 *   <li>{@code concurrent}: four chat requests at once through {@link Engine} at capacity 1 and 2,
 *       generated tokens per second over all of them and the mean latency.
 * </ul>
 */
public final class InferenceBench {
  private static final TokenSink DISCARD = (delta, count) -> true;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long PAUSE_MS = 300;

  private InferenceBench() {}

  public static void main(String[] args) throws Exception {
    String shape = args[0];
    Path dir = Path.of(args[1]);
    int[] prompts = Arrays.stream(args[2].split(",")).mapToInt(Integer::parseInt).toArray();
    int newTokens = Integer.parseInt(args[3]);
    int runs = Integer.parseInt(args[4]);
    int threads = Integer.parseInt(args[5]);
    Path script = Path.of(args[6]);
    List<String> parts = List.of((args.length > 7 ? args[7] : "single,lora,concurrent").split(","));
    Path modelDir = createModel(shape, dir);
    if (parts.contains("single")) {
      try (NDManager root = NDManager.newBaseManager();
          Transformer model = Transformer.load(modelDir, root);
          PyTorchSide torch = new PyTorchSide(script, modelDir, threads)) {
        model.prepareDecoding(); // as the engine loads it
        // the JIT needs a few thousand steps before the decode loop runs at full speed
        long until = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < until) {
          generate(model, prompt(prompts[0]), newTokens);
        }
        for (int promptLength : prompts) {
          single(shape, model, torch, promptLength, newTokens, runs);
        }
      }
    }
    if (parts.contains("lora")) {
      lora(shape, modelDir, prompts[0], newTokens, runs);
    }
    if (parts.contains("concurrent")) {
      for (int capacity = 1; capacity <= 2; capacity++) {
        concurrent(shape, modelDir, capacity, 4, newTokens);
      }
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

  /** One greedy generation: time to first token in ms, decode tokens/s, the tokens. */
  record Run(double ttftMs, double tokensPerSecond, int[] tokens) {}

  static Run generate(Transformer model, int[] prompt, int n) {
    int[] tokens = new int[n];
    try (KvCache cache = new KvCache(model.manager(), model.config().numHiddenLayers())) {
      long t0 = System.nanoTime();
      tokens[0] = TokenPicker.greedy(Decoder.step(model, cache, prompt));
      long t1 = System.nanoTime();
      for (int i = 1; i < n; i++) {
        tokens[i] = TokenPicker.greedy(Decoder.step(model, cache, new int[] {tokens[i - 1]}));
      }
      long t2 = System.nanoTime();
      return new Run((t1 - t0) / 1e6, (n - 1) / ((t2 - t1) / 1e9), tokens);
    }
  }

  private static void single(
      String shape, Transformer model, PyTorchSide torch, int promptLength, int n, int runs)
      throws Exception {
    int[] prompt = prompt(promptLength);
    double[][] v = new double[6][runs];
    Run ours = null;
    Run theirs = null;
    for (int r = -2; r < runs; r++) {
      // alternate who goes first, so that neither side is always the one running second; a
      // pause before each run lets the other side's idle worker threads stop spinning
      if ((r & 1) == 0) {
        Thread.sleep(PAUSE_MS);
        ours = generate(model, prompt, n);
        Thread.sleep(PAUSE_MS);
        theirs = torch.generate(promptLength, n);
      } else {
        Thread.sleep(PAUSE_MS);
        theirs = torch.generate(promptLength, n);
        Thread.sleep(PAUSE_MS);
        ours = generate(model, prompt, n);
      }
      if (r >= 0) {
        v[0][r] = ours.ttftMs();
        v[1][r] = theirs.ttftMs();
        v[2][r] = theirs.ttftMs() / ours.ttftMs();
        v[3][r] = ours.tokensPerSecond();
        v[4][r] = theirs.tokensPerSecond();
        v[5][r] = ours.tokensPerSecond() / theirs.tokensPerSecond();
      }
    }
    int same = 0;
    while (same < n && ours.tokens()[same] == theirs.tokens()[same]) {
      same++;
    }
    System.out.printf(
        Locale.ROOT,
        "{\"kind\":\"single\",\"shape\":\"%s\",\"prompt\":%d,\"new\":%d,\"runs\":%d,"
            + "\"tuneup_ttft_ms\":%.2f,\"pytorch_ttft_ms\":%.2f,\"ttft_ratio\":%.3f,"
            + "\"tuneup_tok_s\":%.1f,\"pytorch_tok_s\":%.1f,\"decode_ratio\":%.3f,"
            + "\"same_tokens\":%d,\"tokens\":%s}%n",
        shape,
        promptLength,
        n,
        runs,
        median(v[0]),
        median(v[1]),
        median(v[2]),
        median(v[3]),
        median(v[4]),
        median(v[5]),
        same,
        Arrays.toString(ours.tokens()));
  }

  /**
   * Decode tokens/s with a LoRA adapter (r 32 on every linear layer, the built-in model's default)
   * applied on the fly, next to the same model without it (what an adapter merged at load costs).
   */
  private static void lora(String shape, Path modelDir, int promptLength, int n, int runs)
      throws Exception {
    try (NDManager root = NDManager.newBaseManager();
        Transformer model = Transformer.load(modelDir, root)) {
      model.prepareDecoding();
      int[] prompt = prompt(promptLength);
      LoraConfig config =
          new LoraConfig(
              32,
              64,
              0,
              List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"),
              shape);
      try (LoraAdapter adapter = LoraAdapter.create(config, model, 1)) {
        double[] merged = new double[runs];
        double[] onTheFly = new double[runs];
        for (int r = -1; r < runs; r++) {
          model.setLora(null);
          double a = generate(model, prompt, n).tokensPerSecond();
          model.setLora(adapter);
          double b = generate(model, prompt, n).tokensPerSecond();
          if (r >= 0) {
            merged[r] = a;
            onTheFly[r] = b;
          }
        }
        model.setLora(null);
        System.out.printf(
            Locale.ROOT,
            "{\"kind\":\"lora\",\"shape\":\"%s\",\"merged_tok_s\":%.1f,"
                + "\"on_the_fly_tok_s\":%.1f}%n",
            shape,
            median(merged),
            median(onTheFly));
      }
    }
  }

  /** bench/inference_bench.py in its serving mode: one generation per request line. */
  static final class PyTorchSide implements AutoCloseable {
    private final Process process;
    private final BufferedReader out;
    private final Writer in;

    PyTorchSide(Path script, Path modelDir, int threads) throws IOException {
      ProcessBuilder pb =
          new ProcessBuilder(
              "/usr/bin/python3", script.toString(), modelDir.toString(), "--serve", "" + threads);
      pb.environment().put("OMP_NUM_THREADS", "" + threads);
      pb.redirectError(ProcessBuilder.Redirect.INHERIT);
      process = pb.start();
      out = new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8));
      in = new OutputStreamWriter(process.getOutputStream(), UTF_8);
      String ready = out.readLine();
      if (ready == null || !ready.contains("ready")) {
        throw new IOException("the PyTorch side did not start: " + ready);
      }
    }

    Run generate(int promptLength, int n) throws IOException {
      in.write(promptLength + " " + n + "\n");
      in.flush();
      String line = out.readLine();
      if (line == null) {
        throw new IOException("the PyTorch side exited");
      }
      JsonNode j = JSON.readTree(line);
      int[] tokens = new int[j.get("tokens").size()];
      for (int i = 0; i < tokens.length; i++) {
        tokens[i] = j.get("tokens").get(i).asInt();
      }
      return new Run(j.get("ttft_ms").asDouble(), j.get("decode_tok_s").asDouble(), tokens);
    }

    @Override
    public void close() throws Exception {
      in.close();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
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
          Locale.ROOT,
          "{\"kind\":\"concurrent\",\"shape\":\"%s\",\"capacity\":%d,"
              + "\"requests\":%d,\"tokens\":%d,\"tok_s\":%.1f,\"mean_latency_s\":%.2f}%n",
          shape,
          capacity,
          requests,
          tokens,
          tokens / wall,
          latency / requests);
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
