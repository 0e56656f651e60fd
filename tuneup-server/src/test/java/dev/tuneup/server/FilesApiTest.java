package dev.tuneup.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tuneup.testkit.http.Api;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Conformance scenarios 7–13 (spec §8) and upload validation. */
class FilesApiTest {
  @TempDir static Path dir;
  static TestServer server;
  static Api api;

  @BeforeAll
  static void start() {
    server =
        TestServer.start(
            dir, Map.of("files.max-file-bytes", "2000", "files.max-files-per-user", "6"));
    api = server.newUser("files-user");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void an_upload_without_purpose_or_description_is_stored_as_fine_tune() {
    Api.Resp r = api.upload(Map.of(), List.of(Api.FilePart.of("train.jsonl", Samples.TRAIN_JSONL)));
    assertThat(r.status()).isEqualTo(200);
    JsonNode uploaded = r.data().get("uploaded_files").get(0);
    assertThat(uploaded.get("name").asText()).isEqualTo("train.jsonl");
    String id = uploaded.get("file_id").asText();
    JsonNode file = api.get("/api/v1/files/" + id).data();
    assertThat(file.get("purpose").asText()).isEqualTo("fine-tune");
    assertThat(file.get("size").asLong()).isEqualTo(Samples.TRAIN_JSONL.getBytes().length);
    assertThat(file.get("md5").asText()).hasSize(32);
    assertThat(file.get("gmt_create").asText())
        .matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d");
    assertThat(Files.exists(server.dataDir().resolve("files").resolve(id))).isTrue();
    assertThat(api.get("/api/v1/files/" + id + "/content").body()).isEqualTo(Samples.TRAIN_JSONL);
  }

  @Test
  void two_files_with_two_descriptions_keep_their_own_description() {
    Api.Resp r =
        api.upload(
            Map.of("descriptions", List.of("first", "second"), "purpose", List.of("fine-tune")),
            List.of(
                Api.FilePart.of("a.jsonl", Samples.TRAIN_JSONL),
                Api.FilePart.of("b.jsonl", Samples.TRAIN_JSONL)));
    assertThat(r.status()).isEqualTo(200);
    JsonNode files = r.data().get("uploaded_files");
    assertThat(files).hasSize(2);
    assertThat(
            api.get("/api/v1/files/" + files.get(0).get("file_id").asText())
                .data()
                .get("description")
                .asText())
        .isEqualTo("first");
    assertThat(
            api.get("/api/v1/files/" + files.get(1).get("file_id").asText())
                .data()
                .get("description")
                .asText())
        .isEqualTo("second");
  }

  @Test
  void a_file_over_the_size_limit_fails_alone_inside_a_200() {
    String big = Samples.TRAIN_JSONL.repeat(20);
    Api.Resp r =
        api.upload(
            Map.of(),
            List.of(
                Api.FilePart.of("big.jsonl", big),
                Api.FilePart.of("ok.jsonl", Samples.TRAIN_JSONL)));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.data().get("uploaded_files")).hasSize(1);
    assertThat(r.data().get("uploaded_files").get(0).get("name").asText()).isEqualTo("ok.jsonl");
    JsonNode failed = r.data().get("failed_uploads").get(0);
    assertThat(failed.get("name").asText()).isEqualTo("big.jsonl");
    assertThat(failed.get("code").asText()).isEqualTo("BadRequest.TooLarge");
  }

