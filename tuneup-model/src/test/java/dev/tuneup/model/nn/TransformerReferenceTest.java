package dev.tuneup.model.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Compares the Java forward and loss with PyTorch outputs committed as fixtures; the script and the
 * command that regenerates them are in src/test/python/reference.py.
 */
class TransformerReferenceTest {

  private static final Path DIR = Path.of("src/test/resources/reference");
  private static final ObjectMapper JSON = new ObjectMapper();

  @ParameterizedTest
  @ValueSource(strings = {"qwen2", "qwen3", "llama"})
  void packed_forward_and_loss_match_pytorch_within_1e_4(String name) throws Exception {
    JsonNode f = JSON.readTree(DIR.resolve(name + ".json").toFile());
    int[][] ids = ints(f.get("input_ids"));
    int[][] labels = ints(f.get("labels"));
    try (NDManager root = NDManager.newBaseManager();
        Transformer model = Transformer.load(DIR.resolve(name), root);
        NDManager step = root.newSubManager()) {
      NDArray logits =
          model.forward(
              array(step, ids),
              array(step, ints(f.get("position_ids"))),
              array(step, ints(f.get("segment_ids"))));
      float[] got = logits.toFloatArray();
      float[] want = flatten(f.get("logits"));
      assertThat(got).hasSameSizeAs(want);
      float maxDiff = 0;
      for (int i = 0; i < got.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
      }
      assertThat(maxDiff).isLessThan(1e-4f);
      float loss = Transformer.nllSum(logits, labels).getFloat() / Transformer.countTargets(labels);
      assertThat((double) loss).isCloseTo(f.get("loss").asDouble(), within(1e-4));
      float trained =
          model
                  .lossSum(
                      array(step, ids),
                      array(step, ints(f.get("position_ids"))),
                      array(step, ints(f.get("segment_ids"))),
                      labels)
                  .getFloat()
              / Transformer.countTargets(labels);
      assertThat((double) trained).isCloseTo(f.get("loss").asDouble(), within(1e-4));
    }
  }

  @ParameterizedTest
  @CsvSource({
    "qwen2, false",
    "qwen3, false",
    "llama, false",
    "qwen2, true",
    "qwen3, true",
    "llama, true"
  })
  void kv_cache_decoding_gives_the_same_logits_as_a_full_forward(String name, boolean prepared) {
    int[] tokens = {5, 17, 42, 8, 3, 61, 9};
    try (NDManager root = NDManager.newBaseManager();
        Transformer model = Transformer.load(DIR.resolve(name), root);
        NDManager step = root.newSubManager();
        KvCache cache = new KvCache(root, model.config().numHiddenLayers())) {
      if (prepared) {
        model.prepareDecoding();
      }
      int[][] row = {tokens};
      int[][] pos = {{0, 1, 2, 3, 4, 5, 6}};
      int[][] seg = {{1, 1, 1, 1, 1, 1, 1}};
      NDArray full = model.forward(array(step, row), array(step, pos), array(step, seg));
      NDArray prefill =
          model.forward(step.create(new long[] {5, 17, 42, 8}, new Shape(1, 4)), cache);
      assertThat(prefill.getShape()).isEqualTo(new Shape(1, 1, model.config().vocabSize()));
      assertThat(prefill.toFloatArray())
          .containsExactly(full.get(new NDIndex(":, 3, :")).toFloatArray(), within(1e-4f));
      for (int t = 4; t < tokens.length; t++) {
        NDArray one = model.forward(step.create(new long[] {tokens[t]}, new Shape(1, 1)), cache);
        assertThat(one.toFloatArray())
            .containsExactly(
                full.get(new NDIndex(":, " + t + ", :")).toFloatArray(), within(1e-4f));
      }
      assertThat(cache.length()).isEqualTo(tokens.length);
    }
  }

  static NDArray array(NDManager m, int[][] rows) {
    long[] flat = new long[rows.length * rows[0].length];
    for (int i = 0; i < rows.length; i++) {
      for (int j = 0; j < rows[0].length; j++) {
        flat[i * rows[0].length + j] = rows[i][j];
      }
    }
    return m.create(flat, new Shape(rows.length, rows[0].length));
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

  private static float[] flatten(JsonNode n) {
    java.util.List<Float> out = new java.util.ArrayList<>();
    collect(n, out);
    float[] f = new float[out.size()];
    for (int i = 0; i < f.length; i++) {
      f[i] = out.get(i);
    }
    return f;
  }

  private static void collect(JsonNode n, java.util.List<Float> out) {
    if (n.isArray()) {
      n.forEach(c -> collect(c, out));
    } else {
      out.add((float) n.asDouble());
    }
  }
}
