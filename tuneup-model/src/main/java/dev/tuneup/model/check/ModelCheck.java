package dev.tuneup.model.check;

import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tuneup.model.config.ModelConfig;
import dev.tuneup.model.config.UnsupportedModelException;
import dev.tuneup.model.lora.LoraConfig;
import dev.tuneup.model.nn.Transformer;
import dev.tuneup.model.text.ChatTemplate;
import dev.tuneup.model.text.Tokenizer;
import dev.tuneup.model.weights.SafetensorsReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Checks that a directory loads before it is registered: the architecture is one tuneup runs, every
 * weight the config implies is stored with its shape, and the tokenizer and chat template are there
 * and work. Reads only file headers (no weights are loaded), so a check of a multi-GB model takes
 * well under a second.
 *
 * <p>Every problem found is reported at once, each naming the file, tensor or key at fault, so one
 * round of fixing is enough.
 */
public final class ModelCheck {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String LORA_PREFIX = "base_model.model.";
  private static final int LISTED = 5;
  private static final Set<String> ATTENTION = Set.of("q_proj", "k_proj", "v_proj", "o_proj");

  private ModelCheck() {}

  /**
   * Checks a full model directory in Hugging Face layout.
   *
   * @throws ModelCheckException listing what is wrong
   */
  public static ModelSummary fullModel(Path dir) {
    List<String> problems = new ArrayList<>();
    requireDirectory(dir);
    ModelConfig config = readConfig(dir, problems);
    long parameters = 0;
    String dtype = "";
    if (config != null) {
      WeightFacts w = checkWeights(dir, config, problems);
      parameters = w.parameters();
      dtype = w.dtype();
    }
    checkTokenizerAndTemplate(dir, config, problems);
    if (!problems.isEmpty()) {
      throw new ModelCheckException(problems);
    }
    return new ModelSummary(config, parameters, dtype, bytesOf(dir), 0);
  }

  /**
   * Checks a PEFT LoRA adapter directory against the base model it adapts.
   *
   * @param baseDir the base model's directory (its {@code config.json} gives the shapes)
   * @throws ModelCheckException listing what is wrong
   */
  public static ModelSummary adapter(Path adapterDir, Path baseDir) {
    List<String> problems = new ArrayList<>();
    requireDirectory(adapterDir);
    ModelConfig base;
    try {
      base = ModelConfig.load(baseDir);
    } catch (RuntimeException e) {
      throw new ModelCheckException(List.of("the base model does not load: " + e.getMessage()));
    }
    LoraConfig lora = null;
    Path configFile = adapterDir.resolve("adapter_config.json");
    if (!Files.isRegularFile(configFile)) {
      problems.add("adapter_config.json is missing (a PEFT LoRA adapter has one)");
    } else {
      try {
        JsonNode json = JSON.readTree(configFile.toFile());
        unsupportedAdapterFeatures(json, problems);
        lora = LoraConfig.parse(json);
      } catch (IOException e) {
        problems.add("adapter_config.json is not valid JSON: " + e.getMessage());
      } catch (IllegalArgumentException e) {
        problems.add("adapter_config.json: " + e.getMessage());
      }
    }
    Path weights = adapterDir.resolve("adapter_model.safetensors");
    long parameters = 0;
    String dtype = "";
    if (!Files.isRegularFile(weights)) {
      problems.add(
          "adapter_model.safetensors is missing"
              + (Files.exists(adapterDir.resolve("adapter_model.bin"))
                  ? " (adapter_model.bin is there: tuneup reads safetensors only)"
                  : ""));
    } else if (lora != null) {
      WeightFacts w = checkAdapterWeights(weights, lora, base, problems);
      parameters = w.parameters();
      dtype = w.dtype();
    }
    if (!problems.isEmpty()) {
      throw new ModelCheckException(problems);
    }
    return new ModelSummary(base, parameters, dtype, bytesOf(adapterDir), lora.r());
  }

  private record WeightFacts(long parameters, String dtype) {}

