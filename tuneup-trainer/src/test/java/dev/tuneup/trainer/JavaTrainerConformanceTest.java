package dev.tuneup.trainer;

import dev.tuneup.model.builtin.TinyModel;
import dev.tuneup.testkit.trainer.TrainerConformance;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;

/**
 * The Java trainer (DJL + PyTorch on CPU) passes the trainer contract, run as a child JVM the way
 * the local backend starts it, on the built-in tiny model.
 */
@Tag("slow")
class JavaTrainerConformanceTest extends TrainerConformance {

  @Override
  protected List<String> command(Path specFile) {
    return List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx1g",
        "-Xss4m",
        "-Dai.djl.offline=true",
        "-cp",
        System.getProperty("java.class.path"),
        TrainerMain.class.getName(),
        "--spec",
        specFile.toString());
  }

  @Override
  protected Path createBaseModel(Path root) throws IOException {
    return TinyModel.ensure(root);
  }
}
