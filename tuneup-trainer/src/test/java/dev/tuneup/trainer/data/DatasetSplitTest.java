package dev.tuneup.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class DatasetSplitTest {

  private static List<SftExample> examples(int n) {
    return IntStream.range(0, n)
        .mapToObj(i -> new SftExample(new int[] {i}, new int[] {i}))
        .toList();
  }

  private static List<Integer> ids(List<SftExample> examples) {
    return examples.stream().map(e -> e.inputIds()[0]).toList();
  }

  @Test
  void same_seed_gives_the_same_split() {
    DatasetSplit a = DatasetSplit.split(examples(100), 0.8, 1000, 42);
    DatasetSplit b = DatasetSplit.split(examples(100), 0.8, 1000, 42);
    DatasetSplit c = DatasetSplit.split(examples(100), 0.8, 1000, 43);

    assertThat(ids(a.validation())).isEqualTo(ids(b.validation()));
    assertThat(ids(a.train())).isEqualTo(ids(b.train()));
    assertThat(ids(c.validation())).isNotEqualTo(ids(a.validation()));
  }

  @Test
  void split_is_the_training_fraction_and_every_example_lands_once_in_order() {
    DatasetSplit s = DatasetSplit.split(examples(100), 0.8, 1000, 7);

    assertThat(s.validation()).hasSize(20);
    assertThat(s.train()).hasSize(80);
    List<Integer> all = new ArrayList<>(ids(s.train()));
    all.addAll(ids(s.validation()));
    assertThat(all).containsExactlyInAnyOrderElementsOf(IntStream.range(0, 100).boxed().toList());
    assertThat(ids(s.train())).isSorted();
    assertThat(ids(s.validation())).isSorted();
  }

  @Test
  void validation_is_capped_by_max_samples() {
    assertThat(DatasetSplit.split(examples(100), 0.5, 5, 1).validation()).hasSize(5);
  }

  @Test
  void split_of_one_holds_nothing_out() {
    assertThat(DatasetSplit.split(examples(10), 1.0, 100, 1).validation()).isEmpty();
  }

  @Test
  void at_least_one_example_stays_for_training() {
    DatasetSplit s = DatasetSplit.split(examples(1), 0.1, 100, 1);
    assertThat(s.train()).hasSize(1);
    assertThat(s.validation()).isEmpty();
  }

  @Test
  void split_outside_zero_to_one_is_rejected() {
    assertThatThrownBy(() -> DatasetSplit.split(examples(3), 0, 10, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("split");
    assertThatThrownBy(() -> DatasetSplit.split(examples(3), 1.5, 10, 1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
