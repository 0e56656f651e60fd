package dev.tuneup.trainer.data;

import dev.tuneup.contract.ChatDataset;
import dev.tuneup.model.text.ChatTemplate;
import dev.tuneup.model.text.ChatTemplateException;
import dev.tuneup.model.text.Tokenizer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads DashScope chat JSONL ({@code {"messages": [{"role": ..., "content": ...}, ...]}} per line,
 * blank lines skipped) into tokenized {@link SftExample}s with an assistant-only loss mask.
 *
 * <p><b>How the mask is found.</b> The conversation is rendered whole by the model's chat template
 * and tokenized once; those are the input ids. For each assistant message the template renders the
 * messages before it with the generation prompt on: where that text ends, the assistant's part
 * starts. It ends after the first end-of-turn token (an eos token such as {@code <|im_end|>}) that
 * follows, so the model learns to stop; the newline the template writes after it is not trained.
 * Character boundaries become token boundaries by tokenizing the text up to the boundary and taking
 * the common prefix with the full ids, so a token that straddles a boundary counts as prompt. This
 * follows the template instead of searching for role markers, so it holds for any template whose
 * prefixes render as prefixes; for Qwen3 the last turn's empty {@code <think>\n\n</think>\n\n}
 * block is part of the trained answer, as the template writes it.
 *
 * <p><b>Long samples.</b> A conversation longer than {@code maxLength} tokens is dropped whole and
 * counted, as DashScope does; it is never truncated, because a cut answer would teach the model to
 * stop mid-sentence.
 */
public final class SftDataset {

  private SftDataset() {}

  /**
   * Loads and tokenizes every conversation of {@code files}, in order.
   *
   * @throws DataException on the first line that is not a valid conversation, naming file and line
   * @throws UncheckedIOException when a file cannot be read
   */
  public static LoadedDataset load(
      List<Path> files, Tokenizer tok, ChatTemplate tpl, int maxLength) {
    if (maxLength < 2) {
      throw new IllegalArgumentException("max_length must be at least 2, got " + maxLength);
    }
    Masker masker = new Masker(tok, tpl);
    List<SftExample> examples = new ArrayList<>();
    int conversations = 0;
    int tooLong = 0;
    int withoutAssistant = 0;
    long tokens = 0;
    for (Path file : files) {
      String name = file.getFileName().toString();
      try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        int lineNo = 0;
        while (true) {
          String line;
          try {
            line = in.readLine();
          } catch (CharacterCodingException e) {
            throw new DataException(name, lineNo + 1, "not valid UTF-8", e);
          }
          if (line == null) {
            break;
          }
          lineNo++;
          if (line.isBlank()) {
            continue;
          }
          conversations++;
          List<Map<String, Object>> messages = parse(name, lineNo, line);
          if (messages.stream().noneMatch(m -> "assistant".equals(m.get("role")))) {
            withoutAssistant++;
            continue;
          }
          SftExample example;
          try {
            example = masker.tokenize(messages);
          } catch (ChatTemplateException e) {
            throw new DataException(name, lineNo, "chat template: " + e.getMessage(), e);
          } catch (IllegalStateException e) {
            throw new DataException(name, lineNo, e.getMessage(), e);
          }
          if (example.length() > maxLength) {
            tooLong++;
            continue;
          }
          examples.add(example);
          tokens += example.length();
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file, e);
      }
    }
    return new LoadedDataset(examples, conversations, tooLong, withoutAssistant, tokens);
  }

  static List<Map<String, Object>> parse(String file, int line, String text) {
    List<ChatDataset.Message> parsed;
    try {
      parsed = ChatDataset.parseLine(text);
    } catch (ChatDataset.InvalidLine e) {
      throw new DataException(file, line, e.getMessage());
    }
    List<Map<String, Object>> messages = new ArrayList<>();
    for (ChatDataset.Message m : parsed) {
      Map<String, Object> message = new LinkedHashMap<>();
      message.put("role", m.role());
      message.put("content", m.content());
      messages.add(message);
    }
    return messages;
  }

  /** Renders, tokenizes and masks one conversation. */
  static final class Masker {
    private final Tokenizer tok;
    private final ChatTemplate tpl;
    private final List<String> endTokens;

    Masker(Tokenizer tok, ChatTemplate tpl) {
      this.tok = tok;
      this.tpl = tpl;
      List<String> ends = new ArrayList<>();
      for (int id : tok.eosTokenIds()) {
        ends.add(tok.decode(new int[] {id}, false));
      }
      this.endTokens = List.copyOf(ends);
    }

    SftExample tokenize(List<Map<String, Object>> messages) {
      String full = tpl.render(messages, false);
      int[] ids = tok.encode(full);
      int[] labels = new int[ids.length];
      Arrays.fill(labels, SftExample.IGNORE);

      List<Integer> assistantAt = new ArrayList<>();
      for (int i = 0; i < messages.size(); i++) {
        if ("assistant".equals(messages.get(i).get("role"))) {
          assistantAt.add(i);
        }
      }
      int[] starts = new int[assistantAt.size()];
      for (int k = 0; k < assistantAt.size(); k++) {
        String before = tpl.render(messages.subList(0, assistantAt.get(k)), true);
        if (!full.startsWith(before)) {
          throw new IllegalStateException(
              "the chat template does not render the conversation before assistant message "
                  + assistantAt.get(k)
                  + " as a prefix of the whole; cannot tell the answer from the prompt");
        }
        starts[k] = before.length();
      }
      for (int k = 0; k < starts.length; k++) {
        int limit = k + 1 < starts.length ? starts[k + 1] : full.length();
        int end = endOfTurn(full, starts[k], limit);
        if (end < 0) {
          String through = tpl.render(messages.subList(0, assistantAt.get(k) + 1), false);
          if (!full.startsWith(through) || through.length() > limit) {
            throw new IllegalStateException(
                "cannot find where assistant message " + assistantAt.get(k) + " ends");
          }
          end = through.length();
        }
        int from = tokenBoundary(full, starts[k], ids);
        int to = tokenBoundary(full, end, ids);
        for (int t = from; t < to; t++) {
          labels[t] = ids[t];
        }
      }
      return new SftExample(ids, labels);
    }

    /** End of the first end-of-turn token in {@code [from, limit)}, or -1. */
    private int endOfTurn(String text, int from, int limit) {
      int best = -1;
      for (String end : endTokens) {
        int at = text.indexOf(end, from);
        if (at >= 0 && at + end.length() <= limit && (best < 0 || at + end.length() < best)) {
          best = at + end.length();
        }
      }
      return best;
    }

    /** Number of leading tokens of {@code ids} that lie entirely before character {@code at}. */
    private int tokenBoundary(String text, int at, int[] ids) {
      if (at >= text.length()) {
        return ids.length;
      }
      int[] prefix = tok.encode(text.substring(0, at));
      int n = 0;
      while (n < prefix.length && n < ids.length && prefix[n] == ids[n]) {
        n++;
      }
      // Where the prefix's last token differs, it was cut by the boundary: the full text's token
      // there straddles it and counts as prompt.
      return n;
    }
  }
}
