package dev.tuneup.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tuneup} command. */
@Command(
    name = "tuneup",
    mixinStandardHelpOptions = true,
    version = "tuneup 0.1.0",
    description = "Self-hosted fine-tuning service for large language models.",
    subcommands = {ServeCommand.class, TrainCommand.class, AdminCommand.class})
public final class Main implements Runnable {

  public static void main(String[] args) {
    int code = new CommandLine(new Main()).execute(args);
    if (code != 0 || !"serve".equals(args.length > 0 ? args[0] : "")) {
      System.exit(code);
    }
  }

  @Override
  public void run() {
    CommandLine.usage(this, System.out);
  }
}
