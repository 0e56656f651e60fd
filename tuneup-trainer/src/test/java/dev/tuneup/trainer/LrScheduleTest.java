package dev.tuneup.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The eight schedulers against {@code lr-schedules.json}, the curves of their Hugging Face
 * transformers namesakes computed by {@code testdata/lr_schedules.py}.
 */
class LrScheduleTest {
  private static JsonNode fixture() throws Exception {
    try (InputStream in = LrScheduleTest.class.getResourceAsStream("lr-schedules.json")) {
      return new ObjectMapper().readTree(in).get("cases");
    }
  }

  @Test
  void every_scheduler_gives_the_learning_rate_of_its_transformers_namesake_at_every_step()
      throws Exception {
    Set<String> covered = new HashSet<>();
    int compared = 0;
    for (JsonNode c : fixture()) {
      String name = c.get("scheduler").asText();
      int total = c.get("total_steps").asInt();
      double lr = c.get("learning_rate").asDouble();
      LrSchedule schedule = new LrSchedule(name, lr, total, c.get("warmup_ratio").asDouble());
      int evalSteps = c.path("eval_steps").asInt(0);
      int evals = 0;
      JsonNode expected = c.get("lr");
      assertThat(expected).hasSize(total);
      for (int step = 0; step < total; step++) {
        assertThat(schedule.lrAt(step))
            .as("%s, %d steps, warmup %s, step %d", name, total, c.get("warmup_ratio"), step)
            .isCloseTo(expected.get(step).asDouble(), within(lr * 1e-12));
        compared++;
        int done = step + 1;
        if (evalSteps > 0 && (done % evalSteps == 0 || done == total)) {
          schedule.onEval(c.get("eval_losses").get(evals++).asDouble());
        }
      }
      covered.add(name);
    }
    assertThat(covered).containsExactlyInAnyOrderElementsOf(LrSchedule.NAMES);
    assertThat(compared).isEqualTo(1909);
  }

  @Test
  void the_plateau_fixture_lowers_the_rate_more_than_once() throws Exception {
    for (JsonNode c : fixture()) {
      if (c.get("scheduler").asText().equals("reduce_lr_on_plateau")
          && c.get("total_steps").asInt() == 300) {
        Set<Double> rates = new HashSet<>();
        c.get("lr").forEach(n -> rates.add(n.asDouble()));
        assertThat(rates).hasSizeGreaterThan(2);
      }
    }
  }

  @Test
  void names_are_matched_case_insensitively() {
    LrSchedule s = new LrSchedule("Inverse_sqrt", 1e-3, 100, 0.1);

    assertThat(s.lrAt(10)).isEqualTo(1e-3);
    assertThat(s.lrAt(40)).isCloseTo(1e-3 / 2, within(1e-15));
    assertThat(LrSchedule.normalize("COSINE_with_restarts")).isEqualTo("cosine_with_restarts");
  }

  @Test
  void an_unknown_scheduler_is_refused_naming_the_eight_accepted() {
    assertThatThrownBy(() -> new LrSchedule("step", 1e-3, 10, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("lr_scheduler_type")
        .hasMessageContaining("reduce_lr_on_plateau")
        .hasMessageContaining("got step");
  }
}
