package dev.tuneup.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tuneup.testkit.http.Api;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Conformance scenarios 1–6 and 20 (spec §8), plus routing and admin errors. */
class AuthAndPlumbingTest {
  @TempDir static Path dir;
  static TestServer server;
  static Api user;

  @BeforeAll
  static void start() {
    server = TestServer.start(dir);
    user = server.newUser("alice");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static void assertError(Api.Resp r, int status, String code) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    assertThat(r.contentType()).contains("application/json");
    assertThat(r.json().get("code").asText()).isEqualTo(code);
    assertThat(r.json().get("message").asText()).isNotBlank();
    assertThat(r.json().get("request_id").asText()).matches("[0-9a-f-]{36}");
  }

  @Test
  void a_request_without_a_key_is_refused_with_no_api_key_provided() {
    Api anonymous = user.withKey(null);
    for (String path :
        new String[] {
          "/api/v1/fine-tunes",
          "/api/v1/files",
          "/api/v1/models",
          "/api/v1/fine-tunes/ft-202601010000-abcd"
        }) {
      Api.Resp r = anonymous.get(path);
      assertError(r, 401, "InvalidApiKey");
      assertThat(r.json().get("message").asText()).isEqualTo("No API-key provided.");
    }
    assertError(anonymous.postEmpty("/api/v1/fine-tunes/x/cancel"), 401, "InvalidApiKey");
  }

  @Test
  void an_unknown_key_is_refused_as_invalid() {
    for (String key : new String[] {"sk-nothing", "sk-abc.def", "garbage"}) {
      Api.Resp r = user.withKey(key).get("/api/v1/fine-tunes");
      assertError(r, 401, "InvalidApiKey");
      assertThat(r.json().get("message").asText()).isEqualTo("Invalid API-key provided.");
    }
  }

  @Test
  void a_revoked_key_no_longer_works() {
    Api.Resp created = server.admin().post("/api/v1/admin/users", "{\"name\":\"revoked\"}");
    String key = created.output().get("api_key").asText();
    String keyId = created.output().get("key_id").asText();
    assertThat(user.withKey(key).get("/api/v1/fine-tunes").status()).isEqualTo(200);
    assertThat(server.admin().delete("/api/v1/admin/keys/" + keyId).status()).isEqualTo(200);
    assertError(user.withKey(key).get("/api/v1/fine-tunes"), 401, "InvalidApiKey");
  }

  @Test
  void unknown_routes_answer_404_in_json() {
    assertError(user.get("/api/v1/nothing-here"), 404, "NotFound");
    assertError(user.get("/no/such/page"), 404, "NotFound");
  }

  @Test
  void a_wrong_method_answers_the_documented_invalid_parameter() {
    Api.Resp r = user.method("PUT", "/api/v1/fine-tunes");
    assertError(r, 400, "InvalidParameter");
    assertThat(r.json().get("message").asText())
        .isEqualTo("Request method 'PUT' is not supported.");
  }

  @Test
  void malformed_json_is_an_invalid_parameter() {
    assertError(user.post("/api/v1/fine-tunes", "{\"model\": "), 400, "InvalidParameter");
    assertError(user.post("/api/v1/fine-tunes", "[1,2]"), 400, "InvalidParameter");
    assertError(user.post("/api/v1/fine-tunes", ""), 400, "InvalidParameter");
  }

  @Test
  void unknown_headers_of_the_sdk_are_accepted() {
    Api.Resp r =
        user.withHeader("X-Accel-Buffering", "no")
            .withHeader("X-DashScope-DataInspection", "enable")
            .withHeader("X-Request-Id", "abc")
            .get("/api/v1/fine-tunes?page_no=1&page_size=10");
    assertThat(r.status()).isEqualTo(200);
  }

  @Test
  void admin_endpoints_refuse_a_non_admin_key() {
    assertError(user.get("/api/v1/admin/users"), 403, "AccessDenied");
    assertError(user.post("/api/v1/admin/users", "{\"name\":\"mallory\"}"), 403, "AccessDenied");
  }

  @Test
  void an_unknown_workspace_header_is_refused() {
    assertError(
        user.withHeader("X-DashScope-WorkSpace", "ws-nope").get("/api/v1/fine-tunes"),
        404,
        "WorkSpaceNotFound");
  }

  @Test
  void a_job_is_visible_only_in_its_own_workspace_and_to_its_own_user() {
    Api admin = server.admin();
    String wsA =
        admin
            .post("/api/v1/admin/workspaces", "{\"name\":\"A\"}")
            .output()
            .get("workspace_id")
            .asText();
    String wsB =
        admin
            .post("/api/v1/admin/workspaces", "{\"name\":\"B\"}")
            .output()
            .get("workspace_id")
            .asText();
    Api.Resp bob = admin.post("/api/v1/admin/users", "{\"name\":\"bob\"}");
    String bobId = bob.output().get("user_id").asText();
    Api bobApi = user.withKey(bob.output().get("api_key").asText());
    for (String ws : new String[] {wsA, wsB}) {
      assertThat(
              admin
                  .post(
                      "/api/v1/admin/workspaces/" + ws + "/members",
                      "{\"user_id\":\"" + bobId + "\"}")
                  .status())
          .isEqualTo(200);
    }
    Api inA = bobApi.withHeader("X-DashScope-WorkSpace", wsA);
    Api inB = bobApi.withHeader("X-DashScope-WorkSpace", wsB);
    String file = inA.uploadTrainingFile("a.jsonl", Samples.TRAIN_JSONL);
    Api.Resp created =
        inA.post("/api/v1/fine-tunes", Samples.sdkCreate(TestServer.MODEL, file, "{}"));
    assertThat(created.status()).isEqualTo(200);
    String jobId = created.output().get("job_id").asText();
    assertThat(created.output().get("workspace_id").asText()).isEqualTo(wsA);

    assertError(inB.get("/api/v1/fine-tunes/" + jobId), 404, "NotFound");
    assertThat(inB.get("/api/v1/fine-tunes?page_no=1&page_size=10").output().get("total").asLong())
        .isZero();
    assertThat(inA.get("/api/v1/fine-tunes?page_no=1&page_size=10").output().get("total").asLong())
        .isEqualTo(1);
    assertError(inB.get("/api/v1/files/" + file), 404, "NotFound");
    assertError(user.get("/api/v1/fine-tunes/" + jobId), 404, "NotFound");
    assertError(user.postEmpty("/api/v1/fine-tunes/" + jobId + "/cancel"), 404, "NotFound");
    assertThat(inA.postEmpty("/api/v1/fine-tunes/" + jobId + "/cancel").status()).isEqualTo(200);
  }

  @Test
  void health_answers_200_once_ready() {
    Api.Resp r = user.withKey(null).get("/healthz");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("status").asText()).isEqualTo("ok");
  }
}
