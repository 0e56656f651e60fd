package dev.tuneup.trainer.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Lays examples out in fixed-size rows for training.
 *
 * <p>Packing puts several short examples in one row (greedy first fit, in the given order, so an
 * epoch's shuffle still decides what trains together) and marks them apart with segment ids and
 * restarting positions; with typical chat data most of a padded row would otherwise be padding. An
 * example is never split across rows. Rows are grouped into batches of {@code batchRows} in the
 * order they were opened; the last batch may have fewer rows.
 */
public final class Packer {

  private Packer() {}

  /** {@link #pack(List, int, int, int)} with padding token id 0. */
  public static List<PackedBatch> pack(List<SftExample> examples, int seqLen, int batchRows) {
    return pack(examples, seqLen, batchRows, 0);
  }

  /**
   * Packs examples into rows of {@code seqLen} tokens.
   *
   * @param padTokenId input id written on padding (it carries no label and no segment)
   * @throws IllegalArgumentException when an example is longer than {@code seqLen}
   */
  public static List<PackedBatch> pack(
      List<SftExample> examples, int seqLen, int batchRows, int padTokenId) {
    checkShape(seqLen, batchRows);
    List<List<SftExample>> rows = new ArrayList<>();
    List<Integer> free = new ArrayList<>();
    for (SftExample e : examples) {
      checkFits(e, seqLen);
      int row = -1;
      for (int r = 0; r < rows.size(); r++) {
        if (free.get(r) >= e.length()) {
          row = r;
          break;
        }
      }
      if (row < 0) {
        rows.add(new ArrayList<>());
        free.add(seqLen);
        row = rows.size() - 1;
      }
      rows.get(row).add(e);
      free.set(row, free.get(row) - e.length());
    }
    return batches(rows, seqLen, batchRows, padTokenId);
  }

  /**
   * One example per row, padded to {@code seqLen}: the layout without packing, for comparison.
   *
   * @throws IllegalArgumentException when an example is longer than {@code seqLen}
   */
  public static List<PackedBatch> unpacked(
      List<SftExample> examples, int seqLen, int batchRows, int padTokenId) {
    checkShape(seqLen, batchRows);
    List<List<SftExample>> rows = new ArrayList<>();
    for (SftExample e : examples) {
      checkFits(e, seqLen);
      rows.add(List.of(e));
    }
    return batches(rows, seqLen, batchRows, padTokenId);
  }

  private static void checkShape(int seqLen, int batchRows) {
    if (seqLen < 1 || batchRows < 1) {
      throw new IllegalArgumentException(
          "seqLen and batchRows must be positive, got " + seqLen + " and " + batchRows);
    }
  }

  private static void checkFits(SftExample e, int seqLen) {
    if (e.length() > seqLen) {
      throw new IllegalArgumentException(
          "example of "
              + e.length()
              + " tokens does not fit a row of "
              + seqLen
              + "; drop long examples when loading (max_length)");
    }
  }

  private static List<PackedBatch> batches(
      List<List<SftExample>> rows, int seqLen, int batchRows, int padTokenId) {
    List<PackedBatch> out = new ArrayList<>();
    for (int first = 0; first < rows.size(); first += batchRows) {
      int n = Math.min(batchRows, rows.size() - first);
      int[][] ids = new int[n][seqLen];
      int[][] labels = new int[n][seqLen];
      int[][] positions = new int[n][seqLen];
      int[][] segments = new int[n][seqLen];
      int tokens = 0;
      for (int r = 0; r < n; r++) {
        Arrays.fill(ids[r], padTokenId);
        Arrays.fill(labels[r], SftExample.IGNORE);
        int at = 0;
        int segment = 0;
        for (SftExample e : rows.get(first + r)) {
          segment++;
          System.arraycopy(e.inputIds(), 0, ids[r], at, e.length());
          System.arraycopy(e.labels(), 0, labels[r], at, e.length());
          for (int i = 0; i < e.length(); i++) {
            positions[r][at + i] = i;
            segments[r][at + i] = segment;
          }
          at += e.length();
        }
        tokens += at;
      }
      out.add(new PackedBatch(ids, labels, positions, segments, tokens));
    }
    return out;
  }
}
