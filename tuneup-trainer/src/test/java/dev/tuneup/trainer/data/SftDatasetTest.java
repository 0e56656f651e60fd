package dev.tuneup.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tuneup.model.text.ChatTemplate;
import dev.tuneup.model.text.TinyTokenizer;
import dev.tuneup.model.text.Tokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SftDatasetTest {

  @TempDir static Path modelDir;
  @TempDir Path dataDir;

  private static Tokenizer tok;
  private static ChatTemplate tpl;

  @BeforeAll
  static void tinyModel() {
    TinyTokenizer.write(modelDir);
    tok = Tokenizer.load(modelDir);
    tpl = ChatTemplate.load(modelDir);
  }

  @AfterAll
  static void close() {
    tok.close();
  }

  private Path file(String name, String... lines) throws IOException {
    Path p = dataDir.resolve(name);
    Files.writeString(p, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    return p;
  }

  private static String conversation(String... roleContent) {
    StringBuilder json = new StringBuilder("{\"messages\": [");
    for (int i = 0; i < roleContent.length; i += 2) {
      json.append(i == 0 ? "" : ", ")
          .append("{\"role\": \"")
          .append(roleContent[i])
          .append("\", \"content\": \"")
          .append(roleContent[i + 1])
          .append("\"}");
    }
    return json.append("]}").toString();
  }

  private static int[] concat(int[]... parts) {
    return Arrays.stream(parts).flatMapToInt(Arrays::stream).toArray();
  }

  @Test
  void only_the_assistant_answer_and_its_end_token_carry_labels() throws IOException {
    Path data =
        file(
            "train.jsonl",
            conversation(
                "system",
                "You are a careful assistant.",
                "user",
                "What is 2+2?",
                "assistant",
                "4."));
    LoadedDataset loaded = SftDataset.load(List.of(data), tok, tpl, 512);

    String prompt =
        "<|im_start|>system\nYou are a careful assistant.<|im_end|>\n"
            + "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n";
    String answer = "<think>\n\n</think>\n\n4.<|im_end|>";
    int[] promptIds = tok.encode(prompt);
    int[] answerIds = tok.encode(answer);
    int[] newline = tok.encode("\n");
    SftExample example = loaded.examples().get(0);
    assertThat(example.inputIds()).containsExactly(concat(promptIds, answerIds, newline));
    int[] ignorePrompt = IntStream.range(0, promptIds.length).map(i -> -100).toArray();
    assertThat(example.labels()).containsExactly(concat(ignorePrompt, answerIds, new int[] {-100}));
    assertThat(answerIds[answerIds.length - 1]).isEqualTo(tok.tokenId("<|im_end|>"));
  }

  @Test
  void every_assistant_turn_of_a_multi_turn_conversation_is_trained() throws IOException {
    Path data =
        file(
            "train.jsonl",
            conversation(
                "user", "What is 2+2?", "assistant", "4.", "user", "And 3+3?", "assistant", "6."));
    SftExample example = SftDataset.load(List.of(data), tok, tpl, 512).examples().get(0);

    assertThat(labelledSpans(example))
        .containsExactly("4.<|im_end|>", "<think>\n\n</think>\n\n6.<|im_end|>");
  }

  @Test
  void masking_follows_any_prefix_stable_template() throws IOException {
    ChatTemplate chatml =
        ChatTemplate.of(
            "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n"
                + "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}",
            Map.of("eos_token", "<|im_end|>"));
    Path data =
        file(
            "train.jsonl",
            conversation(
                "system",
                "Be brief.",
                "user",
                "What is 2+2?",
                "assistant",
                "4.",
                "user",
                "And 3+3?",
                "assistant",
                "6."));
    SftExample example = SftDataset.load(List.of(data), tok, chatml, 512).examples().get(0);

    assertThat(labelledSpans(example)).containsExactly("4.<|im_end|>", "6.<|im_end|>");
  }

  private static List<String> labelledSpans(SftExample e) {
    List<String> spans = new ArrayList<>();
    List<Integer> current = new ArrayList<>();
    for (int i = 0; i <= e.length(); i++) {
      if (i < e.length() && e.labels()[i] != SftExample.IGNORE) {
        assertThat(e.labels()[i]).isEqualTo(e.inputIds()[i]);
        current.add(e.labels()[i]);
      } else if (!current.isEmpty()) {
        spans.add(tok.decode(current.stream().mapToInt(Integer::intValue).toArray()));
        current.clear();
      }
    }
    return spans;
  }

  @Test
  void long_conversations_are_dropped_and_counted_and_blank_lines_skipped() throws IOException {
    Path data =
        file(
            "train.jsonl",
            conversation("user", "Hello", "assistant", "Hi there."),
            "",
            conversation("user", "Tell me a story", "assistant", "Once upon a time ".repeat(40)),
            "   ",
            conversation("system", "Be brief.", "user", "Nobody answers this."));
    LoadedDataset loaded = SftDataset.load(List.of(data), tok, tpl, 64);

    assertThat(loaded.conversations()).isEqualTo(3);
    assertThat(loaded.droppedTooLong()).isEqualTo(1);
    assertThat(loaded.droppedWithoutAssistant()).isEqualTo(1);
    assertThat(loaded.examples()).hasSize(1);
    assertThat(loaded.tokens()).isEqualTo(loaded.examples().get(0).length());
    assertThat(tok.decode(loaded.examples().get(0).inputIds())).contains("Hi there.");
  }

  @Test
  void files_are_read_in_order() throws IOException {
    Path a = file("a.jsonl", conversation("user", "one", "assistant", "first"));
    Path b = file("b.jsonl", conversation("user", "two", "assistant", "second"));
    LoadedDataset loaded = SftDataset.load(List.of(a, b), tok, tpl, 512);

    assertThat(loaded.examples())
        .extracting(e -> tok.decode(e.inputIds()))
        .satisfiesExactly(
            first -> assertThat(first).contains("first"),
            second -> assertThat(second).contains("second"));
  }

  @Test
  void invalid_json_names_file_and_line() throws IOException {
    Path good = file("good.jsonl", conversation("user", "a", "assistant", "b"));
    Path bad =
        file(
            "bad.jsonl",
            conversation("user", "a", "assistant", "b"),
            "",
            "{\"messages\": [{\"role\": \"user\", \"content\": \"unterminated}]}");

    assertThatThrownBy(() -> SftDataset.load(List.of(good, bad), tok, tpl, 512))
        .isInstanceOf(DataException.class)
        .hasMessageStartingWith("bad.jsonl line 3: not valid JSON")
        .satisfies(
            e -> {
              assertThat(((DataException) e).file()).isEqualTo("bad.jsonl");
              assertThat(((DataException) e).line()).isEqualTo(3);
            });
  }

  @Test
  void unknown_role_names_the_message() throws IOException {
    Path bad = file("bad.jsonl", conversation("user", "a", "robot", "b"));

    assertThatThrownBy(() -> SftDataset.load(List.of(bad), tok, tpl, 512))
        .isInstanceOf(DataException.class)
        .hasMessage(
            "bad.jsonl line 1: messages[1].role must be \"system\", \"user\" or \"assistant\","
                + " got \"robot\"");
  }

  @Test
  void missing_messages_and_non_string_content_are_rejected() throws IOException {
    Path noMessages = file("a.jsonl", "{\"prompt\": \"x\"}");
    Path numberContent = file("b.jsonl", "{\"messages\": [{\"role\": \"user\", \"content\": 42}]}");

    assertThatThrownBy(() -> SftDataset.load(List.of(noMessages), tok, tpl, 512))
        .hasMessage("a.jsonl line 1: expected an object with a \"messages\" array");
    assertThatThrownBy(() -> SftDataset.load(List.of(numberContent), tok, tpl, 512))
        .hasMessage("b.jsonl line 1: messages[0].content must be a string, got 42");
  }
}
