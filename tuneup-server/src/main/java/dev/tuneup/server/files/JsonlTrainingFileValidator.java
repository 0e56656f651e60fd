package dev.tuneup.server.files;

import dev.tuneup.contract.ChatDataset;
import dev.tuneup.file.TrainingFileValidator;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks DashScope chat JSONL with the rules of {@link ChatDataset}: every non-blank line is an
 * object with a {@code messages} array of {@code {role, content}} objects, roles system, user or
 * assistant, with at least one assistant turn. Problems name their 1-based line.
 */
public final class JsonlTrainingFileValidator implements TrainingFileValidator {
  /** Longest line accepted; a longer one is almost certainly not one chat sample. */
  public static final int MAX_LINE_CHARS = 8 * 1024 * 1024;

  private final int maxLineChars;

  public JsonlTrainingFileValidator() {
    this(MAX_LINE_CHARS);
  }

  /** {@code maxLineChars}: the longest line kept in memory; longer ones are skipped unread. */
  public JsonlTrainingFileValidator(int maxLineChars) {
    if (maxLineChars < 1) {
      throw new IllegalArgumentException("maxLineChars must be positive, got " + maxLineChars);
    }
    this.maxLineChars = maxLineChars;
  }

  @Override
  public Result validate(Path file, int maxProblems) {
    List<String> problems = new ArrayList<>();
    long lineNo = 0;
    long samples = 0;
    var decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(Files.newInputStream(file), decoder))) {
      StringBuilder buffer = new StringBuilder();
      String line;
      while (problems.size() < maxProblems && (line = nextLine(r, buffer)) != null) {
        lineNo++;
        if (line == TOO_LONG) {
          problems.add("line " + lineNo + ": line longer than " + maxLineChars + " characters");
          continue;
        }
        if (lineNo == 1 && line.startsWith("\uFEFF")) {
          line = line.substring(1);
        }
        if (line.isBlank()) {
          continue;
        }
        String problem = check(line);
        if (problem != null) {
          problems.add("line " + lineNo + ": " + problem);
        } else {
          samples++;
        }
      }
    } catch (CharacterCodingException e) {
      problems.add("line " + (lineNo + 1) + ": not valid UTF-8 text");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (problems.isEmpty() && samples == 0) {
      problems.add("the file has no training samples (every line is empty)");
    }
    return new Result(problems, samples);
  }

  /** The marker {@link #nextLine} returns for a line over the cap (compared by identity). */
  private static final String TOO_LONG = new String("too long");

  /**
   * The next line without its terminator ({@code \n}, {@code \r\n} or {@code \r}), null at the end,
   * or {@link #TOO_LONG}: a line over the cap is read to its end and dropped, so one huge line
   * costs no more memory than the cap (a {@code readLine} would buffer it whole first).
   */
  private String nextLine(BufferedReader r, StringBuilder buffer) throws IOException {
    buffer.setLength(0);
    boolean tooLong = false;
    int c = r.read();
    if (c < 0) {
      return null;
    }
    while (c >= 0 && c != '\n' && c != '\r') {
      if (!tooLong) {
        if (buffer.length() == maxLineChars) {
          tooLong = true;
          buffer.setLength(0);
          buffer.trimToSize();
        } else {
          buffer.append((char) c);
        }
      }
      c = r.read();
    }
    if (c == '\r') {
      r.mark(1);
      if (r.read() != '\n') {
        r.reset();
      }
    }
    return tooLong ? TOO_LONG : buffer.toString();
  }

  private static String check(String line) {
    List<ChatDataset.Message> messages;
    try {
      messages = ChatDataset.parseLine(line);
    } catch (ChatDataset.InvalidLine e) {
      return e.getMessage();
    }
    boolean assistant = ChatDataset.hasAssistant(messages);
    if (!assistant) {
      return "no assistant message to learn from";
    }
    return null;
  }
}
