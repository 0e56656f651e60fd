package dev.tuneup.model.builtin;

import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tuneup.model.config.ModelConfig;
import dev.tuneup.model.nn.Transformer;
import dev.tuneup.model.text.TinyTokenizer;
import dev.tuneup.model.weights.HostTensor;
import dev.tuneup.model.weights.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The built-in {@code tuneup-tiny} model: a small Qwen3-architecture model created from a fixed
 * seed, so that train, deploy and chat work on a fresh machine with no downloads. About 1.5 M
 * parameters; it knows nothing until fine-tuned, and learns a few dozen chat pairs in well under a
 * minute on two CPU cores.
 */
public final class TinyModel {

  /** The model id and directory name. */
  public static final String NAME = "tuneup-tiny";

  private static final long SEED = 20261128L;

  /**
   * The final norm's initial weight. With the embedding table at std 0.02 and tied to the output
   * layer, a weight of 1 caps every logit near 0.02 * hidden = 3.8, so no model that keeps the
   * embeddings and the final norm frozen (LoRA) can ever push the loss below about 3.9 over a 2k
   * vocabulary. Pretrained models have large final norm weights for the same reason; 6 leaves the
   * initial logits small (std 1.7) and lets LoRA reach near-zero loss.
   */
  static final float FINAL_NORM_INIT = 6f;

  private static final ObjectMapper JSON = new ObjectMapper();

  private TinyModel() {}

  /**
   * Creates {@code modelsDir/tuneup-tiny/} unless it exists, and returns it. Built in a temporary
   * sibling directory and renamed, so a crash never leaves a half model; when two processes race,
   * the loser discards its copy.
   */
  public static Path ensure(Path modelsDir) throws IOException {
    Path target = modelsDir.resolve(NAME);
    if (Files.isRegularFile(target.resolve("model.safetensors"))) {
      return target;
    }
    Files.createDirectories(modelsDir);
    Path tmp = Files.createTempDirectory(modelsDir, "." + NAME + "-");
    try {
      TinyTokenizer.write(tmp);
      ModelConfig config = config(vocabSizeOf(tmp.resolve("tokenizer.json")));
      config.write(tmp);
      SafetensorsWriter.writeHost(
          tmp.resolve("model.safetensors"),
          weights(config),
          Map.of("format", "pt"),
          SafetensorsWriter.Dtype.F32);
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
        if (!Files.isRegularFile(target.resolve("model.safetensors"))) {
          throw e;
        }
      } catch (IOException e) {
        // a concurrent creator won with a non-empty directory
        if (!Files.isRegularFile(target.resolve("model.safetensors"))) {
          throw e;
        }
      }
    } finally {
      deleteRecursively(tmp);
    }
    return target;
  }

  /** The shape: vocabulary from the tokenizer rounded up to a multiple of 64. */
  static ModelConfig config(int tokenizerVocab) {
    int vocab = (tokenizerVocab + 63) / 64 * 64;
    return new ModelConfig(
        ModelConfig.Architecture.QWEN3,
        192,
        512,
        3,
        6,
        2,
        32,
        1e-6,
        10000.0,
        vocab,
        true,
        2048,
        false);
  }

  private static int vocabSizeOf(Path tokenizerJson) throws IOException {
    JsonNode t = JSON.readTree(tokenizerJson.toFile());
    int max = -1;
    for (JsonNode v : t.path("model").path("vocab")) {
      max = Math.max(max, v.asInt());
    }
    for (JsonNode a : t.path("added_tokens")) {
      max = Math.max(max, a.path("id").asInt());
    }
    return max + 1;
  }

  private static Map<String, HostTensor> weights(ModelConfig config) {
    Random rnd = new Random(SEED);
    Map<String, HostTensor> out = new TreeMap<>();
    for (Map.Entry<String, Shape> e : Transformer.expectedShapes(config).entrySet()) {
      long[] shape = e.getValue().getShape();
      float[] data = new float[(int) e.getValue().size()];
      if (e.getKey().equals("model.norm.weight")) {
        java.util.Arrays.fill(data, FINAL_NORM_INIT);
      } else if (e.getKey().endsWith("norm.weight")) {
        java.util.Arrays.fill(data, 1f);
      } else {
        // transformers' initializer_range 0.02
        for (int i = 0; i < data.length; i++) {
          data[i] = (float) (rnd.nextGaussian() * 0.02);
        }
      }
      out.put(e.getKey(), new HostTensor(shape, data));
    }
    return out;
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
