package dev.tuneup.server;

import static dev.tuneup.server.TestServer.awaitStatus;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tuneup.testkit.http.Api;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Conformance scenarios 39–40 (spec §8): checkpoints listed and exported. */
class CheckpointsApiTest {
  @TempDir static Path dir;
  static TestServer server;
  static Api api;
  static String job;

  @BeforeAll
  static void start() {
    server = TestServer.start(dir);
    api = server.newUser("checkpoints");
    String f = api.uploadTrainingFile("t.jsonl", Samples.TRAIN_JSONL);
    job =
        api.post(
                "/api/v1/fine-tunes",
                Samples.sdkCreate(
                    TestServer.MODEL,
                    f,
                    "{\"test_steps\":6,\"test_step_ms\":10,\"test_checkpoint_every\":2}"))
            .output()
            .get("job_id")
            .asText();
    awaitStatus(api, job, "SUCCEEDED");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void checkpoints_are_listed_highest_step_first_with_a_model_name() {
    Api.Resp r = api.get("/api/v1/fine-tunes/" + job + "/checkpoints");
    assertThat(r.status()).isEqualTo(200);
    JsonNode out = r.output();
    assertThat(out.isArray()).isTrue();
    assertThat(out).extracting(c -> c.get("step").asInt()).containsExactly(6, 4, 2);
    JsonNode first = out.get(0);
    assertThat(first.get("checkpoint").asText()).isEqualTo("checkpoint-6");
    assertThat(first.get("checkpoint_id").asText()).isEqualTo(job + ":checkpoint-6");
    assertThat(first.get("job_id").asText()).isEqualTo(job);
    assertThat(first.get("status").asText()).isEqualTo("SUCCEEDED");
    assertThat(first.get("model_name").asText()).isNotBlank();
    assertThat(first.get("create_time").asText())
        .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d");
  }

  @Test
  void an_exported_checkpoint_becomes_a_model_usable_for_a_new_job() {
    Api.Resp r = api.get("/api/v1/fine-tunes/" + job + "/export/checkpoint-4?model_name=step4");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.output().asBoolean()).isTrue();
    assertThat(r.body()).contains("\"output\":true");
    JsonNode models = api.get("/api/v1/models?model=step4&page_no=1&page_size=1").output();
    assertThat(models.get("models").get(0).get("job_id").asText()).isEqualTo(job);
    assertThat(
            Files.isRegularFile(
                server
                    .dataDir()
                    .resolve("models")
                    .resolve(job + "-checkpoint-4")
                    .resolve("state.json")))
        .isTrue();
    JsonNode listed = api.get("/api/v1/fine-tunes/" + job + "/checkpoints").output();
    assertThat(listed.get(1).get("model_name").asText()).isEqualTo("step4");
    String f = api.uploadTrainingFile("t2.jsonl", Samples.TRAIN_JSONL);
    Api.Resp next =
        api.post("/api/v1/fine-tunes", Samples.sdkCreate("step4", f, Samples.scripted(1, 10)));
    assertThat(next.status()).isEqualTo(200);
    assertThat(next.output().get("base_model").asText()).isEqualTo(TestServer.MODEL);
    awaitStatus(api, next.output().get("job_id").asText(), "SUCCEEDED");
  }

  @Test
  void exporting_twice_under_one_name_is_a_conflict() {
    assertThat(
            api.get("/api/v1/fine-tunes/" + job + "/export/checkpoint-2?model_name=twice").status())
        .isEqualTo(200);
    Api.Resp again = api.get("/api/v1/fine-tunes/" + job + "/export/checkpoint-6?model_name=twice");
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.code()).isEqualTo("Conflict");
  }

  @Test
  void an_unknown_checkpoint_is_not_found() {
    Api.Resp r = api.get("/api/v1/fine-tunes/" + job + "/export/checkpoint-99?model_name=x");
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.code()).isEqualTo("NotFound");
    assertThat(api.get("/api/v1/fine-tunes/ft-202601010000-0000/checkpoints").status())
        .isEqualTo(404);
  }

  @Test
  void deleting_the_job_removes_its_exported_models() {
    Api other = server.newUser("exporter");
    String f = other.uploadTrainingFile("t.jsonl", Samples.TRAIN_JSONL);
    String id =
        other
            .post(
                "/api/v1/fine-tunes",
                Samples.sdkCreate(
                    TestServer.MODEL,
                    f,
                    "{\"test_steps\":2,\"test_step_ms\":10,\"test_checkpoint_every\":1}"))
            .output()
            .get("job_id")
            .asText();
    awaitStatus(other, id, "SUCCEEDED");
    assertThat(
            other.get("/api/v1/fine-tunes/" + id + "/export/checkpoint-1?model_name=gone").status())
        .isEqualTo(200);
    Path exported = server.dataDir().resolve("models").resolve(id + "-checkpoint-1");
    assertThat(Files.isDirectory(exported)).isTrue();
    assertThat(other.delete("/api/v1/fine-tunes/" + id).status()).isEqualTo(200);
    assertThat(Files.exists(exported)).isFalse();
    assertThat(other.get("/api/v1/models?model=gone").output().get("models")).isEmpty();
  }
}
