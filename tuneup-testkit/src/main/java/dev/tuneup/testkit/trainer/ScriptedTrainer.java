package dev.tuneup.testkit.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import sun.misc.Signal;

/**
 * A test-only program that follows the trainer contract (docs/trainer-contract.md) without
 * training: it writes events step by step, checkpoints, honours or ignores SIGTERM, and exits with
 * a chosen code. Behaviour comes from {@code hyper_parameters}:
 *
 * <ul>
 *   <li>{@code test_steps} (5), {@code test_step_ms} (100): how many steps and how long each;
 *   <li>{@code test_exit} (0): exit code at the end; non-zero writes an {@code error} event;
 *   <li>{@code test_fail_at_step}: fail with an {@code error} event at that step;
 *   <li>{@code test_eval_every}: an {@code eval} event every N steps;
 *   <li>{@code test_checkpoint_every}: write {@code checkpoint-<step>/} every N steps;
 *   <li>{@code test_ignore_sigterm}: keep going after SIGTERM (to test the kill after grace);
 *   <li>{@code test_spawn_child}: start a {@code sleep 600} child in the same process group; with
 *       {@code test_ignore_sigterm} the child ignores SIGTERM too, so only a group SIGKILL ends it.
 * </ul>
 *
 * <p>Every event goes to stdout and is appended to {@code events_file}, a whole line per write
 * followed by a flush; a line {@code scripted trainer pid <pid>} goes to stderr at start. On
 * SIGTERM it finishes the current step, writes {@code checkpoint-<step>/} and a {@code stopped}
 * event, and exits 143. It resumes its step counter from {@code resume_from}.
 */
public final class ScriptedTrainer {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern CHECKPOINT = Pattern.compile("checkpoint-(\\d+)");

  private static volatile boolean stopRequested;
  private static OutputStream events;

  private ScriptedTrainer() {}

  /** The command a backend runs for this trainer, with the {@code {spec}} placeholder. */
  public static List<String> command() {
    return List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx64m",
        "-XX:TieredStopAtLevel=1",
        "-XX:+UseSerialGC",
        "-cp",
        System.getProperty("java.class.path"),
        ScriptedTrainer.class.getName(),
        "--spec",
        "{spec}");
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 2 || !args[0].equals("--spec")) {
      System.err.println("usage: ScriptedTrainer --spec spec.json");
      System.exit(2);
    }
    JsonNode spec = JSON.readTree(Path.of(args[1]).toFile());
    JsonNode hp = spec.path("hyper_parameters");
    int steps = hp.path("test_steps").asInt(5);
    int stepMs = hp.path("test_step_ms").asInt(100);
    int exit = hp.path("test_exit").asInt(0);
    int failAt = hp.path("test_fail_at_step").asInt(0);
    int checkpointEvery = hp.path("test_checkpoint_every").asInt(0);
    int evalEvery = hp.path("test_eval_every").asInt(0);
    boolean ignoreTerm = hp.path("test_ignore_sigterm").asBoolean(false);
    Path jobDir = Path.of(spec.path("job_dir").asText());
    events = new FileOutputStream(spec.path("events_file").asText(), true);

    Signal.handle(
        new Signal("TERM"),
        sig -> {
          if (ignoreTerm) {
            emit(event("log").put("level", "WARN").put("message", "SIGTERM ignored"));
          } else {
            stopRequested = true;
          }
        });
    System.err.println("scripted trainer pid " + ProcessHandle.current().pid());
    System.err.flush();
    Process child = null;
    if (hp.path("test_spawn_child").asBoolean(false)) {
      // An ignored signal stays ignored across exec: this sleep outlives a group SIGTERM.
      List<String> cmd =
          ignoreTerm
              ? List.of("sh", "-c", "trap '' TERM; exec sleep 600")
              : List.of("sleep", "600");
      child =
          new ProcessBuilder(cmd)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      emit(event("log").put("level", "INFO").put("message", "child pid " + child.pid()));
    }
    int step = 0;
    JsonNode resume = spec.get("resume_from");
    if (resume != null && resume.isTextual()) {
      Matcher m = CHECKPOINT.matcher(Path.of(resume.asText()).getFileName().toString());
      if (m.matches()) {
        step = Integer.parseInt(m.group(1));
      }
      emit(event("log").put("level", "INFO").put("message", "resuming from " + resume.asText()));
    }
    emit(
        event("log")
            .put("level", "INFO")
            .put("message", "scripted trainer started, " + steps + " steps"));
    while (step < steps) {
      Thread.sleep(stepMs);
      step++;
      emit(
          event("progress")
              .put("step", step)
              .put("total_steps", steps)
              .put("epoch", (double) step / steps)
              .put("loss", 3.0 / (1 + 0.1 * step))
              .put("lr", 1e-4)
              .put("tokens", 100L * step)
              .put("tokens_per_second", 100.0 / Math.max(stepMs, 1) * 1000)
              .put("eta_seconds", (steps - step) * stepMs / 1000.0)
              .put("token_accuracy", 0.1 * step / (1 + 0.1 * step)));
      if (evalEvery > 0 && step % evalEvery == 0) {
        emit(
            event("eval")
                .put("step", step)
                .put("eval_loss", 3.25 / (1 + 0.1 * step))
                .put("eval_token_accuracy", 0.09 * step / (1 + 0.1 * step)));
      }
      if (failAt == step) {
        finish(child);
        emit(event("error").put("message", "scripted failure at step " + step));
        System.exit(exit != 0 ? exit : 1);
      }
      if (checkpointEvery > 0 && step % checkpointEvery == 0) {
        checkpoint(jobDir, step);
      }
      if (stopRequested) {
        Path saved = checkpoint(jobDir, step);
        finish(child);
        emit(event("stopped").put("step", step).put("checkpoint", saved.toString()));
        System.exit(143);
      }
    }
    finish(child);
    if (exit != 0) {
      emit(event("error").put("message", "scripted failure"));
      System.exit(exit);
    }
    Path output = Path.of(spec.path("output_dir").asText());
    Path outputTemp = output.resolveSibling("." + output.getFileName() + ".tmp");
    Files.createDirectories(outputTemp);
    Files.writeString(outputTemp.resolve("result.json"), "{\"steps\":" + steps + "}");
    Files.move(outputTemp, output, StandardCopyOption.ATOMIC_MOVE);
    emit(event("done").put("output_dir", output.toString()).put("tokens", 100L * steps));
    System.exit(0);
  }

  private static void finish(Process child) throws InterruptedException {
    if (child != null) {
      child.destroy();
      child.waitFor();
    }
  }

  private static Path checkpoint(Path jobDir, int step) throws IOException {
    Path temp = jobDir.resolve(".checkpoint-" + step + ".tmp");
    Path target = jobDir.resolve("checkpoint-" + step);
    if (Files.exists(target)) {
      return target; // a resumed run reached a step it had saved before
    }
    Files.createDirectories(temp);
    Files.writeString(temp.resolve("state.json"), "{\"step\":" + step + "}");
    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    emit(event("checkpoint").put("step", step).put("path", target.toString()));
    return target;
  }

  private static ObjectNode event(String type) {
    return JSON.createObjectNode().put("type", type).put("time", Instant.now().toString());
  }

  private static synchronized void emit(ObjectNode event) {
    try {
      byte[] line = (JSON.writeValueAsString(event) + "\n").getBytes(StandardCharsets.UTF_8);
      events.write(line);
      events.flush();
      System.out.write(line);
      System.out.flush();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
