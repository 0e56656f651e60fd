package dev.tuneup.server;

import static dev.tuneup.server.TestServer.awaitStatus;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tuneup.model.builtin.TinyModel;
import dev.tuneup.testkit.http.Api;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Conformance scenarios 41–50 (spec §8) on a real server: deployments of a fine-tuned model whose
 * output holds the real built-in weights, and generation through DashScope and OpenAI surfaces.
 */
class DeploymentsAndGenerationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String GENERATION = "/api/v1/services/aigc/text-generation/generation";

  @TempDir static Path dir;
  static TestServer server;
  static Api api;
  static String model;
  static String job;

  @BeforeAll
  static void start() throws IOException {
    server = TestServer.start(dir, Map.of("inference.max-queue", "0"));
    api = server.newUser("deployer");
    job = succeededJob();
    model = withRealWeights(job);
  }

  /** The job's model; the scripted trainer writes no weights, so it gets the built-in model's. */
  static String withRealWeights(String jobId) throws IOException {
    String name = awaitStatus(api, jobId, "SUCCEEDED").get("finetuned_output").asText();
    Path out = server.app().database().models().find(name).orElseThrow().path();
    Path tiny = TinyModel.ensure(dir.resolve("base-models"));
    try (var files = Files.list(tiny)) {
      for (Path f : files.toList()) {
        Files.copy(f, out.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    return name;
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static String succeededJob() {
    String f = api.uploadTrainingFile("t.jsonl", Samples.TRAIN_JSONL);
    return api.post(
            "/api/v1/fine-tunes", Samples.sdkCreate(TestServer.MODEL, f, Samples.scripted(2, 10)))
        .output()
        .get("job_id")
        .asText();
  }

  static JsonNode deploy(String body) {
    Api.Resp r = api.post("/api/v1/deployments", body);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.output();
  }

  static JsonNode awaitDeployment(String name, Predicate<JsonNode> condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      Api.Resp r = api.get("/api/v1/deployments/" + name);
      last = r.json();
      if (condition.test(last)) {
        return last;
      }
      TestServer.sleep(50);
    }
    throw new AssertionError("deployment " + name + " never reached the condition: " + last);
  }

  static JsonNode awaitRunning(String name) {
    return awaitDeployment(name, j -> "RUNNING".equals(j.path("output").path("status").asText()))
        .get("output");
  }

  static String messages(String user, String params) {
    return "{\"model\":\""
        + model
        + "\",\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\""
        + user
        + "\"}]},\"parameters\":"
        + params
        + "}";
  }

  @Test
  void s41_a_fine_tuned_model_deploys_pending_then_running_with_every_field() throws IOException {
    String fresh = withRealWeights(succeededJob());
    JsonNode created = deploy("{\"model_name\":\"" + fresh + "\",\"capacity\":1}");

    assertThat(created.get("status").asText()).isEqualTo("PENDING");
    assertThat(created.get("ready_capacity").asInt()).isZero();
    assertThat(created.get("deployed_model").asText()).isEqualTo(fresh);
    for (String field :
        List.of(
            "deployed_model",
            "gmt_create",
            "gmt_modified",
            "status",
            "model_name",
            "base_model",
            "base_capacity",
            "capacity",
            "ready_capacity",
            "workspace_id",
            "charge_type",
            "creator",
            "modifier",
            "plan")) {
      assertThat(created.has(field)).as(field).isTrue();
    }
    JsonNode running = awaitRunning(fresh);
    assertThat(running.get("ready_capacity").asInt()).isEqualTo(running.get("capacity").asInt());
    assertThat(running.get("base_model").asText()).isEqualTo(TestServer.MODEL);
  }

  @Test
  void s42_the_same_model_again_conflicts_without_a_suffix_and_deploys_with_one() {
    String name = "tuneup-tiny";
    deploy("{\"model_name\":\"" + name + "\",\"capacity\":1}");

    Api.Resp again = api.post("/api/v1/deployments", "{\"model_name\":\"" + name + "\"}");
    JsonNode suffixed =
        deploy("{\"model_name\":\"" + name + "\",\"capacity\":1,\"suffix\":\"b2\"}");

    assertThat(again.status()).isEqualTo(409);
    assertThat(again.code()).isEqualTo("Conflict");
    assertThat(again.json().get("message").asText())
        .isEqualTo("Model instance tuneup-tiny already exists, please specify a suffix");
    assertThat(suffixed.get("deployed_model").asText()).isEqualTo("tuneup-tiny-b2");
    awaitRunning("tuneup-tiny-b2");
    api.delete("/api/v1/deployments/tuneup-tiny-b2");
    api.delete("/api/v1/deployments/tuneup-tiny");
  }

  @Test
  void s43_a_bad_capacity_is_an_invalid_parameter() {
    for (String cap : List.of("-1", "1000", "0", "1.5")) {
      Api.Resp r =
          api.post(
              "/api/v1/deployments",
              "{\"model_name\":\"" + model + "\",\"capacity\":" + cap + ",\"suffix\":\"c\"}");
      assertThat(r.status()).as(cap).isEqualTo(400);
      assertThat(r.code()).isEqualTo("InvalidParameter");
    }
    assertThat(
            api.post("/api/v1/deployments", "{\"model_name\":\"tuneup-tiny\",\"capacity\":-1}")
                .json()
                .get("message")
                .asText())
        .startsWith("Invalid capacity (-1), capacity must be larger than or equal to");
  }

  @Test
  void s44_an_unknown_model_is_not_found() {
    Api.Resp r = api.post("/api/v1/deployments", "{\"model_name\":\"nope\",\"capacity\":1}");

    assertThat(r.status()).isEqualTo(404);
    assertThat(r.code()).isEqualTo("NotFound");
    assertThat(r.json().get("message").asText()).isEqualTo("Model: nope not found!");
    assertThat(r.json().get("request_id").asText()).isNotBlank();
  }

  @Test
  void s45_list_pages_deployments_and_the_models_route_is_not_a_deployment() {
    deploy("{\"model_name\":\"" + model + "\",\"capacity\":1,\"suffix\":\"l\"}");

    Api.Resp list = api.get("/api/v1/deployments?page_no=1&page_size=10");
    Api.Resp models = api.get("/api/v1/deployments/models");
    Api.Resp empty = server.newUser("nobody").get("/api/v1/deployments?page_no=1&page_size=10");

    assertThat(list.status()).isEqualTo(200);
    assertThat(list.output().get("page_no").asInt()).isEqualTo(1);
    assertThat(list.output().get("page_size").asInt()).isEqualTo(10);
    assertThat(list.output().get("total").asInt()).isGreaterThanOrEqualTo(1);
    assertThat(list.output().get("deployments").findValuesAsText("deployed_model"))
        .contains(model + "-l");
    assertThat(models.status()).isEqualTo(200);
    assertThat(models.output().get("models").findValuesAsText("model_name"))
        .contains("tuneup-tiny", model);
    assertThat(empty.output().get("deployments").isArray()).isTrue();
    assertThat(empty.output().get("total").asInt()).isZero();
    assertThat(api.get("/api/v1/deployments").output().get("page_size").asInt()).isEqualTo(50);
    assertThat(api.get("/api/v1/deployments?page_size=201").status()).isEqualTo(400);
    api.delete("/api/v1/deployments/" + model + "-l");
  }

  @Test
  void s46_scale_answers_updating_with_the_new_capacity_then_running() {
    String name = model + "-s";
    deploy("{\"model_name\":\"" + model + "\",\"capacity\":1,\"suffix\":\"s\"}");
    awaitRunning(name);

    Api.Resp r =
        put(
            "/api/v1/deployments/" + name + "/scale",
            "{\"deployed_model\":\"" + name + "\",\"capacity\":2}");

    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.output().get("status").asText()).isEqualTo("UPDATING");
    assertThat(r.output().get("capacity").asInt()).isEqualTo(2);
    JsonNode running = awaitRunning(name);
    assertThat(running.get("ready_capacity").asInt()).isEqualTo(2);
    api.delete("/api/v1/deployments/" + name);
  }

  @Test
  void update_sets_rate_limits_shown_on_the_deployment_and_enforced_with_429_throttling() {
    String name = model + "-rl";
    deploy("{\"model_name\":\"" + model + "\",\"capacity\":1,\"suffix\":\"rl\"}");
    awaitRunning(name);
    assertThat(api.get("/api/v1/deployments/" + name).output().has("rpm_limit")).isFalse();

    Api.Resp r = put("/api/v1/deployments/" + name + "/update", "{\"rpm_limit\":2}");

    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.output().get("rpm_limit").asInt()).isEqualTo(2);
    assertThat(r.output().get("status").asText()).isEqualTo("RUNNING");
    assertThat(r.output().has("tpm_limit")).isFalse();
    String call = messages("hi", "{\"max_tokens\":2}").replace(model, name);
    assertThat(api.post(GENERATION, call).status()).isEqualTo(200);
    assertThat(api.post(GENERATION, call).status()).isEqualTo(200);
    Api.Resp third = api.post(GENERATION, call);
    assertThat(third.status()).isEqualTo(429);
    assertThat(third.code()).isEqualTo("Throttling");
    assertThat(third.json().get("message").asText())
        .contains("2 requests per minute")
        .contains("rpm_limit");

    Api.Resp both =
        put("/api/v1/deployments/" + name + "/update", "{\"rpm_limit\":100,\"tpm_limit\":1}");
    assertThat(both.output().get("rpm_limit").asInt()).isEqualTo(100);
    assertThat(both.output().get("tpm_limit").asInt()).isEqualTo(1);
    assertThat(api.get("/api/v1/deployments/" + name).output().get("tpm_limit").asInt())
        .isEqualTo(1);
    // the two answers above already used more than one token this minute
    Api.Resp tokens = api.post(GENERATION, call);
    assertThat(tokens.status()).as(tokens.body()).isEqualTo(429);
    assertThat(tokens.json().get("message").asText())
        .contains("1 tokens per minute")
        .contains("tpm_limit");
    api.delete("/api/v1/deployments/" + name);
  }

  @Test
  void update_without_a_limit_or_with_a_bad_one_is_an_invalid_parameter() {
    ensureDeployed();
    for (String body : List.of("{}", "{\"rpm_limit\":0}", "{\"tpm_limit\":\"many\"}")) {
      Api.Resp r = put("/api/v1/deployments/" + model + "/update", body);
      assertThat(r.status()).as(body).isEqualTo(400);
      assertThat(r.code()).isEqualTo("InvalidParameter");
      assertThat(r.json().get("message").asText()).containsPattern("rpm_limit|tpm_limit");
    }
    Api.Resp unknown = put("/api/v1/deployments/nothing-here/update", "{\"rpm_limit\":1}");
    assertThat(unknown.status()).isEqualTo(404);
  }

  @Test
  void s47_delete_answers_the_deployment_deleting_then_it_is_gone() {
    String name = model + "-d";
    deploy("{\"model_name\":\"" + model + "\",\"capacity\":1,\"suffix\":\"d\"}");
    awaitRunning(name);

    Api.Resp r = api.delete("/api/v1/deployments/" + name);

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.output().get("status").asText()).isEqualTo("DELETING");
    assertThat(r.output().get("deployed_model").asText()).isEqualTo(name);
    JsonNode gone = awaitDeployment(name, j -> "NotFound".equals(j.path("code").asText()));
    assertThat(gone.get("message").asText()).contains(name);
    Api.Resp call = api.post(GENERATION, messages("hi", "{}").replace(model, name));
    assertThat(call.status()).isEqualTo(404);
    assertThat(call.code()).isEqualTo("ModelNotFound");
  }

  @Test
  void s48_generation_answers_as_message_or_text_with_usage() {
    ensureDeployed();

    Api.Resp message =
        api.post(
            GENERATION,
            messages("What is tuneup?", "{\"result_format\":\"message\",\"max_tokens\":8}"));
    Api.Resp text = api.post(GENERATION, messages("What is tuneup?", "{\"max_tokens\":8}"));

    assertThat(message.status()).as(message.body()).isEqualTo(200);
    JsonNode choice = message.output().get("choices").get(0);
    assertThat(choice.get("message").get("role").asText()).isEqualTo("assistant");
    assertThat(choice.get("message").get("content").isTextual()).isTrue();
    assertThat(choice.get("finish_reason").asText()).isIn("stop", "length");
    JsonNode usage = message.json().get("usage");
    assertThat(usage.get("input_tokens").asInt()).isPositive();
    assertThat(usage.get("output_tokens").asInt()).isBetween(1, 8);
    assertThat(usage.get("total_tokens").asInt())
        .isEqualTo(usage.get("input_tokens").asInt() + usage.get("output_tokens").asInt());
    assertThat(text.output().get("text").asText())
        .isEqualTo(choice.get("message").get("content").asText());
    assertThat(text.output().get("finish_reason").asText()).isIn("stop", "length");
  }

  @Test
  void s49_streaming_sends_the_exact_sse_events_and_closes_after_the_last() throws Exception {
    ensureDeployed();
    String body =
        messages(
            "What is tuneup?",
            "{\"result_format\":\"message\",\"incremental_output\":true,\"max_tokens\":6}");

    Sse sse = sse(GENERATION, body, "X-DashScope-SSE", "enable");

    assertThat(sse.status).isEqualTo(200);
    assertThat(sse.contentType).contains("text/event-stream");
    assertThat(sse.events).isNotEmpty();
    StringBuilder streamed = new StringBuilder();
    for (int i = 0; i < sse.events.size(); i++) {
      List<String> lines = sse.events.get(i);
      assertThat(lines.get(0)).isEqualTo("id:" + (i + 1));
      assertThat(lines.get(1)).isEqualTo("event:result");
      assertThat(lines.get(2)).isEqualTo(":HTTP_STATUS/200");
      assertThat(lines.get(3)).startsWith("data:{");
      JsonNode data = JSON.readTree(lines.get(3).substring(5));
      assertThat(data.has("output")).isTrue();
      assertThat(data.get("usage").has("input_tokens")).isTrue();
      assertThat(data.get("request_id").asText()).isNotBlank();
      JsonNode choice = data.get("output").get("choices").get(0);
      streamed.append(choice.get("message").get("content").asText());
      String finish = choice.get("finish_reason").asText();
      if (i < sse.events.size() - 1) {
        assertThat(finish).isEqualTo("null");
      } else {
        assertThat(finish).isIn("stop", "length");
      }
    }
    Api.Resp whole =
        api.post(
            GENERATION,
            messages("What is tuneup?", "{\"result_format\":\"message\",\"max_tokens\":6}"));
    assertThat(streamed.toString())
        .isEqualTo(whole.output().get("choices").get(0).get("message").get("content").asText());
  }

  @Test
  void s50_never_deployed_model_is_model_not_found_and_a_failure_mid_stream_is_an_error_event()
      throws Exception {
    ensureDeployed();
    Api.Resp unknown = api.post(GENERATION, messages("hi", "{}").replace(model, "never-deployed"));
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.code()).isEqualTo("ModelNotFound");
    assertThat(unknown.contentType()).contains("application/json");

    // A prompt longer than the model's context fails once the stream is open.
    String longPrompt = "a ".repeat(5000);
    Sse sse =
        sse(GENERATION, messages(longPrompt, "{\"stream\":true}"), "X-DashScope-SSE", "enable");

    assertThat(sse.status).isEqualTo(200);
    List<String> last = sse.events.get(sse.events.size() - 1);
    assertThat(last).contains("event:error", "status:400");
    String data = last.stream().filter(l -> l.startsWith("data:")).findFirst().orElseThrow();
    JsonNode error = JSON.readTree(data.substring(5));
    assertThat(error.get("code").asText()).isEqualTo("InvalidParameter");
    assertThat(error.get("message").asText()).contains("tokens");
    assertThat(error.get("request_id").asText()).isNotBlank();
  }

  @Test
  void requests_beyond_capacity_and_queue_are_throttled_and_a_client_that_leaves_frees_its_slot()
      throws Exception {
    ensureDeployed();
    String longAnswer =
        messages("Tell me everything", "{\"incremental_output\":true,\"max_tokens\":1500}");
    HttpClient client = HttpClient.newHttpClient();
    HttpResponse<InputStream> busy =
        client.send(
            api.builder(GENERATION)
                .header("Content-Type", "application/json")
                .header("X-DashScope-SSE", "enable")
                .POST(HttpRequest.BodyPublishers.ofString(longAnswer))
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    BufferedReader reader =
        new BufferedReader(new InputStreamReader(busy.body(), StandardCharsets.UTF_8));
    assertThat(reader.readLine()).startsWith("id:");

    Api.Resp refused = api.post(GENERATION, messages("hi", "{\"max_tokens\":2}"));
    assertThat(refused.status()).isEqualTo(429);
    assertThat(refused.code()).isEqualTo("Throttling");

    busy.body().close();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    Api.Resp after;
    do {
      TestServer.sleep(100);
      after = api.post(GENERATION, messages("hi", "{\"max_tokens\":2}"));
    } while (after.status() == 429 && System.nanoTime() < deadline);
    assertThat(after.status()).as(after.body()).isEqualTo(200);
  }

  @Test
  void a_job_whose_model_is_deployed_cannot_be_deleted() {
    ensureDeployed();

    Api.Resp r = api.delete("/api/v1/fine-tunes/" + job);

    assertThat(r.status()).isEqualTo(400);
    assertThat(r.code()).isEqualTo("UnsupportedOperation");
    assertThat(r.json().get("message").asText()).contains("deployed as " + model);
    assertThat(api.get("/api/v1/fine-tunes/" + job).status()).isEqualTo(200);
  }

  @Test
  void a_model_that_cannot_load_ends_failed_with_the_reason() {
    String other = awaitStatus(api, succeededJob(), "SUCCEEDED").get("finetuned_output").asText();
    deploy("{\"model_name\":\"" + other + "\",\"capacity\":1}");

    JsonNode failed =
        awaitDeployment(other, j -> "FAILED".equals(j.path("output").path("status").asText()))
            .get("output");

    assertThat(failed.get("message").asText())
        .contains("could not be loaded")
        .contains("config.json");
    Api.Resp call = api.post(GENERATION, messages("hi", "{}").replace(model, other));
    assertThat(call.status()).isEqualTo(400);
    assertThat(call.code()).isEqualTo("UnsupportedOperation");
  }

  @Test
  void openai_chat_completions_answer_whole_and_streamed_with_openai_errors() throws Exception {
    ensureDeployed();
    String body =
        "{\"model\":\""
            + model
            + "\",\"messages\":[{\"role\":\"user\",\"content\":\"What is tuneup?\"}],"
            + "\"max_tokens\":6}";

    Api.Resp whole = api.post("/v1/chat/completions", body);
    Api.Resp compatible = api.post("/compatible-mode/v1/chat/completions", body);
    Sse stream =
        sse(
            "/v1/chat/completions",
            body.replace("}", ",\"stream\":true}").replaceFirst(",\"stream\":true}", "}"),
            null,
            null);
    Api.Resp missing = api.post("/v1/chat/completions", body.replace(model, "nope"));
    Api.Resp models = api.get("/v1/models");

    assertThat(whole.status()).as(whole.body()).isEqualTo(200);
    assertThat(whole.json().get("object").asText()).isEqualTo("chat.completion");
    assertThat(whole.json().get("model").asText()).isEqualTo(model);
    assertThat(whole.json().get("id").asText()).startsWith("chatcmpl-");
    assertThat(whole.json().get("created").asLong()).isPositive();
    String content = whole.json().get("choices").get(0).get("message").get("content").asText();
    assertThat(whole.json().get("usage").get("completion_tokens").asInt()).isBetween(1, 6);
    assertThat(compatible.json().get("choices").get(0).get("message").get("content").asText())
        .isEqualTo(content);
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.json().get("error").get("code").asText()).isEqualTo("model_not_found");
    assertThat(missing.json().get("error").has("message")).isTrue();
    assertThat(missing.json().get("error").has("type")).isTrue();
    assertThat(missing.json().get("error").has("param")).isTrue();
    assertThat(models.json().get("data").findValuesAsText("id")).contains(model);
    assertThat(
            new Api(server.url(), "wrong")
                .get("/v1/models")
                .json()
                .get("error")
                .get("code")
                .asText())
        .isEqualTo("invalid_api_key");
    assertThat(stream.status).isEqualTo(200);
  }

  @Test
  void openai_streaming_sends_chunks_and_done() throws Exception {
    ensureDeployed();
    String body =
        "{\"model\":\""
            + model
            + "\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"What is tuneup?\"}],"
            + "\"max_tokens\":6,\"stream_options\":{\"include_usage\":true}}";

    Sse sse = sse("/v1/chat/completions", body, null, null);

    List<String> data = sse.events.stream().map(e -> e.get(0)).toList();
    assertThat(data.get(data.size() - 1)).isEqualTo("data: [DONE]");
    StringBuilder text = new StringBuilder();
    String finish = null;
    for (String d : data.subList(0, data.size() - 1)) {
      JsonNode chunk = JSON.readTree(d.substring(6));
      assertThat(chunk.get("object").asText()).isEqualTo("chat.completion.chunk");
      for (JsonNode c : chunk.get("choices")) {
        text.append(c.get("delta").path("content").asText(""));
        if (!c.get("finish_reason").isNull()) {
          finish = c.get("finish_reason").asText();
        }
      }
    }
    JsonNode usage = JSON.readTree(data.get(data.size() - 2).substring(6)).get("usage");
    assertThat(usage.get("completion_tokens").asInt()).isBetween(1, 6);
    assertThat(finish).isIn("stop", "length");
    String whole =
        api.post("/v1/chat/completions", body.replace("\"stream\":true,", ""))
            .json()
            .get("choices")
            .get(0)
            .get("message")
            .get("content")
            .asText();
    assertThat(text.toString()).isEqualTo(whole);
  }

  private static synchronized void ensureDeployed() {
    Api.Resp r = api.get("/api/v1/deployments/" + model);
    if (r.status() == 404) {
      deploy("{\"model_name\":\"" + model + "\",\"capacity\":1}");
    }
    awaitRunning(model);
  }

  static Api.Resp put(String path, String json) {
    return api.send(
        api.builder(path)
            .header("Content-Type", "application/json; charset=utf-8")
            .PUT(HttpRequest.BodyPublishers.ofString(json)));
  }

  /** A whole SSE answer: status, content type and events (each its lines). */
  record Sse(int status, String contentType, List<List<String>> events) {}

  static Sse sse(String path, String body, String header, String value) throws Exception {
    HttpRequest.Builder b =
        api.builder(path)
            .header("Content-Type", "application/json")
            .header("Accept", "text/event-stream")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (header != null) {
      b.header(header, value);
    }
    HttpResponse<String> r =
        HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    List<List<String>> events = new ArrayList<>();
    List<String> current = new ArrayList<>();
    for (String line : r.body().split("\n", -1)) {
      if (line.isEmpty()) {
        if (!current.isEmpty()) {
          events.add(current);
          current = new ArrayList<>();
        }
      } else {
        current.add(line);
      }
    }
    return new Sse(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), events);
  }
}
