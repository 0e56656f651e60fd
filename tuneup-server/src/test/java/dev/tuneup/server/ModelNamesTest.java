package dev.tuneup.server;

import static dev.tuneup.server.TestServer.awaitStatus;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tuneup.testkit.http.Api;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model names are per tenant and a job's finetuned_output is reserved at create: no other tenant
 * can squat on it, and no answer reveals whether another tenant holds a name.
 */
class ModelNamesTest {
  @TempDir static Path dir;
  static TestServer server;
  static Api alice;
  static Api bob;
  static String aliceFile;
  static String bobFile;
  static String bobJob;

  @BeforeAll
  static void start() {
    server = TestServer.start(dir, Map.of("backend.local.slots", "4"));
    alice = server.newUser("alice");
    bob = server.newUser("bob");
    aliceFile = alice.uploadTrainingFile("a.jsonl", Samples.TRAIN_JSONL);
    bobFile = bob.uploadTrainingFile("b.jsonl", Samples.TRAIN_JSONL);
    bobJob =
        create(
            bob, bobFile, "{\"test_steps\":4,\"test_step_ms\":10,\"test_checkpoint_every\":2}", "");
    awaitStatus(bob, bobJob, "SUCCEEDED");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static Api.Resp post(Api api, String file, String hp, String extra) {
    String body =
        "{\"model\": \""
            + TestServer.MODEL
            + "\", \"training_file_ids\": [\""
            + file
            + "\"], \"hyper_parameters\": "
            + hp
            + extra
            + "}";
    return api.post("/api/v1/fine-tunes", body);
  }

  private static String create(Api api, String file, String hp, String extra) {
    Api.Resp r = post(api, file, hp, extra);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.output().get("job_id").asText();
  }

  private static String modelJob(Api api, String name) {
    JsonNode models = api.get("/api/v1/models?model=" + name + "&page_no=1&page_size=10").output();
    return models.path("models").path(0).path("job_id").asText(null);
  }

  @Test
  void another_tenant_exporting_under_a_running_jobs_output_name_does_not_take_it_from_its_owner() {
    String aliceJob = create(alice, aliceFile, Samples.scripted(10, 100), "");
    String reserved = TestServer.MODEL + "-" + aliceJob;

    Api.Resp squat =
        bob.get("/api/v1/fine-tunes/" + bobJob + "/export/checkpoint-2?model_name=" + reserved);
    Api.Resp fresh =
        bob.get("/api/v1/fine-tunes/" + bobJob + "/export/checkpoint-4?model_name=never-used-name");

    // Bob's answer is the same whether or not another tenant holds the name.
    assertThat(squat.status()).as(squat.body()).isEqualTo(fresh.status()).isEqualTo(200);
    JsonNode done = awaitStatus(alice, aliceJob, "SUCCEEDED");
    assertThat(done.get("finetuned_output").asText()).isEqualTo(reserved);
    assertThat(modelJob(alice, reserved)).isEqualTo(aliceJob);
    assertThat(modelJob(bob, reserved)).isEqualTo(bobJob);
  }

  @Test
  void exporting_under_the_output_name_of_ones_own_pending_job_is_a_conflict() {
    String bobSlow = create(bob, bobFile, Samples.scripted(10, 100), "");
    Api.Resp r =
        bob.get(
            "/api/v1/fine-tunes/"
                + bobJob
                + "/export/checkpoint-2?model_name="
                + TestServer.MODEL
                + "-"
                + bobSlow);
    assertThat(r.status()).isEqualTo(409);
    assertThat(r.code()).isEqualTo("Conflict");
    awaitStatus(bob, bobSlow, "SUCCEEDED");
  }

  @Test
  void finetuned_output_in_the_create_body_names_the_model_once_per_tenant() {
    String job =
        create(
            alice, aliceFile, Samples.scripted(2, 10), ", \"finetuned_output\": \"shared-name\"");
    Api.Resp again =
        post(alice, aliceFile, Samples.scripted(2, 10), ", \"model_name\": \"shared-name\"");
    Api.Resp otherTenant =
        post(bob, bobFile, Samples.scripted(2, 10), ", \"model_name\": \"shared-name\"");

    assertThat(again.status()).isEqualTo(409);
    assertThat(again.code()).isEqualTo("Conflict");
    assertThat(otherTenant.status()).as(otherTenant.body()).isEqualTo(200);
    assertThat(awaitStatus(alice, job, "SUCCEEDED").get("finetuned_output").asText())
        .isEqualTo("shared-name");
    assertThat(modelJob(alice, "shared-name")).isEqualTo(job);
    String bobs = otherTenant.output().get("job_id").asText();
    assertThat(awaitStatus(bob, bobs, "SUCCEEDED").get("finetuned_output").asText())
        .isEqualTo("shared-name");
    assertThat(modelJob(bob, "shared-name")).isEqualTo(bobs);
  }

  @Test
  void a_bad_or_contradictory_output_name_is_a_400() {
    Api.Resp bad = post(alice, aliceFile, "{}", ", \"finetuned_output\": \"../x\"");
    Api.Resp both =
        post(alice, aliceFile, "{}", ", \"finetuned_output\": \"a1\", \"model_name\": \"b1\"");
    Api.Resp base =
        post(alice, aliceFile, "{}", ", \"finetuned_output\": \"" + TestServer.MODEL + "\"");

    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.json().path("message").asText()).contains("finetuned_output");
    assertThat(both.status()).isEqualTo(400);
    assertThat(base.status()).isEqualTo(409);
  }

  @Test
  void deleting_a_job_frees_its_output_name() {
    String job =
        create(alice, aliceFile, Samples.scripted(1, 10), ", \"finetuned_output\": \"freed-name\"");
    awaitStatus(alice, job, "SUCCEEDED");
    assertThat(alice.delete("/api/v1/fine-tunes/" + job).status()).isEqualTo(200);
    String next =
        create(alice, aliceFile, Samples.scripted(1, 10), ", \"finetuned_output\": \"freed-name\"");
    assertThat(awaitStatus(alice, next, "SUCCEEDED").get("finetuned_output").asText())
        .isEqualTo("freed-name");
  }
}
