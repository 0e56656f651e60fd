package dev.tuneup.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tuneup.testkit.trainer.ScriptedTrainer;
import dev.tuneup.trainer.TrainerMain;
import java.nio.file.Path;

/**
 * The trainer of a test server that runs both kinds of job: the scripted trainer for a job whose
 * hyper-parameters script it ({@code test_steps}), the real trainer for every other job. A test can
 * then watch a long run that costs nothing beside a short real fine-tune it deploys.
 */
public final class MixedTrainer {
  private MixedTrainer() {}

  /** The command for {@code backend.local.trainer-command}. */
  public static String command() {
    return TestServer.trainerCommand(MixedTrainer.class.getName());
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 2 || !args[0].equals("--spec")) {
      System.err.println("usage: MixedTrainer --spec spec.json");
      System.exit(2);
    }
    boolean scripted =
        new ObjectMapper()
            .readTree(Path.of(args[1]).toFile())
            .path("hyper_parameters")
            .has("test_steps");
    if (scripted) {
      ScriptedTrainer.main(args);
    } else {
      TrainerMain.main(args);
    }
  }
}
