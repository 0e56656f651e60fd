package dev.tuneup.trainer;

import static dev.tuneup.trainer.TrainingFixtures.JSON;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tuneup.model.weights.SafetensorsReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer contract's failure paths and options (docs/trainer-contract.md), each through {@link
 * TrainerMain#run} with a spec, on the tiny model and a step or two of training.
 */
@Tag("slow")
class TrainerContractTest {

  @TempDir Path tmp;

  private static ObjectNode hp() {
    ObjectNode hp = JSON.createObjectNode();
    hp.put("n_epochs", 1).put("batch_size", 12).put("split", 1).put("logging_steps", 1);
    return hp;
  }

  private Path spec(String type, ObjectNode hp, Path data, Consumer<ObjectNode> edit)
      throws Exception {
    Path model = TrainingFixtures.tinyModel(tmp);
    Path spec = TrainingFixtures.spec(tmp, model, data, type, hp, null);
    ObjectNode s = (ObjectNode) JSON.readTree(spec.toFile());
    edit.accept(s);
    Files.writeString(spec, JSON.writeValueAsString(s));
    return spec;
  }

  private static JsonNode lastEvent(Path spec) throws Exception {
    List<JsonNode> all = TrainingFixtures.events(spec);
    return all.get(all.size() - 1);
  }

  @Test
  void the_log_lists_the_hyper_parameters_used_marking_the_models_defaults() throws Exception {
    Path spec = spec("efficient_sft", hp(), TrainingFixtures.SAMPLE, s -> {});

    assertThat(TrainerMain.run(spec)).isZero();

    assertThat(TrainingFixtures.ofType(TrainingFixtures.events(spec), "log"))
        .extracting(e -> e.path("message").asText())
        .anySatisfy(
            m ->
                assertThat(m)
                    .startsWith("hyper-parameters used (defaults of a built-in model (1.")
                    .contains("parameters), LoRA): n_epochs=1, batch_size=12,")
                    .contains("learning_rate=3.00e-03 (default)")
                    .contains("lora_rank=32 (default)")
                    .contains("lora_target_modules=q_proj,k_proj,v_proj,o_proj,gate_proj"));
  }

  @Test
  void a_bad_data_line_fails_with_an_error_naming_the_file_and_line() throws Exception {
    Path data = tmp.resolve("broken.jsonl");
    List<String> lines = Files.readAllLines(TrainingFixtures.SAMPLE);
    Files.writeString(
        data, lines.get(0) + "\n" + lines.get(1) + "\n{\"messages\": [oops\n" + lines.get(2));
    Path spec = spec("sft", hp(), data, s -> {});

    assertThat(TrainerMain.run(spec)).isEqualTo(TrainerMain.EXIT_FAILED);

    JsonNode last = lastEvent(spec);
    assertThat(last.path("type").asText()).isEqualTo("error");
    assertThat(last.path("message").asText()).contains("broken.jsonl").contains("line 3");
  }

  @Test
  void an_absurd_learning_rate_fails_with_a_diverged_error() throws Exception {
    ObjectNode hp = hp().put("n_epochs", 20).put("learning_rate", "1e6").put("max_grad_norm", 0);
    Path spec = spec("sft", hp, TrainingFixtures.SAMPLE, s -> {});

    assertThat(TrainerMain.run(spec)).isEqualTo(TrainerMain.EXIT_FAILED);

    JsonNode last = lastEvent(spec);
    assertThat(last.path("type").asText()).isEqualTo("error");
    assertThat(last.path("message").asText()).contains("diverged").contains("learning_rate");
    assertThat(spec.getParent().resolve("output")).doesNotExist();
  }

