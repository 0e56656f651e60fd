package dev.tuneup.cli.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
  @Test
  void a_training_line_shows_step_of_total_loss_and_eta() {
    assertThat(ProgressBar.training(30, 120, 1.234567, 65L))
        .isEqualTo("[######------------------]  25% step 30/120 loss 1.2346 ETA 1m05s");
    assertThat(ProgressBar.training(0, 0, null, null))
        .isEqualTo("[------------------------]   0% step 0/?");
    assertThat(ProgressBar.training(120, 120, 0.01, 0L))
        .startsWith("[########################] 100%");
    assertThat(ProgressBar.duration(7322)).isEqualTo("2h02m");
  }

  @Test
  void an_upload_line_shows_bytes_sent_of_the_size() {
    assertThat(ProgressBar.bytes(512, 2 * 1024 * 1024))
        .isEqualTo("[------------------------]   0% 512 B / 2.0 MB");
    assertThat(ProgressBar.bytes(1536, 1536)).endsWith("100% 1.5 KB / 1.5 KB");
  }

  @Test
  void a_terminal_redraws_one_line_while_a_pipe_gets_one_line_per_change() {
    ByteArrayOutputStream tty = new ByteArrayOutputStream();
    ProgressBar onTty = new ProgressBar(new PrintStream(tty, true, StandardCharsets.UTF_8), true);
    onTty.show("a");
    onTty.show("a");
    onTty.show("b");
    onTty.done();
    assertThat(tty.toString(StandardCharsets.UTF_8)).isEqualTo("\r\033[Ka\r\033[Kb\n");

    ByteArrayOutputStream pipe = new ByteArrayOutputStream();
    ProgressBar onPipe =
        new ProgressBar(new PrintStream(pipe, true, StandardCharsets.UTF_8), false);
    onPipe.show("a");
    onPipe.show("a");
    onPipe.show("b");
    onPipe.done();
    assertThat(pipe.toString(StandardCharsets.UTF_8)).isEqualTo("a\nb\n");
  }
}
