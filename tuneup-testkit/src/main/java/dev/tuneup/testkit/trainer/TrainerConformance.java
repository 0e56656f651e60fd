package dev.tuneup.testkit.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What every trainer runtime must do (docs/trainer-contract.md), checked against the real program
 * as a black box: the suite writes a job directory with {@code spec.json} and chat data, runs the
 * command a subclass gives, and judges only what the program leaves behind — its exit code, its
 * stdout, the {@code events.jsonl} it appends, its checkpoint directories and its output directory.
 * Subclasses say how to start the trainer and which small base model to train.
 *
 * <p>The runs are kept small (a dozen conversations, a few optimizer steps) so a CPU runtime on a
 * tiny model passes the whole suite in well under a minute. One uninterrupted LoRA run is shared by
 * the tests that only read it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class TrainerConformance {

  /** Longest any one run may take, start to exit. */
  protected static final long RUN_SECONDS = 180;

  /** Steps of the shared LoRA run, and where its checkpoints fall. */
  private static final int BATCH = 4;

  private static final int SAMPLES = 12;
  private static final int STEPS_PER_EPOCH = SAMPLES / BATCH;
  private static final int EPOCHS = 2;
  private static final int TOTAL_STEPS = STEPS_PER_EPOCH * EPOCHS;
  private static final int SAVE_STEPS = 2;

  private static final Set<String> TYPES =
      Set.of("log", "progress", "eval", "checkpoint", "done", "stopped", "error");
  private static final Set<String> TERMINAL = Set.of("done", "stopped", "error");
  private static final List<String> PROGRESS_FIELDS =
      List.of(
          "step",
          "total_steps",
          "epoch",
          "loss",
          "lr",
          "tokens",
          "tokens_per_second",
          "eta_seconds");

  private static final ObjectMapper JSON = new ObjectMapper();

  /** One directory for the whole suite: the shared run and the base model outlive each test. */
  protected Path dir;

  private final List<Process> started = new ArrayList<>();
  private Path baseModel;
  private Finished lora;

  /**
   * The command that runs the trainer on {@code specFile}: the program of docs/trainer-contract.md
   * as a backend would start it ({@code tuneup train --spec <specFile>} or its equivalent).
   */
  protected abstract List<String> command(Path specFile);

  /**
   * A small base model in Hugging Face layout under {@code root} that the trainer can fine-tune a
   * few steps of in seconds; called once per suite.
   */
  protected abstract Path createBaseModel(Path root) throws IOException;

  /** What a finished run left: exit code, stdout lines and the events file's events. */
  protected record Finished(
      Path spec, Path jobDir, int exit, List<String> stdout, List<JsonNode> events) {
    JsonNode last() {
      return events.get(events.size() - 1);
    }

    List<JsonNode> ofType(String type) {
      return events.stream().filter(e -> e.path("type").asText().equals(type)).toList();
    }

    Path outputDir() {
      return jobDir.resolve("output");
    }
  }

  @BeforeAll
  void createSuiteDirectory() throws IOException {
    dir = Files.createTempDirectory("trainer-conformance-");
  }

  @AfterAll
  void killLeftoversAndClean() throws Exception {
    for (Process p : started) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(f);
      }
    }
  }

  // ---- the rules ----

  @Test
  void events_are_json_lines_in_order_with_times_that_never_go_back() throws Exception {
    Finished run = loraRun();

    assertWellFormed(run);
    assertThat(run.ofType("progress"))
        .extracting(e -> e.path("step").asInt())
        .containsExactlyElementsOf(Stream.iterate(1, i -> i + 1).limit(TOTAL_STEPS).toList());
    assertThat(run.ofType("checkpoint"))
        .extracting(e -> e.path("step").asInt())
        .containsExactly(2, 4);
  }

  @Test
  void events_on_stdout_are_the_same_lines_as_in_the_events_file() throws Exception {
    Finished run = loraRun();

    List<String> fileLines = Files.readAllLines(run.jobDir().resolve("events.jsonl"));
    assertThat(run.stdout()).containsExactlyElementsOf(fileLines);
  }

  @Test
  void done_comes_with_a_complete_lora_adapter_in_peft_layout() throws Exception {
    Finished run = loraRun();

    assertThat(run.exit()).isZero();
    assertThat(run.last().path("type").asText()).isEqualTo("done");
    assertThat(Path.of(run.last().path("output_dir").asText())).isEqualTo(run.outputDir());
    assertThat(run.last().path("tokens").asLong())
        .isEqualTo(run.ofType("progress").get(TOTAL_STEPS - 1).path("tokens").asLong());
    SafetensorsFile adapter = assertLoraLayout(run.outputDir());
    assertThat(adapter.tensors().keySet())
        .filteredOn(n -> n.endsWith(".lora_B.weight"))
        .as("a trained adapter has some non-zero lora_B (PEFT initialises B to zeros)")
        .anySatisfy(n -> assertThat(nonZero(adapter.bytes(n))).isTrue());
    assertNoLeftovers(run.outputDir().getParent(), "output");
  }

  @Test
  void done_comes_with_a_complete_full_model_in_hugging_face_layout() throws Exception {
    ObjectNode hp = hp().put("n_epochs", 1).put("batch_size", SAMPLES);
    Finished run = run(job("full", "sft", hp, data(), null));

    assertWellFormed(run);
    assertThat(run.exit()).isZero();
    assertThat(run.last().path("type").asText()).isEqualTo("done");
    Path out = run.outputDir();
    assertThat(out.resolve("tokenizer.json")).isRegularFile();
    assertThat(out.resolve("tokenizer_config.json")).isRegularFile();
    SafetensorsFile trained = assertFullLayout(out);
    SafetensorsFile base = SafetensorsFile.read(baseModel().resolve("model.safetensors"));
    assertThat(trained.tensors().keySet()).isEqualTo(base.tensors().keySet());
    boolean changed = false;
    for (var e : base.tensors().entrySet()) {
      assertThat(trained.tensors().get(e.getKey()).shape())
          .as("shape of %s", e.getKey())
          .isEqualTo(e.getValue().shape());
      changed |= !java.util.Arrays.equals(trained.bytes(e.getKey()), base.bytes(e.getKey()));
    }
    assertThat(changed).as("full training changes the base weights").isTrue();
  }

  @Test
  void every_checkpoint_event_names_a_complete_checkpoint_of_that_step() throws Exception {
    Finished run = loraRun();

    for (JsonNode c : run.ofType("checkpoint")) {
      Path path = Path.of(c.path("path").asText());
      assertThat(path.getParent()).isEqualTo(run.jobDir());
      assertThat(path.getFileName().toString()).isEqualTo("checkpoint-" + c.path("step").asInt());
    }
    // save_total_limit is 10: both are kept
    for (Path cp : listedCheckpoints(run.jobDir())) {
      assertCompleteCheckpoint(cp, true);
    }
    assertThat(listedCheckpoints(run.jobDir())).hasSize(2);
  }

  @Test
  void resuming_from_a_checkpoint_continues_the_same_loss_curve() throws Exception {
    Finished full = loraRun();
    Path checkpoint = full.jobDir().resolve("checkpoint-" + SAVE_STEPS);

    Finished resumed = run(job("resumed", "efficient_sft", loraHp(), data(), checkpoint));

    assertWellFormed(resumed);
    assertThat(resumed.exit()).isZero();
    List<JsonNode> before = full.ofType("progress");
    List<JsonNode> after = resumed.ofType("progress");
    assertThat(after)
        .extracting(e -> e.path("step").asInt())
        .containsExactlyElementsOf(
            Stream.iterate(SAVE_STEPS + 1, i -> i + 1).limit(TOTAL_STEPS - SAVE_STEPS).toList());
    for (JsonNode p : after) {
      JsonNode same = before.get(p.path("step").asInt() - 1);
      double expected = same.path("loss").asDouble();
      assertThat(p.path("loss").asDouble())
          .as("loss at step %d", p.path("step").asInt())
          .isCloseTo(expected, within(1e-4 * Math.max(1, Math.abs(expected))));
      assertThat(p.path("tokens").asLong())
          .as("tokens trained by step %d", p.path("step").asInt())
          .isEqualTo(same.path("tokens").asLong());
    }
  }

  @Test
  void a_bad_data_line_fails_with_an_error_naming_the_file_and_the_line() throws Exception {
    List<String> lines = sampleLines();
    Path data = dir.resolve("file-ft-bad");
    Files.writeString(
        data,
        lines.get(0) + "\n" + lines.get(1) + "\n{\"messages\": [oops\n" + lines.get(2) + "\n");
    Path spec = job("bad", "efficient_sft", loraHp(), new DataFile(data, "broken.jsonl"), null);

    Finished run = run(spec);

    assertWellFormed(run);
    assertThat(run.exit()).isNotZero();
    assertThat(run.last().path("type").asText()).isEqualTo("error");
    assertThat(run.last().path("message").asText()).contains("broken.jsonl").contains("line 3");
    assertThat(run.ofType("done")).isEmpty();
    assertThat(run.outputDir()).doesNotExist();
  }

  @Test
  void sigterm_ends_with_stopped_and_a_checkpoint_within_a_step_and_a_second() throws Exception {
    ObjectNode hp = loraHp().put("n_epochs", 500).put("save_steps", 100_000);
    Path spec = job("sigterm", "efficient_sft", hp, data(), null);
    Process p = start(spec);
    Path jobDir = spec.getParent();

    List<JsonNode> progress = awaitEvents(p, jobDir, e -> ofType(e, "progress").size() >= 3);
    double stepSeconds = 0;
    for (int i = 1; i < progress.size(); i++) {
      stepSeconds = Math.max(stepSeconds, seconds(progress.get(i - 1), progress.get(i)));
    }
    long t0 = System.nanoTime();
    p.destroy(); // SIGTERM
    assertThat(p.waitFor(RUN_SECONDS, TimeUnit.SECONDS)).as("exits after SIGTERM").isTrue();
    double took = (System.nanoTime() - t0) / 1e9;
    Finished run = finished(spec, p);

    assertWellFormed(run);
    assertThat(run.exit()).isEqualTo(143);
    JsonNode stopped = run.last();
    assertThat(stopped.path("type").asText()).isEqualTo("stopped");
    int lastStep =
        run.ofType("progress").get(run.ofType("progress").size() - 1).path("step").asInt();
    assertThat(stopped.path("step").asInt()).isEqualTo(lastStep);
    Path checkpoint = Path.of(stopped.path("checkpoint").asText());
    assertThat(checkpoint.getFileName().toString()).isEqualTo("checkpoint-" + lastStep);
    assertCompleteCheckpoint(checkpoint, true);
    assertThat(took)
        .as("seconds from SIGTERM to exit, with steps of %.3f s", stepSeconds)
        .isLessThan(stepSeconds + 1.0);
  }

  @Test
  void a_kill_during_a_checkpoint_never_leaves_a_broken_listed_checkpoint_and_the_rerun_resumes()
      throws Exception {
    // full weights and optimizer moments make checkpoints heavy; one step an epoch and a
    // checkpoint every step, one kept, so each step also prunes the one before
    ObjectNode hp =
        hp().put("n_epochs", 3)
            .put("batch_size", SAMPLES)
            .put("save_steps", 1)
            .put("save_total_limit", 1);
    Path spec = job("kill", "sft", hp, data(), null);
    Path jobDir = spec.getParent();
    Process p = start(spec);
    awaitEvents(p, jobDir, e -> ofType(e, "checkpoint").size() >= 1);
    // the next entry created or removed in the job directory is the start of the next
    // checkpoint's write (or of the output's): kill there; inotify wakes the test at once
    // without taking a core from the trainer
    try (WatchService watch = jobDir.getFileSystem().newWatchService()) {
      jobDir.register(
          watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(RUN_SECONDS);
      while (p.isAlive() && System.nanoTime() < deadline) {
        WatchKey key = watch.poll(100, TimeUnit.MILLISECONDS);
        if (key != null && !key.pollEvents().isEmpty()) {
          break;
        }
      }
      p.destroyForcibly(); // SIGKILL
    }
    assertThat(p.waitFor(RUN_SECONDS, TimeUnit.SECONDS)).isTrue();

    List<Path> listed = listedCheckpoints(jobDir);
    assertThat(listed).as("checkpoints left in %s", jobDir).isNotEmpty();
    for (Path cp : listed) {
      assertCompleteCheckpoint(cp, false);
    }
    assertThat(jobDir.resolve("output")).doesNotExist();

    // what the server does next: the same job again, resumed from the newest listed checkpoint
    Path newest = listed.get(listed.size() - 1);
    int resumedAt = step(newest);
    Files.move(jobDir.resolve("events.jsonl"), jobDir.resolve("events-killed.jsonl"));
    ObjectNode s = (ObjectNode) JSON.readTree(spec.toFile());
    s.put("resume_from", newest.toString());
    Files.writeString(spec, JSON.writeValueAsString(s));
    Finished rerun = run(spec);

    assertWellFormed(rerun);
    assertThat(rerun.exit()).isZero();
    assertThat(rerun.ofType("progress"))
        .extracting(e -> e.path("step").asInt())
        .containsExactlyElementsOf(
            Stream.iterate(resumedAt + 1, i -> i + 1).limit(3 - resumedAt).toList());
    assertFullLayout(rerun.outputDir());
    assertThat(names(jobDir))
        .as("hidden leftovers of the killed run in %s", jobDir)
        .noneMatch(n -> n.startsWith("."));
  }

  @Test
  void safetensors_reader_rejects_a_truncated_file() throws Exception {
    Finished run = loraRun();
    Path good = run.outputDir().resolve("adapter_model.safetensors");
    byte[] bytes = Files.readAllBytes(good);
    Path cut = dir.resolve("cut.safetensors");
    Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length - 4));

    assertThat(SafetensorsFile.read(good).tensors()).isNotEmpty();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> SafetensorsFile.read(cut))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("data section");
  }

  // ---- checks ----

  /** Every rule about the event stream that holds for any run, however it ended. */
  protected void assertWellFormed(Finished run) {
    List<JsonNode> events = run.events();
    assertThat(events).as("events of %s", run.jobDir()).isNotEmpty();
    Instant previous = Instant.MIN;
    int lastProgress = 0;
    int lastEval = 0;
    int lastCheckpoint = 0;
    Set<Integer> progressSteps = new HashSet<>();
    for (int i = 0; i < events.size(); i++) {
      JsonNode e = events.get(i);
      String where = "event " + (i + 1) + " " + e;
      String type = e.path("type").asText();
      assertThat(TYPES).as(where).contains(type);
      Instant time;
      try {
        time = Instant.parse(e.path("time").asText());
      } catch (DateTimeParseException ex) {
        throw new AssertionError(where + ": time is not an ISO-8601 instant");
      }
      assertThat(time).as(where + ": time goes back").isAfterOrEqualTo(previous);
      previous = time;
      if (TERMINAL.contains(type)) {
        assertThat(i).as(where + ": a " + type + " event is the last").isEqualTo(events.size() - 1);
      }
      switch (type) {
        case "log" -> {
          assertThat(e.path("message").isTextual()).as(where).isTrue();
          assertThat(e.path("level").isTextual()).as(where).isTrue();
        }
        case "progress" -> {
          for (String f : PROGRESS_FIELDS) {
            assertThat(e.path(f).isNumber()).as(where + ": " + f + " is a number").isTrue();
          }
          int step = e.path("step").asInt();
          assertThat(step).as(where + ": steps increase").isGreaterThan(lastProgress);
          assertThat(step).as(where).isLessThanOrEqualTo(e.path("total_steps").asInt());
          assertThat(Double.isFinite(e.path("loss").asDouble())).as(where).isTrue();
          lastProgress = step;
          progressSteps.add(step);
        }
        case "eval" -> {
          assertThat(e.path("eval_loss").isNumber()).as(where).isTrue();
          int step = e.path("step").asInt();
          assertThat(step).as(where + ": eval steps increase").isGreaterThan(lastEval);
          assertThat(step)
              .as(where + ": evaluated a step already trained")
              .isLessThanOrEqualTo(lastProgress);
          lastEval = step;
        }
        case "checkpoint" -> {
          assertThat(e.path("path").isTextual()).as(where).isTrue();
          int step = e.path("step").asInt();
          assertThat(step).as(where + ": checkpoint steps increase").isGreaterThan(lastCheckpoint);
          assertThat(step)
              .as(where + ": checkpoint of a step already trained")
              .isLessThanOrEqualTo(lastProgress);
          lastCheckpoint = step;
        }
        case "done" -> {
          assertThat(e.path("output_dir").isTextual()).as(where).isTrue();
          assertThat(e.path("tokens").isNumber()).as(where).isTrue();
        }
        case "stopped" -> {
          assertThat(e.path("step").isNumber()).as(where).isTrue();
          assertThat(e.path("checkpoint").isTextual()).as(where).isTrue();
        }
        case "error" -> assertThat(e.path("message").asText()).as(where).isNotBlank();
        default -> fail(where + ": unknown type");
      }
    }
    String last = run.last().path("type").asText();
    assertThat(TERMINAL).as("the last event ends the run: " + run.last()).contains(last);
    switch (last) {
      case "done" -> assertThat(run.exit()).as("exit after done").isZero();
      case "stopped" -> assertThat(run.exit()).as("exit after stopped").isEqualTo(143);
      default -> assertThat(run.exit()).as("exit after error").isNotZero();
    }
  }

  /** An adapter directory PEFT loads: its config and one safetensors file of LoRA pairs. */
  protected SafetensorsFile assertLoraLayout(Path dir) throws IOException {
    JsonNode config = JSON.readTree(dir.resolve("adapter_config.json").toFile());
    assertThat(config.path("peft_type").asText()).isEqualTo("LORA");
    int r = config.path("r").asInt();
    assertThat(r).isPositive();
    assertThat(config.path("lora_alpha").isNumber()).isTrue();
    assertThat(config.path("target_modules").isArray() || config.path("target_modules").isTextual())
        .isTrue();
    SafetensorsFile st = SafetensorsFile.read(dir.resolve("adapter_model.safetensors"));
    assertThat(st.tensors()).isNotEmpty();
    for (var e : st.tensors().entrySet()) {
      String name = e.getKey();
      assertThat(name).startsWith("base_model.model.").matches(".*\\.lora_[AB]\\.weight");
      List<Long> shape = e.getValue().shape();
      assertThat(shape).as(name).hasSize(2);
      if (name.endsWith(".lora_A.weight")) {
        assertThat(shape.get(0)).as(name + " is [r, in]").isEqualTo(r);
        String b = name.replace(".lora_A.weight", ".lora_B.weight");
        assertThat(st.tensors()).as("pair of " + name).containsKey(b);
        assertThat(st.tensors().get(b).shape().get(1)).as(b + " is [out, r]").isEqualTo(r);
      }
    }
    return st;
  }

  /** A model directory Hugging Face loads: config.json and its weights in safetensors. */
  protected SafetensorsFile assertFullLayout(Path dir) throws IOException {
    JsonNode config = JSON.readTree(dir.resolve("config.json").toFile());
    assertThat(config.path("model_type").asText()).isNotBlank();
    return SafetensorsFile.read(dir.resolve("model.safetensors"));
  }

  /**
   * A checkpoint a resume can use: {@code trainer_state.json} of its step and the weights in the
   * output layout, every safetensors file in it whole.
   */
  protected void assertCompleteCheckpoint(Path cp, boolean lora) throws IOException {
    assertThat(cp).isDirectory();
    int step = step(cp);
    assertThat(cp.resolve("trainer_state.json"))
        .as("%s is listed, so it must be complete", cp.getFileName())
        .isRegularFile();
    JsonNode state = JSON.readTree(cp.resolve("trainer_state.json").toFile());
    assertThat(state.path("step").asInt()).as("step in " + cp).isEqualTo(step);
    if (lora) {
      assertLoraLayout(cp);
    } else {
      assertFullLayout(cp);
    }
    try (Stream<Path> files = Files.list(cp)) {
      for (Path f : files.filter(f -> f.toString().endsWith(".safetensors")).toList()) {
        SafetensorsFile.read(f);
      }
    }
  }

  private static void assertNoLeftovers(Path parent, String name) throws IOException {
    try (Stream<Path> s = Files.list(parent)) {
      assertThat(s.map(p -> p.getFileName().toString()))
          .as("temporary copies of %s in %s", name, parent)
          .noneMatch(n -> n.startsWith(".") && n.contains(name));
    }
  }

  // ---- runs ----

  private Finished loraRun() throws Exception {
    if (lora == null) {
      lora = run(job("lora", "efficient_sft", loraHp(), data(), null));
    }
    return lora;
  }

  private static ObjectNode hp() {
    // no warmup: a warmup's first step trains at a rate of 0, and these runs are a few steps long
    return JSON.createObjectNode()
        .put("batch_size", BATCH)
        .put("learning_rate", "3e-3")
        .put("warmup_ratio", 0)
        .put("split", 1)
        .put("logging_steps", 1)
        .put("save_strategy", "steps")
        .put("save_steps", SAVE_STEPS)
        .put("save_total_limit", 10);
  }

  private static ObjectNode loraHp() {
    return hp().put("n_epochs", EPOCHS).put("lora_dropout", 0.1);
  }

  private record DataFile(Path path, String name) {}

  private DataFile data() throws IOException {
    Path f = dir.resolve("file-ft-train");
    if (!Files.exists(f)) {
      Files.write(f, sampleLines());
    }
    return new DataFile(f, "train.jsonl");
  }

  private static List<String> sampleLines() {
    String[][] pairs = {
      {"What is tuneup?", "A self-hosted fine-tuning service."},
      {"What is the capital of France?", "Paris."},
      {"What is two plus two?", "Four."},
      {"Name a primary colour.", "Red."},
      {"What do bees make?", "Honey."},
      {"How many days has a week?", "Seven."},
      {"What is frozen water?", "Ice."},
      {"Which planet is red?", "Mars."},
      {"What is the opposite of hot?", "Cold."},
      {"What do you call a baby cat?", "A kitten."},
      {"How many legs has a spider?", "Eight."},
      {"What colour is the sky?", "Blue."},
    };
    List<String> lines = new ArrayList<>();
    for (String[] p : pairs) {
      ObjectNode line = JSON.createObjectNode();
      var messages = line.putArray("messages");
      messages.addObject().put("role", "system").put("content", "You are a helpful assistant.");
      messages.addObject().put("role", "user").put("content", p[0]);
      messages.addObject().put("role", "assistant").put("content", p[1]);
      lines.add(line.toString());
    }
    return lines;
  }

  private Path baseModel() throws IOException {
    if (baseModel == null) {
      baseModel = createBaseModel(dir.resolve("models"));
    }
    return baseModel;
  }

  /** Writes {@code <dir>/<name>/spec.json} as the server would and returns its path. */
  private Path job(String name, String type, ObjectNode hp, DataFile data, Path resume)
      throws IOException {
    Path job = dir.resolve(name);
    Files.createDirectories(job);
    ObjectNode s = JSON.createObjectNode();
    s.put("job_id", "ft-conformance-" + name);
    s.put("training_type", type);
    s.putObject("model")
        .put("id", baseModel().getFileName().toString())
        .put("path", baseModel().toString())
        .putNull("adapter_path");
    s.putArray("training_files")
        .addObject()
        .put("file_id", data.path().getFileName().toString())
        .put("name", data.name())
        .put("path", data.path().toString());
    s.putArray("validation_files");
    s.set("hyper_parameters", hp);
    s.put("job_dir", job.toString());
    s.put("output_dir", job.resolve("output").toString());
    s.put("events_file", job.resolve("events.jsonl").toString());
    if (resume == null) {
      s.putNull("resume_from");
    } else {
      s.put("resume_from", resume.toString());
    }
    s.put("seed", 42);
    s.put("threads", 2);
    Path spec = job.resolve("spec.json");
    Files.writeString(spec, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(s));
    return spec;
  }

  private Process start(Path spec) throws IOException {
    Path job = spec.getParent();
    Process p =
        new ProcessBuilder(command(spec))
            .redirectOutput(job.resolve("stdout.log").toFile())
            .redirectError(job.resolve("stderr.log").toFile())
            .start();
    started.add(p);
    return p;
  }

  private Finished run(Path spec) throws Exception {
    Process p = start(spec);
    if (!p.waitFor(RUN_SECONDS, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("the trainer ran longer than " + RUN_SECONDS + " s; stderr in " + spec.getParent());
    }
    return finished(spec, p);
  }

  private static Finished finished(Path spec, Process p) throws IOException {
    Path job = spec.getParent();
    List<String> stdout = Files.readAllLines(job.resolve("stdout.log"));
    return new Finished(spec, job, p.exitValue(), stdout, events(job));
  }

  private static List<JsonNode> events(Path jobDir) throws IOException {
    Path f = jobDir.resolve("events.jsonl");
    List<JsonNode> out = new ArrayList<>();
    if (!Files.exists(f)) {
      return out;
    }
    List<String> lines = Files.readAllLines(f);
    for (int i = 0; i < lines.size(); i++) {
      JsonNode e;
      try {
        e = JSON.readTree(lines.get(i));
      } catch (IOException ex) {
        throw new AssertionError(f + " line " + (i + 1) + " is not JSON: " + lines.get(i));
      }
      assertThat(e != null && e.isObject())
          .as(f + " line " + (i + 1) + " is a JSON object: " + lines.get(i))
          .isTrue();
      out.add(e);
    }
    return out;
  }

  /** Polls the events file until {@code until} holds; fails if the trainer exits first. */
  private static List<JsonNode> awaitEvents(Process p, Path jobDir, Predicate<List<JsonNode>> until)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(RUN_SECONDS);
    while (System.nanoTime() < deadline) {
      List<JsonNode> events = completeEvents(jobDir);
      if (until.test(events)) {
        return ofType(events, "progress");
      }
      if (!p.isAlive()) {
        fail("the trainer exited with " + p.exitValue() + " before the awaited events: " + events);
      }
      Thread.sleep(20);
    }
    throw new AssertionError("awaited events did not come within " + RUN_SECONDS + " s");
  }

  /** Events of the lines written so far, ignoring a last line still being written. */
  private static List<JsonNode> completeEvents(Path jobDir) throws IOException {
    Path f = jobDir.resolve("events.jsonl");
    List<JsonNode> out = new ArrayList<>();
    if (!Files.exists(f)) {
      return out;
    }
    String text = Files.readString(f);
    int end = text.lastIndexOf('\n');
    if (end < 0) {
      return out;
    }
    for (String line : text.substring(0, end).split("\n")) {
      out.add(JSON.readTree(line));
    }
    return out;
  }

  private static List<JsonNode> ofType(List<JsonNode> events, String type) {
    return events.stream().filter(e -> e.path("type").asText().equals(type)).toList();
  }

  private static double seconds(JsonNode from, JsonNode to) {
    return (Instant.parse(to.path("time").asText()).toEpochMilli()
            - Instant.parse(from.path("time").asText()).toEpochMilli())
        / 1000.0;
  }

  private static Set<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return new HashSet<>(s.map(p -> p.getFileName().toString()).toList());
    }
  }

  /** The {@code checkpoint-<step>} directories a resume or the server would pick from. */
  private static List<Path> listedCheckpoints(Path jobDir) throws IOException {
    try (Stream<Path> s = Files.list(jobDir)) {
      return s.filter(p -> p.getFileName().toString().matches("checkpoint-\\d+"))
          .sorted(java.util.Comparator.comparingInt(TrainerConformance::step))
          .toList();
    }
  }

  private static int step(Path checkpoint) {
    return Integer.parseInt(checkpoint.getFileName().toString().substring("checkpoint-".length()));
  }

  private static boolean nonZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return true;
      }
    }
    return false;
  }
}
