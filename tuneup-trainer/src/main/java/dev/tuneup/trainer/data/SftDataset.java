package dev.tuneup.trainer.data;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tuneup.model.text.ChatTemplate;
import dev.tuneup.model.text.Tokenizer;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Minimal stand-in on the model branch for the data engineer's loader (same signature): DashScope
 * chat JSONL, assistant turns labelled. Samples longer than {@code maxLength} are dropped.
 */
public final class SftDataset {

  private static final ObjectMapper JSON = new ObjectMapper();

  private SftDataset() {}

  public static List<SftExample> load(
      List<Path> files, Tokenizer tokenizer, ChatTemplate template, int maxLength) {
    List<SftExample> out = new ArrayList<>();
    for (Path file : files) {
      try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        String line;
        int n = 0;
        while ((line = r.readLine()) != null) {
          n++;
          if (line.isBlank()) {
            continue;
          }
          SftExample e;
          try {
            e = encode(JSON.readTree(line), tokenizer, template);
          } catch (IOException | RuntimeException ex) {
            throw new DataException(
                file.getFileName()
                    + " line "
                    + n
                    + ": not a chat sample ("
                    + ex.getMessage()
                    + ")");
          }
          if (e.inputIds().length <= maxLength) {
            out.add(e);
          }
        }
      } catch (IOException ex) {
        throw new DataException("cannot read " + file.getFileName() + ": " + ex.getMessage());
      }
    }
    return out;
  }

  private static SftExample encode(JsonNode json, Tokenizer tok, ChatTemplate template) {
    JsonNode messages = json.get("messages");
    if (messages == null || !messages.isArray() || messages.isEmpty()) {
      throw new IllegalArgumentException("missing messages");
    }
    List<Map<String, Object>> msgs =
        JSON.convertValue(messages, new TypeReference<List<Map<String, Object>>>() {});
    int[] ids = new int[0];
    int[] labels = new int[0];
    String done = "";
    boolean anyAssistant = false;
    for (int i = 0; i < msgs.size(); i++) {
      if (!"assistant".equals(msgs.get(i).get("role"))) {
        continue;
      }
      anyAssistant = true;
      String prefix = template.render(msgs.subList(0, i), true);
      String upto = template.render(msgs.subList(0, i + 1), false);
      int[] p = tok.encode(prefix.substring(done.length()));
      String answer = upto.substring(prefix.length());
      int end = answer.indexOf("<|im_end|>");
      String labelled = end < 0 ? answer : answer.substring(0, end + "<|im_end|>".length());
      int[] a = tok.encode(labelled);
      int[] tail = tok.encode(answer.substring(labelled.length()));
      ids = concat(ids, p, a, tail);
      int[] pl = new int[p.length];
      Arrays.fill(pl, -100);
      int[] tl = new int[tail.length];
      Arrays.fill(tl, -100);
      labels = concat(labels, pl, a, tl);
      done = upto;
    }
    if (!anyAssistant) {
      throw new IllegalArgumentException("no assistant message");
    }
    return new SftExample(ids, labels);
  }

  private static int[] concat(int[]... parts) {
    int n = 0;
    for (int[] p : parts) {
      n += p.length;
    }
    int[] out = new int[n];
    int o = 0;
    for (int[] p : parts) {
      System.arraycopy(p, 0, out, o, p.length);
      o += p.length;
    }
    return out;
  }
}
