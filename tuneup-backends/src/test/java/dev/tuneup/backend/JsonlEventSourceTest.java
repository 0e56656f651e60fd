package dev.tuneup.backend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tuneup.contract.TrainerEvent;
import dev.tuneup.dispatch.TrainerEventSource.Batch;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlEventSourceTest {
  private static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");
  private static final String T = "\"time\":\"2026-11-28T17:00:01.250Z\"";

  @TempDir Path dir;
  private final JsonlEventSource source = new JsonlEventSource(Clock.fixed(NOW, ZoneOffset.UTC));

  private Path file(String text) throws Exception {
    Path f = dir.resolve("events.jsonl");
    Files.writeString(f, text, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    return f;
  }

  @Test
  void every_event_type_of_the_contract_is_mapped_with_its_fields() throws Exception {
    Path f =
        file(
            "{\"type\":\"log\","
                + T
                + ",\"level\":\"WARN\",\"message\":\"hi\"}\n"
                + "{\"type\":\"progress\","
                + T
                + ",\"step\":3,\"total_steps\":10,\"epoch\":0.3,\"loss\":2.5,\"lr\":1e-4,"
                + "\"tokens\":12345678901,\"tokens_per_second\":99.5,\"eta_seconds\":7}\n"
                + "{\"type\":\"eval\","
                + T
                + ",\"step\":3,\"eval_loss\":2.25}\n"
                + "{\"type\":\"checkpoint\","
                + T
                + ",\"step\":3,\"path\":\"/j/checkpoint-3\"}\n"
                + "{\"type\":\"stopped\","
                + T
                + ",\"step\":4,\"checkpoint\":\"/j/checkpoint-4\"}\n"
                + "{\"type\":\"error\","
                + T
                + ",\"message\":\"bad line 3 of train.jsonl\"}\n"
                + "{\"type\":\"done\","
                + T
                + ",\"output_dir\":\"/j/output\",\"tokens\":42}\n");
    Instant t = Instant.parse("2026-11-28T17:00:01.250Z");
    Batch b = source.read(f, 0);
    assertThat(b.events())
        .containsExactly(
            new TrainerEvent.Log(t, "WARN", "hi"),
            new TrainerEvent.Progress(t, 3, 10, 0.3, 2.5, 1e-4, 12345678901L, 99.5, 7, null),
            new TrainerEvent.Eval(t, 3, 2.25, null),
            new TrainerEvent.Checkpoint(t, 3, "/j/checkpoint-3"),
            new TrainerEvent.Stopped(t, 4, "/j/checkpoint-4"),
            new TrainerEvent.Error(t, "bad line 3 of train.jsonl"),
            new TrainerEvent.Done(t, "/j/output", 42));
    assertThat(b.nextOffset()).isEqualTo(Files.size(f));
  }

  @Test
  void a_partly_written_last_line_is_left_for_the_next_read() throws Exception {
    String first = "{\"type\":\"log\"," + T + ",\"message\":\"é one\"}\n";
    Path f = file(first + "{\"type\":\"log\"," + T + ",\"mess");
    Batch b = source.read(f, 0);
    assertThat(b.events()).hasSize(1);
    assertThat(b.nextOffset()).isEqualTo(first.getBytes(StandardCharsets.UTF_8).length);

    assertThat(source.read(f, b.nextOffset()))
        .isEqualTo(new Batch(java.util.List.of(), b.nextOffset()));

    file("age\":\"two\"}\n");
    Batch rest = source.read(f, b.nextOffset());
    assertThat(rest.events())
        .containsExactly(
            new TrainerEvent.Log(Instant.parse("2026-11-28T17:00:01.250Z"), "INFO", "two"));
    assertThat(rest.nextOffset()).isEqualTo(Files.size(f));
  }

  @Test
  void unknown_types_and_unparsable_lines_are_kept_raw_and_reading_goes_on() throws Exception {
    String weird = "{\"type\":\"telemetry\"," + T + ",\"gpu\":1}";
    String broken = "not json {";
    String array = "[1,2]";
    Path f =
        file(
            weird
                + "\n"
                + broken
                + "\r\n\n"
                + array
                + "\n{\"type\":\"eval\",\"step\":1,\"eval_loss\":1}\n");
    Batch b = source.read(f, 0);
    assertThat(b.events())
        .containsExactly(
            new TrainerEvent.Unknown(Instant.parse("2026-11-28T17:00:01.250Z"), weird),
            new TrainerEvent.Unknown(NOW, broken),
            new TrainerEvent.Unknown(NOW, array),
            new TrainerEvent.Eval(NOW, 1, 1.0, null));
  }

  @Test
  void a_missing_or_unreadable_time_is_now_and_an_offset_time_is_accepted() throws Exception {
    Path f =
        file(
            "{\"type\":\"log\",\"message\":\"a\"}\n"
                + "{\"type\":\"log\",\"time\":\"yesterday\",\"message\":\"b\"}\n"
                + "{\"type\":\"log\",\"time\":\"2026-11-28T18:00:00+01:00\",\"message\":\"c\"}\n");
    assertThat(source.read(f, 0).events())
        .extracting(TrainerEvent::time)
        .containsExactly(NOW, NOW, Instant.parse("2026-11-28T17:00:00Z"));
  }

  @Test
  void a_diverged_loss_written_as_nan_is_read() throws Exception {
    Path f = file("{\"type\":\"progress\"," + T + ",\"step\":1,\"loss\":NaN}\n");
    TrainerEvent e = source.read(f, 0).events().get(0);
    assertThat(((TrainerEvent.Progress) e).loss()).isNaN();
  }

  @Test
  void reading_from_an_offset_returns_only_later_lines() throws Exception {
    String a = "{\"type\":\"log\"," + T + ",\"message\":\"a\"}\n";
    Path f = file(a + "{\"type\":\"log\"," + T + ",\"message\":\"b\"}\n");
    Batch b = source.read(f, a.length());
    assertThat(b.events()).extracting(e -> ((TrainerEvent.Log) e).message()).containsExactly("b");
    assertThat(source.read(f, Files.size(f)).events()).isEmpty();
  }

  @Test
  void a_missing_file_is_an_empty_batch_at_the_same_offset() {
    assertThat(source.read(dir.resolve("absent.jsonl"), 17))
        .isEqualTo(new Batch(java.util.List.of(), 17));
  }

  @Test
  void a_line_longer_than_one_read_is_passed_shortened_and_does_not_stall_reading()
      throws Exception {
    String huge =
        "{\"type\":\"log\",\"message\":\"" + "x".repeat(JsonlEventSource.MAX_READ) + "\"}";
    Path f = file(huge);
    assertThat(source.read(f, 0))
        .as("still being written")
        .isEqualTo(new Batch(java.util.List.of(), 0));
    file("\n{\"type\":\"log\"," + T + ",\"message\":\"after\"}\n");
    Batch b = source.read(f, 0);
    assertThat(b.events()).singleElement().isInstanceOf(TrainerEvent.Unknown.class);
    assertThat(((TrainerEvent.Unknown) b.events().get(0)).line()).contains("shortened");
    assertThat(b.nextOffset()).isEqualTo(huge.length() + 1);
    Batch next = source.read(f, b.nextOffset());
    assertThat(next.events()).singleElement().isInstanceOf(TrainerEvent.Log.class);
    assertThat(next.nextOffset()).isEqualTo(Files.size(f));
  }
}