  @Test
  void files_past_the_count_limit_fail_with_too_many() throws IOException {
    Api other = server.newUser("counting");
    List<Api.FilePart> parts =
        Stream.iterate(0, i -> i + 1)
            .limit(8)
            .map(i -> Api.FilePart.of("f" + i + ".jsonl", Samples.TRAIN_JSONL))
            .toList();
    Api.Resp r = other.upload(Map.of(), parts);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.data().get("uploaded_files")).hasSize(6);
    assertThat(r.data().get("failed_uploads")).hasSize(2);
    assertThat(r.data().get("failed_uploads").get(0).get("code").asText())
        .isEqualTo("BadRequest.TooMany");
  }

  @Test
  void listing_pages_files_with_every_documented_field() {
    Api lister = server.newUser("lister");
    for (int i = 0; i < 3; i++) {
      lister.uploadTrainingFile("l" + i + ".jsonl", Samples.TRAIN_JSONL);
    }
    Api.Resp r = lister.get("/api/v1/files?page_no=1&page_size=2");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.data().get("total").asLong()).isEqualTo(3);
    assertThat(r.data().get("page_no").asInt()).isEqualTo(1);
    assertThat(r.data().get("page_size").asInt()).isEqualTo(2);
    assertThat(r.data().get("files")).hasSize(2);
    JsonNode f = r.data().get("files").get(0);
    for (String field :
        List.of("file_id", "name", "description", "size", "md5", "gmt_create", "url", "purpose")) {
      assertThat(f.has(field)).as(field).isTrue();
    }
    assertThat(lister.get("/api/v1/files?page_no=2&page_size=2").data().get("files")).hasSize(1);
  }

  @Test
  void a_page_size_over_100_is_an_invalid_parameter() {
    Api.Resp r = api.get("/api/v1/files?page_size=101");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.code()).isEqualTo("InvalidParameter");
    assertThat(api.get("/api/v1/files?page_size=0").status()).isEqualTo(400);
  }

  @Test
  void an_unknown_file_is_not_found() {
    Api.Resp r = api.get("/api/v1/files/file-ft-nothing");
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.code()).isEqualTo("NotFound");
  }

  @Test
  void a_deleted_file_is_gone_with_its_bytes() {
    String id = api.uploadTrainingFile("gone.jsonl", Samples.TRAIN_JSONL);
    Api.Resp r = api.delete("/api/v1/files/" + id);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("request_id").asText()).isNotBlank();
    assertThat(api.get("/api/v1/files/" + id).status()).isEqualTo(404);
    assertThat(Files.exists(server.dataDir().resolve("files").resolve(id))).isFalse();
  }

  @Test
  void bad_training_data_names_the_file_and_line_and_stores_nothing() throws IOException {
    Api checker = server.newUser("checker");
    String bad =
        Samples.TRAIN_JSONL
            + "{\"messages\": [{\"role\": \"user\", \"content\": \"no answer\"}]}\n"
            + "not json\n"
            + "{\"messages\": [{\"role\": \"robot\", \"content\": \"x\"}]}\n";
    Api.Resp r =
        checker.upload(
            Map.of(),
            List.of(
                Api.FilePart.of("good.jsonl", Samples.TRAIN_JSONL),
                Api.FilePart.of("bad.jsonl", bad)));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.code()).isEqualTo("InvalidParameter");
    String message = r.json().get("message").asText();
    assertThat(message).contains("bad.jsonl: line 3: no assistant message");
    assertThat(message).contains("bad.jsonl: line 4: not valid JSON");
    assertThat(message)
        .contains("bad.jsonl: line 5: messages[0].role must be")
        .contains("got \"robot\"");
    assertThat(checker.get("/api/v1/files").data().get("total").asLong()).isZero();
    try (Stream<Path> left = Files.list(server.dataDir().resolve("files"))) {
      assertThat(
              left.filter(p -> !p.getFileName().toString().startsWith("."))
                  .filter(p -> p.getFileName().toString().contains("tmp")))
          .isEmpty();
    }
  }

  @Test
  void an_empty_training_file_is_refused() {
    Api.Resp r = api.upload(Map.of(), List.of(Api.FilePart.of("empty.jsonl", "\n\n")));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().get("message").asText())
        .contains("empty.jsonl")
        .contains("no training" + " samples");
  }

  @Test
  void an_upload_that_is_not_multipart_is_an_invalid_parameter() {
    Api.Resp r = api.post("/api/v1/files", "{}");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.code()).isEqualTo("InvalidParameter");
  }
}