  @Test
  void a_model_without_weights_fails_with_an_error_naming_the_directory() throws Exception {
    Path spec = spec("sft", hp(), TrainingFixtures.SAMPLE, s -> {});
    Path broken = tmp.resolve("no-weights");
    Files.createDirectories(broken);
    Path model = TrainingFixtures.tinyModel(tmp);
    try (Stream<Path> files = Files.list(model)) {
      for (Path f : files.filter(f -> !f.toString().endsWith(".safetensors")).toList()) {
        Files.copy(f, broken.resolve(f.getFileName()));
      }
    }
    rewrite(spec, s -> ((ObjectNode) s.path("model")).put("path", broken.toString()));

    assertThat(TrainerMain.run(spec)).isEqualTo(TrainerMain.EXIT_FAILED);

    JsonNode last = lastEvent(spec);
    assertThat(last.path("type").asText()).isEqualTo("error");
    assertThat(last.path("message").asText()).contains("model.safetensors").contains("no-weights");
  }

  @Test
  void an_unsupported_architecture_is_refused_by_name() throws Exception {
    Path spec = spec("sft", hp(), TrainingFixtures.SAMPLE, s -> {});
    Path other = tmp.resolve("mamba");
    Files.createDirectories(other);
    Path model = TrainingFixtures.tinyModel(tmp);
    try (Stream<Path> files = Files.list(model)) {
      for (Path f : files.toList()) {
        Files.copy(f, other.resolve(f.getFileName()));
      }
    }
    ObjectNode config = (ObjectNode) JSON.readTree(other.resolve("config.json").toFile());
    config.putArray("architectures").add("MambaForCausalLM");
    config.put("model_type", "mamba");
    Files.writeString(other.resolve("config.json"), JSON.writeValueAsString(config));
    rewrite(spec, s -> ((ObjectNode) s.path("model")).put("path", other.toString()));

    assertThat(TrainerMain.run(spec)).isEqualTo(TrainerMain.EXIT_FAILED);

    JsonNode last = lastEvent(spec);
    assertThat(last.path("type").asText()).isEqualTo("error");
    assertThat(last.path("message").asText())
        .contains("MambaForCausalLM")
        .contains("not supported");
  }

  @Test
  void validation_files_give_eval_events_with_an_eval_loss() throws Exception {
    // no warmup: with transformers' warmup the first of these four steps has a learning rate of 0
    ObjectNode hp =
        hp().put("n_epochs", 2).put("batch_size", 6).put("eval_steps", 2).put("warmup_ratio", 0);
    Path spec =
        spec(
            "efficient_sft",
            hp,
            TrainingFixtures.SAMPLE,
            s ->
                s.putArray("validation_files")
                    .addObject()
                    .put("file_id", "file-2")
                    .put("name", "val.jsonl")
                    .put("path", TrainingFixtures.SAMPLE.toString()));

    assertThat(TrainerMain.run(spec)).isZero();

    List<JsonNode> evals = TrainingFixtures.ofType(TrainingFixtures.events(spec), "eval");
    assertThat(evals).extracting(e -> e.path("step").asInt()).containsExactly(2, 4);
    assertThat(evals).allSatisfy(e -> assertThat(e.path("eval_loss").asDouble()).isPositive());
    // the validation set is the training set here, so evaluation follows training down
    assertThat(evals.get(1).path("eval_loss").asDouble())
        .isLessThan(evals.get(0).path("eval_loss").asDouble());
  }

