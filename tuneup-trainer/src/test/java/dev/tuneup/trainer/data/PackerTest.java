package dev.tuneup.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PackerTest {

  /** Example {@code k}: ids k*1000 + i; the first half of its tokens are prompt. */
  private static SftExample example(int k, int length) {
    int[] ids = new int[length];
    int[] labels = new int[length];
    for (int i = 0; i < length; i++) {
      ids[i] = k * 1000 + i;
      labels[i] = i < length / 2 ? SftExample.IGNORE : ids[i];
    }
    return new SftExample(ids, labels);
  }

  private static List<SftExample> randomExamples(int n, int maxLength, long seed) {
    Random random = new Random(seed);
    List<SftExample> out = new ArrayList<>();
    for (int k = 1; k <= n; k++) {
      out.add(example(k, 1 + random.nextInt(maxLength)));
    }
    return out;
  }

  @Test
  void packing_keeps_every_example_whole_with_its_labels_positions_and_own_segment() {
    List<SftExample> examples = randomExamples(200, 60, 3);
    int seqLen = 64;
    List<PackedBatch> batches = Packer.pack(examples, seqLen, 4, 7);

    Map<Integer, Integer> seen = new HashMap<>();
    int tokens = 0;
    for (PackedBatch b : batches) {
      tokens += b.tokens();
      int batchTokens = 0;
      for (int r = 0; r < b.rows(); r++) {
        int expectedSegment = 1;
        int i = 0;
        while (i < seqLen && b.segmentIds()[r][i] != 0) {
          assertThat(b.segmentIds()[r][i]).isEqualTo(expectedSegment);
          int k = b.inputIds()[r][i] / 1000;
          SftExample e = examples.get(k - 1);
          for (int j = 0; j < e.length(); j++) {
            assertThat(b.segmentIds()[r][i + j]).isEqualTo(expectedSegment);
            assertThat(b.positionIds()[r][i + j]).isEqualTo(j);
            assertThat(b.inputIds()[r][i + j]).isEqualTo(e.inputIds()[j]);
            assertThat(b.labels()[r][i + j]).isEqualTo(e.labels()[j]);
          }
          assertThat(seen.put(k, r)).as("example %d placed twice", k).isNull();
          i += e.length();
          batchTokens += e.length();
          expectedSegment++;
        }
        for (; i < seqLen; i++) {
          assertThat(b.segmentIds()[r][i]).isZero();
          assertThat(b.labels()[r][i]).isEqualTo(SftExample.IGNORE);
          assertThat(b.inputIds()[r][i]).isEqualTo(7);
        }
      }
      assertThat(b.tokens()).isEqualTo(batchTokens);
    }
    assertThat(seen).hasSize(examples.size());
    assertThat(tokens).isEqualTo(examples.stream().mapToInt(SftExample::length).sum());
    int rows = batches.stream().mapToInt(PackedBatch::rows).sum();
    // Unpacked this would be 200 rows; first fit needs little more than tokens / seqLen (~96).
    assertThat(rows).isLessThan(120);
  }

  @Test
  void first_fit_fills_earlier_rows_before_opening_new_ones() {
    List<PackedBatch> batches =
        Packer.pack(List.of(example(1, 6), example(2, 5), example(3, 4), example(4, 3)), 10, 8);

    assertThat(batches).hasSize(1);
    PackedBatch b = batches.get(0);
    assertThat(b.rows()).isEqualTo(2);
    assertThat(b.segmentIds()[0]).containsExactly(1, 1, 1, 1, 1, 1, 2, 2, 2, 2);
    assertThat(b.positionIds()[0]).containsExactly(0, 1, 2, 3, 4, 5, 0, 1, 2, 3);
    assertThat(b.inputIds()[0][6]).isEqualTo(3000);
    assertThat(b.segmentIds()[1]).containsExactly(1, 1, 1, 1, 1, 2, 2, 2, 0, 0);
    assertThat(b.inputIds()[1][5]).isEqualTo(4000);
    assertThat(b.tokens()).isEqualTo(18);
  }

  @Test
  void rows_are_grouped_into_batches_and_the_last_may_be_short() {
    List<SftExample> fullRows = new ArrayList<>();
    for (int k = 1; k <= 5; k++) {
      fullRows.add(example(k, 8));
    }
    List<PackedBatch> batches = Packer.pack(fullRows, 8, 2);
    assertThat(batches).extracting(PackedBatch::rows).containsExactly(2, 2, 1);
    assertThat(batches).allSatisfy(b -> assertThat(b.seqLen()).isEqualTo(8));
  }

  @Test
  void unpacked_puts_one_example_per_row() {
    List<SftExample> examples = randomExamples(10, 20, 5);
    List<PackedBatch> batches = Packer.unpacked(examples, 32, 4, 0);

    assertThat(batches).extracting(PackedBatch::rows).containsExactly(4, 4, 2);
    for (PackedBatch b : batches) {
      for (int[] segments : b.segmentIds()) {
        assertThat(segments).containsOnly(0, 1).startsWith(1);
      }
    }
    assertThat(batches.stream().mapToInt(PackedBatch::tokens).sum())
        .isEqualTo(examples.stream().mapToInt(SftExample::length).sum());
  }

  @Test
  void an_example_longer_than_a_row_is_rejected() {
    assertThatThrownBy(() -> Packer.pack(List.of(example(1, 11)), 10, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("11 tokens");
  }
}
