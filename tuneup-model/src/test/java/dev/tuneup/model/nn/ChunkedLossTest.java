package dev.tuneup.model.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tuneup.model.lora.LoraAdapter;
import dev.tuneup.model.lora.LoraConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The chunked output layer and cross-entropy give the loss and gradients of the plain path (all
 * logits at once, autograd through the softmax), for tied and untied heads, full and LoRA.
 */
class ChunkedLossTest {
  private static final Path DIR = Path.of("src/test/resources/reference");
  private static final ObjectMapper JSON = new ObjectMapper();

  @ParameterizedTest
  @CsvSource({"qwen2, false", "llama, false", "qwen3, false", "qwen3, true", "qwen2, true"})
  void chunked_loss_and_gradients_equal_the_unchunked_path(String name, boolean lora)
      throws Exception {
    JsonNode f = JSON.readTree(DIR.resolve(name + ".json").toFile());
    int[][] labels = ints(f.get("labels"));
    try (NDManager root = NDManager.newBaseManager();
        Transformer model = Transformer.load(DIR.resolve(name), root)) {
      Map<String, NDArray> params;
      if (lora) {
        LoraAdapter adapter =
            LoraAdapter.create(new LoraConfig(4, 8, 0, LoraConfig.DEFAULT_TARGETS, name), model, 7);
        // B starts at zero; give it values so that every adapter matrix has a gradient
        for (Map.Entry<String, NDArray> e : adapter.tensors().entrySet()) {
          if (e.getKey().contains("lora_B")) {
            NDArray v =
                root.randomNormal(0, 0.05f, e.getValue().getShape(), e.getValue().getDataType());
            e.getValue().set(v.toFloatArray());
          }
        }
        model.setLora(adapter);
        params = adapter.tensors();
      } else {
        params = model.weights();
      }
      for (NDArray p : params.values()) {
        p.setRequiresGradient(true);
      }

      Map<String, float[]> plain = new LinkedHashMap<>();
      double plainLoss;
      try (NDManager step = root.newSubManager();
          GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray sum = model.lossSum(ids(step, f), pos(step, f), seg(step, f), labels);
        plainLoss = sum.getFloat();
        gc.backward(sum);
        params.forEach((k, p) -> plain.put(k, p.getGradient().toFloatArray()));
      }
      double chunkedLoss;
      Map<String, float[]> chunked = new LinkedHashMap<>();
      try (NDManager step = root.newSubManager();
          GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        gc.zeroGradients(); // backward adds to the gradients of the plain run
        // 3 rows a chunk: many chunks and a ragged last one
        Transformer.Loss loss =
            model.chunkedLoss(ids(step, f), pos(step, f), seg(step, f), labels, 3, true);
        chunkedLoss = loss.value();
        gc.backward(loss.backward());
        params.forEach((k, p) -> chunked.put(k, p.getGradient().toFloatArray()));
      }

      assertThat(chunkedLoss).isCloseTo(plainLoss, within(1e-3 * Math.abs(plainLoss)));
      assertThat(plain.keySet()).isEqualTo(chunked.keySet());
      double maxAbs = 0;
      for (float[] g : plain.values()) {
        for (float x : g) {
          maxAbs = Math.max(maxAbs, Math.abs(x));
        }
      }
      assertThat(maxAbs).as("the plain path has gradients").isGreaterThan(1e-3);
      for (String k : plain.keySet()) {
        float[] a = plain.get(k);
        float[] b = chunked.get(k);
        for (int i = 0; i < a.length; i++) {
          assertThat((double) b[i])
              .as(k + "[" + i + "]")
              .isCloseTo(a[i], within(1e-4 * maxAbs + 1e-6));
        }
      }
      double value = model.lossValue(ids(root, f), pos(root, f), seg(root, f), labels);
      assertThat(value).isCloseTo(plainLoss, within(1e-3 * Math.abs(plainLoss)));
    }
  }

  private static NDArray ids(NDManager m, JsonNode f) {
    return TransformerReferenceTest.array(m, ints(f.get("input_ids")));
  }

  private static NDArray pos(NDManager m, JsonNode f) {
    return TransformerReferenceTest.array(m, ints(f.get("position_ids")));
  }

  private static NDArray seg(NDManager m, JsonNode f) {
    return TransformerReferenceTest.array(m, ints(f.get("segment_ids")));
  }

  private static int[][] ints(JsonNode n) {
    int[][] out = new int[n.size()][];
    for (int i = 0; i < n.size(); i++) {
      out[i] = new int[n.get(i).size()];
      for (int j = 0; j < out[i].length; j++) {
        out[i][j] = n.get(i).get(j).asInt();
      }
    }
    return out;
  }
}
