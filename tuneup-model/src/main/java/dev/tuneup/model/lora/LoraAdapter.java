package dev.tuneup.model.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tuneup.model.config.ModelConfig;
import dev.tuneup.model.nn.Transformer;
import dev.tuneup.model.weights.SafetensorsReader;
import dev.tuneup.model.weights.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * A LoRA adapter: for each wrapped projection {@code W} a pair {@code A [r, in]}, {@code B [out,
 * r]} so that the projection becomes {@code W x + (alpha / r) B A dropout(x)}. Tensors are keyed by
 * their PEFT names ({@code base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight}), so the
 * files it writes load in PEFT and the other way round.
 *
 * <p>{@code B} starts at zero, so a fresh adapter leaves the model's outputs unchanged.
 */
public final class LoraAdapter implements AutoCloseable {

  private static final String PREFIX = "base_model.model.";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final java.util.Set<String> ATTENTION =
      java.util.Set.of("q_proj", "k_proj", "v_proj", "o_proj");

  private final LoraConfig config;
  private final NDManager manager;
  private final Map<String, NDArray> tensors;
  private final NDArray scale;

  private LoraAdapter(LoraConfig config, NDManager manager, Map<String, NDArray> tensors) {
    this.config = config;
    this.manager = manager;
    this.tensors = tensors;
    this.scale = manager.full(new Shape(), (float) config.scale());
  }

  /**
   * A fresh adapter for {@code model}: A from PEFT's default Kaiming-uniform bound {@code
   * 1/sqrt(in)} drawn from {@code seed}, B zeros.
   */
  public static LoraAdapter create(LoraConfig config, Transformer model, long seed) {
    NDManager m = model.manager().newSubManager();
    Random rnd = new Random(seed);
    Map<String, NDArray> t = new LinkedHashMap<>();
    for (String module : modules(config, model.config())) {
      Shape w = model.weights().get(module + ".weight").getShape();
      long out = w.get(0);
      long in = w.get(1);
      float bound = (float) (1.0 / Math.sqrt(in));
      float[] a = new float[(int) (config.r() * in)];
      for (int i = 0; i < a.length; i++) {
        a[i] = (rnd.nextFloat() * 2 - 1) * bound;
      }
      t.put(PREFIX + module + ".lora_A.weight", m.create(a, new Shape(config.r(), in)));
      t.put(PREFIX + module + ".lora_B.weight", m.zeros(new Shape(out, config.r())));
    }
    return new LoraAdapter(config, m, t);
  }

  /** Loads {@code adapter_config.json} and {@code adapter_model.safetensors} for {@code model}. */
  public static LoraAdapter load(Path dir, Transformer model) throws IOException {
    LoraConfig config =
        LoraConfig.parse(JSON.readTree(dir.resolve("adapter_config.json").toFile()));
    NDManager m = model.manager().newSubManager();
    try (SafetensorsReader r = SafetensorsReader.open(dir.resolve("adapter_model.safetensors"))) {
      Map<String, NDArray> t = new LinkedHashMap<>();
      for (String module : modules(config, model.config())) {
        for (String ab : new String[] {".lora_A.weight", ".lora_B.weight"}) {
          String name = PREFIX + module + ab;
          if (!r.contains(name)) {
            throw new IllegalArgumentException("adapter in " + dir + " lacks " + name);
          }
          t.put(name, r.load(name, m));
        }
      }
      return new LoraAdapter(config, m, t);
    } catch (RuntimeException e) {
      m.close();
      throw e;
    }
  }

  /** Writes the adapter in PEFT layout into an existing directory. */
  public void save(Path dir) throws IOException {
    Files.writeString(
        dir.resolve("adapter_config.json"),
        JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config.toJson()));
    SafetensorsWriter.writeArrays(
        dir.resolve("adapter_model.safetensors"),
        tensors,
        Map.of("format", "pt"),
        SafetensorsWriter.Dtype.F32);
  }

  private static java.util.List<String> modules(LoraConfig config, ModelConfig model) {
    java.util.List<String> out = new java.util.ArrayList<>();
    for (int l = 0; l < model.numHiddenLayers(); l++) {
      for (String t : config.targetModules()) {
        String group = ATTENTION.contains(t) ? "self_attn." : "mlp.";
        out.add("model.layers." + l + "." + group + t);
      }
    }
    return out;
  }

  public LoraConfig config() {
    return config;
  }

  /** The trainable tensors by PEFT name. */
  public Map<String, NDArray> tensors() {
    return tensors;
  }

  /** Whether {@code module} (e.g. {@code model.layers.0.self_attn.q_proj}) is wrapped. */
  public boolean targets(String module) {
    return tensors.containsKey(PREFIX + module + ".lora_A.weight");
  }

  /** The adapter's contribution to {@code module}'s output for input {@code x}. */
  public NDArray delta(String module, NDArray x, boolean training) {
    NDArray in =
        training && config.dropout() > 0
            ? x.getNDArrayInternal().dropout(x, (float) config.dropout(), true).head()
            : x;
    NDArray a = tensors.get(PREFIX + module + ".lora_A.weight");
    NDArray b = tensors.get(PREFIX + module + ".lora_B.weight");
    NDArray ax = in.getNDArrayInternal().linear(in, a, null).head();
    return ax.getNDArrayInternal().linear(ax, b, null).head().mul(scale);
  }

  /**
   * Adds {@code scale * B A} into the model's base weights (outside autograd). Afterwards the model
   * should run without this adapter.
   */
  public void mergeInto(Transformer model) {
    for (String name : tensors.keySet()) {
      if (!name.endsWith(".lora_A.weight")) {
        continue;
      }
      String module = name.substring(PREFIX.length(), name.length() - ".lora_A.weight".length());
      NDArray a = tensors.get(name);
      NDArray b = tensors.get(PREFIX + module + ".lora_B.weight");
      NDArray w = model.weights().get(module + ".weight");
      try (NDManager tmp = manager.newSubManager()) {
        NDArray bb = b.duplicate();
        bb.attach(tmp);
        NDArray delta = bb.matMul(a).mul(scale);
        w.addi(delta);
      }
    }
  }

  @Override
  public void close() {
    manager.close();
  }
}
