package dev.tuneup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tuneup.model.builtin.TinyModel;
import dev.tuneup.testkit.http.Api;
import dev.tuneup.testkit.store.PostgresServer;
import dev.tuneup.testkit.trainer.ScriptedTrainer;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two {@code tuneup serve} processes on one PostgreSQL, as behind one load balancer: a deployment
 * created through A answers through B on both surfaces, plain and streamed; a scale through B
 * reaches A; it still answers through B once A is killed, stays RUNNING while A restarts and
 * answers through A again; a delete through B unloads it on A.
 */
@Tag("slow")
class TwoReplicaDeploymentsTest {
  private static final String DEPLOYED = "tuneup-tiny-rep";
  private static final String GENERATION = "/api/v1/services/aigc/text-generation/generation";
  private static final String ASK =
      "{\"model\":\""
          + DEPLOYED
          + "\",\"input\":{\"prompt\":\"Hello\"},"
          + "\"parameters\":{\"max_tokens\":5}}";
  private static final String ASK_STREAMED =
      "{\"model\":\""
          + DEPLOYED
          + "\",\"input\":{\"prompt\":\"Hello\"},"
          + "\"parameters\":{\"max_tokens\":5,\"incremental_output\":true}}";
  private static final String CHAT =
      "{\"model\":\""
          + DEPLOYED
          + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}],\"max_tokens\":5}";

  @TempDir Path dir;

  private String url;
  private Path weights;

  private ServerProcess start(int port, String replica) throws Exception {
    return ServerProcess.start(
        dir.resolve("data"),
        port,
        ScriptedTrainer.command(),
        weights,
        dir.resolve("server-" + replica + ".log"),
        "store.url=" + url,
        "store.user=" + PostgresServer.USER,
        "replica-id=" + replica,
        "inference.reconcile-interval=300ms");
  }

  @Test
  void a_deployment_created_through_one_replica_answers_through_the_other_even_after_a_kill()
      throws Exception {
    url = PostgresServer.shared().newDatabase();
    weights = TinyModel.ensure(dir.resolve("base-models"));
    int portA = ServerProcess.freePort();
    int portB = ServerProcess.freePort();
    try (ServerProcess a = start(portA, "a");
        ServerProcess b = start(portB, "b")) {
      String key = ServerProcess.adminKey(dir.resolve("data"));
      Api apiA = new Api("http://127.0.0.1:" + portA, key);
      Api apiB = new Api("http://127.0.0.1:" + portB, key);

      Api.Resp created =
          apiA.post(
              "/api/v1/deployments",
              "{\"model_name\":\"tuneup-tiny\",\"suffix\":\"rep\",\"capacity\":2}");
      assertThat(created.status()).as(created.body()).isEqualTo(200);
      JsonNode running = awaitRunning(apiB);
      assertThat(running.get("ready_capacity").asInt()).isEqualTo(2);

      // B answers at once: the request loads the deployment if B's pass has not yet
      assertAnswers(apiB, "B while A lives");
      assertThat(apiA.post(GENERATION, ASK).status()).isEqualTo(200);

      // a scale through B reaches A at its next pass
      Api.Resp scaled =
          apiB.send(
              apiB.builder("/api/v1/deployments/" + DEPLOYED + "/scale")
                  .header("Content-Type", "application/json")
                  .PUT(HttpRequest.BodyPublishers.ofString("{\"capacity\":3}")));
      assertThat(scaled.status()).as(scaled.body()).isEqualTo(200);
      assertThat(awaitRunning(apiB).get("ready_capacity").asInt()).isEqualTo(3);
      awaitLog("a", "resized here to 3");

      a.killHard();

      assertAnswers(apiB, "B after A was killed");
      assertThat(apiB.get("/api/v1/deployments/" + DEPLOYED).output().get("status").asText())
          .isEqualTo("RUNNING");

      // A comes back: the deployment stays RUNNING for everyone while A loads it again
      try (ServerProcess again = start(portA, "a")) {
        assertThat(apiB.get("/api/v1/deployments/" + DEPLOYED).output().get("status").asText())
            .isEqualTo("RUNNING");
        assertAnswers(apiA, "A after its restart");

        // a delete through B unloads it on A
        Api.Resp deleted = apiB.delete("/api/v1/deployments/" + DEPLOYED);
        assertThat(deleted.status()).as(deleted.body()).isEqualTo(200);
        awaitGone(apiB);
        awaitLog("a", "unloaded here");
        Api.Resp afterDelete = apiA.post(GENERATION, ASK);
        assertThat(afterDelete.status()).as(afterDelete.body()).isEqualTo(404);
      }
    }
    assertThat(Files.readString(dir.resolve("server-b.log")))
        .contains("deployment " + DEPLOYED + " loaded here");
  }

  private void awaitLog(String replica, String text) throws Exception {
    Path log = dir.resolve("server-" + replica + ".log");
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.readString(log).contains(text)) {
        return;
      }
      pause();
    }
    throw new AssertionError("replica " + replica + " never logged '" + text + "'");
  }

  private static void assertAnswers(Api api, String where) throws Exception {
    Api.Resp plain = api.post(GENERATION, ASK);
    assertThat(plain.status()).as(where + ": " + plain.body()).isEqualTo(200);
    assertThat(plain.output().get("text").asText()).as(where).isNotEmpty();

    HttpResponse<String> streamed = sse(api, GENERATION, ASK_STREAMED, true);
    assertThat(streamed.statusCode()).as(where + ": " + streamed.body()).isEqualTo(200);
    List<String> data = dataLines(streamed.body());
    assertThat(data).as(where + " DashScope stream").isNotEmpty();
    assertThat(data.get(data.size() - 1)).contains("\"finish_reason\":\"");

    Api.Resp chat = api.post("/v1/chat/completions", CHAT);
    assertThat(chat.status()).as(where + ": " + chat.body()).isEqualTo(200);
    assertThat(chat.json().get("choices").get(0).get("message").get("content").asText())
        .as(where)
        .isNotEmpty();

    HttpResponse<String> chatStream =
        sse(api, "/v1/chat/completions", CHAT.replace("}", ",\"stream\":true}"), false);
    assertThat(chatStream.statusCode()).as(where + ": " + chatStream.body()).isEqualTo(200);
    List<String> chunks = dataLines(chatStream.body());
    assertThat(chunks).as(where + " OpenAI stream").hasSizeGreaterThan(1);
    assertThat(chunks.get(chunks.size() - 1)).isEqualTo("[DONE]");
    assertThat(chunks.get(0)).contains("chat.completion.chunk");
  }

  private static HttpResponse<String> sse(Api api, String path, String body, boolean dashscope)
      throws Exception {
    HttpRequest.Builder b =
        api.builder(path)
            .header("Content-Type", "application/json")
            .header("Accept", "text/event-stream")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (dashscope) {
      b.header("X-DashScope-SSE", "enable");
    }
    return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The payloads of an event stream's {@code data:} lines. */
  private static List<String> dataLines(String body) {
    return body.lines()
        .filter(l -> l.startsWith("data:"))
        .map(l -> l.substring(5).strip())
        .toList();
  }

  private static JsonNode awaitRunning(Api api) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      Api.Resp r = api.get("/api/v1/deployments/" + DEPLOYED);
      last = r.status() == 200 ? r.output() : null;
      if (last != null && last.path("status").asText().equals("RUNNING")) {
        return last;
      }
      pause();
    }
    throw new AssertionError("never RUNNING: " + last);
  }

  private static void awaitGone(Api api) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      if (api.get("/api/v1/deployments/" + DEPLOYED).status() == 404) {
        return;
      }
      pause();
    }
    throw new AssertionError("deployment " + DEPLOYED + " still there after delete");
  }

  private static void pause() {
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
