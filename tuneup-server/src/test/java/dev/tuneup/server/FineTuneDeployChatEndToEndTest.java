package dev.tuneup.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.alibaba.dashscope.aigc.generation.Generation;
import com.alibaba.dashscope.aigc.generation.GenerationParam;
import com.alibaba.dashscope.aigc.generation.GenerationResult;
import com.alibaba.dashscope.common.Message;
import com.alibaba.dashscope.common.Role;
import com.alibaba.dashscope.protocol.Protocol;
import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
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
 * The whole path with real parts: the real trainer fine-tunes the built-in model on four pairs of
 * the README sample, the result is deployed, and the official DashScope and OpenAI Java SDKs chat
 * with it. The fine-tuned model answers a training prompt with its trained answer; the base model
 * does not.
 */
@Tag("slow")
class FineTuneDeployChatEndToEndTest {
  private static final String QUESTION = "What is tuneup?";
  private static final String ANSWER = "A self-hosted fine-tuning service.";

  @TempDir Path dir;

  @Test
  void a_fine_tuned_model_answers_its_training_prompt_through_both_sdks() throws Exception {
    String trainer = TestServer.realTrainerCommand();
    try (TestServer server =
        TestServer.start(dir, Map.of("backend.local.trainer-command", trainer))) {
      Api api = server.newUser("e2e");
      List<String> lines = Files.readAllLines(Path.of("../docs/sample-train.jsonl")).subList(0, 4);
      String file = api.uploadTrainingFile("sample.jsonl", String.join("\n", lines) + "\n");
      String job =
          api.post(
                  "/api/v1/fine-tunes",
                  "{\"model\":\"tuneup-tiny\",\"training_file_ids\":[\""
                      + file
                      + "\"],\"training_type\":\"sft\",\"hyper_parameters\":{\"n_epochs\":150,"
                      + "\"batch_size\":4,\"learning_rate\":\"2e-3\",\"split\":1,"
                      + "\"lr_scheduler_type\":\"cosine\",\"warmup_ratio\":0.05,"
                      + "\"save_strategy\":\"steps\",\"save_steps\":1000}}")
              .output()
              .get("job_id")
              .asText();
      JsonNode done =
          TestServer.awaitJob(
              api,
              job,
              Duration.ofMinutes(4),
              j -> List.of("SUCCEEDED", "FAILED").contains(j.path("status").asText()));
      assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("SUCCEEDED");
      String model = done.get("finetuned_output").asText();

      // As OpenAI users expect: the succeeded job's model answers at once, with no deploy step.
      OpenAIClient onDemand =
          OpenAIOkHttpClient.builder().apiKey(api.key()).baseUrl(server.url() + "/v1").build();
      ChatCompletion direct =
          onDemand
              .chat()
              .completions()
              .create(
                  ChatCompletionCreateParams.builder()
                      .model(model)
                      .addSystemMessage("You are a helpful assistant.")
                      .addUserMessage(QUESTION)
                      .maxCompletionTokens(32)
                      .build());
      assertThat(direct.choices().get(0).message().content()).contains(ANSWER);
      assertThat(api.get("/api/v1/deployments/" + model).status()).isEqualTo(404);

      api.post("/api/v1/deployments", "{\"model_name\":\"" + model + "\",\"capacity\":1}");
      api.post("/api/v1/deployments", "{\"model_name\":\"tuneup-tiny\",\"capacity\":1}");
      awaitRunning(api, model);
      awaitRunning(api, "tuneup-tiny");

      Generation generation = new Generation(Protocol.HTTP.getValue(), server.url() + "/api/v1");
      GenerationResult answer = generation.call(param(api.key(), model, false));
      GenerationResult base = generation.call(param(api.key(), "tuneup-tiny", false));
      StringBuilder streamed = new StringBuilder();
      generation
          .streamCall(param(api.key(), model, true))
          .blockingForEach(
              r -> streamed.append(r.getOutput().getChoices().get(0).getMessage().getContent()));

      assertThat(answer.getOutput().getChoices().get(0).getMessage().getContent())
          .isEqualTo(ANSWER);
      assertThat(answer.getOutput().getChoices().get(0).getFinishReason()).isEqualTo("stop");
      assertThat(answer.getUsage().getOutputTokens()).isPositive();
      assertThat(base.getOutput().getChoices().get(0).getMessage().getContent())
          .isNotEqualTo(ANSWER);
      assertThat(streamed.toString()).isEqualTo(ANSWER);

      OpenAIClient openai =
          OpenAIOkHttpClient.builder().apiKey(api.key()).baseUrl(server.url() + "/v1").build();
      ChatCompletionCreateParams chat =
          ChatCompletionCreateParams.builder()
              .model(model)
              .addSystemMessage("You are a helpful assistant.")
              .addUserMessage(QUESTION)
              .maxCompletionTokens(32)
              .build();
      ChatCompletion completion = openai.chat().completions().create(chat);
      StringBuilder chunks = new StringBuilder();
      try (StreamResponse<ChatCompletionChunk> stream =
          openai.chat().completions().createStreaming(chat)) {
        stream.stream()
            .forEach(c -> c.choices().forEach(x -> x.delta().content().ifPresent(chunks::append)));
      }
      ChatCompletion fromBase =
          openai.chat().completions().create(chat.toBuilder().model("tuneup-tiny").build());

      assertThat(completion.choices().get(0).message().content()).contains(ANSWER);
      assertThat(completion.usage().orElseThrow().completionTokens()).isPositive();
      assertThat(chunks.toString()).isEqualTo(ANSWER);
      assertThat(fromBase.choices().get(0).message().content().orElse("")).isNotEqualTo(ANSWER);
    }
  }

  private static GenerationParam param(String key, String model, boolean stream) {
    return GenerationParam.builder()
        .apiKey(key)
        .model(model)
        .messages(
            List.of(
                Message.builder()
                    .role(Role.SYSTEM.getValue())
                    .content("You are a helpful assistant.")
                    .build(),
                Message.builder().role(Role.USER.getValue()).content(QUESTION).build()))
        .resultFormat(GenerationParam.ResultFormat.MESSAGE)
        .incrementalOutput(stream)
        .maxTokens(32)
        .build();
  }

  private static void awaitRunning(Api api, String name) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode d = api.get("/api/v1/deployments/" + name).output();
      if (d != null && "RUNNING".equals(d.path("status").asText())) {
        return;
      }
      TestServer.sleep(100);
    }
    throw new AssertionError(name + " never RUNNING");
  }
}
