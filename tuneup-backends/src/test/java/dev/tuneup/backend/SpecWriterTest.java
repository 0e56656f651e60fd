package dev.tuneup.backend;

import static dev.tuneup.testkit.JobFixtures.aJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tuneup.contract.TrainingMethod;
import dev.tuneup.file.StoredFile;
import dev.tuneup.job.Job;
import dev.tuneup.registry.ResolvedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpecWriterTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private Path jobs() {
    return dir.resolve("jobs");
  }

  private SpecWriter writer() {
    return new SpecWriter(id -> dir.resolve("files").resolve(id), jobs(), 3);
  }

  private static StoredFile file(String id, String name) {
    return new StoredFile(id, "u", "ws", name, null, "fine-tune", 10, "md5", 1, null);
  }

  private static ResolvedModel model() {
    return new ResolvedModel(
        "my-lora", "tuneup-tiny", Path.of("/models/tiny"), Path.of("/models/lora"));
  }

  private JsonNode prepare(Job job) throws Exception {
    Path spec =
        writer()
            .prepare(
                job,
                model(),
                List.of(file("file-ft-a", "train.jsonl")),
                List.of(file("file-ft-v", "valid.jsonl")));
    assertThat(spec).isEqualTo(jobs().resolve(job.id()).resolve("spec.json").toAbsolutePath());
    return JSON.readTree(spec.toFile());
  }

  @Test
  void the_spec_has_exactly_the_fields_of_the_trainer_contract() throws Exception {
    Job job = aJob().trainingType(TrainingMethod.SFT_LORA).build();
    JsonNode spec = prepare(job);
    Path jobDir = jobs().resolve(job.id()).toAbsolutePath();

    List<String> names = new ArrayList<>();
    spec.fieldNames().forEachRemaining(names::add);
    assertThat(names)
        .containsExactly(
            "job_id",
            "training_type",
            "model",
            "training_files",
            "validation_files",
            "hyper_parameters",
            "job_dir",
            "output_dir",
            "events_file",
            "resume_from",
            "seed",
            "threads");
    assertThat(spec.get("job_id").asText()).isEqualTo(job.id());
    assertThat(spec.get("training_type").asText()).isEqualTo("efficient_sft");
    assertThat(spec.get("model"))
        .isEqualTo(
            JSON.readTree(
                "{\"id\":\"my-lora\",\"path\":\"/models/tiny\",\"adapter_path\":\"/models/lora\"}"));
    assertThat(spec.get("training_files"))
        .isEqualTo(
            JSON.createArrayNode()
                .add(
                    JSON.createObjectNode()
                        .put("file_id", "file-ft-a")
                        .put("name", "train.jsonl")
                        .put("path", dir.resolve("files/file-ft-a").toAbsolutePath().toString())));
    assertThat(spec.get("validation_files").get(0).get("path").asText())
        .isEqualTo(dir.resolve("files/file-ft-v").toAbsolutePath().toString());
    assertThat(spec.get("job_dir").asText()).isEqualTo(jobDir.toString());
    assertThat(spec.get("output_dir").asText()).isEqualTo(jobDir.resolve("output").toString());
    assertThat(spec.get("events_file").asText())
        .isEqualTo(jobDir.resolve("events.jsonl").toString());
    assertThat(spec.get("resume_from").isNull()).isTrue();
    assertThat(spec.get("seed").asLong()).isEqualTo(42);
    assertThat(spec.get("threads").asInt()).isEqualTo(3);
    try (var entries = Files.list(jobDir)) {
      assertThat(entries.map(p -> p.getFileName().toString())).containsExactly("spec.json");
    }
  }

  @Test
  void a_base_model_without_adapter_has_a_null_adapter_path() throws Exception {
    Job job = aJob().build();
    Path spec =
        writer()
            .prepare(
                job,
                new ResolvedModel("tuneup-tiny", "tuneup-tiny", Path.of("/m"), null),
                List.of(),
                List.of());
    JsonNode model = JSON.readTree(spec.toFile()).get("model");
    assertThat(model.has("adapter_path")).isTrue();
    assertThat(model.get("adapter_path").isNull()).isTrue();
    assertThat(JSON.readTree(spec.toFile()).get("training_type").asText()).isEqualTo("sft");
  }

  @Test
  void hyper_parameters_are_passed_exactly_as_the_user_wrote_them() throws Exception {
    String hp =
        "{\"n_epochs\":3,\"learning_rate\":\"1e-4\",\"warmup_ratio\":1e-2,"
            + "\"weight_decay\":0.10,\"big\":123456789012345678901234567890,\"seed\":\"7\"}";
    Job job = aJob().hyperParameters(hp).build();
    Path spec = writer().prepare(job, model(), List.of(), List.of());
    assertThat(Files.readString(spec)).contains("\"hyper_parameters\" : " + hp);
    JsonNode parsed = JSON.readTree(spec.toFile());
    assertThat(parsed.get("hyper_parameters")).isEqualTo(JSON.readTree(hp));
    assertThat(parsed.get("seed").asLong()).as("seed given as a string").isEqualTo(7);
  }

  @Test
  void the_seed_comes_from_the_hyper_parameters_when_present() throws Exception {
    assertThat(prepare(aJob().hyperParameters("{\"seed\":1234}").build()).get("seed").asLong())
        .isEqualTo(1234);
    assertThat(prepare(aJob().hyperParameters("{\"seed\":\"x\"}").build()).get("seed").asLong())
        .isEqualTo(42);
    assertThat(prepare(aJob().hyperParameters(null).build()).get("hyper_parameters"))
        .isEqualTo(JSON.createObjectNode());
  }

  @Test
  void hyper_parameters_that_are_not_one_json_object_are_rejected() {
    for (String bad : List.of("[1]", "{\"a\":1} {\"b\":2}", "{\"a\":", "3")) {
      Job job = aJob().hyperParameters(bad).build();
      assertThatThrownBy(() -> writer().prepare(job, model(), List.of(), List.of()))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(job.id());
    }
  }

  @Test
  void resume_from_is_the_highest_complete_checkpoint_and_temp_dirs_are_ignored() throws Exception {
    Job job = aJob().build();
    Path jobDir = jobs().resolve(job.id());
    for (String d :
        List.of(
            "checkpoint-2",
            "checkpoint-10",
            "checkpoint-9",
            ".checkpoint-12.tmp",
            "checkpoint-13.tmp",
            "checkpoint-abc",
            "checkpoint-",
            "xcheckpoint-50")) {
      Files.createDirectories(jobDir.resolve(d));
    }
    Files.writeString(jobDir.resolve("checkpoint-11"), "a file, not a checkpoint");
    assertThat(prepare(job).get("resume_from").asText())
        .isEqualTo(jobDir.resolve("checkpoint-10").toAbsolutePath().toString());
  }

  @Test
  void a_second_prepare_replaces_the_spec_and_names_the_new_checkpoint() throws Exception {
    Job job = aJob().build();
    assertThat(prepare(job).get("resume_from").isNull()).isTrue();
    Files.createDirectories(jobs().resolve(job.id()).resolve("checkpoint-4"));
    assertThat(prepare(job).get("resume_from").asText()).endsWith("/checkpoint-4");
  }

  @Test
  void threads_below_one_are_rejected() {
    assertThatThrownBy(() -> new SpecWriter(id -> dir, jobs(), 0)).hasMessageContaining("threads");
  }

  @Test
  void a_torch_runtime_goes_into_the_spec_as_its_trainer_object() throws Exception {
    Job job = aJob().build();
    SpecWriter torch =
        new SpecWriter(
            id -> dir.resolve("files").resolve(id),
            new dev.tuneup.dispatch.JobPaths(jobs().toAbsolutePath()),
            3,
            new TrainerRuntime("torch", "/usr/bin/python3", "cuda", 2));
    Path spec = torch.prepare(job, model(), List.of(file("file-ft-a", "train.jsonl")), List.of());
    JsonNode t = JSON.readTree(spec.toFile()).path("trainer");
    assertThat(t.path("runtime").asText()).isEqualTo("torch");
    assertThat(t.path("torch_python").asText()).isEqualTo("/usr/bin/python3");
    assertThat(t.path("torch_devices").asText()).isEqualTo("cuda");
    assertThat(t.path("torch_nproc_per_node").asInt()).isEqualTo(2);
    assertThat(prepare(aJob().build()).has("trainer")).isFalse();
  }

  @Test
  void an_unknown_trainer_runtime_is_refused_by_key() {
    assertThatThrownBy(() -> new TrainerRuntime("jax", "python3", "auto", 0))
        .hasMessageContaining("trainer.runtime");
    assertThatThrownBy(() -> new TrainerRuntime("torch", "python3", "tpu", 0))
        .hasMessageContaining("trainer.torch.devices");
  }
}
