package dev.tuneup.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tuneup.server.Samples;
import dev.tuneup.server.TestServer;
import dev.tuneup.testkit.http.Api;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The smaller gaps: nosniff, owner-only data files, file name caps. */
class SmallGapsSecurityTest {
  @TempDir static Path dir;
  static TestServer server;
  static Api api;

  @BeforeAll
  static void start() {
    server = TestServer.start(dir, Map.of());
    api = server.newUser("gaps-user");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void every_answer_says_nosniff_also_errors_and_jettys_own() throws Exception {
    for (String path : new String[] {"/healthz", "/api/v1/files", "/api/v1/nowhere", "/v1/files"}) {
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(api.builder(path).GET().build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.headers().firstValue("X-Content-Type-Options")).as(path).hasValue("nosniff");
    }
    RawHttp.Answer bad =
        RawHttp.send(
            server.app().port(), RawHttp.request("GET", "/api/v1/files/%C3%28", null, "", null));
    assertThat(bad.headers()).containsIgnoringCase("X-Content-Type-Options: nosniff");
  }

  @Test
  void the_database_is_readable_by_its_owner_only() throws Exception {
    Path db = server.dataDir().resolve("tuneup.db");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(db)))
        .isEqualTo("rw-------");
    String id = api.uploadTrainingFile("t.jsonl", Samples.TRAIN_JSONL);
    Path blob = server.dataDir().resolve("files").resolve(id);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(blob)))
        .isEqualTo("rw-------");
  }

  @Test
  void a_file_name_over_255_characters_is_a_400_naming_files() {
    Api.Resp r =
        api.upload(
            Map.of(), List.of(Api.FilePart.of("a".repeat(300) + ".jsonl", Samples.TRAIN_JSONL)));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.code()).isEqualTo("InvalidParameter");
    assertThat(r.json().path("message").asText()).contains("255");
  }

  @Test
  void file_urls_use_the_servers_own_address_not_the_host_header() {
    String id = api.uploadTrainingFile("h.jsonl", Samples.TRAIN_JSONL);
    RawHttp.Answer a =
        RawHttp.send(
            server.app().port(),
            ("GET /api/v1/files/"
                + id
                + " HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n"
                + "Authorization: Bearer "
                + api.key()
                + "\r\n\r\n"));
    assertThat(a.status()).isEqualTo(200);
    assertThat(a.body()).doesNotContain("evil.example");
    assertThat(a.body()).contains(server.url() + "/api/v1/files/" + id + "/content");
  }

  @Test
  void the_console_encodes_every_id_it_puts_into_an_api_path() throws Exception {
    String js;
    try (var in = SmallGapsSecurityTest.class.getResourceAsStream("/console/app.js")) {
      js = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
    var raw = java.util.regex.Pattern.compile("`/api/v1/[^`]*/\\$\\{(?!encodeURIComponent\\()");
    assertThat(raw.matcher(js).find()).as("an id put raw into an API path").isFalse();
    assertThat(js).contains("encodeURIComponent(id)");
  }

  @Test
  void a_job_name_over_256_characters_or_over_100_file_ids_is_a_400_naming_the_field() {
    String f = api.uploadTrainingFile("c.jsonl", Samples.TRAIN_JSONL);
    Api.Resp longName =
        api.post(
            "/api/v1/fine-tunes",
            "{\"model\":\"tuneup-tiny\",\"training_file_ids\":[\""
                + f
                + "\"],\"job_name\":\""
                + "n".repeat(10_000)
                + "\"}");
    assertThat(longName.status()).isEqualTo(400);
    assertThat(longName.json().path("message").asText()).contains("job_name").contains("256");
    String many = String.join(",", java.util.Collections.nCopies(10_000, "\"" + f + "\""));
    Api.Resp manyIds =
        api.post(
            "/api/v1/fine-tunes",
            "{\"model\":\"tuneup-tiny\",\"training_file_ids\":[" + many + "]}");
    assertThat(manyIds.status()).isEqualTo(400);
    assertThat(manyIds.json().path("message").asText())
        .contains("training_file_ids")
        .contains("100");
  }
}
