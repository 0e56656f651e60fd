package dev.tuneup.trainer;

import static dev.tuneup.trainer.TrainingFixtures.JSON;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The torch runtime behind {@code tuneup train}: batches prepared here, the bundled Python trainer
 * run on them, and the same loss as the Java trainer at every step (CPU, F32).
 */
class TorchRuntimeTest {

  /** Debian's python3-torch lives under /usr/bin/python3 (a pyenv python3 may lack it). */
  static final String PYTHON = "/usr/bin/python3";

  @TempDir Path tmp;

  @BeforeAll
  static void torchIsInstalled() throws Exception {
    assumeThat(hasTorch()).as(PYTHON + " with torch (apt-get install python3-torch)").isTrue();
  }

  static boolean hasTorch() throws InterruptedException {
    try {
      Process p =
          new ProcessBuilder(PYTHON, "-c", "import torch").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    }
  }

  private static ObjectNode hp() {
    ObjectNode hp = JSON.createObjectNode();
    // 12 samples in batches of 3 for 5 epochs: 20 steps
    hp.put("n_epochs", 5)
        .put("batch_size", 3)
        .put("split", 1)
        .put("logging_steps", 1)
        .put("learning_rate", 5e-4)
        .put("lora_dropout", 0.0)
        .put("save_strategy", "steps")
        .put("save_steps", 1000);
    return hp;
  }

  private Path spec(String name, Path model, String type, ObjectNode hp, boolean torch)
      throws IOException {
    Path f =
        TrainingFixtures.spec(tmp.resolve(name), model, TrainingFixtures.SAMPLE, type, hp, null);
    if (torch) {
      ObjectNode s = (ObjectNode) JSON.readTree(f.toFile());
      s.putObject("trainer")
          .put("runtime", "torch")
          .put("torch_python", PYTHON)
          .put("torch_devices", "cpu")
          .put("torch_nproc_per_node", 1);
      s.put("threads", 1);
      Files.writeString(f, JSON.writeValueAsString(s));
    }
    return f;
  }

  private static List<Double> losses(Path spec) throws IOException {
    return TrainingFixtures.ofType(TrainingFixtures.events(spec), "progress").stream()
        .map(e -> e.path("loss").asDouble())
        .toList();
  }

  @Test
  void full_fine_tuning_gives_the_java_loss_at_every_step() throws Exception {
    assertSameCurve("sft");
  }

  @Test
  void lora_fine_tuning_gives_the_java_loss_at_every_step() throws Exception {
    assertSameCurve("efficient_sft");
  }

  private void assertSameCurve(String type) throws Exception {
    Path model = TrainingFixtures.tinyModel(tmp);
    Path java = spec("java", model, type, hp(), false);
    Path torch = spec("torch", model, type, hp(), true);
    assertThat(TrainerMain.run(java)).isZero();
    assertThat(TrainerMain.run(torch)).isZero();
    List<Double> expected = losses(java);
    List<Double> got = losses(torch);
    System.err.println(type + " java  " + expected + "\n" + type + " torch " + got);
    assertThat(expected).hasSize(20);
    assertThat(got).hasSize(20);
    for (int i = 0; i < 20; i++) {
      assertThat(got.get(i)).as("loss at step %d", i + 1).isCloseTo(expected.get(i), within(1e-4));
    }
    // the curve moved: a parity of two runs that learn nothing would prove little
    assertThat(expected.get(19)).isLessThan(expected.get(0) - 0.1);
  }

  private static org.assertj.core.data.Offset<Double> within(double d) {
    return org.assertj.core.data.Offset.offset(d);
  }

  @Test
  void torch_run_reports_runtime_device_and_processes_and_ends_with_done() throws Exception {
    Path model = TrainingFixtures.tinyModel(tmp);
    ObjectNode hp = hp().put("n_epochs", 1);
    Path spec = spec("run", model, "efficient_sft", hp, true);
    assertThat(TrainerMain.run(spec)).isZero();
    List<JsonNode> events = TrainingFixtures.events(spec);
    List<String> logs =
        TrainingFixtures.ofType(events, "log").stream()
            .map(e -> e.path("message").asText())
            .toList();
    assertThat(logs.get(0)).startsWith("hyper-parameters used");
    assertThat(logs).anyMatch(m -> m.startsWith("trainer runtime torch: " + PYTHON));
    assertThat(logs)
        .anyMatch(
            m -> m.contains("device cpu") && m.contains("dtype F32") && m.contains("1 process"));
    assertThat(events.get(events.size() - 1).path("type").asText()).isEqualTo("done");
    Path prepared = spec.getParent().resolve("prepared");
    assertThat(prepared.resolve("batches.safetensors")).isRegularFile();
    assertThat(JSON.readTree(prepared.resolve("plan.json").toFile()).path("total_steps").asInt())
        .isEqualTo(4);
    assertThat(spec.getParent().resolve("output/adapter_model.safetensors")).isRegularFile();
  }

  @Test
  void a_missing_interpreter_is_an_error_event_naming_the_key() throws Exception {
    Path model = TrainingFixtures.tinyModel(tmp);
    Path spec = spec("nopy", model, "sft", hp().put("n_epochs", 1), true);
    ObjectNode s = (ObjectNode) JSON.readTree(spec.toFile());
    ((ObjectNode) s.get("trainer")).put("torch_python", "/nonexistent/python3");
    Files.writeString(spec, JSON.writeValueAsString(s));
    assertThat(TrainerMain.run(spec)).isEqualTo(TrainerMain.EXIT_FAILED);
    List<JsonNode> events = TrainingFixtures.events(spec);
    JsonNode last = events.get(events.size() - 1);
    assertThat(last.path("type").asText()).isEqualTo("error");
    assertThat(last.path("message").asText()).contains("trainer.torch.python");
  }

