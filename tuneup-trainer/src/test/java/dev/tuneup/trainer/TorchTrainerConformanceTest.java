package dev.tuneup.trainer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tuneup.model.builtin.TinyModel;
import dev.tuneup.testkit.trainer.TrainerConformance;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;

/**
 * The torch runtime passes the same trainer contract, unchanged: {@code tuneup train} with the
 * spec's {@code trainer.runtime} set to {@code torch}, so the Java side prepares the batches and
 * the bundled Python trainer (Debian's python3-torch) trains on them, on the built-in tiny model.
 */
@Tag("slow")
class TorchTrainerConformanceTest extends TrainerConformance {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  protected List<String> command(Path specFile) {
    try {
      ObjectNode spec = (ObjectNode) JSON.readTree(specFile.toFile());
      spec.putObject("trainer")
          .put("runtime", "torch")
          .put("torch_python", TorchRuntimeTest.PYTHON)
          .put("torch_devices", "cpu");
      Files.writeString(specFile, JSON.writeValueAsString(spec));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
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
