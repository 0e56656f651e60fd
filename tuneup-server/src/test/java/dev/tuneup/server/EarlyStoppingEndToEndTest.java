package dev.tuneup.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tuneup.testkit.http.Api;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code early_stopping_patience} through the DashScope API with the real trainer: validation on
 * held-out pairs stops improving as the model memorises its training pairs, and the job ends
 * SUCCEEDED early with the best model by eval loss as its output.
 */
@Tag("slow")
class EarlyStoppingEndToEndTest {
  @TempDir Path dir;

  @Test
  void a_job_whose_eval_loss_stops_improving_ends_succeeded_early_with_its_best_model()
      throws Exception {
    try (TestServer server =
        TestServer.start(
            dir, Map.of("backend.local.trainer-command", TestServer.realTrainerCommand()))) {
      Api api = server.newUser("early");
      List<String> lines = Files.readAllLines(Path.of("../docs/sample-train.jsonl"));
      String train = api.uploadTrainingFile("train.jsonl", String.join("\n", lines.subList(0, 6)));
      String val = api.uploadTrainingFile("val.jsonl", String.join("\n", lines.subList(6, 12)));
      Api.Resp created =
          api.post(
              "/api/v1/fine-tunes",
              "{\"model\":\"tuneup-tiny\",\"training_file_ids\":[\""
                  + train
                  + "\"],\"validation_file_ids\":[\""
                  + val
                  + "\"],\"training_type\":\"sft\",\"hyper_parameters\":{\"n_epochs\":80,"
                  + "\"batch_size\":6,\"learning_rate\":\"2e-3\",\"eval_steps\":1,"
                  + "\"early_stopping_patience\":3}}");
      assertThat(created.status()).as(created.body()).isEqualTo(200);
      String id = created.output().get("job_id").asText();

      JsonNode done =
          TestServer.awaitJob(
              api,
              id,
              Duration.ofMinutes(10),
              j -> List.of("SUCCEEDED", "FAILED").contains(j.path("status").asText()));

      assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("SUCCEEDED");
      assertThat(done.get("finetuned_output").asText()).endsWith(id);
      assertThat(done.path("progress").path("step").asInt()).isLessThan(80);
      List<String> log = CancelAndDeleteTest.logs(api, id);
      assertThat(log)
          .anyMatch(l -> l.contains("early stopping at step") && l.contains("of 80"))
          .anyMatch(l -> l.contains("the output is the best model by eval loss: step"));
      Api.Resp bad =
          api.post(
              "/api/v1/fine-tunes",
              "{\"model\":\"tuneup-tiny\",\"training_file_ids\":[\""
                  + train
                  + "\"],\"hyper_parameters\":{\"early_stopping_patience\":0}}");
      assertThat(bad.status()).isEqualTo(400);
      assertThat(bad.json().get("message").asText())
          .contains("hyper_parameters.early_stopping_patience");
    }
  }
}
