package dev.tuneup.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tuneup.server.Samples;
import dev.tuneup.server.TestServer;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every error is JSON in its surface's shape, including those Jetty raises before routing and those
 * of malformed multipart bodies (which used to answer HTML pages and 500s with stack traces).
 */
class ErrorShapeSecurityTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  static TestServer server;
  static String key;
  static int port;

  @BeforeAll
  static void start() {
    server = TestServer.start(dir, Map.of());
    key = server.newUserKey("shape-user");
    port = server.app().port();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static JsonNode dashScopeError(RawHttp.Answer a, int status, String code) {
    assertThat(a.status()).as(a.headers() + "\n" + a.body()).isEqualTo(status);
    assertThat(a.isJson()).as(a.headers() + "\n" + a.body()).isTrue();
    JsonNode body = parse(a.body());
    assertThat(body.path("request_id").asText()).isNotBlank();
    assertThat(body.path("code").asText()).isEqualTo(code);
    assertThat(body.path("message").asText()).isNotBlank();
    return body;
  }

  private static JsonNode openAiError(RawHttp.Answer a, int status) {
    assertThat(a.status()).as(a.headers() + "\n" + a.body()).isEqualTo(status);
    assertThat(a.isJson()).as(a.headers() + "\n" + a.body()).isTrue();
    JsonNode error = parse(a.body()).path("error");
    assertThat(error.path("message").asText()).as(a.body()).isNotBlank();
    assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
    return error;
  }

  private static JsonNode parse(String body) {
    try {
      return JSON.readTree(body);
    } catch (Exception e) {
      throw new AssertionError("not JSON: " + body, e);
    }
  }

  private static RawHttp.Answer get(String target, String headers) {
    return RawHttp.send(port, RawHttp.request("GET", target, key, headers, null));
  }

  @Test
  void a_nul_byte_in_the_path_is_a_json_400_on_both_surfaces() {
    dashScopeError(get("/api/v1/files/a%00b", ""), 400, "InvalidParameter");
    // Jetty refuses such a request line before it has a path, so the surface is unknown: the
    // answer is still JSON, in DashScope's shape
    dashScopeError(get("/v1/files/a%00b", ""), 400, "InvalidParameter");
  }

  @Test
  void bad_utf8_in_the_path_is_a_json_400() {
    dashScopeError(get("/api/v1/files/%C3%28%FF", ""), 400, "InvalidParameter");
    openAiError(get("/v1/fine_tuning/jobs/%FF%FE", ""), 400);
  }

  @Test
  void a_100_kb_uri_is_a_json_414() {
    RawHttp.Answer a = get("/api/v1/files/" + "a".repeat(100_000), "");
    dashScopeError(a, 414, "RequestTooLarge");
  }

  @Test
  void a_64_kb_header_is_a_json_431() {
    RawHttp.Answer a = get("/api/v1/files", "X-Big: " + "b".repeat(64 * 1024) + "\r\n");
    dashScopeError(a, 431, "RequestTooLarge");
  }

  @Test
  void a_control_character_in_a_header_is_a_json_400() {
    RawHttp.Answer a = get("/api/v1/files", "X-Odd: a\u0001b\r\n");
    dashScopeError(a, 400, "InvalidParameter");
  }

  private static RawHttp.Answer multipart(String path, String contentType, String body) {
    return RawHttp.send(
        port, RawHttp.request("POST", path, key, "Content-Type: " + contentType + "\r\n", body));
  }

  private static String part(String field, String filename, String content) {
    return "--XYZ\r\nContent-Disposition: form-data; name=\""
        + field
        + "\"; filename=\""
        + filename
        + "\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        + content
        + "\r\n";
  }

  @Test
  void a_multipart_body_without_boundary_is_a_400_invalid_parameter_on_both_surfaces() {
    String body = part("files", "a.jsonl", Samples.TRAIN_JSONL) + "--XYZ--\r\n";
    dashScopeError(
        multipart("/api/v1/files", "multipart/form-data", body), 400, "InvalidParameter");
    openAiError(multipart("/v1/files", "multipart/form-data", body), 400);
  }

  @Test
  void a_cut_off_multipart_part_is_a_400_invalid_parameter_on_both_surfaces() {
    String body = part("files", "a.jsonl", Samples.TRAIN_JSONL).substring(0, 60);
    dashScopeError(
        multipart("/api/v1/files", "multipart/form-data; boundary=XYZ", body),
        400,
        "InvalidParameter");
    String openAiBody =
        "--XYZ\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nfine-tune\r\n"
            + part("file", "a.jsonl", Samples.TRAIN_JSONL).substring(0, 60);
    openAiError(multipart("/v1/files", "multipart/form-data; boundary=XYZ", openAiBody), 400);
  }

  @Test
  void control_characters_in_a_file_name_are_never_a_500() {
    for (String name : new String[] {"a\rb.jsonl", "a\nb.jsonl", "a\u0000b.jsonl"}) {
      String body = part("files", name, Samples.TRAIN_JSONL) + "--XYZ--\r\n";
      RawHttp.Answer a = multipart("/api/v1/files", "multipart/form-data; boundary=XYZ", body);
      assertThat(a.status()).as(a.body()).isIn(200, 400);
      assertThat(a.isJson()).as(a.body()).isTrue();
      String openAiBody =
          "--XYZ\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nfine-tune\r\n"
              + part("file", name, Samples.TRAIN_JSONL)
              + "--XYZ--\r\n";
      RawHttp.Answer o = multipart("/v1/files", "multipart/form-data; boundary=XYZ", openAiBody);
      assertThat(o.status()).as(o.body()).isIn(200, 400);
      assertThat(o.isJson()).as(o.body()).isTrue();
      assertThat(o.body()).doesNotContain("\tat ");
    }
  }
}
