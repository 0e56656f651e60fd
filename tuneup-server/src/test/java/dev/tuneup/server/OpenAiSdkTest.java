package dev.tuneup.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FileObject;
import com.openai.models.files.FilePurpose;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.FineTuningJobEvent;
import com.openai.models.finetuning.jobs.JobCreateParams;
import com.openai.models.finetuning.jobs.JobListParams;
import com.openai.models.finetuning.jobs.checkpoints.FineTuningJobCheckpoint;
import dev.tuneup.testkit.http.Api;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAI-compatible surface driven by the official OpenAI Java SDK against a real server and
 * real scripted trainer processes.
 */
class OpenAiSdkTest {
  @TempDir static Path dir;
  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start(dir, Map.of("jobs.stop-grace", "2s"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private record User(OpenAIClient openai, Api dashscope) {}

  private static User user(String name) {
    String key = server.newUserKey(name);
    OpenAIClient client =
        OpenAIOkHttpClient.builder()
            .baseUrl(server.url() + "/v1")
            .apiKey(key)
            .maxRetries(0)
            .timeout(Duration.ofSeconds(30))
            .build();
    return new User(client, new Api(server.url(), key));
  }

  private static String upload(OpenAIClient client, String content) throws Exception {
    Path file = Files.createTempFile(dir, "train", ".jsonl");
    Files.writeString(file, content, StandardCharsets.UTF_8);
    FileObject f =
        client
            .files()
            .create(FileCreateParams.builder().file(file).purpose(FilePurpose.FINE_TUNE).build());
    return f.id();
  }

  private static JobCreateParams.Hyperparameters.Builder scripted(int steps, int stepMs) {
    return JobCreateParams.Hyperparameters.builder()
        .putAdditionalProperty("test_steps", JsonValue.from(steps))
        .putAdditionalProperty("test_step_ms", JsonValue.from(stepMs));
  }

  private static FineTuningJob create(
      OpenAIClient client, String file, JobCreateParams.Hyperparameters hp) {
    return client
        .fineTuning()
        .jobs()
        .create(
            JobCreateParams.builder()
                .model(TestServer.MODEL)
                .trainingFile(file)
                .hyperparameters(hp)
                .build());
  }

  private static String status(FineTuningJob job) {
    return job.status().asString();
  }

  private static FineTuningJob await(
      OpenAIClient client, String id, Predicate<FineTuningJob> condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    FineTuningJob last = null;
    while (System.nanoTime() < deadline) {
      last = client.fineTuning().jobs().retrieve(id);
      if (condition.test(last)) {
        return last;
      }
      TestServer.sleep(50);
    }
    throw new AssertionError("job " + id + " did not reach the condition; last: " + last);
  }

  private static FineTuningJob awaitStatus(OpenAIClient client, String id, String status) {
    return await(client, id, j -> status(j).equals(status));
  }

  private static void awaitStep(Api dashscope, String id, int step) {
    TestServer.awaitJob(
        dashscope,
        id,
        Duration.ofSeconds(60),
        j -> j.path("progress").path("step").asInt() >= step);
  }

  @Test
  void upload_create_pause_resume_succeed_with_events_and_checkpoints() throws Exception {
    User u = user("openai-flow");
    String file = upload(u.openai(), Samples.TRAIN_JSONL);
    FineTuningJob created =
        u.openai()
            .fineTuning()
            .jobs()
            .create(
                JobCreateParams.builder()
                    .model(TestServer.MODEL)
                    .trainingFile(file)
                    .method(
                        JobCreateParams.Method.builder()
                            .type(JobCreateParams.Method.Type.SUPERVISED)
                            .supervised(
                                com.openai.models.finetuning.methods.SupervisedMethod.builder()
                                    .hyperparameters(
                                        com.openai.models.finetuning.methods
                                            .SupervisedHyperparameters.builder()
                                            .nEpochs(2)
                                            .batchSizeAuto()
                                            .learningRateMultiplier(2.0)
                                            .putAdditionalProperty("test_steps", JsonValue.from(30))
                                            .putAdditionalProperty(
                                                "test_step_ms", JsonValue.from(100))
                                            .putAdditionalProperty(
                                                "test_checkpoint_every", JsonValue.from(10))
                                            .putAdditionalProperty(
                                                "test_eval_every", JsonValue.from(10))
                                            .build())
                                    .build())
                            .build())
                    .seed(7)
                    .suffix("flow")
                    .metadata(
                        JobCreateParams.Metadata.builder()
                            .putAdditionalProperty("team", JsonValue.from("search"))
                            .build())
                    .build());
    String id = created.id();
    assertThat(status(created)).isIn("validating_files", "queued");
    assertThat(created.model()).isEqualTo(TestServer.MODEL);
    assertThat(created.trainingFile()).isEqualTo(file);
    assertThat(created.seed()).isEqualTo(7);
    assertThat(created.hyperparameters().nEpochs().get().integer()).contains(2L);
    assertThat(created.hyperparameters().batchSize().get().integer())
        .as("auto resolved")
        .contains(8L);
    assertThat(created.hyperparameters().learningRateMultiplier().get().number()).contains(2.0);
    assertThat(created.metadata().get()._additionalProperties().get("team"))
        .isEqualTo(JsonValue.from("search"));

    awaitStep(u.dashscope(), id, 12);
    FineTuningJob pausing = u.openai().fineTuning().jobs().pause(id);
    assertThat(status(pausing)).isIn("pausing", "paused");
    FineTuningJob paused = awaitStatus(u.openai(), id, "paused");
    JsonNode dsPaused = u.dashscope().get("/api/v1/fine-tunes/" + id).output();
    assertThat(dsPaused.get("status").asText()).isEqualTo("PAUSED");
    assertThat(dsPaused.get("usage").asLong()).isEqualTo(paused.trainedTokens().orElseThrow());
    int pausedAt = dsPaused.path("progress").path("step").asInt();
    assertThat(pausedAt).isBetween(12, 29);

    List<FineTuningJobEvent> events = u.openai().fineTuning().jobs().listEvents(id).data();
    assertThat(events).isNotEmpty();
    assertThat(events.get(0).message()).contains("paused at step " + pausedAt);
    for (int i = 1; i < events.size(); i++) {
      assertThat(events.get(i).createdAt()).isLessThanOrEqualTo(events.get(i - 1).createdAt());
    }
    assertThat(events)
        .anyMatch(e -> e.type().map(t -> t.asString().equals("metrics")).orElse(false));

    FineTuningJob resumed = u.openai().fineTuning().jobs().resume(id);
    assertThat(status(resumed)).isIn("queued", "running");
    FineTuningJob done = awaitStatus(u.openai(), id, "succeeded");
    assertThat(done.fineTunedModel()).isPresent();
    assertThat(done.fineTunedModel().get()).contains("flow").contains(id);
    assertThat(done.finishedAt()).isPresent();
    assertThat(done.trainedTokens()).contains(3000L);
    assertThat(CancelAndDeleteTest.logs(u.dashscope(), id))
        .anyMatch(l -> l.contains("resuming from") && l.contains("checkpoint-" + pausedAt));

    List<String> log = CancelAndDeleteTest.logs(u.dashscope(), id);
    assertThat(log.stream().filter(l -> l.contains("training started")))
        .as("a paused run gives its attempt back")
        .hasSize(2)
        .allMatch(l -> l.endsWith("(attempt 1)"));
    JsonNode ds = u.dashscope().get("/api/v1/fine-tunes/" + id).output();
    assertThat(ds.get("status").asText()).isEqualTo("SUCCEEDED");
    assertThat(ds.get("model").asText()).isEqualTo(done.model());
    assertThat(ds.get("usage").asLong()).isEqualTo(done.trainedTokens().orElseThrow());
    assertThat(ds.get("finetuned_output").asText()).isEqualTo(done.fineTunedModel().get());
    assertThat(ds.get("hyper_parameters").get("n_epochs").asInt()).isEqualTo(2);
    assertThat(ds.path("progress").path("token_accuracy").asDouble())
        .isEqualTo(0.1 * 30 / (1 + 0.1 * 30));
    assertThat(ds.path("progress").path("eval_token_accuracy").asDouble())
        .isEqualTo(0.09 * 30 / (1 + 0.1 * 30));

    List<FineTuningJobCheckpoint> checkpoints =
        u.openai().fineTuning().jobs().checkpoints().list(id).data();
    assertThat(checkpoints).extracting(FineTuningJobCheckpoint::stepNumber).contains(30L, 10L);
    assertThat(checkpoints)
        .extracting(FineTuningJobCheckpoint::stepNumber)
        .contains((long) pausedAt);
    assertThat(checkpoints.get(0).stepNumber()).isEqualTo(30);
    assertThat(checkpoints.get(0).fineTuningJobId()).isEqualTo(id);
    assertThat(checkpoints.get(0).metrics().trainLoss().orElseThrow())
        .isCloseTo(3.0 / (1 + 0.1 * 30), org.assertj.core.data.Offset.offset(1e-3));
    assertThat(checkpoints.get(0).fineTunedModelCheckpoint()).endsWith(":ckpt-step-30");
    FineTuningJobCheckpoint.Metrics last = checkpoints.get(0).metrics();
    assertThat(last.trainMeanTokenAccuracy()).contains(0.1 * 30 / (1 + 0.1 * 30));
    assertThat(last.validLoss()).contains(3.25 / (1 + 0.1 * 30));
    assertThat(last.validMeanTokenAccuracy()).contains(0.09 * 30 / (1 + 0.1 * 30));
    assertThat(last.fullValidLoss()).isEqualTo(last.validLoss());
    assertThat(last.fullValidMeanTokenAccuracy()).isEqualTo(last.validMeanTokenAccuracy());

    assertThat(done.resultFiles()).hasSize(1);
    String resultId = done.resultFiles().get(0);
    assertThat(u.openai().fineTuning().jobs().retrieve(id).resultFiles()).containsExactly(resultId);
    assertThat(u.openai().files().retrieve(resultId).purpose().asString())
        .isEqualTo("fine-tune-results");
    String csv;
    try (var body = u.openai().files().content(resultId)) {
      csv = new String(Base64.getDecoder().decode(body.body().readAllBytes()), UTF_8);
    }
    List<String> rows = csv.lines().toList();
    assertThat(rows.get(0))
        .isEqualTo("step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy");
    assertThat(rows).hasSize(31);
    JsonNode points = u.dashscope().get("/api/v1/fine-tunes/" + id + "/metrics").output();
    for (String row : rows.subList(1, rows.size())) {
      String[] f = row.split(",", -1);
      int step = Integer.parseInt(f[0]);
      // exact: the numbers travel as typed rows, never through rounded log text
      assertThat(Double.parseDouble(f[1])).isEqualTo(3.0 / (1 + 0.1 * step));
      assertThat(Double.parseDouble(f[2])).isEqualTo(0.1 * step / (1 + 0.1 * step));
      if (step % 10 == 0) {
        assertThat(Double.parseDouble(f[3])).isEqualTo(3.25 / (1 + 0.1 * step));
        assertThat(Double.parseDouble(f[4])).isEqualTo(0.09 * step / (1 + 0.1 * step));
      } else {
        assertThat(f[3]).isEmpty();
        assertThat(f[4]).isEmpty();
      }
    }
    assertThat(points.get("points"))
        .anySatisfy(
            p -> {
              assertThat(p.path("step").asInt()).isEqualTo(30);
              assertThat(p.path("loss").asDouble()).isEqualTo(3.0 / (1 + 0.1 * 30));
              assertThat(p.path("token_accuracy").asDouble()).isEqualTo(0.1 * 30 / (1 + 0.1 * 30));
            });
  }

  @Test
  void cancel_works_in_every_non_terminal_state() {
    User u = user("openai-cancel");
    String file;
    try {
      file = upload(u.openai(), Samples.TRAIN_JSONL);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    var jobs = u.openai().fineTuning().jobs();

    // validating_files: hold the dispatcher so the job stays PENDING.
    server.app().dispatcher().stop(Duration.ofSeconds(5));
    FineTuningJob pending;
    try {
      pending = create(u.openai(), file, scripted(1, 10).build());
      assertThat(status(jobs.retrieve(pending.id()))).isEqualTo("validating_files");
      assertThat(status(jobs.cancel(pending.id()))).isEqualTo("cancelled");
    } finally {
      server.app().dispatcher().start();
    }

    // running, then queued behind it (one running job per user).
    FineTuningJob running = create(u.openai(), file, scripted(1000, 50).build());
    awaitStep(u.dashscope(), running.id(), 1);
    FineTuningJob queued = create(u.openai(), file, scripted(1, 10).build());
    awaitStatus(u.openai(), queued.id(), "queued");
    assertThat(status(jobs.cancel(queued.id()))).isEqualTo("cancelled");
    FineTuningJob stopping = jobs.cancel(running.id());
    assertThat(status(stopping))
        .as("CANCELING is running on this surface")
        .isIn("running", "cancelled");
    assertThat(status(awaitStatus(u.openai(), running.id(), "cancelled")).equals("cancelled"))
        .isTrue();
    assertThat(awaitStatus(u.openai(), running.id(), "cancelled").finishedAt()).isPresent();

    // paused: cancel ends it at once.
    FineTuningJob toPause = create(u.openai(), file, scripted(1000, 50).build());
    awaitStep(u.dashscope(), toPause.id(), 2);
    jobs.pause(toPause.id());
    awaitStatus(u.openai(), toPause.id(), "paused");
    assertThat(status(jobs.cancel(toPause.id()))).isEqualTo("cancelled");

    // pausing: a trainer that ignores SIGTERM stays pausing for the grace; cancel wins.
    FineTuningJob stubborn =
        create(
            u.openai(),
            file,
            scripted(1000, 50)
                .putAdditionalProperty("test_ignore_sigterm", JsonValue.from(true))
                .build());
    awaitStep(u.dashscope(), stubborn.id(), 2);
    assertThat(status(jobs.pause(stubborn.id()))).isEqualTo("pausing");
    TestServer.sleep(500);
    assertThat(status(jobs.retrieve(stubborn.id()))).isEqualTo("pausing");
    assertThat(status(jobs.cancel(stubborn.id()))).isEqualTo("running");
    FineTuningJob canceled = awaitStatus(u.openai(), stubborn.id(), "cancelled");
    assertThat(canceled.fineTunedModel()).isEmpty();
  }

  @Test
  void errors_come_back_as_openai_errors_through_the_sdk() throws Exception {
    User u = user("openai-errors");
    var jobs = u.openai().fineTuning().jobs();

    assertThatThrownBy(() -> jobs.retrieve("ft-202601010000-0000"))
        .isInstanceOf(NotFoundException.class)
        .satisfies(e -> assertThat(((OpenAIServiceException) e).statusCode()).isEqualTo(404));

    assertThatThrownBy(() -> upload(u.openai(), "{\"messages\": \"not a list\"}\n"))
        .isInstanceOf(BadRequestException.class)
        .satisfies(
            e -> {
              OpenAIServiceException s = (OpenAIServiceException) e;
              assertThat(s.type()).contains("invalid_request_error");
              assertThat(s.param()).contains("file");
              assertThat(s.getMessage()).contains("line 1");
            });

    String file = upload(u.openai(), Samples.TRAIN_JSONL);
    assertThatThrownBy(() -> create(u.openai(), file, scripted(1, 10).nEpochs(0).build()))
        .isInstanceOf(BadRequestException.class)
        .satisfies(
            e ->
                assertThat(((OpenAIServiceException) e).param())
                    .contains("hyperparameters.n_epochs"));
    assertThatThrownBy(
            () -> create(u.openai(), file, scripted(1, 10).learningRateMultiplier(-1).build()))
        .isInstanceOf(BadRequestException.class)
        .satisfies(
            e ->
                assertThat(((OpenAIServiceException) e).param())
                    .contains("hyperparameters.learning_rate_multiplier"));
    assertThatThrownBy(() -> create(u.openai(), "file-ft-nope", scripted(1, 10).build()))
        .isInstanceOf(BadRequestException.class)
        .satisfies(e -> assertThat(((OpenAIServiceException) e).param()).contains("training_file"));

    FineTuningJob ok = create(u.openai(), file, scripted(1, 10).build());
    awaitStatus(u.openai(), ok.id(), "succeeded");
    assertThatThrownBy(() -> jobs.cancel(ok.id()))
        .isInstanceOf(BadRequestException.class)
        .hasMessageContaining(ok.id())
        .hasMessageContaining("succeeded");
    assertThatThrownBy(() -> jobs.pause(ok.id()))
        .isInstanceOf(BadRequestException.class)
        .hasMessageContaining("only a running job can be paused");
    assertThatThrownBy(() -> jobs.resume(ok.id()))
        .isInstanceOf(BadRequestException.class)
        .hasMessageContaining("only a paused job can be resumed");

    OpenAIClient wrongKey =
        OpenAIOkHttpClient.builder()
            .baseUrl(server.url() + "/v1")
            .apiKey("sk-wrong")
            .maxRetries(0)
            .build();
    assertThatThrownBy(() -> wrongKey.fineTuning().jobs().retrieve(ok.id()))
        .isInstanceOf(UnauthorizedException.class)
        .satisfies(
            e -> assertThat(((OpenAIServiceException) e).code()).contains("invalid_api_key"));

    Api.Resp raw = u.dashscope().get("/v1/no/such/route");
    assertThat(raw.status()).isEqualTo(404);
    assertThat(raw.json().get("error").get("type").asText()).isEqualTo("invalid_request_error");
    Api.Resp ds = u.dashscope().get("/api/v1/fine-tunes/ft-202601010000-0000");
    assertThat(ds.code()).as("the DashScope surface keeps its own shape").isEqualTo("NotFound");
  }

  @Test
  void a_file_uploaded_through_one_api_is_visible_through_the_other() throws Exception {
    User u = user("openai-files");
    String viaOpenAi = upload(u.openai(), Samples.TRAIN_JSONL);
    String viaDashScope = u.dashscope().uploadTrainingFile("ds.jsonl", Samples.TRAIN_JSONL);

    FileObject seen = u.openai().files().retrieve(viaDashScope);
    assertThat(seen.filename()).isEqualTo("ds.jsonl");
    assertThat(seen.bytes()).isEqualTo(Samples.TRAIN_JSONL.getBytes(StandardCharsets.UTF_8).length);
    assertThat(seen.purpose().asString()).isEqualTo("fine-tune");
    assertThat(u.openai().files().list().data())
        .extracting(FileObject::id)
        .containsExactlyInAnyOrder(viaOpenAi, viaDashScope);
    assertThat(u.dashscope().get("/api/v1/files/" + viaOpenAi).data().get("size").asLong())
        .isEqualTo(seen.bytes());
    try (var content = u.openai().files().content(viaOpenAi)) {
      assertThat(new String(content.body().readAllBytes(), StandardCharsets.UTF_8))
          .isEqualTo(Samples.TRAIN_JSONL);
    }
    assertThat(u.openai().files().delete(viaOpenAi).deleted()).isTrue();
    assertThat(u.dashscope().get("/api/v1/files/" + viaOpenAi).status()).isEqualTo(404);
  }

  @Test
  void jobs_list_filters_by_metadata_and_pages_with_after() throws Exception {
    User u = user("openai-list");
    String file = upload(u.openai(), Samples.TRAIN_JSONL);
    var jobs = u.openai().fineTuning().jobs();
    String[] ids = new String[3];
    for (int i = 0; i < 3; i++) {
      ids[i] =
          jobs.create(
                  JobCreateParams.builder()
                      .model(TestServer.MODEL)
                      .trainingFile(file)
                      .hyperparameters(scripted(1, 10).build())
                      .metadata(
                          JobCreateParams.Metadata.builder()
                              .putAdditionalProperty(
                                  "parity", JsonValue.from(i % 2 == 0 ? "even" : "odd"))
                              .build())
                      .build())
              .id();
      awaitStatus(u.openai(), ids[i], "succeeded");
    }
    var first = jobs.list(JobListParams.builder().limit(2).build());
    assertThat(first.data()).extracting(FineTuningJob::id).containsExactly(ids[2], ids[1]);
    assertThat(first.hasNextPage()).isTrue();
    assertThat(first.nextPage().data()).extracting(FineTuningJob::id).containsExactly(ids[0]);
    var even =
        jobs.list(
            JobListParams.builder()
                .metadata(
                    JobListParams.Metadata.builder()
                        .putAdditionalProperty("parity", "even")
                        .build())
                .build());
    assertThat(even.data()).extracting(FineTuningJob::id).containsExactly(ids[2], ids[0]);
  }

  @Test
  void dashscope_pause_and_resume_are_documented_extensions() {
    User u = user("dashscope-pause");
    String file = u.dashscope().uploadTrainingFile("t.jsonl", Samples.TRAIN_JSONL);
    Api.Resp created =
        u.dashscope()
            .post(
                "/api/v1/fine-tunes",
                Samples.sdkCreate(TestServer.MODEL, file, Samples.scripted(1000, 50)));
    String id = created.output().get("job_id").asText();
    Api.Resp tooEarly = u.dashscope().postEmpty("/api/v1/fine-tunes/" + id + "/resume");
    assertThat(tooEarly.status()).isEqualTo(400);
    assertThat(tooEarly.code()).isEqualTo("UnsupportedOperation");
    awaitStep(u.dashscope(), id, 2);
    Api.Resp pause = u.dashscope().postEmpty("/api/v1/fine-tunes/" + id + "/pause");
    assertThat(pause.status()).as(pause.body()).isEqualTo(200);
    assertThat(pause.output().get("status").asText()).isEqualTo("success");
    TestServer.awaitStatus(u.dashscope(), id, "PAUSED");
    assertThat(u.openai().fineTuning().jobs().retrieve(id).status().asString()).isEqualTo("paused");
    Api.Resp resume = u.dashscope().postEmpty("/api/v1/fine-tunes/" + id + "/resume");
    assertThat(resume.output().get("status").asText()).isEqualTo("success");
    awaitStep(u.dashscope(), id, 3);
    assertThat(u.dashscope().postEmpty("/api/v1/fine-tunes/" + id + "/cancel").status())
        .isEqualTo(200);
    TestServer.awaitStatus(u.dashscope(), id, "CANCELED");
  }
}
