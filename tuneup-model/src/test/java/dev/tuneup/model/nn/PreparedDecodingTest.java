package dev.tuneup.model.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.tuneup.model.lora.LoraAdapter;
import dev.tuneup.model.lora.LoraConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class PreparedDecodingTest {
  private static final Path QWEN3 = Path.of("src/test/resources/reference/qwen3");

  @Test
  void an_adapter_on_the_fly_or_merged_after_preparing_decodes_as_on_an_unprepared_model() {
    try (NDManager root = NDManager.newBaseManager();
        Transformer plain = Transformer.load(QWEN3, root);
        Transformer prepared = Transformer.load(QWEN3, root)) {
      prepared.prepareDecoding();
      LoraConfig config =
          new LoraConfig(4, 8, 0, List.of("q_proj", "k_proj", "v_proj", "gate_proj"), "qwen3");
      try (LoraAdapter adapter = LoraAdapter.create(config, plain, 7)) {
        for (var e : adapter.tensors().entrySet()) {
          if (e.getKey().endsWith("lora_B.weight")) {
            NDArray b = e.getValue();
            b.addi(b.getManager().randomNormal(0, 0.5f, b.getShape(), b.getDataType()));
          }
        }
        float[] base = decode(plain);
        plain.setLora(adapter);
        float[] expected = decode(plain);
        assertThat(expected).isNotEqualTo(base);

        prepared.setLora(adapter);
        assertThat(decode(prepared)).containsExactly(expected, within(1e-4f));

        prepared.setLora(null);
        adapter.mergeInto(prepared);
        assertThat(decode(prepared)).containsExactly(expected, within(1e-4f));
      }
    }
  }

  /** Prefill of four tokens, then two single-token steps: the logits of all three, in a row. */
  private static float[] decode(Transformer model) {
    long[][] inputs = {{5, 17, 42, 8}, {3}, {61}};
    int vocab = model.config().vocabSize();
    float[] out = new float[inputs.length * vocab];
    try (NDManager step = model.manager().newSubManager();
        KvCache cache = new KvCache(model.manager(), model.config().numHiddenLayers())) {
      for (int i = 0; i < inputs.length; i++) {
        float[] logits =
            model
                .forward(step.create(inputs[i], new Shape(1, inputs[i].length)), cache)
                .toFloatArray();
        System.arraycopy(logits, 0, out, i * vocab, vocab);
      }
    }
    return out;
  }
}
