package dev.tuneup.server;

import static dev.tuneup.server.TestServer.awaitStatus;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tuneup.testkit.http.Api;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Conformance scenarios 35–38 (spec §8): logs paging and the SSE event stream. */
class LogsAndStreamTest {
  @TempDir static Path dir;
  static TestServer server;
  static Api api;
  static String finished;
  static List<String> allLines;

  @BeforeAll
  static void start() {
    server = TestServer.start(dir);
    api = server.newUser("logs");
    String f = api.uploadTrainingFile("t.jsonl", Samples.TRAIN_JSONL);
    finished =
        api.post(
                "/api/v1/fine-tunes",
                Samples.sdkCreate(TestServer.MODEL, f, Samples.scripted(12, 10)))
            .output()
            .get("job_id")
            .asText();
    awaitStatus(api, finished, "SUCCEEDED");
    allLines = CancelAndDeleteTest.logs(api, finished);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void the_sdk_default_offset_of_1_starts_at_the_first_line() {
    assertThat(allLines.get(0)).contains("fine-tune job " + finished + " created");
    JsonNode zero = api.get("/api/v1/fine-tunes/" + finished + "/logs?offset=0&line=1000").output();
    assertThat(zero.get("logs").get(0).asText()).isEqualTo(allLines.get(0));
  }

  @Test
  void logs_page_with_a_total_and_at_most_line_lines() {
    JsonNode out = api.get("/api/v1/fine-tunes/" + finished + "/logs?offset=0&line=10").output();
    assertThat(out.get("total").isIntegralNumber()).isTrue();
    assertThat(out.get("total").asLong()).isEqualTo(allLines.size());
    assertThat(out.get("logs")).hasSize(10);
    JsonNode second =
        api.get("/api/v1/fine-tunes/" + finished + "/logs?offset=11&line=10").output();
    assertThat(second.get("logs").get(0).asText()).isEqualTo(allLines.get(10));
    JsonNode past =
        api.get(
                "/api/v1/fine-tunes/"
                    + finished
                    + "/logs?offset="
                    + (allLines.size() + 1)
                    + "&line=10")
            .output();
    assertThat(past.get("logs")).isEmpty();
    assertThat(allLines).anyMatch(l -> l.contains("finetune-job succeeded"));
    assertThat(allLines).anyMatch(l -> l.matches(".* - INFO - training usage \\d+"));
    assertThat(allLines.get(allLines.size() - 1)).isEqualTo("##FT_COMPLETE##");
  }

  @Test
  void more_than_1000_lines_is_an_invalid_parameter() {
    Api.Resp r = api.get("/api/v1/fine-tunes/" + finished + "/logs?offset=1&line=1001");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.code()).isEqualTo("InvalidParameter");
    assertThat(api.get("/api/v1/fine-tunes/" + finished + "/logs?offset=-1").status())
        .isEqualTo(400);
  }

  @Test
  void the_stream_of_a_running_job_sends_one_data_line_per_log_line_and_closes_at_the_end()
      throws Exception {
    String f = api.uploadTrainingFile("s.jsonl", Samples.TRAIN_JSONL);
    String id =
        api.post(
                "/api/v1/fine-tunes",
                Samples.sdkCreate(TestServer.MODEL, f, Samples.scripted(20, 100)))
            .output()
            .get("job_id")
            .asText();
    awaitStatus(api, id, "RUNNING");
    HttpResponse<java.io.InputStream> r =
        HttpClient.newHttpClient()
            .send(
                api.builder("/api/v1/fine-tunes/" + id + "/stream").GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).contains("text/event-stream");
    List<String> data = new ArrayList<>();
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.startsWith("data:")) {
          data.add(line.substring("data:".length()));
        }
      }
    }
    // The connection closed by itself when the job ended.
    assertThat(api.get("/api/v1/fine-tunes/" + id).output().get("status").asText())
        .isEqualTo("SUCCEEDED");
    assertThat(data).isEqualTo(CancelAndDeleteTest.logs(api, id));
    assertThat(data).anyMatch(l -> l.contains("step 20/20"));
  }

  @Test
  void the_stream_of_an_unknown_job_is_a_json_404() {
    Api.Resp r = api.get("/api/v1/fine-tunes/ft-202601010000-ffff/stream");
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.contentType()).contains("application/json");
    assertThat(r.code()).isEqualTo("NotFound");
  }
}
