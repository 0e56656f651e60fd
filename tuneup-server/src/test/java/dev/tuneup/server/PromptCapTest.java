package dev.tuneup.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tuneup.testkit.http.Api;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An over-long prompt is refused by its characters before anything is tokenised. */
class PromptCapTest {
  @TempDir static Path dir;
  static TestServer server;
  static Api api;

  @BeforeAll
  static void start() {
    server = TestServer.start(dir, Map.of("inference.max-prompt-chars", "100000"));
    api = server.newUser("chatter");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static String chat(String content) {
    return "{\"model\": \""
        + TestServer.MODEL
        + "\", \"max_tokens\": 3, \"messages\": [{\"role\": \"user\", \"content\": \""
        + content
        + "\"}]}";
  }

  @Test
  void a_prompt_of_600k_emoji_is_a_prompt_400_naming_the_cap() {
    long t0 = System.nanoTime();
    Api.Resp r = api.post("/v1/chat/completions", chat("\uD83D\uDE00".repeat(600_000)));
    long ms = (System.nanoTime() - t0) / 1_000_000;

    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().path("error").path("message").asText())
        .contains("inference.max-prompt-chars")
        .contains("100000");
    assertThat(ms).as("answered before tokenising").isLessThan(3_000);
  }

  @Test
  void a_short_prompt_is_answered() {
    Api.Resp r = api.post("/v1/chat/completions", chat("Hi"));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
  }
}
