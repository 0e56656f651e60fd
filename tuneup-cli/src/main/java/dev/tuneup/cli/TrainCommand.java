package dev.tuneup.cli;

import dev.tuneup.trainer.TrainerMain;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tuneup train --spec spec.json}: the trainer every backend runs (docs/trainer-contract.md).
 */
@Command(name = "train", description = "Run one fine-tuning job from its spec (used by backends).")
final class TrainCommand implements Callable<Integer> {
  @Option(names = "--spec", required = true, description = "The job's spec.json.")
  Path spec;

  @Override
  public Integer call() {
    return TrainerMain.run(spec);
  }
}
