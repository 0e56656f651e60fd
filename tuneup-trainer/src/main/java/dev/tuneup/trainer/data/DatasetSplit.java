package dev.tuneup.trainer.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Splits training examples into training and validation sets when the job names no validation
 * files, as DashScope does with the {@code split} and {@code max_split_val_dataset_sample}
 * hyper-parameters.
 *
 * @param train the examples to train on, in their original order
 * @param validation the held-out examples, in their original order
 */
public record DatasetSplit(List<SftExample> train, List<SftExample> validation) {

  public DatasetSplit {
    train = List.copyOf(train);
    validation = List.copyOf(validation);
  }

  /**
   * Holds out {@code min(round(n * (1 - split)), maxValSamples)} examples chosen by a shuffle
   * seeded with {@code seed}; the same inputs always give the same split. At least one example
   * stays for training.
   *
   * @param split fraction kept for training, in (0, 1]; 1 means no validation set
   * @throws IllegalArgumentException when {@code split} or {@code maxValSamples} is out of range
   */
  public static DatasetSplit split(
      List<SftExample> examples, double split, int maxValSamples, long seed) {
    if (!(split > 0 && split <= 1)) {
      throw new IllegalArgumentException("split must be in (0, 1], got " + split);
    }
    if (maxValSamples < 0) {
      throw new IllegalArgumentException(
          "max_split_val_dataset_sample must be >= 0, got " + maxValSamples);
    }
    int n = examples.size();
    int validationCount = (int) Math.min(Math.round(n * (1 - split)), maxValSamples);
    validationCount = Math.max(0, Math.min(validationCount, n - 1));

    List<Integer> order = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      order.add(i);
    }
    // java.util.Random and Collections.shuffle are specified algorithms: same seed, same split on
    // every JVM.
    Collections.shuffle(order, new Random(seed));
    boolean[] held = new boolean[n];
    for (int i = 0; i < validationCount; i++) {
      held[order.get(i)] = true;
    }
    List<SftExample> train = new ArrayList<>(n - validationCount);
    List<SftExample> validation = new ArrayList<>(validationCount);
    for (int i = 0; i < n; i++) {
      (held[i] ? validation : train).add(examples.get(i));
    }
    return new DatasetSplit(train, validation);
  }
}
