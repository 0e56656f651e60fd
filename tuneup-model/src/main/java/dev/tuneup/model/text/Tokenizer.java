package dev.tuneup.model.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * A Hugging Face tokenizer read from a model directory ({@code tokenizer.json} plus {@code
 * tokenizer_config.json}, and {@code generation_config.json} when present).
 *
 * <p>Encoding never adds special tokens and never truncates: the chat template already wrote every
 * special token into the text, and the data pipeline decides what to do with long samples (it drops
 * them, see {@code SftDataset}). Not thread-safe to close while in use; encoding itself may be
 * called from several threads.
 */
public final class Tokenizer implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Chat models end a turn with one of these; generation must stop on them even when {@code
   * eos_token} names another.
   */
  private static final String[] CHAT_END_TOKENS = {"<|im_end|>", "<|endoftext|>"};

  private final HuggingFaceTokenizer hf;
  private final Map<String, Integer> ids;
  private final Set<Integer> specialIds;
  private final int vocabSize;
  private final int[] eosTokenIds;
  private final int padTokenId;
  private final String bosToken;
  private final String eosToken;
  private final String padToken;

  private Tokenizer(
      HuggingFaceTokenizer hf,
      Map<String, Integer> ids,
      Set<Integer> specialIds,
      int vocabSize,
      int[] eosTokenIds,
      int padTokenId,
      String bosToken,
      String eosToken,
      String padToken) {
    this.hf = hf;
    this.ids = ids;
    this.specialIds = specialIds;
    this.vocabSize = vocabSize;
    this.eosTokenIds = eosTokenIds;
    this.padTokenId = padTokenId;
    this.bosToken = bosToken;
    this.eosToken = eosToken;
    this.padToken = padToken;
  }

  /**
   * Loads the tokenizer of a model directory.
   *
   * @throws UncheckedIOException when {@code tokenizer.json} is missing or unreadable
   * @throws IllegalArgumentException when the config names an eos or pad token the vocabulary lacks
   */
  public static Tokenizer load(Path modelDir) {
    Path tokenizerJson = modelDir.resolve("tokenizer.json");
    try {
      JsonNode tokenizer = JSON.readTree(tokenizerJson.toFile());
      JsonNode config = readIfPresent(modelDir.resolve("tokenizer_config.json"));
      JsonNode generation = readIfPresent(modelDir.resolve("generation_config.json"));

      Map<String, Integer> ids = new HashMap<>();
      int maxId = -1;
      JsonNode vocab = tokenizer.path("model").path("vocab");
      for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        ids.put(e.getKey(), e.getValue().asInt());
        maxId = Math.max(maxId, e.getValue().asInt());
      }
      Set<Integer> specialIds = new LinkedHashSet<>();
      for (JsonNode added : tokenizer.path("added_tokens")) {
        int id = added.path("id").asInt();
        ids.put(added.path("content").asText(), id);
        maxId = Math.max(maxId, id);
        if (added.path("special").asBoolean(false)) {
          specialIds.add(id);
        }
      }

      String bos = tokenText(config.get("bos_token"));
      String eos = tokenText(config.get("eos_token"));
      String pad = tokenText(config.get("pad_token"));

      Set<Integer> eosIds = new LinkedHashSet<>();
      if (eos != null) {
        eosIds.add(requireId(ids, eos, "eos_token"));
      }
      JsonNode genEos = generation.get("eos_token_id");
      if (genEos != null && genEos.isArray()) {
        genEos.forEach(n -> eosIds.add(n.asInt()));
      } else if (genEos != null && genEos.canConvertToInt()) {
        eosIds.add(genEos.asInt());
      }
      for (String end : CHAT_END_TOKENS) {
        Integer id = ids.get(end);
        if (id != null) {
          eosIds.add(id);
        }
      }
      if (eosIds.isEmpty()) {
        throw new IllegalArgumentException(
            modelDir
                + ": no eos_token in tokenizer_config.json and no known end token in the vocab");
      }
      int[] eosArray = eosIds.stream().mapToInt(Integer::intValue).toArray();
      // Models without a pad token (LLaMA) pad with eos; padded positions carry no loss anyway.
      int padId = pad != null ? requireId(ids, pad, "pad_token") : eosArray[0];

      // Explicit maxLength and truncation=false: DJL otherwise truncates at model_max_length (or
      // 512) with a warning, which would silently cut training samples.
      HuggingFaceTokenizer hf =
          HuggingFaceTokenizer.newInstance(
              tokenizerJson,
              Map.of(
                  "addSpecialTokens", "false",
                  "truncation", "false",
                  "padding", "false",
                  "maxLength", String.valueOf(Integer.MAX_VALUE / 2)));
      return new Tokenizer(hf, ids, specialIds, maxId + 1, eosArray, padId, bos, eos, pad);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read tokenizer from " + modelDir, e);
    }
  }

  private static JsonNode readIfPresent(Path file) throws IOException {
    return Files.isRegularFile(file) ? JSON.readTree(file.toFile()) : JSON.createObjectNode();
  }

  /** tokenizer_config writes a token either as a string or as an AddedToken object. */
  static String tokenText(JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    return node.isObject() ? node.path("content").asText() : node.asText();
  }

  private static int requireId(Map<String, Integer> ids, String token, String field) {
    Integer id = ids.get(token);
    if (id == null) {
      throw new IllegalArgumentException(field + " '" + token + "' is not in the vocabulary");
    }
    return id;
  }

  /** Token ids of {@code text}, with no special tokens added and no truncation. */
  public int[] encode(String text) {
    long[] raw = hf.encode(text, false, false).getIds();
    int[] out = new int[raw.length];
    for (int i = 0; i < raw.length; i++) {
      out[i] = (int) raw[i];
    }
    return out;
  }

  /** Text of {@code ids}, special tokens included. */
  public String decode(int[] ids) {
    return decode(ids, false);
  }

  /** Text of {@code ids}; special tokens are left out when {@code skipSpecialTokens}. */
  public String decode(int[] ids, boolean skipSpecialTokens) {
    long[] raw = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      raw[i] = ids[i];
    }
    return hf.decode(raw, skipSpecialTokens);
  }

  /**
   * Every id that ends generation: {@code eos_token}, the ids in {@code generation_config.json},
   * and the chat end tokens {@code <|im_end|>} / {@code <|endoftext|>} where the vocab has them.
   * The config's eos_token comes first.
   */
  public int[] eosTokenIds() {
    return eosTokenIds.clone();
  }

  /** The pad token's id, or the first eos id when the config names no pad token. */
  public int padTokenId() {
    return padTokenId;
  }

  /**
   * Highest token id plus one, counting added tokens. Model configs often round the embedding table
   * up (Qwen3: 151936 rows for 151669 tokens); this is the tokenizer's own count.
   */
  public int vocabSize() {
    return vocabSize;
  }

  /**
   * Id of a token as written in the vocabulary (byte-level form, e.g. {@code "Ġworld"}) or an added
   * token such as {@code "<|im_end|>"}.
   *
   * @throws IllegalArgumentException when the vocabulary lacks it
   */
  public int tokenId(String token) {
    return requireId(ids, token, "token");
  }

  /** Whether {@code id} is an added special token. */
  public boolean isSpecial(int id) {
    return specialIds.contains(id);
  }

  /** The {@code bos_token} string of tokenizer_config.json, or null. */
  public String bosToken() {
    return bosToken;
  }

  /** The {@code eos_token} string of tokenizer_config.json, or null. */
  public String eosToken() {
    return eosToken;
  }

  /** The {@code pad_token} string of tokenizer_config.json, or null. */
  public String padToken() {
    return padToken;
  }

  @Override
  public void close() {
    hf.close();
  }
}
