package dev.tuneup.trainer;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The torch runtime: the data pipeline runs here (tokenising, templates, masks, split, packing),
 * the batches are written once into {@code <job_dir>/prepared}, and the Python trainer
 * (tuneup-torch, bundled in this jar) trains on them as a child process. The child shares stdout
 * and the events file (it writes every event after the data report) and stays in this process's
 * group, so a signal to the group reaches both; a SIGTERM to this JVM alone is forwarded.
 */
final class TorchRuntime {

  /** The modules of the bundled Python package, extracted next to the prepared batches. */
  static final List<String> MODULES =
      List.of(
          "__init__.py",
          "__main__.py",
          "batches.py",
          "events.py",
          "launch.py",
          "lora.py",
          "model.py",
          "optim.py",
          "safetensors.py",
          "train.py");

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path specFile;
  private final TrainSpec spec;
  private final RuntimeChoice choice;
  private final Events events;
  private final AtomicBoolean stopRequested;

  TorchRuntime(
      Path specFile,
      TrainSpec spec,
      RuntimeChoice choice,
      Events events,
      AtomicBoolean stopRequested) {
    this.specFile = specFile;
    this.spec = spec;
    this.choice = choice;
    this.events = events;
    this.stopRequested = stopRequested;
  }

  /** Prepares the batches, runs the Python trainer and returns its exit code. */
  int run() throws IOException, InterruptedException {
    Trainer trainer = new Trainer(spec, events, stopRequested);
    Trainer.TrainingData data = trainer.loadData();
    boolean ckpt = spec.hyperParameters().path("gradient_checkpointing").asBoolean(false);
    Path dir =
        PreparedBatches.write(
            spec.jobDir().resolve("prepared"), data, trainer.hyperParameters(), spec, ckpt);
    Path pythonPath = extractPackage(dir.resolve("python"));
    List<String> command = command(dir);
    events.log(
        "info",
        "trainer runtime torch: "
            + String.join(" ", command)
            + " (batches prepared in "
            + dir
            + ")");
    ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
    String existing = System.getenv("PYTHONPATH");
    pb.environment()
        .put(
            "PYTHONPATH",
            existing == null || existing.isBlank()
                ? pythonPath.toString()
                : pythonPath + java.io.File.pathSeparator + existing);
    Process child;
    try {
      child = pb.start();
    } catch (IOException e) {
      throw new Trainer.TrainingException(
          "cannot start the torch trainer with "
              + choice.python()
              + ": "
              + e.getMessage()
              + "; set trainer.torch.python to an interpreter that has torch");
    }
    boolean forwarded = false;
    while (!child.waitFor(100, TimeUnit.MILLISECONDS)) {
      if (stopRequested.get() && !forwarded) {
        child.destroy(); // SIGTERM: the child checkpoints and writes stopped
        forwarded = true;
      }
    }
    int code = child.exitValue();
    if (code != 0 && code != TrainerMain.EXIT_STOPPED && !lastEventEnds()) {
      throw new Trainer.TrainingException(
          "the torch trainer ("
              + choice.python()
              + ") exited with code "
              + code
              + " before reporting; its stderr is in the job's trainer log (is torch installed?)");
    }
    return code;
  }

  List<String> command(Path prepared) {
    List<String> c = new ArrayList<>();
    c.add(choice.python());
    c.add("-m");
    c.add("tuneup_torch");
    c.add("--spec");
    c.add(specFile.toAbsolutePath().toString());
    c.add("--prepared");
    c.add(prepared.toAbsolutePath().toString());
    c.add("--device");
    c.add(choice.devices());
    c.add("--nproc-per-node");
    c.add(Integer.toString(choice.nprocPerNode()));
    return c;
  }

  /** Whether the child's last event already says how the run ended. */
  private boolean lastEventEnds() {
    try {
      List<String> lines = Files.readAllLines(spec.eventsFile(), StandardCharsets.UTF_8);
      for (int i = lines.size() - 1; i >= 0; i--) {
        if (!lines.get(i).isBlank()) {
          String type = JSON.readTree(lines.get(i)).path("type").asText();
          return type.equals("error") || type.equals("stopped") || type.equals("done");
        }
      }
    } catch (IOException | RuntimeException e) {
      // unreadable: say the child failed
    }
    return false;
  }

  static Path extractPackage(Path root) throws IOException {
    Path pkg = root.resolve("tuneup_torch");
    Files.createDirectories(pkg);
    for (String m : MODULES) {
      try (InputStream in = TorchRuntime.class.getResourceAsStream("/tuneup_torch/" + m)) {
        if (in == null) {
          throw new IllegalStateException(
              "tuneup_torch/" + m + " is missing from the trainer jar: a build bug");
        }
        Files.copy(in, pkg.resolve(m), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    return root;
  }
}