  @Test
  void checkpoint_last_epochs_keeps_the_ends_of_the_last_three_epochs_the_final_one_included()
      throws Exception {
    ObjectNode hp = hp().put("n_epochs", 5).put("batch_size", 6).put("checkpoint_last_epochs", 3);
    Path spec = spec("efficient_sft", hp, TrainingFixtures.SAMPLE, s -> {});

    assertThat(TrainerMain.run(spec)).isZero();

    assertThat(TrainingFixtures.ofType(TrainingFixtures.events(spec), "checkpoint"))
        .extracting(e -> e.path("step").asInt())
        .containsExactly(6, 8, 10);
    try (Stream<Path> s = Files.list(spec.getParent())) {
      assertThat(s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("checkpoint")))
          .containsExactlyInAnyOrder("checkpoint-6", "checkpoint-8", "checkpoint-10");
    }
  }

  @Test
  void early_stopping_ends_well_once_eval_loss_stops_improving_with_the_best_model_as_output()
      throws Exception {
    List<String> lines = Files.readAllLines(TrainingFixtures.SAMPLE);
    Path train = tmp.resolve("train.jsonl");
    Path val = tmp.resolve("val.jsonl");
    Files.writeString(train, String.join("\n", lines.subList(0, 6)) + "\n");
    Files.writeString(val, String.join("\n", lines.subList(6, 12)) + "\n");
    ObjectNode hp =
        hp().put("n_epochs", 80)
            .put("batch_size", 6)
            .put("learning_rate", "2e-3")
            .put("eval_steps", 1)
            .put("early_stopping_patience", 3);
    Path spec =
        spec(
            "sft",
            hp,
            train,
            s ->
                s.putArray("validation_files")
                    .addObject()
                    .put("file_id", "file-2")
                    .put("name", "val.jsonl")
                    .put("path", val.toString()));

    assertThat(TrainerMain.run(spec)).isZero();

    List<JsonNode> events = TrainingFixtures.events(spec);
    assertThat(events.get(events.size() - 1).path("type").asText()).isEqualTo("done");
    List<JsonNode> evals = TrainingFixtures.ofType(events, "eval");
    int last = evals.get(evals.size() - 1).path("step").asInt();
    assertThat(last).as("stopped before the 80 planned steps").isLessThan(80);
    JsonNode bestEval =
        evals.stream()
            .min(java.util.Comparator.comparingDouble(e -> e.path("eval_loss").asDouble()))
            .orElseThrow();
    int bestStep = bestEval.path("step").asInt();
    assertThat(last).isEqualTo(bestStep + 3);
    List<String> messages =
        TrainingFixtures.ofType(events, "log").stream()
            .map(e -> e.path("message").asText())
            .toList();
    assertThat(messages)
        .anyMatch(m -> m.startsWith("early stopping at step " + last + " of 80"))
        .anyMatch(m -> m.startsWith("the output is the best model by eval loss: step " + bestStep));
    assertThat(spec.getParent().resolve("output").resolve("model.safetensors")).exists();
    assertThat(spec.getParent().resolve(Trainer.BEST_DIR)).doesNotExist();
  }

  @Test
  void train_and_eval_events_report_token_accuracy_that_rises_as_loss_falls() throws Exception {
    ObjectNode hp =
        hp().put("n_epochs", 6).put("batch_size", 6).put("eval_steps", 3).put("logging_steps", 1);
    Path spec =
        spec(
            "efficient_sft",
            hp,
            TrainingFixtures.SAMPLE,
            s ->
                s.putArray("validation_files")
                    .addObject()
                    .put("file_id", "file-2")
                    .put("name", "val.jsonl")
                    .put("path", TrainingFixtures.SAMPLE.toString()));

    assertThat(TrainerMain.run(spec)).isZero();

    List<JsonNode> events = TrainingFixtures.events(spec);
    List<JsonNode> progress = TrainingFixtures.ofType(events, "progress");
    List<JsonNode> evals = TrainingFixtures.ofType(events, "eval");
    assertThat(progress)
        .allSatisfy(p -> assertThat(p.path("token_accuracy").asDouble(-1)).isBetween(0.0, 1.0));
    assertThat(evals)
        .allSatisfy(
            e -> assertThat(e.path("eval_token_accuracy").asDouble(-1)).isBetween(0.0, 1.0));
    assertThat(evals.get(evals.size() - 1).path("eval_token_accuracy").asDouble())
        .isGreaterThan(evals.get(0).path("eval_token_accuracy").asDouble());
  }

  @Test
  void save_total_limit_keeps_only_the_newest_checkpoints() throws Exception {
    ObjectNode hp =
        hp().put("n_epochs", 5)
            .put("save_strategy", "steps")
            .put("save_steps", 1)
            .put("save_total_limit", 2);
    Path spec = spec("efficient_sft", hp, TrainingFixtures.SAMPLE, s -> {});

    assertThat(TrainerMain.run(spec)).isZero();

    assertThat(TrainingFixtures.ofType(TrainingFixtures.events(spec), "checkpoint"))
        .extracting(e -> e.path("step").asInt())
        .containsExactly(1, 2, 3, 4);
    try (Stream<Path> s = Files.list(spec.getParent())) {
      assertThat(s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("checkpoint")))
          .containsExactlyInAnyOrder("checkpoint-3", "checkpoint-4");
    }
  }

  @Test
  void lora_from_a_lora_result_continues_that_adapter_and_stays_an_adapter() throws Exception {
    ObjectNode hp =
        hp().put("n_epochs", 3).put("lora_rank", 4).put("lora_alpha", 8).put("warmup_ratio", 0);
    Path first = spec("efficient_sft", hp, TrainingFixtures.SAMPLE, s -> {});
    assertThat(TrainerMain.run(first)).isZero();
    Path adapter = tmp.resolve("first-adapter");
    Files.move(first.getParent().resolve("output"), adapter);
    List<JsonNode> before = TrainingFixtures.ofType(TrainingFixtures.events(first), "progress");
    Files.delete(first.getParent().resolve("events.jsonl"));

    // the second job asks for rank 16: the continued adapter keeps its own rank 4
    ObjectNode hp2 = hp().put("n_epochs", 1).put("lora_rank", 16).put("warmup_ratio", 0);
    Path second =
        spec(
            "efficient_sft",
            hp2,
            TrainingFixtures.SAMPLE,
            s -> ((ObjectNode) s.path("model")).put("adapter_path", adapter.toString()));
    assertThat(TrainerMain.run(second)).isZero();

    Path out = second.getParent().resolve("output");
    JsonNode config = JSON.readTree(out.resolve("adapter_config.json").toFile());
    assertThat(config.path("r").asInt()).isEqualTo(4);
    assertThat(out.resolve("model.safetensors")).doesNotExist();
    String name = "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight";
    try (SafetensorsReader a =
            SafetensorsReader.open(adapter.resolve("adapter_model.safetensors"));
        SafetensorsReader b = SafetensorsReader.open(out.resolve("adapter_model.safetensors"))) {
      assertThat(b.read(name).data()).isNotEqualTo(a.read(name).data());
    }
    // training resumed where the first job left off, not from a fresh adapter
    double firstLoss = before.get(0).path("loss").asDouble();
    double continued =
        TrainingFixtures.ofType(TrainingFixtures.events(second), "progress")
            .get(0)
            .path("loss")
            .asDouble();
    // a fresh adapter (lora_B zero) would start at exactly the base model's loss, the first job's
    // first; the last update of a short run may overshoot, so its last loss is no bound
    assertThat(continued).isLessThan(firstLoss - 0.5);
  }

  @Test
  void full_training_from_a_lora_result_merges_the_adapter_into_the_base() throws Exception {
    ObjectNode hp = hp().put("n_epochs", 2).put("lora_rank", 4).put("lora_alpha", 8);
    Path first = spec("efficient_sft", hp, TrainingFixtures.SAMPLE, s -> {});
    assertThat(TrainerMain.run(first)).isZero();
    Path adapter = tmp.resolve("first-adapter");
    Files.move(first.getParent().resolve("output"), adapter);
    List<JsonNode> before = TrainingFixtures.ofType(TrainingFixtures.events(first), "progress");
    Files.delete(first.getParent().resolve("events.jsonl"));

    Path second =
        spec(
            "sft",
            hp().put("learning_rate", "1e-9"),
            TrainingFixtures.SAMPLE,
            s -> ((ObjectNode) s.path("model")).put("adapter_path", adapter.toString()));
    assertThat(TrainerMain.run(second)).isZero();

    Path out = second.getParent().resolve("output");
    assertThat(out.resolve("model.safetensors")).exists();
    assertThat(out.resolve("adapter_config.json")).doesNotExist();
    double continued =
        TrainingFixtures.ofType(TrainingFixtures.events(second), "progress")
            .get(0)
            .path("loss")
            .asDouble();
    assertThat(continued).isLessThan(before.get(0).path("loss").asDouble());
  }

  private static void rewrite(Path spec, Consumer<ObjectNode> edit) throws Exception {
    ObjectNode s = (ObjectNode) JSON.readTree(spec.toFile());
    edit.accept(s);
    Files.writeString(spec, JSON.writeValueAsString(s));
  }
}
