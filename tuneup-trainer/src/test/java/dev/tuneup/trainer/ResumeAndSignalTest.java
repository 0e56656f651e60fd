package dev.tuneup.trainer;

import static dev.tuneup.trainer.TrainingFixtures.JSON;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoint resume equivalence and SIGTERM handling of a real child JVM. */
@Tag("slow")
class ResumeAndSignalTest {

  @TempDir Path tmp;

  private static ObjectNode hp() {
    ObjectNode hp = JSON.createObjectNode();
    hp.put("n_epochs", 2)
        .put("batch_size", 4)
        .put("learning_rate", "3e-3")
        .put("split", 1)
        .put("logging_steps", 1)
        .put("save_strategy", "steps")
        .put("save_steps", 3)
        .put("save_total_limit", 10)
        .put("lora_dropout", 0.1);
    return hp;
  }

  @Test
  void resuming_from_a_checkpoint_gives_the_same_loss_curve_as_an_uninterrupted_run()
      throws Exception {
    Path model = TrainingFixtures.tinyModel(tmp);
    Path a =
        TrainingFixtures.spec(
            tmp.resolve("a"), model, TrainingFixtures.SAMPLE, "efficient_sft", hp(), null);
    assertThat(TrainerMain.run(a)).isZero();
    List<JsonNode> full = TrainingFixtures.ofType(TrainingFixtures.events(a), "progress");
    assertThat(full).hasSize(6);
    Path checkpoint = a.getParent().resolve("checkpoint-3");
    assertThat(checkpoint.resolve("optimizer.safetensors")).exists();

    Path b =
        TrainingFixtures.spec(
            tmp.resolve("b"), model, TrainingFixtures.SAMPLE, "efficient_sft", hp(), checkpoint);
    assertThat(TrainerMain.run(b)).isZero();
    List<JsonNode> resumed = TrainingFixtures.ofType(TrainingFixtures.events(b), "progress");
    assertThat(resumed).hasSize(3);
    for (int i = 0; i < 3; i++) {
      assertThat(resumed.get(i).path("step").asInt())
          .isEqualTo(full.get(3 + i).path("step").asInt());
      assertThat(resumed.get(i).path("loss").asDouble())
          .isEqualTo(full.get(3 + i).path("loss").asDouble());
    }
  }

  @Test
  void sigterm_saves_a_checkpoint_and_exits_143_within_a_step_and_a_second() throws Exception {
    Path model = TrainingFixtures.tinyModel(tmp);
    ObjectNode hp = hp().put("n_epochs", 200).put("save_strategy", "epoch");
    Path spec =
        TrainingFixtures.spec(tmp, model, TrainingFixtures.SAMPLE, "efficient_sft", hp, null);
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                javaBin,
                "-Dai.djl.offline=true",
                "-Dai.djl.pytorch.num_threads=2",
                "-Dai.djl.pytorch.num_interop_threads=1",
                "-cp",
                System.getProperty("java.class.path"),
                TrainerMain.class.getName(),
                "--spec",
                spec.toString())
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("child.log").toFile())
            .start();
    Path events = spec.getParent().resolve("events.jsonl");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline
        && (!Files.exists(events)
            || TrainingFixtures.ofType(TrainingFixtures.events(spec), "progress").size() < 4)) {
      Thread.sleep(50);
    }
    List<JsonNode> progress = TrainingFixtures.ofType(TrainingFixtures.events(spec), "progress");
    double stepSeconds =
        (java.time.Instant.parse(progress.get(3).path("time").asText()).toEpochMilli()
                - java.time.Instant.parse(progress.get(1).path("time").asText()).toEpochMilli())
            / 2000.0;
    long t0 = System.nanoTime();
    p.destroy(); // SIGTERM
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    double took = (System.nanoTime() - t0) / 1e9;
    System.err.printf("step %.3f s, exit after SIGTERM %.3f s%n", stepSeconds, took);
    assertThat(p.exitValue()).isEqualTo(143);
    List<JsonNode> all = TrainingFixtures.events(spec);
    JsonNode last = all.get(all.size() - 1);
    assertThat(last.path("type").asText()).isEqualTo("stopped");
    Path checkpoint = Path.of(last.path("checkpoint").asText());
    assertThat(checkpoint.resolve("trainer_state.json")).exists();
    assertThat(checkpoint.resolve("adapter_model.safetensors")).exists();
    assertThat(took).isLessThan(stepSeconds + 1.0);
  }
}
