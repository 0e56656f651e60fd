package dev.tuneup.model.text;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Minimal stand-in on the model branch for the text engineer's tiny tokenizer (same signature): a
 * byte-level BPE with no merges (one token per byte, GPT-2 byte alphabet) plus the ChatML special
 * tokens, and a ChatML chat template. The lead keeps theirs when merging.
 */
public final class TinyTokenizer {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] SPECIALS = {"<|endoftext|>", "<|im_start|>", "<|im_end|>"};

  private TinyTokenizer() {}

  /** Writes {@code tokenizer.json} and {@code tokenizer_config.json} into {@code dir}. */
  public static void write(Path dir) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode added = root.putArray("added_tokens");
    for (int i = 0; i < SPECIALS.length; i++) {
      ObjectNode t = added.addObject();
      t.put("id", 256 + i);
      t.put("content", SPECIALS[i]);
      t.put("single_word", false);
      t.put("lstrip", false);
      t.put("rstrip", false);
      t.put("normalized", false);
      t.put("special", true);
    }
    root.putNull("normalizer");
    ObjectNode pre = root.putObject("pre_tokenizer");
    pre.put("type", "ByteLevel");
    pre.put("add_prefix_space", false);
    pre.put("trim_offsets", true);
    pre.put("use_regex", true);
    root.putNull("post_processor");
    ObjectNode dec = root.putObject("decoder");
    dec.put("type", "ByteLevel");
    dec.put("add_prefix_space", false);
    dec.put("trim_offsets", true);
    dec.put("use_regex", true);
    ObjectNode model = root.putObject("model");
    model.put("type", "BPE");
    model.putNull("dropout");
    model.putNull("unk_token");
    model.putNull("continuing_subword_prefix");
    model.putNull("end_of_word_suffix");
    model.put("fuse_unk", false);
    model.put("byte_fallback", false);
    ObjectNode vocab = model.putObject("vocab");
    int[] map = byteAlphabet();
    for (int b = 0; b < 256; b++) {
      vocab.put(new String(Character.toChars(map[b])), b);
    }
    model.putArray("merges");
    Files.writeString(dir.resolve("tokenizer.json"), JSON.writeValueAsString(root));

    ObjectNode cfg = JSON.createObjectNode();
    cfg.put("tokenizer_class", "Qwen2Tokenizer");
    cfg.put("eos_token", "<|im_end|>");
    cfg.put("pad_token", "<|endoftext|>");
    cfg.putNull("bos_token");
    cfg.put("model_max_length", 2048);
    cfg.put(
        "chat_template",
        "{%- for message in messages %}{{- '<|im_start|>' + message.role + '\\n' + message.content"
            + " + '<|im_end|>' + '\\n' }}{%- endfor %}{%- if add_generation_prompt %}{{-"
            + " '<|im_start|>assistant\\n' }}{%- endif %}");
    Files.writeString(
        dir.resolve("tokenizer_config.json"),
        JSON.writerWithDefaultPrettyPrinter().writeValueAsString(cfg));
  }

  /** GPT-2's reversible map from bytes to printable code points. */
  private static int[] byteAlphabet() {
    int[] map = new int[256];
    boolean[] direct = new boolean[256];
    for (int b = '!'; b <= '~'; b++) {
      direct[b] = true;
    }
    for (int b = 0xA1; b <= 0xAC; b++) {
      direct[b] = true;
    }
    for (int b = 0xAE; b <= 0xFF; b++) {
      direct[b] = true;
    }
    int next = 256;
    for (int b = 0; b < 256; b++) {
      map[b] = direct[b] ? b : next++;
    }
    return map;
  }
}
