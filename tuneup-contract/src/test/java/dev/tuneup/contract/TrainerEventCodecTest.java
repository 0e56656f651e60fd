package dev.tuneup.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainerEventCodecTest {
  private static final Instant T = Instant.parse("2026-01-02T03:04:05.678Z");
  private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");

  @Test
  void every_event_reads_back_as_written() {
    List<TrainerEvent> events =
        List.of(
            new TrainerEvent.Log(T, "INFO", "say \"hi\"\n\tback\\slash"),
            new TrainerEvent.Progress(
                T, 3, 10, 0.3, 2.123456789012345, 1.6e-5, 12345678901L, 99.5, 7, 0.4375),
            new TrainerEvent.Progress(T, 4, 10, 0.4, Double.NaN, 1e-4, 1, 2, 3, null),
            new TrainerEvent.Eval(T, 3, 2.25, 0.5),
            new TrainerEvent.Eval(T, 4, Double.POSITIVE_INFINITY, null),
            new TrainerEvent.Checkpoint(T, 3, "/jobs/j/checkpoint-3"),
            new TrainerEvent.Done(T, "/jobs/j/output", 99),
            new TrainerEvent.Stopped(T, 5, null),
            new TrainerEvent.Error(T, "training file line 3: not JSON"));
    for (TrainerEvent e : events) {
      assertThat(TrainerEventCodec.decode(TrainerEventCodec.encode(e), () -> NOW)).isEqualTo(e);
    }
  }

  @Test
  void python_lines_with_offsets_and_bare_nan_are_read() {
    TrainerEvent e =
        TrainerEventCodec.decode(
            "{\"type\": \"progress\", \"time\": \"2026-01-02T03:04:05+00:00\", \"step\": 2,"
                + " \"total_steps\": 4, \"epoch\": 0.5, \"loss\": NaN, \"lr\": 1e-05,"
                + " \"tokens\": 10, \"tokens_per_second\": 1.5, \"eta_seconds\": 2,"
                + " \"token_accuracy\": 0.25}",
            () -> NOW);
    assertThat(e).isInstanceOf(TrainerEvent.Progress.class);
    TrainerEvent.Progress p = (TrainerEvent.Progress) e;
    assertThat(p.time()).isEqualTo(Instant.parse("2026-01-02T03:04:05Z"));
    assertThat(p.loss()).isNaN();
    assertThat(p.tokenAccuracy()).isEqualTo(0.25);
    assertThat(p.etaSeconds()).isEqualTo(2.0);
  }

  @Test
  void unreadable_lines_are_kept_as_they_are() {
    for (String line : List.of("not json", "[1,2]", "{\"type\":\"later\"}", "{\"a\":")) {
      TrainerEvent e = TrainerEventCodec.decode(line, () -> NOW);
      assertThat(e).isEqualTo(new TrainerEvent.Unknown(NOW, line));
    }
  }
}
