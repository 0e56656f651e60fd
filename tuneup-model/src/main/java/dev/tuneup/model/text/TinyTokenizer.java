package dev.tuneup.model.text;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes the tokenizer of the built-in {@code tuneup-tiny} model: a byte-level BPE in the Hugging
 * Face {@code tokenizer.json} format with the Qwen2/Qwen3 pre-tokenizer, about 2k tokens learned
 * from a small built-in English corpus, the Qwen chat specials as added tokens, and a {@code
 * tokenizer_config.json} carrying the real Qwen3 chat template (eos {@code <|im_end|>}, pad {@code
 * <|endoftext|>}).
 *
 * <p>Trade-off: Qwen3's own 151k-token vocabulary would make the tiny model's embedding and output
 * layers dwarf everything else and make every step slow on two CPU cores, for a model that only has
 * to prove the training path works. A vocabulary learned from a few hundred common words keeps
 * those layers small and still turns common English words into single tokens; rarer words and other
 * scripts fall back to byte pieces, so any UTF-8 text still encodes and decodes exactly. The chat
 * format, special tokens and template are Qwen3's, so data, masking and generation behave as they
 * do on a real Qwen3 model.
 *
 * <p>Deterministic: training uses counts and a lexicographic tie-break only, so every run writes
 * the same bytes.
 */
public final class TinyTokenizer {

  /** Upper bound on the vocabulary, special tokens included; the corpus may run out of merges. */
  public static final int MAX_VOCAB = 3072;

  /**
   * Added tokens in id order after the learned vocabulary; the first three are Qwen's ids order.
   */
  static final List<String> SPECIAL_TOKENS =
      List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>", "<think>", "</think>");

  /** The Qwen2/Qwen3 split pattern, so the tiny tokenizer pre-tokenizes as the real one does. */
  static final String SPLIT_PATTERN =
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

  private static final String RESOURCES = "/dev/tuneup/model/text/";
  private static final ObjectMapper JSON = new ObjectMapper();

  private static volatile Trained trained;

  private TinyTokenizer() {}

  /**
   * Writes {@code tokenizer.json} and {@code tokenizer_config.json} into {@code dir} (created if
   * needed), replacing files of the same names.
   */
  public static void write(Path dir) {
    try {
      Files.createDirectories(dir);
      Trained t = train();
      Files.write(dir.resolve("tokenizer.json"), tokenizerJson(t));
      Files.write(dir.resolve("tokenizer_config.json"), tokenizerConfig(t));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the tiny tokenizer to " + dir, e);
    }
  }

  /** The learned vocabulary (byte-level strings by id) and merges, in rank order. */
  record Trained(List<String> vocab, List<String[]> merges) {}

  static Trained train() {
    Trained t = trained;
    if (t == null) {
      synchronized (TinyTokenizer.class) {
        if (trained == null) {
          trained = learn(readResource("tiny-corpus.txt"), MAX_VOCAB - SPECIAL_TOKENS.size());
        }
        t = trained;
      }
    }
    return t;
  }

  /**
   * Classic BPE training: start from the 256 byte symbols, repeatedly merge the most frequent
   * adjacent pair (ties: the lexicographically smallest pair) until {@code size} symbols exist or
   * no pair is left.
   */
  static Trained learn(String corpus, int size) {
    String[] byteChar = byteToUnicode();
    List<String> vocab = new ArrayList<>();
    Map<String, Integer> ids = new HashMap<>();
    for (int b : byteOrder()) {
      ids.put(byteChar[b], vocab.size());
      vocab.add(byteChar[b]);
    }

    // Distinct pre-tokens with counts, in sorted order so iteration never depends on hashing.
    Map<String, Integer> counts = new TreeMap<>();
    Matcher m =
        Pattern.compile(SPLIT_PATTERN).matcher(Normalizer.normalize(corpus, Normalizer.Form.NFC));
    while (m.find()) {
      StringBuilder mapped = new StringBuilder();
      for (byte b : m.group().getBytes(StandardCharsets.UTF_8)) {
        mapped.append(byteChar[b & 0xff]);
      }
      counts.merge(mapped.toString(), 1, Integer::sum);
    }
    List<int[]> words = new ArrayList<>();
    int[] weights = new int[counts.size()];
    for (Map.Entry<String, Integer> e : counts.entrySet()) {
      String w = e.getKey();
      int[] symbols = new int[w.length()];
      for (int i = 0; i < w.length(); i++) {
        symbols[i] = ids.get(String.valueOf(w.charAt(i)));
      }
      weights[words.size()] = e.getValue();
      words.add(symbols);
    }

    List<String[]> merges = new ArrayList<>();
    while (vocab.size() < size) {
      Map<Long, Integer> pairs = new HashMap<>();
      for (int w = 0; w < words.size(); w++) {
        int[] s = words.get(w);
        for (int i = 0; i + 1 < s.length; i++) {
          pairs.merge(((long) s[i] << 32) | s[i + 1], weights[w], Integer::sum);
        }
      }
      long best = -1;
      int bestCount = 0;
      for (Map.Entry<Long, Integer> e : pairs.entrySet()) {
        long p = e.getKey();
        int c = e.getValue();
        if (c > bestCount || (c == bestCount && comparePairs(vocab, p, best) < 0)) {
          best = p;
          bestCount = c;
        }
      }
      if (best < 0) {
        break;
      }
      int left = (int) (best >>> 32);
      int right = (int) best;
      int merged = vocab.size();
      vocab.add(vocab.get(left) + vocab.get(right));
      merges.add(new String[] {vocab.get(left), vocab.get(right)});
      for (int w = 0; w < words.size(); w++) {
        words.set(w, applyMerge(words.get(w), left, right, merged));
      }
    }
    return new Trained(List.copyOf(vocab), List.copyOf(merges));
  }

