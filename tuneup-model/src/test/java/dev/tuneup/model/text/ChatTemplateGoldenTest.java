package dev.tuneup.model.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every case of {@code chat-templates/golden.json}, rendered by python jinja2 the way transformers
 * renders (see {@code src/test/python/render_chat_fixtures.py}), must render byte for byte the same
 * here, or raise the same message.
 */
class ChatTemplateGoldenTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The instant the python script fixes for strftime_now. */
  static final Clock FIXED_CLOCK =
      Clock.fixed(Instant.parse("2026-11-28T16:50:00Z"), ZoneOffset.UTC);

  record GoldenCase(
      String name,
      String template,
      Map<String, String> specialTokens,
      List<Map<String, Object>> messages,
      boolean addGenerationPrompt,
      Map<String, Object> kwargs,
      String expected,
      String error) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<GoldenCase> cases() throws IOException {
    try (InputStream in = resource("/chat-templates/golden.json")) {
      List<Map<String, Object>> raw = JSON.readValue(in, new TypeReference<>() {});
      return raw.stream()
          .map(
              c ->
                  new GoldenCase(
                      (String) c.get("name"),
                      (String) c.get("template"),
                      cast(c.get("special_tokens")),
                      cast(c.get("messages")),
                      (Boolean) c.get("add_generation_prompt"),
                      cast(c.get("kwargs")),
                      (String) c.get("expected"),
                      (String) c.get("error")));
    }
  }

  @SuppressWarnings("unchecked")
  private static <T> T cast(Object o) {
    return (T) o;
  }

  static InputStream resource(String path) {
    InputStream in = ChatTemplateGoldenTest.class.getResourceAsStream(path);
    assertThat(in).as(path).isNotNull();
    return in;
  }

  static String templateSource(String template) throws IOException {
    String path =
        template.equals("qwen3")
            ? "/dev/tuneup/model/text/qwen3-chat-template.jinja"
            : "/chat-templates/" + template + ".jinja";
    try (InputStream in = resource(path)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void renders_byte_for_byte_like_python_jinja2(GoldenCase c) throws IOException {
    ChatTemplate template =
        ChatTemplate.of(templateSource(c.template()), c.specialTokens(), FIXED_CLOCK);
    if (c.error() != null) {
      assertThatThrownBy(() -> template.render(c.messages(), c.addGenerationPrompt(), c.kwargs()))
          .isInstanceOf(ChatTemplateException.class)
          .hasMessage(c.error());
    } else {
      assertThat(template.render(c.messages(), c.addGenerationPrompt(), c.kwargs()))
          .isEqualTo(c.expected());
    }
  }
}
