package dev.tuneup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Every command and command group answers {@code --help} with its usage. */
class HelpTest {
  @TempDir Path home;

  record Result(int exit, String out, String err) {}

  Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Environment e =
        new Environment(
            Map.of(),
            home,
            new ByteArrayInputStream(new byte[0]),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            false);
    int code = Main.commandLine(e).execute(args);
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void jobs_help_prints_the_usage_of_the_jobs_group_and_exits_0() {
    Result r = run("jobs", "--help");

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.err()).doesNotContain("Unknown option");
    assertThat(r.out()).contains("Usage: tuneup jobs").contains("create").contains("logs");
  }

  @Test
  void every_command_and_command_group_answers_help_and_h() {
    List<List<String>> paths = new ArrayList<>();
    collect(Main.commandLine(Environment.system()), new ArrayList<>(), paths);
    assertThat(paths).hasSizeGreaterThan(20);

    for (List<String> path : paths) {
      for (String flag : List.of("--help", "-h")) {
        List<String> args = new ArrayList<>(path);
        args.add(flag);
        Result r = run(args.toArray(String[]::new));
        assertThat(r.exit()).as("%s: %s", args, r.err()).isZero();
        assertThat(r.out()).as("%s", args).startsWith("Usage: tuneup " + String.join(" ", path));
      }
    }
  }

  private static void collect(CommandLine cl, List<String> path, List<List<String>> into) {
    into.add(List.copyOf(path));
    for (Map.Entry<String, CommandLine> sub : cl.getSubcommands().entrySet()) {
      if (sub.getValue().getCommandSpec().aliases().length > 0
          && !sub.getKey().equals(sub.getValue().getCommandName())) {
        continue;
      }
      List<String> next = new ArrayList<>(path);
      next.add(sub.getKey());
      collect(sub.getValue(), next, into);
    }
  }
}
