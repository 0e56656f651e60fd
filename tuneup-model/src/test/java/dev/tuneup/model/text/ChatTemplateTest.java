package dev.tuneup.model.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine glue piece by piece; the golden files cover whole templates. */
class ChatTemplateTest {

  private static final List<Map<String, Object>> HI =
      List.of(Map.of("role", "user", "content", "hi"));

  private static String render(String template, Map<String, Object> kwargs) {
    return ChatTemplate.of(template, Map.of()).render(HI, false, kwargs);
  }

  @Test
  void python_string_methods_behave_as_in_python() {
    assertThat(
            render(
                "{{ '  a b  '.strip() }}|{{ 'xxaxx'.strip('x') }}|{{ '\\n\\na'.lstrip('\\n') }}",
                Map.of()))
        .isEqualTo("a b|a|a");
    assertThat(
            render(
                "{{ 'a,b,,'.split(',') | length }}|{{ ' a  b '.split() | join('+') }}", Map.of()))
        .isEqualTo("4|a+b");
    assertThat(render("{{ 'a-b-c'.split('-', 1)[1] }}|{{ 'hello world'.title() }}", Map.of()))
        .isEqualTo("b-c|Hello World");
    assertThat(render("{{ 'abc'.startswith(('x', 'a')) }}{{ 'abc'.endswith('bc') }}", Map.of()))
        .isEqualTo("truetrue");
    assertThat(render("{{ 'aXbX'.replace('X', '-', 1) }}|{{ '-'.join(['a', 'b']) }}", Map.of()))
        .isEqualTo("a-bX|a-b");
  }

  @Test
  void reverse_slice_and_namespace_arithmetic_work() {
    String template =
        "{% set ns = namespace(last=items|length - 1) %}{{ ns.last }}:"
            + "{% for x in items[::-1] %}{{ x }}{% endfor %}";
    assertThat(render(template, Map.of("items", List.of(1, 2, 3)))).isEqualTo("2:321");
  }

  @Test
  void loop_previtem_and_nextitem_see_neighbours() {
    String template =
        "{% for x in items %}[{{ loop.previtem if loop.previtem is defined else '-' }}"
            + "{{ x }}{{ loop.nextitem if loop.nextitem is defined else '-' }}]{% endfor %}";
    assertThat(render(template, Map.of("items", List.of("a", "b", "c"))))
        .isEqualTo("[-ab][abc][bc-]");
  }

  @Test
  void tojson_writes_python_json_dumps() {
    Map<String, Object> value = new java.util.LinkedHashMap<>();
    value.put("s", "é\"\n");
    value.put("f", 7.5);
    value.put("small", 1e-5);
    value.put("big", 1e16);
    value.put("whole", 1.0);
    value.put("n", null);
    value.put("empty", Map.of());
    value.put("list", List.of(1, true));
    assertThat(render("{{ v | tojson }}", Map.of("v", value)))
        .isEqualTo(
            "{\"s\": \"é\\\"\\n\", \"f\": 7.5, \"small\": 1e-05, \"big\": 1e+16, \"whole\": 1.0,"
                + " \"n\": null, \"empty\": {}, \"list\": [1, true]}");
    assertThat(render("{{ v | tojson(indent=2) }}", Map.of("v", Map.of("a", List.of(1)))))
        .isEqualTo("{\n  \"a\": [\n    1\n  ]\n}");
  }

  @Test
  void strftime_supports_the_directives_templates_use() {
    ZonedDateTime t = ZonedDateTime.of(2026, 3, 5, 9, 7, 0, 0, ZoneOffset.UTC);
    assertThat(ChatTemplate.strftime(t, "%d %b %Y")).isEqualTo("05 Mar 2026");
    assertThat(ChatTemplate.strftime(t, "%A, %B %-d %H:%M %%"))
        .isEqualTo("Thursday, March 5 09:07 %");
  }

  @Test
  void raise_exception_fails_with_the_template_message() {
    assertThatThrownBy(() -> render("a{{ raise_exception('no tools here') }}b", Map.of()))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessage("no tools here");
  }

  @Test
  void any_fatal_engine_error_fails_the_render_instead_of_printing_a_wrong_prompt() {
    assertThatThrownBy(() -> render("{{ messages[0].content.no_such_method() }}", Map.of()))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessageStartingWith("chat template failed");
  }

  @Test
  void crlf_and_one_trailing_newline_are_normalised_like_jinja2() {
    assertThat(TemplateSource.prepare("a\r\nb\n\n")).isEqualTo("a\nb\n");
    assertThat(TemplateSource.prepare("{{ x[::-1] }} text [::-1]"))
        .isEqualTo("{{ (x|reverse) }} text [::-1]");
  }

  @Test
  void chat_template_jinja_file_wins_over_the_config_string(@TempDir Path dir) throws IOException {
    Files.writeString(
        dir.resolve("tokenizer_config.json"),
        "{\"chat_template\": \"from config\", \"bos_token\": {\"content\": \"<s>\"}}");
    assertThat(ChatTemplate.load(dir).render(HI, false)).isEqualTo("from config");
    Files.writeString(dir.resolve("chat_template.jinja"), "{{ bos_token }}from file\n");
    assertThat(ChatTemplate.load(dir).render(HI, false)).isEqualTo("<s>from file");
  }

  @Test
  void a_directory_without_a_template_is_rejected(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("tokenizer_config.json"), "{}");
    assertThatThrownBy(() -> ChatTemplate.load(dir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no chat template");
  }
}
