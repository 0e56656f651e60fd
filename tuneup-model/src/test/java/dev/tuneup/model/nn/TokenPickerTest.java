package dev.tuneup.model.nn;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TokenPickerTest {
  private static final float[] LOGITS = {0.5f, 2.0f, -1.0f, 1.9f, 0.0f};

  @Test
  void greedy_takes_the_largest_logit_and_the_first_on_a_tie() {
    assertThat(TokenPicker.greedy(LOGITS)).isEqualTo(1);
    assertThat(TokenPicker.greedy(new float[] {3f, 3f, 1f})).isZero();
    assertThat(TokenPicker.pick(LOGITS, 0, 1, 0, new Random(1))).isEqualTo(1);
  }

  @Test
  void repetition_penalty_divides_positive_and_multiplies_negative_logits_of_seen_tokens() {
    float[] l = LOGITS.clone();
    TokenPicker.penalise(l, new boolean[] {false, true, true, false, false}, 2.0);
    assertThat(l).containsExactly(0.5f, 1.0f, -2.0f, 1.9f, 0.0f);
    assertThat(TokenPicker.greedy(l)).isEqualTo(3);
  }

  @Test
  void the_same_seed_reproduces_the_same_samples() {
    int[] a = new int[50];
    int[] b = new int[50];
    Random ra = new Random(7);
    Random rb = new Random(7);
    for (int i = 0; i < 50; i++) {
      a[i] = TokenPicker.pick(LOGITS, 1.0, 1.0, 0, ra);
      b[i] = TokenPicker.pick(LOGITS, 1.0, 1.0, 0, rb);
    }
    assertThat(a).isEqualTo(b);
    Set<Integer> distinct = new HashSet<>();
    for (int t : a) {
      distinct.add(t);
    }
    assertThat(distinct).as("sampling at temperature 1 is not greedy").hasSizeGreaterThan(1);
  }

  @Test
  void top_k_and_top_p_keep_only_the_most_likely_tokens() {
    Random r = new Random(3);
    for (int i = 0; i < 200; i++) {
      assertThat(TokenPicker.pick(LOGITS, 1.5, 1.0, 2, r)).isIn(1, 3);
      assertThat(TokenPicker.pick(LOGITS, 1.5, 0.01, 0, r)).isEqualTo(1);
    }
  }
}
