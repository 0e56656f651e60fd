package dev.tuneup.trainer.data;

/**
 * One tokenized conversation for supervised fine-tuning.
 *
 * <p>{@code labels[i]} is {@code inputIds[i]} where token {@code i} belongs to an assistant turn
 * (its content and the end-of-turn token, so the model learns to stop) and {@link #IGNORE}
 * elsewhere. Labels are not shifted: the loss compares the prediction at position {@code i} with
 * {@code labels[i + 1]}.
 */
public record SftExample(int[] inputIds, int[] labels) {

  /** Label of a token that carries no loss (PyTorch's ignore_index). */
  public static final int IGNORE = -100;

  public SftExample {
    if (inputIds.length != labels.length) {
      throw new IllegalArgumentException(
          "inputIds and labels differ in length: " + inputIds.length + " vs " + labels.length);
    }
  }

  /** Number of tokens. */
  public int length() {
    return inputIds.length;
  }

  /** Number of tokens that carry loss. */
  public int trainedTokens() {
    int n = 0;
    for (int label : labels) {
      if (label != IGNORE) {
        n++;
      }
    }
    return n;
  }
}
