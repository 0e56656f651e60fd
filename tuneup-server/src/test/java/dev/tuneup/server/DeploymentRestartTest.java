package dev.tuneup.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tuneup.testkit.http.Api;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deployments survive a restart: a RUNNING one stays RUNNING and is loaded again before it answers.
 */
class DeploymentRestartTest {
  private static final String GENERATION = "/api/v1/services/aigc/text-generation/generation";
  private static final String ASK =
      "{\"model\":\"tuneup-tiny\",\"input\":{\"prompt\":\"Hello\"},"
          + "\"parameters\":{\"max_tokens\":5}}";

  @TempDir Path dir;

  @Test
  void a_running_deployment_is_loaded_again_after_a_restart_and_answers_the_same() {
    String key;
    String before;
    try (TestServer server = TestServer.start(dir)) {
      Api api = server.newUser("restarter");
      key = api.key();
      api.post("/api/v1/deployments", "{\"model_name\":\"tuneup-tiny\",\"capacity\":2}");
      await(api, "RUNNING");
      before = api.post(GENERATION, ASK).output().get("text").asText();
    }

    try (TestServer server = TestServer.start(dir)) {
      Api api = new Api(server.url(), key);
      JsonNode first = api.get("/api/v1/deployments/tuneup-tiny").output();
      assertThat(first.get("status").asText()).isIn("PENDING", "DEPLOYING", "RUNNING");
      if (!first.get("status").asText().equals("RUNNING")) {
        assertThat(first.get("ready_capacity").asInt()).isZero();
      }
      JsonNode running = await(api, "RUNNING");
      assertThat(running.get("capacity").asInt()).isEqualTo(2);
      assertThat(running.get("ready_capacity").asInt()).isEqualTo(2);
      assertThat(api.post(GENERATION, ASK).output().get("text").asText()).isEqualTo(before);
    }
  }

  private static JsonNode await(Api api, String status) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      last = api.get("/api/v1/deployments/tuneup-tiny").output();
      if (last != null && List.of(status).contains(last.path("status").asText())) {
        return last;
      }
      TestServer.sleep(50);
    }
    throw new AssertionError("never " + status + ": " + last);
  }
}