  private static int comparePairs(List<String> vocab, long a, long b) {
    int c = vocab.get((int) (a >>> 32)).compareTo(vocab.get((int) (b >>> 32)));
    return c != 0 ? c : vocab.get((int) a).compareTo(vocab.get((int) b));
  }

  private static int[] applyMerge(int[] s, int left, int right, int merged) {
    int[] out = new int[s.length];
    int n = 0;
    for (int i = 0; i < s.length; i++) {
      if (i + 1 < s.length && s[i] == left && s[i + 1] == right) {
        out[n++] = merged;
        i++;
      } else {
        out[n++] = s[i];
      }
    }
    return n == s.length ? out : java.util.Arrays.copyOf(out, n);
  }

  /**
   * GPT-2's reversible byte-to-character map: printable Latin-1 bytes stand for themselves, the
   * rest are shifted to code points from 256 up, so every byte is a visible vocabulary character.
   */
  static String[] byteToUnicode() {
    String[] map = new String[256];
    int shifted = 0;
    for (int b = 0; b < 256; b++) {
      map[b] = printable(b) ? String.valueOf((char) b) : String.valueOf((char) (256 + shifted++));
    }
    return map;
  }

  /** Byte ids follow GPT-2's order: the printable bytes first, then the shifted ones. */
  private static int[] byteOrder() {
    int[] order = new int[256];
    int n = 0;
    for (int b = 0; b < 256; b++) {
      if (printable(b)) {
        order[n++] = b;
      }
    }
    for (int b = 0; b < 256; b++) {
      if (!printable(b)) {
        order[n++] = b;
      }
    }
    return order;
  }

  private static boolean printable(int b) {
    return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
  }

  private static byte[] tokenizerJson(Trained t) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode added = root.putArray("added_tokens");
    for (int i = 0; i < SPECIAL_TOKENS.size(); i++) {
      ObjectNode token = added.addObject();
      token.put("id", t.vocab().size() + i);
      token.put("content", SPECIAL_TOKENS.get(i));
      token.put("single_word", false);
      token.put("lstrip", false);
      token.put("rstrip", false);
      token.put("normalized", false);
      token.put("special", true);
    }
    root.putObject("normalizer").put("type", "NFC");
    ObjectNode pre = root.putObject("pre_tokenizer");
    pre.put("type", "Sequence");
    ArrayNode steps = pre.putArray("pretokenizers");
    ObjectNode split = steps.addObject();
    split.put("type", "Split");
    split.putObject("pattern").put("Regex", SPLIT_PATTERN);
    split.put("behavior", "Isolated");
    split.put("invert", false);
    steps.add(byteLevel());
    root.set("post_processor", byteLevel());
    root.set("decoder", byteLevel());
    ObjectNode model = root.putObject("model");
    model.put("type", "BPE");
    model.putNull("dropout");
    model.putNull("unk_token");
    model.put("continuing_subword_prefix", "");
    model.put("end_of_word_suffix", "");
    model.put("fuse_unk", false);
    model.put("byte_fallback", false);
    model.put("ignore_merges", false);
    ObjectNode vocab = model.putObject("vocab");
    for (int i = 0; i < t.vocab().size(); i++) {
      vocab.put(t.vocab().get(i), i);
    }
    ArrayNode merges = model.putArray("merges");
    for (String[] merge : t.merges()) {
      merges.addArray().add(merge[0]).add(merge[1]);
    }
    return JSON.writeValueAsBytes(root);
  }

  private static ObjectNode byteLevel() {
    ObjectNode node = JSON.createObjectNode();
    node.put("type", "ByteLevel");
    node.put("add_prefix_space", false);
    node.put("trim_offsets", false);
    node.put("use_regex", false);
    return node;
  }

  private static byte[] tokenizerConfig(Trained t) throws IOException {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("add_bos_token", false);
    config.put("add_prefix_space", false);
    Map<String, Object> decoder = new LinkedHashMap<>();
    for (int i = 0; i < SPECIAL_TOKENS.size(); i++) {
      Map<String, Object> token = new LinkedHashMap<>();
      token.put("content", SPECIAL_TOKENS.get(i));
      token.put("lstrip", false);
      token.put("normalized", false);
      token.put("rstrip", false);
      token.put("single_word", false);
      token.put("special", true);
      decoder.put(String.valueOf(t.vocab().size() + i), token);
    }
    config.put("added_tokens_decoder", decoder);
    config.put("additional_special_tokens", List.of("<|im_start|>", "<|im_end|>"));
    config.put("bos_token", null);
    config.put("chat_template", readResource("qwen3-chat-template.jinja"));
    config.put("clean_up_tokenization_spaces", false);
    config.put("eos_token", "<|im_end|>");
    config.put("errors", "replace");
    config.put("model_max_length", 32768);
    config.put("pad_token", "<|endoftext|>");
    config.put("split_special_tokens", false);
    config.put("tokenizer_class", "Qwen2Tokenizer");
    config.put("unk_token", null);
    DefaultPrettyPrinter printer =
        new DefaultPrettyPrinter().withObjectIndenter(new DefaultIndenter("  ", "\n"));
    printer = printer.withArrayIndenter(new DefaultIndenter("  ", "\n"));
    byte[] body = JSON.writer(printer).writeValueAsBytes(config);
    byte[] out = java.util.Arrays.copyOf(body, body.length + 1);
    out[body.length] = '\n';
    return out;
  }

  static String readResource(String name) {
    try (InputStream in = TinyTokenizer.class.getResourceAsStream(RESOURCES + name)) {
      if (in == null) {
        throw new IllegalStateException("bug: resource " + name + " missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
