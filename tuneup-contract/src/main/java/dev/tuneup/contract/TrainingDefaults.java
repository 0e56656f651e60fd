package dev.tuneup.contract;

import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hyper-parameter names and the defaults that hold for every model, per method, in one table. The
 * per-model defaults (learning rate of a tier, batch size, LoRA rank) live with the model config.
 */
public final class TrainingDefaults {
  private TrainingDefaults() {}

  /** Hyper-parameter names of the DashScope surface that the contract itself reads. */
  public static final String SEED = "seed";

  public static final String LEARNING_RATE = "learning_rate";
  public static final String N_EPOCHS = "n_epochs";
  public static final String BATCH_SIZE = "batch_size";

  /** The seed of a run whose hyper-parameters name none. */
  public static final long DEFAULT_SEED = 42;

  /** Epochs when the caller leaves it to tuneup (OpenAI {@code "auto"}). */
  public static final int DEFAULT_N_EPOCHS = 3;

  /** Complete checkpoints are directories of exactly this name; temp directories never match. */
  private static final Pattern CHECKPOINT = Pattern.compile("checkpoint-(\\d{1,9})");

  /** The directory name of the checkpoint at {@code step}. */
  public static String checkpointName(int step) {
    return "checkpoint-" + step;
  }

  /** The prefix of a checkpoint being written; such a directory is never listed as complete. */
  public static String checkpointTempPrefix(int step) {
    return ".checkpoint-" + step + "-";
  }

  /** Glob for listing candidates; filter the result with {@link #checkpointStep}. */
  public static final String CHECKPOINT_GLOB = "checkpoint-*";

  /** The step of a {@code checkpoint-<step>} directory, or empty for any other name. */
  public static Optional<Integer> checkpointStep(Path dir) {
    Path name = dir.getFileName();
    if (name == null) {
      return Optional.empty();
    }
    Matcher m = CHECKPOINT.matcher(name.toString());
    return m.matches() ? Optional.of(Integer.parseInt(m.group(1))) : Optional.empty();
  }
}
