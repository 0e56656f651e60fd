package dev.tuneup.model.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tuneup.model.builtin.TinyModel;
import dev.tuneup.model.config.ModelConfig;
import dev.tuneup.model.weights.HostTensor;
import dev.tuneup.model.weights.SafetensorsReader;
import dev.tuneup.model.weights.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCheckTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path shared;
  private static Path tiny;
  @TempDir Path dir;

  @BeforeAll
  static void writeTinyModel() throws IOException {
    tiny = TinyModel.ensure(shared);
  }

  private Path copyOfTiny() throws IOException {
    Path copy = dir.resolve("model");
    Files.createDirectories(copy);
    try (Stream<Path> s = Files.list(tiny)) {
      for (Path p : s.toList()) {
        Files.copy(p, copy.resolve(p.getFileName()));
      }
    }
    return copy;
  }

  private static void editConfig(Path model, java.util.function.Consumer<ObjectNode> edit)
      throws IOException {
    ObjectNode config = (ObjectNode) JSON.readTree(model.resolve("config.json").toFile());
    edit.accept(config);
    Files.writeString(model.resolve("config.json"), config.toString());
  }

  @Test
  void the_built_in_model_passes_with_its_architecture_and_parameter_count() throws IOException {
    ModelSummary s = ModelCheck.fullModel(copyOfTiny());

    assertThat(s.config().architecture()).isEqualTo(ModelConfig.Architecture.QWEN3);
    assertThat(s.config().numHiddenLayers()).isEqualTo(3);
    assertThat(s.parameters()).isBetween(1_000_000L, 2_000_000L);
    assertThat(s.dtype()).isEqualTo("F32");
    assertThat(s.bytes()).isGreaterThan(s.parameters() * 4);
    assertThat(s.loraRank()).isZero();
  }

  @Test
  void a_directory_without_config_tokenizer_and_template_names_each_of_them() throws IOException {
    Path model = copyOfTiny();
    Files.delete(model.resolve("config.json"));
    Files.delete(model.resolve("tokenizer.json"));
    Files.delete(model.resolve("tokenizer_config.json"));

    assertThatThrownBy(() -> ModelCheck.fullModel(model))
        .isInstanceOf(ModelCheckException.class)
        .satisfies(
            e ->
                assertThat(((ModelCheckException) e).problems())
                    .containsExactly(
                        "config.json is missing",
                        "tokenizer.json is missing (tuneup reads the Hugging Face fast tokenizer"
                            + " format)",
                        "no chat template: add chat_template.jinja, or chat_template in"
                            + " tokenizer_config.json"));
  }

  @Test
  void an_unsupported_architecture_is_named_with_the_supported_ones() throws IOException {
    Path model = copyOfTiny();
    editConfig(
        model,
        c -> {
          c.putArray("architectures").add("MistralForCausalLM");
          c.put("model_type", "mistral");
        });

    assertThatThrownBy(() -> ModelCheck.fullModel(model))
        .hasMessageContaining("config.json: architecture MistralForCausalLM is not supported")
        .hasMessageContaining("Qwen3ForCausalLM");
  }

  @Test
  void weights_whose_shapes_disagree_with_the_config_are_named_with_both_shapes()
      throws IOException {
    Path model = copyOfTiny();
    editConfig(model, c -> c.put("intermediate_size", 640));

    assertThatThrownBy(() -> ModelCheck.fullModel(model))
        .hasMessageContaining(
            "model.layers.0.mlp.gate_proj.weight has shape [512, 192] where config.json implies"
                + " [640, 192]")
        .hasMessageContaining("and 4 more");
  }

  @Test
  void a_weight_the_config_needs_but_the_file_lacks_is_named() throws IOException {
    Path model = copyOfTiny();
    editConfig(model, c -> c.put("tie_word_embeddings", false));

    assertThatThrownBy(() -> ModelCheck.fullModel(model))
        .hasMessageContaining("weights lm_head.weight are missing")
        .hasMessageContaining("Qwen3ForCausalLM with 3 layers");
  }

  @Test
  void a_shard_named_by_the_index_but_absent_is_named() throws IOException {
    Path model = copyOfTiny();
    splitIntoTwoShards(model);
    Files.delete(model.resolve("model-00002-of-00002.safetensors"));

    assertThatThrownBy(() -> ModelCheck.fullModel(model))
        .hasMessage(
            "model.safetensors.index.json names model-00002-of-00002.safetensors, which is"
                + " missing");
  }

  @Test
  void a_model_in_two_shards_passes() throws IOException {
    Path model = copyOfTiny();
    long single = ModelCheck.fullModel(model).parameters();
    splitIntoTwoShards(model);

    assertThat(ModelCheck.fullModel(model).parameters()).isEqualTo(single);
  }

  @Test
  void pickled_weights_alone_are_refused_saying_that_only_safetensors_load() throws IOException {
    Path model = copyOfTiny();
    Files.move(model.resolve("model.safetensors"), model.resolve("pytorch_model.bin"));

    assertThatThrownBy(() -> ModelCheck.fullModel(model))
        .hasMessage(
            "no model.safetensors or model.safetensors.index.json (only .bin weights: tuneup"
                + " reads safetensors only)");
  }

  @Test
  void a_chat_template_that_fails_to_render_is_named() throws IOException {
    Path model = copyOfTiny();
    Files.writeString(
        model.resolve("chat_template.jinja"), "{{ raise_exception('no chat for you') }}");

    assertThatThrownBy(() -> ModelCheck.fullModel(model))
        .hasMessageContaining("the chat template does not render a one-message conversation")
        .hasMessageContaining("no chat for you");
  }

  @Test
  void a_lora_adapter_with_the_base_models_shapes_passes_with_its_rank() throws IOException {
    Path adapter = writeAdapter(4, 4, Map.of());

    ModelSummary s = ModelCheck.adapter(adapter, tiny);

    assertThat(s.loraRank()).isEqualTo(4);
    // q_proj: A [4, 192], B [192, 4]; v_proj: A [4, 192], B [64, 4]; 3 layers
    assertThat(s.parameters()).isEqualTo(3L * (4 * 192 + 192 * 4 + 4 * 192 + 64 * 4));
  }

  @Test
  void an_adapter_of_another_rank_than_its_config_says_is_refused_naming_the_tensor()
      throws IOException {
    Path adapter = writeAdapter(4, 8, Map.of());

    assertThatThrownBy(() -> ModelCheck.adapter(adapter, tiny))
        .hasMessageContaining(
            "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight has shape [8, 192],"
                + " the base model needs [4, 192]");
  }

  @Test
  void a_dora_adapter_and_one_without_weights_are_refused() throws IOException {
    Path adapter = writeAdapter(4, 4, Map.of("use_dora", true));
    Files.delete(adapter.resolve("adapter_model.safetensors"));

    assertThatThrownBy(() -> ModelCheck.adapter(adapter, tiny))
        .hasMessage(
            "adapter_config.json: use_dora is set; DoRA adapters are not supported;"
                + " adapter_model.safetensors is missing");
  }

  /** A PEFT adapter on q_proj and v_proj of the tiny model: config rank and stored rank. */
  private Path writeAdapter(int configRank, int storedRank, Map<String, Object> extra)
      throws IOException {
    Path adapter = dir.resolve("adapter");
    Files.createDirectories(adapter);
    ObjectNode config = JSON.createObjectNode();
    config.put("peft_type", "LORA");
    config.put("r", configRank);
    config.put("lora_alpha", 8);
    config.putArray("target_modules").add("q_proj").add("v_proj");
    extra.forEach((k, v) -> config.set(k, JSON.valueToTree(v)));
    Files.writeString(adapter.resolve("adapter_config.json"), config.toString());
    Map<String, HostTensor> t = new LinkedHashMap<>();
    for (int l = 0; l < 3; l++) {
      for (String m : List.of("q_proj", "v_proj")) {
        int out = m.equals("q_proj") ? 192 : 64;
        String p = "base_model.model.model.layers." + l + ".self_attn." + m;
        t.put(p + ".lora_A.weight", zeros(storedRank, 192));
        t.put(p + ".lora_B.weight", zeros(out, storedRank));
      }
    }
    SafetensorsWriter.writeHost(
        adapter.resolve("adapter_model.safetensors"), t, Map.of(), SafetensorsWriter.Dtype.F32);
    return adapter;
  }

  private static HostTensor zeros(int rows, int cols) {
    return new HostTensor(new long[] {rows, cols}, new float[rows * cols]);
  }

  /** Rewrites model.safetensors as two shards and an index, as large checkpoints come. */
  static void splitIntoTwoShards(Path model) throws IOException {
    Map<String, HostTensor> first = new LinkedHashMap<>();
    Map<String, HostTensor> second = new LinkedHashMap<>();
    try (SafetensorsReader r = SafetensorsReader.open(model.resolve("model.safetensors"))) {
      List<String> names = new ArrayList<>(r.names());
      for (int i = 0; i < names.size(); i++) {
        (i < names.size() / 2 ? first : second).put(names.get(i), r.read(names.get(i)));
      }
    }
    Files.delete(model.resolve("model.safetensors"));
    String a = "model-00001-of-00002.safetensors";
    String b = "model-00002-of-00002.safetensors";
    SafetensorsWriter.writeHost(model.resolve(a), first, Map.of(), SafetensorsWriter.Dtype.F32);
    SafetensorsWriter.writeHost(model.resolve(b), second, Map.of(), SafetensorsWriter.Dtype.F32);
    ObjectNode index = JSON.createObjectNode();
    ObjectNode map = index.putObject("weight_map");
    first.keySet().forEach(k -> map.put(k, a));
    second.keySet().forEach(k -> map.put(k, b));
    Files.writeString(model.resolve("model.safetensors.index.json"), index.toString());
  }
}