  private static void requireDirectory(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new ModelCheckException(List.of(dir + " is not a directory"));
    }
  }

  private static ModelConfig readConfig(Path dir, List<String> problems) {
    Path file = dir.resolve("config.json");
    if (!Files.isRegularFile(file)) {
      problems.add("config.json is missing");
      return null;
    }
    JsonNode json;
    try {
      json = JSON.readTree(file.toFile());
    } catch (IOException e) {
      problems.add("config.json is not valid JSON: " + e.getMessage());
      return null;
    }
    try {
      return ModelConfig.parse(json);
    } catch (UnsupportedModelException e) {
      problems.add("config.json: " + e.getMessage());
    } catch (IllegalArgumentException e) {
      problems.add(e.getMessage());
    }
    return null;
  }

  private static WeightFacts checkWeights(Path dir, ModelConfig config, List<String> problems) {
    Path index = dir.resolve("model.safetensors.index.json");
    if (Files.isRegularFile(index)) {
      Set<String> shards = new TreeSet<>();
      try {
        JSON.readTree(index.toFile()).path("weight_map").forEach(n -> shards.add(n.asText()));
      } catch (IOException e) {
        problems.add("model.safetensors.index.json is not valid JSON: " + e.getMessage());
        return new WeightFacts(0, "");
      }
      List<String> missing = new ArrayList<>();
      for (String shard : shards) {
        if (!Files.isRegularFile(dir.resolve(shard))) {
          missing.add(shard);
        }
      }
      if (!missing.isEmpty()) {
        problems.add(
            "model.safetensors.index.json names "
                + listed(missing)
                + (missing.size() == 1 ? ", which is missing" : ", which are missing"));
        return new WeightFacts(0, "");
      }
    } else if (!Files.isRegularFile(dir.resolve("model.safetensors"))) {
      boolean pickled;
      try (Stream<Path> s = Files.list(dir)) {
        pickled = s.anyMatch(p -> p.getFileName().toString().endsWith(".bin"));
      } catch (IOException e) {
        pickled = false;
      }
      problems.add(
          "no model.safetensors or model.safetensors.index.json"
              + (pickled ? " (only .bin weights: tuneup reads safetensors only)" : ""));
      return new WeightFacts(0, "");
    }
    try (SafetensorsReader reader = SafetensorsReader.open(dir)) {
      List<String> absent = new ArrayList<>();
      List<String> misShaped = new ArrayList<>();
      for (Map.Entry<String, Shape> e : Transformer.expectedShapes(config).entrySet()) {
        if (!reader.contains(e.getKey())) {
          absent.add(e.getKey());
        } else if (!Arrays.equals(reader.shape(e.getKey()), e.getValue().getShape())) {
          misShaped.add(
              e.getKey()
                  + " has shape "
                  + Arrays.toString(reader.shape(e.getKey()))
                  + " where config.json implies "
                  + Arrays.toString(e.getValue().getShape()));
        }
      }
      String what =
          config.architecture().className()
              + " with "
              + config.numHiddenLayers()
              + " layers, hidden_size "
              + config.hiddenSize()
              + ", vocab_size "
              + config.vocabSize();
      if (!absent.isEmpty()) {
        problems.add("weights " + listed(absent) + " are missing (config.json: " + what + ")");
      }
      if (!misShaped.isEmpty()) {
        problems.add("weight " + listed(misShaped));
      }
      return facts(reader);
    } catch (UncheckedIOException | IllegalArgumentException e) {
      problems.add(e.getMessage());
      return new WeightFacts(0, "");
    }
  }

  private static WeightFacts checkAdapterWeights(
      Path file, LoraConfig lora, ModelConfig base, List<String> problems) {
    try (SafetensorsReader reader = SafetensorsReader.open(file)) {
      Map<String, Shape> baseShapes = Transformer.expectedShapes(base);
      Set<String> expected = new LinkedHashSet<>();
      List<String> absent = new ArrayList<>();
      List<String> misShaped = new ArrayList<>();
      for (int l = 0; l < base.numHiddenLayers(); l++) {
        for (String target : lora.targetModules()) {
          String module =
              "model.layers."
                  + l
                  + "."
                  + (ATTENTION.contains(target) ? "self_attn." : "mlp.")
                  + target;
          long[] w = baseShapes.get(module + ".weight").getShape();
          checkAdapterTensor(
              reader,
              LORA_PREFIX + module + ".lora_A.weight",
              new long[] {lora.r(), w[1]},
              expected,
              absent,
              misShaped);
          checkAdapterTensor(
              reader,
              LORA_PREFIX + module + ".lora_B.weight",
              new long[] {w[0], lora.r()},
              expected,
              absent,
              misShaped);
        }
      }
      List<String> foreign = new ArrayList<>();
      for (String name : reader.names()) {
        if (!expected.contains(name)) {
          foreign.add(name);
        }
      }
      if (!absent.isEmpty()) {
        problems.add(
            "adapter_model.safetensors lacks "
                + listed(absent)
                + " (adapter_config.json targets "
                + lora.targetModules()
                + " with r "
                + lora.r()
                + " on "
                + base.numHiddenLayers()
                + " layers)");
      }
      if (!misShaped.isEmpty()) {
        problems.add("adapter_model.safetensors: " + listed(misShaped));
      }
      if (!foreign.isEmpty()) {
        problems.add(
            "adapter_model.safetensors holds tensors that are not LoRA A/B matrices of the"
                + " target modules: "
                + listed(foreign));
      }
      return facts(reader);
    } catch (UncheckedIOException | IllegalArgumentException e) {
      problems.add("adapter_model.safetensors: " + e.getMessage());
      return new WeightFacts(0, "");
    }
  }

  private static void checkAdapterTensor(
      SafetensorsReader reader,
      String name,
      long[] shape,
      Set<String> expected,
      List<String> absent,
      List<String> misShaped) {
    expected.add(name);
    if (!reader.contains(name)) {
      absent.add(name);
    } else if (!Arrays.equals(reader.shape(name), shape)) {
      misShaped.add(
          name
              + " has shape "
              + Arrays.toString(reader.shape(name))
              + ", the base model needs "
              + Arrays.toString(shape));
    }
  }

  /** PEFT options that change what the tensors mean; loading past them would be silently wrong. */
  private static void unsupportedAdapterFeatures(JsonNode json, List<String> problems) {
    if (json.path("use_dora").asBoolean(false)) {
      problems.add("adapter_config.json: use_dora is set; DoRA adapters are not supported");
    }
    for (String key : List.of("modules_to_save", "layers_to_transform")) {
      JsonNode v = json.get(key);
      if (v != null && !v.isNull() && !(v.isArray() && v.isEmpty())) {
        problems.add("adapter_config.json: " + key + " is not supported");
      }
    }
    for (String key : List.of("rank_pattern", "alpha_pattern")) {
      JsonNode v = json.get(key);
      if (v != null && v.isObject() && !v.isEmpty()) {
        problems.add("adapter_config.json: " + key + " (per-module ranks) is not supported");
      }
    }
  }

  private static void checkTokenizerAndTemplate(
      Path dir, ModelConfig config, List<String> problems) {
    if (!Files.isRegularFile(dir.resolve("tokenizer.json"))) {
      problems.add(
          "tokenizer.json is missing (tuneup reads the Hugging Face fast tokenizer format)");
    } else {
      try (Tokenizer tok = Tokenizer.load(dir)) {
        if (config != null && tok.vocabSize() > config.vocabSize()) {
          problems.add(
              "tokenizer.json has "
                  + tok.vocabSize()
                  + " tokens, more than the model's vocab_size "
                  + config.vocabSize());
        }
      } catch (RuntimeException e) {
        problems.add("tokenizer.json does not load: " + e.getMessage());
      }
    }
    ChatTemplate template;
    try {
      template = ChatTemplate.load(dir);
    } catch (IllegalArgumentException e) {
      problems.add(
          "no chat template: add chat_template.jinja, or chat_template in"
              + " tokenizer_config.json");
      return;
    } catch (UncheckedIOException e) {
      problems.add(e.getMessage());
      return;
    }
    try {
      template.render(List.of(Map.of("role", "user", "content", "Hello")), true);
    } catch (RuntimeException e) {
      // ChatTemplateException for a template that raises; anything else Jinjava throws
      problems.add(
          "the chat template does not render a one-message conversation: " + e.getMessage());
    }
  }

  private static WeightFacts facts(SafetensorsReader reader) {
    long n = 0;
    Set<String> dtypes = new TreeSet<>();
    for (String name : reader.names()) {
      long e = 1;
      for (long d : reader.shape(name)) {
        e *= d;
      }
      n += e;
      dtypes.add(reader.dtype(name));
    }
    return new WeightFacts(n, dtypes.size() == 1 ? dtypes.iterator().next() : "mixed");
  }

  private static String listed(List<String> items) {
    if (items.size() <= LISTED) {
      return String.join(", ", items);
    }
    return String.join(", ", items.subList(0, LISTED))
        + " and "
        + (items.size() - LISTED)
        + " more";
  }

  private static long bytesOf(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile)
          .mapToLong(
              p -> {
                try {
                  return Files.size(p);
                } catch (IOException e) {
                  return 0;
                }
              })
          .sum();
    } catch (IOException e) {
      return 0;
    }
  }
}
