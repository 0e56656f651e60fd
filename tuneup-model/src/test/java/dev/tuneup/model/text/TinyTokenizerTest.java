package dev.tuneup.model.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TinyTokenizerTest {

  @Test
  void writes_the_same_bytes_every_time(@TempDir Path a, @TempDir Path b) throws IOException {
    TinyTokenizer.write(a);
    // Learn again from scratch, not from the cached result, to prove training is deterministic.
    TinyTokenizer.Trained fresh =
        TinyTokenizer.learn(
            TinyTokenizer.readResource("tiny-corpus.txt"),
            TinyTokenizer.MAX_VOCAB - TinyTokenizer.SPECIAL_TOKENS.size());
    assertThat(fresh.vocab()).isEqualTo(TinyTokenizer.train().vocab());
    TinyTokenizer.write(b);
    assertThat(Files.readAllBytes(b.resolve("tokenizer.json")))
        .isEqualTo(Files.readAllBytes(a.resolve("tokenizer.json")));
    assertThat(Files.readAllBytes(b.resolve("tokenizer_config.json")))
        .isEqualTo(Files.readAllBytes(a.resolve("tokenizer_config.json")));
  }

  @Test
  void vocabulary_is_small_and_has_the_qwen_specials(@TempDir Path dir) {
    TinyTokenizer.write(dir);
    try (Tokenizer tok = Tokenizer.load(dir)) {
      assertThat(tok.vocabSize()).isBetween(1500, TinyTokenizer.MAX_VOCAB);
      int endOfText = tok.tokenId("<|endoftext|>");
      assertThat(tok.tokenId("<|im_start|>")).isEqualTo(endOfText + 1);
      assertThat(tok.tokenId("<|im_end|>")).isEqualTo(endOfText + 2);
      assertThat(tok.tokenId("<think>")).isEqualTo(endOfText + 3);
      assertThat(tok.tokenId("</think>")).isEqualTo(endOfText + 4);
      assertThat(tok.vocabSize()).isEqualTo(endOfText + 5);
      assertThat(tok.eosTokenIds()).containsExactly(tok.tokenId("<|im_end|>"), endOfText);
      assertThat(tok.padTokenId()).isEqualTo(endOfText);
    }
  }

  @Test
  void common_words_are_single_tokens(@TempDir Path dir) {
    TinyTokenizer.write(dir);
    try (Tokenizer tok = Tokenizer.load(dir)) {
      assertThat(tok.encode("The assistant answers the question")).hasSize(5);
      assertThat(tok.encode("user")).hasSize(1);
      assertThat(tok.encode("assistant")).hasSize(1);
      assertThat(tok.encode(" water")).containsExactly(tok.tokenId("Ġwater"));
    }
  }

  @Test
  void any_utf8_text_round_trips_through_byte_pieces(@TempDir Path dir) {
    TinyTokenizer.write(dir);
    try (Tokenizer tok = Tokenizer.load(dir)) {
      String text = "Zebra xylophones — 日本語 🙂 naïve\t\"q\"\n<|im_start|>x<|im_end|>";
      int[] ids = tok.encode(text);
      assertThat(tok.decode(ids)).isEqualTo(text);
      assertThat(ids).contains(tok.tokenId("<|im_start|>"), tok.tokenId("<|im_end|>"));
    }
  }

  @Test
  void config_carries_the_qwen3_chat_template(@TempDir Path dir) throws IOException {
    TinyTokenizer.write(dir);
    ChatTemplate template = ChatTemplate.load(dir);
    assertThat(template.source()).isEqualTo(ChatTemplateGoldenTest.templateSource("qwen3"));
    assertThat(template.render(List.of(Map.of("role", "user", "content", "Hi")), true))
        .isEqualTo("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
  }
}
