package dev.tuneup.trainer.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Minimal stand-in on the model branch for the data engineer's packer (same signature): examples in
 * order, each put in the first row with room, rows of {@code seqLen} grouped {@code batchRows} to a
 * batch.
 */
public final class Packer {

  private Packer() {}

  public static List<PackedBatch> pack(List<SftExample> examples, int seqLen, int batchRows) {
    List<List<SftExample>> rows = new ArrayList<>();
    List<Integer> used = new ArrayList<>();
    for (SftExample e : examples) {
      int len = Math.min(e.inputIds().length, seqLen);
      int row = -1;
      for (int i = 0; i < rows.size() && row < 0; i++) {
        if (used.get(i) + len <= seqLen) {
          row = i;
        }
      }
      if (row < 0) {
        rows.add(new ArrayList<>());
        used.add(0);
        row = rows.size() - 1;
      }
      rows.get(row).add(e);
      used.set(row, used.get(row) + len);
    }
    List<PackedBatch> out = new ArrayList<>();
    for (int start = 0; start < rows.size(); start += batchRows) {
      int n = Math.min(batchRows, rows.size() - start);
      int[][] ids = new int[n][seqLen];
      int[][] labels = new int[n][seqLen];
      int[][] pos = new int[n][seqLen];
      int[][] seg = new int[n][seqLen];
      int tokens = 0;
      for (int r = 0; r < n; r++) {
        Arrays.fill(labels[r], -100);
        int o = 0;
        int s = 1;
        for (SftExample e : rows.get(start + r)) {
          int len = Math.min(e.inputIds().length, seqLen);
          for (int t = 0; t < len; t++) {
            ids[r][o + t] = e.inputIds()[t];
            labels[r][o + t] = e.labels()[t];
            pos[r][o + t] = t;
            seg[r][o + t] = s;
          }
          o += len;
          tokens += len;
          s++;
        }
      }
      out.add(new PackedBatch(ids, labels, pos, seg, tokens));
    }
    return out;
  }
}
