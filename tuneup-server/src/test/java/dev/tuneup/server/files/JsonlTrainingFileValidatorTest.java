package dev.tuneup.server.files;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tuneup.file.TrainingFileValidator;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlTrainingFileValidatorTest {
  private static final String SAMPLE =
      "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
          + "{\"role\":\"assistant\",\"content\":\"hello\"}]}";

  @TempDir Path dir;

  @Test
  void a_line_over_the_cap_is_reported_with_its_number_and_the_next_lines_still_count()
      throws IOException {
    Path file = dir.resolve("f.jsonl");
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      w.write(SAMPLE + "\n");
      for (int i = 0; i < 200_000; i++) {
        w.write("xxxxxxxxxx");
      }
      w.write("\r\n" + SAMPLE + "\r\n");
    }
    TrainingFileValidator.Result r = new JsonlTrainingFileValidator(1000).validate(file, 10);
    assertThat(r.problems()).containsExactly("line 2: line longer than 1000 characters");
  }

  @Test
  void lines_under_the_cap_with_any_line_ending_are_samples() throws IOException {
    Path file = dir.resolve("ok.jsonl");
    Files.writeString(file, "\uFEFF" + SAMPLE + "\r\n" + SAMPLE + "\r" + SAMPLE + "\n\n" + SAMPLE);
    TrainingFileValidator.Result r = new JsonlTrainingFileValidator(1000).validate(file, 10);
    assertThat(r.problems()).isEmpty();
    assertThat(r.lines()).isEqualTo(4);
  }
}
