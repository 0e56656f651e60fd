package dev.tuneup.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FilePurpose;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.JobCreateParams;
import com.openai.models.finetuning.jobs.checkpoints.FineTuningJobCheckpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A default OpenAI job with the real trainer: it learns its data and keeps the checkpoints of its
 * last three epochs, the final one included, however short the run.
 */
@Tag("slow")
class OpenAiTrainingCheckpointsTest {
  @TempDir Path dir;

  @Test
  void a_default_job_learns_its_data_and_lists_the_checkpoints_of_its_last_three_epochs()
      throws Exception {
    try (TestServer server =
        TestServer.start(
            dir, Map.of("backend.local.trainer-command", TestServer.realTrainerCommand()))) {
      String key = server.newUserKey("openai-checkpoints");
      OpenAIClient openai =
          OpenAIOkHttpClient.builder()
              .baseUrl(server.url() + "/v1")
              .apiKey(key)
              .maxRetries(0)
              .timeout(Duration.ofSeconds(60))
              .build();
      Path data = dir.resolve("train.jsonl");
      List<String> lines = Files.readAllLines(Path.of("../docs/sample-train.jsonl")).subList(0, 8);
      Files.writeString(data, String.join("\n", lines) + "\n");
      String file =
          openai
              .files()
              .create(FileCreateParams.builder().file(data).purpose(FilePurpose.FINE_TUNE).build())
              .id();

      FineTuningJob created =
          openai
              .fineTuning()
              .jobs()
              .create(
                  JobCreateParams.builder()
                      .model("tuneup-tiny")
                      .trainingFile(file)
                      .hyperparameters(
                          JobCreateParams.Hyperparameters.builder()
                              .nEpochs(50)
                              .batchSize(1)
                              .build())
                      .build());
      FineTuningJob done = awaitFinished(openai, created.id());
      assertThat(done.status().asString()).as(done.toString()).isEqualTo("succeeded");

      List<FineTuningJobCheckpoint> checkpoints =
          openai.fineTuning().jobs().checkpoints().list(done.id()).data();
      assertThat(checkpoints)
          .extracting(FineTuningJobCheckpoint::stepNumber)
          .containsExactly(400L, 392L, 384L);
      assertThat(checkpoints.get(0).metrics().trainLoss().orElseThrow()).isLessThan(0.1);

      ChatCompletion answer =
          openai
              .chat()
              .completions()
              .create(
                  ChatCompletionCreateParams.builder()
                      .model(done.fineTunedModel().orElseThrow())
                      .addSystemMessage("You are a helpful assistant.")
                      .addUserMessage("What is the capital of France?")
                      .maxCompletionTokens(16)
                      .build());
      assertThat(answer.choices().get(0).message().content()).contains("Paris.");
    }
  }

  private static FineTuningJob awaitFinished(OpenAIClient openai, String id) {
    long deadline = System.nanoTime() + Duration.ofMinutes(15).toNanos();
    FineTuningJob last = null;
    while (System.nanoTime() < deadline) {
      last = openai.fineTuning().jobs().retrieve(id);
      if (List.of("succeeded", "failed", "cancelled").contains(last.status().asString())) {
        return last;
      }
      TestServer.sleep(200);
    }
    throw new AssertionError("job " + id + " did not finish in 15 minutes; last: " + last);
  }
}
