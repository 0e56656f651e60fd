package dev.tuneup.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ChatDatasetTest {
  @Test
  void a_chat_line_reads_as_its_messages() {
    assertThat(
            ChatDataset.parseLine(
                "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
                    + "{\"role\":\"assistant\",\"content\":\"hello \\u00e9\"}]}"))
        .containsExactly(
            new ChatDataset.Message("user", "hi"), new ChatDataset.Message("assistant", "hello é"));
  }

  @Test
  void each_broken_rule_is_named() {
    assertThatThrownBy(() -> ChatDataset.parseLine("{\"messages\": ["))
        .hasMessageStartingWith("not valid JSON");
    assertThatThrownBy(() -> ChatDataset.parseLine("{\"messages\": []}"))
        .hasMessage("\"messages\" is empty");
    assertThatThrownBy(() -> ChatDataset.parseLine("{\"messages\": [1]}"))
        .hasMessage("messages[0] is not an object");
    assertThatThrownBy(
            () -> ChatDataset.parseLine("{\"messages\": [{\"role\":\"bot\",\"content\":\"x\"}]}"))
        .hasMessageContaining("messages[0].role must be")
        .hasMessageEndingWith("got \"bot\"");
  }

  @Test
  void a_conversation_without_an_assistant_turn_has_nothing_to_learn() {
    assertThat(
            ChatDataset.hasAssistant(
                ChatDataset.parseLine("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")))
        .isFalse();
  }
}
