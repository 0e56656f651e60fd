package dev.tuneup.model.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * The shape of a decoder-only model, read from a Hugging Face {@code config.json}.
 *
 * <p>Three architectures are understood: {@code Qwen2ForCausalLM} (q/k/v projections carry a bias),
 * {@code Qwen3ForCausalLM} (explicit {@code head_dim}, per-head RMSNorm on queries and keys) and
 * {@code LlamaForCausalLM} ({@code attention_bias} puts a bias on all four projections). Anything
 * else is refused by {@link #parse} with an {@link UnsupportedModelException}.
 */
public record ModelConfig(
    Architecture architecture,
    int hiddenSize,
    int intermediateSize,
    int numHiddenLayers,
    int numAttentionHeads,
    int numKeyValueHeads,
    int headDim,
    double rmsNormEps,
    double ropeTheta,
    int vocabSize,
    boolean tieWordEmbeddings,
    int maxPositionEmbeddings,
    boolean attentionBias) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The model families this code can run, with their Hugging Face class names. */
  public enum Architecture {
    QWEN2("Qwen2ForCausalLM", "qwen2"),
    QWEN3("Qwen3ForCausalLM", "qwen3"),
    LLAMA("LlamaForCausalLM", "llama");

    private final String className;
    private final String modelType;

    Architecture(String className, String modelType) {
      this.className = className;
      this.modelType = modelType;
    }

    public String className() {
      return className;
    }

    public String modelType() {
      return modelType;
    }
  }

  public ModelConfig {
    if (hiddenSize <= 0 || numHiddenLayers <= 0 || numAttentionHeads <= 0 || vocabSize <= 0) {
      throw new IllegalArgumentException("config.json: sizes must be positive");
    }
    if (numAttentionHeads % numKeyValueHeads != 0) {
      throw new IllegalArgumentException(
          "config.json: num_attention_heads "
              + numAttentionHeads
              + " is not a multiple of num_key_value_heads "
              + numKeyValueHeads);
    }
    if (headDim % 2 != 0) {
      throw new IllegalArgumentException("config.json: head_dim must be even for RoPE");
    }
  }

  /** Whether q, k and v projections carry a bias (always for Qwen2, by flag otherwise). */
  public boolean qkvBias() {
    return architecture == Architecture.QWEN2 || attentionBias;
  }

  /** Whether the output projection carries a bias (never for Qwen2). */
  public boolean outputBias() {
    return architecture != Architecture.QWEN2 && attentionBias;
  }

  /** Whether queries and keys get a per-head RMSNorm before RoPE (Qwen3). */
  public boolean queryKeyNorm() {
    return architecture == Architecture.QWEN3;
  }

  /**
   * Reads {@code config.json} of a model directory.
   *
   * @throws UncheckedIOException when the file is missing or not JSON
   * @throws UnsupportedModelException when the architecture or a feature is not supported
   */
  public static ModelConfig load(Path modelDir) {
    Path file = modelDir.resolve("config.json");
    try {
      return parse(JSON.readTree(file.toFile()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** Parses the JSON of a {@code config.json}. */
  public static ModelConfig parse(JsonNode json) {
    Architecture arch = architectureOf(json);
    JsonNode scaling = json.get("rope_scaling");
    if (scaling != null && !scaling.isNull()) {
      String type = scaling.path("rope_type").asText(scaling.path("type").asText("default"));
      if (!type.equals("default")) {
        throw new UnsupportedModelException(
            "rope_scaling type '" + type + "' is not supported; only plain RoPE is");
      }
    }
    int hidden = required(json, "hidden_size");
    int heads = required(json, "num_attention_heads");
    int headDim = json.hasNonNull("head_dim") ? json.get("head_dim").asInt() : hidden / heads;
    return new ModelConfig(
        arch,
        hidden,
        required(json, "intermediate_size"),
        required(json, "num_hidden_layers"),
        heads,
        json.path("num_key_value_heads").asInt(heads),
        headDim,
        json.path("rms_norm_eps").asDouble(1e-6),
        json.path("rope_theta").asDouble(10000.0),
        required(json, "vocab_size"),
        json.path("tie_word_embeddings").asBoolean(false),
        json.path("max_position_embeddings").asInt(32768),
        json.path("attention_bias").asBoolean(false));
  }

  /** The {@code config.json} for this shape, in the layout transformers writes. */
  public ObjectNode toJson() {
    ObjectNode o = JSON.createObjectNode();
    o.putArray("architectures").add(architecture.className());
    o.put("model_type", architecture.modelType());
    o.put("hidden_size", hiddenSize);
    o.put("intermediate_size", intermediateSize);
    o.put("num_hidden_layers", numHiddenLayers);
    o.put("num_attention_heads", numAttentionHeads);
    o.put("num_key_value_heads", numKeyValueHeads);
    o.put("head_dim", headDim);
    o.put("rms_norm_eps", rmsNormEps);
    o.put("rope_theta", ropeTheta);
    o.put("vocab_size", vocabSize);
    o.put("tie_word_embeddings", tieWordEmbeddings);
    o.put("max_position_embeddings", maxPositionEmbeddings);
    o.put("attention_bias", attentionBias);
    o.put("hidden_act", "silu");
    o.put("torch_dtype", "float32");
    return o;
  }

  /** Writes {@link #toJson()} to {@code dir/config.json}. */
  public void write(Path dir) throws IOException {
    Files.writeString(
        dir.resolve("config.json"),
        JSON.writerWithDefaultPrettyPrinter().writeValueAsString(toJson()));
  }

  private static Architecture architectureOf(JsonNode json) {
    JsonNode archs = json.path("architectures");
    String name = archs.isArray() && archs.size() > 0 ? archs.get(0).asText() : null;
    for (Architecture a : Architecture.values()) {
      if (a.className().equals(name)) {
        return a;
      }
    }
    if (name == null) {
      String type = json.path("model_type").asText("");
      for (Architecture a : Architecture.values()) {
        if (a.modelType().equals(type)) {
          return a;
        }
      }
    }
    throw new UnsupportedModelException(
        "architecture "
            + (name == null ? "(none given)" : name)
            + " is not supported; supported are "
            + Set.of("Qwen2ForCausalLM", "Qwen3ForCausalLM", "LlamaForCausalLM"));
  }

  private static int required(JsonNode json, String key) {
    JsonNode v = json.get(key);
    if (v == null || !v.canConvertToInt()) {
      throw new IllegalArgumentException("config.json: missing integer '" + key + "'");
    }
    return v.asInt();
  }
}
