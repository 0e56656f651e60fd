package dev.tuneup.model.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Minimal stand-in on the model branch for the text engineer's tokenizer (same signatures); the
 * lead keeps theirs when merging. Never adds special tokens, never truncates.
 */
public final class Tokenizer implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HuggingFaceTokenizer hf;
  private final int[] eos;
  private final int pad;

  private Tokenizer(HuggingFaceTokenizer hf, int[] eos, int pad) {
    this.hf = hf;
    this.eos = eos;
    this.pad = pad;
  }

  /** Loads {@code tokenizer.json} and {@code tokenizer_config.json} of a model directory. */
  public static Tokenizer load(Path modelDir) {
    try {
      HuggingFaceTokenizer hf =
          HuggingFaceTokenizer.newInstance(
              modelDir.resolve("tokenizer.json"),
              Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"));
      JsonNode tok = JSON.readTree(modelDir.resolve("tokenizer.json").toFile());
      Path cfgFile = modelDir.resolve("tokenizer_config.json");
      JsonNode cfg =
          Files.isRegularFile(cfgFile) ? JSON.readTree(cfgFile.toFile()) : JSON.createObjectNode();
      Set<Integer> eos = new LinkedHashSet<>();
      int pad = 0;
      for (JsonNode added : tok.path("added_tokens")) {
        String content = added.path("content").asText();
        int id = added.path("id").asInt();
        if (content.equals(cfg.path("eos_token").asText())
            || content.equals("<|im_end|>")
            || content.equals("<|endoftext|>")) {
          eos.add(id);
        }
        if (content.equals(cfg.path("pad_token").asText("<|endoftext|>"))) {
          pad = id;
        }
      }
      return new Tokenizer(hf, eos.stream().mapToInt(Integer::intValue).toArray(), pad);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read tokenizer of " + modelDir, e);
    }
  }

  public int[] encode(String text) {
    Encoding e = hf.encode(text, false, false);
    long[] ids = e.getIds();
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = (int) ids[i];
    }
    return out;
  }

  public String decode(int[] ids) {
    long[] l = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      l[i] = ids[i];
    }
    return hf.decode(l, false);
  }

  public int[] eosTokenIds() {
    return eos.clone();
  }

  public int padTokenId() {
    return pad;
  }

  @Override
  public void close() {
    hf.close();
  }
}