  @Test
  void an_unknown_runtime_is_refused_by_name() throws Exception {
    Path model = TrainingFixtures.tinyModel(tmp);
    ObjectNode hp = hp().put("trainer_runtime", "jax");
    Path spec = spec("jax", model, "sft", hp, false);
    assertThat(TrainerMain.run(spec)).isEqualTo(TrainerMain.EXIT_FAILED);
  }

  @Test
  void python_tests_of_the_torch_package_pass() throws Exception {
    Path pkg = Path.of("../tuneup-torch").toAbsolutePath().normalize();
    Process p =
        new ProcessBuilder(PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests")
            .directory(pkg.toFile())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(600, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("passed");
  }

  @Test
  void a_torch_checkpoint_resumes_in_the_java_trainer_on_the_same_curve() throws Exception {
    Path model = TrainingFixtures.tinyModel(tmp);
    ObjectNode hp = hp().put("save_steps", 10);
    Path torch = spec("torch", model, "sft", hp, true);
    assertThat(TrainerMain.run(torch)).isZero();
    Path cp = torch.getParent().resolve("checkpoint-10");
    assertThat(cp.resolve("trainer_state.json")).isRegularFile();
    Path java =
        TrainingFixtures.spec(tmp.resolve("java"), model, TrainingFixtures.SAMPLE, "sft", hp, cp);
    assertThat(TrainerMain.run(java)).isZero();
    List<Double> expected = losses(torch).subList(10, 20);
    List<Double> got = losses(java);
    assertThat(got).hasSize(10);
    for (int i = 0; i < 10; i++) {
      assertThat(got.get(i)).as("loss at step %d", i + 11).isCloseTo(expected.get(i), within(1e-4));
    }
  }

  @Test
  void a_java_lora_checkpoint_resumes_in_the_torch_runtime_on_the_same_curve() throws Exception {
    Path model = TrainingFixtures.tinyModel(tmp);
    ObjectNode hp = hp().put("save_steps", 10);
    Path java = spec("java", model, "efficient_sft", hp, false);
    assertThat(TrainerMain.run(java)).isZero();
    Path cp = java.getParent().resolve("checkpoint-10");
    Path torch = spec("torch", model, "efficient_sft", hp, true);
    ObjectNode s = (ObjectNode) JSON.readTree(torch.toFile());
    s.put("resume_from", cp.toString());
    Files.writeString(torch, JSON.writeValueAsString(s));
    assertThat(TrainerMain.run(torch)).isZero();
    List<Double> expected = losses(java).subList(10, 20);
    List<Double> got = losses(torch);
    assertThat(got).hasSize(10);
    for (int i = 0; i < 10; i++) {
      assertThat(got.get(i)).as("loss at step %d", i + 11).isCloseTo(expected.get(i), within(1e-4));
    }
  }

  @Test
  void a_torch_trained_adapter_answers_as_the_java_trained_one_through_inference()
      throws Exception {
    Path model = TrainingFixtures.tinyModel(tmp);
    Path java = spec("java", model, "efficient_sft", hp(), false);
    Path torch = spec("torch", model, "efficient_sft", hp(), true);
    assertThat(TrainerMain.run(java)).isZero();
    assertThat(TrainerMain.run(torch)).isZero();
    List<List<Integer>> a = answers(model, java.getParent().resolve("output"));
    List<List<Integer>> b = answers(model, torch.getParent().resolve("output"));
    assertThat(b).isEqualTo(a);
    assertThat(a).hasSize(12).anyMatch(answer -> answer.size() > 1);
  }

  /**
   * Greedy answers (token ids) to every prompt of the sample through the adapter in {@code dir}.
   */
  private static List<List<Integer>> answers(Path model, Path adapterDir) throws Exception {
    List<List<Integer>> out = new java.util.ArrayList<>();
    try (ai.djl.ndarray.NDManager root = ai.djl.ndarray.NDManager.newBaseManager();
        dev.tuneup.model.nn.Transformer t = dev.tuneup.model.nn.Transformer.load(model, root);
        dev.tuneup.model.text.Tokenizer tok = dev.tuneup.model.text.Tokenizer.load(model)) {
      t.setLora(dev.tuneup.model.lora.LoraAdapter.load(adapterDir, t));
      dev.tuneup.model.text.ChatTemplate template = dev.tuneup.model.text.ChatTemplate.load(model);
      for (String line : Files.readAllLines(TrainingFixtures.SAMPLE)) {
        JsonNode msgs = JSON.readTree(line).path("messages");
        List<java.util.Map<String, Object>> prompt = new java.util.ArrayList<>();
        for (int i = 0; i < msgs.size() - 1; i++) {
          prompt.add(
              java.util.Map.of(
                  "role", msgs.get(i).path("role").asText(),
                  "content", msgs.get(i).path("content").asText()));
        }
        int[] ids = tok.encode(template.render(prompt, true));
        var r =
            dev.tuneup.model.nn.Generator.generate(
                t, ids, dev.tuneup.model.nn.Generator.Options.greedy(16, tok.eosTokenIds()));
        out.add(java.util.Arrays.stream(r.tokens()).boxed().toList());
      }
    }
    return out;
  }
}
