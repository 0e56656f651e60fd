package dev.tuneup.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * What the CLI reads and writes besides its arguments: environment variables, the home directory
 * (for the config file), standard streams, and whether standard output is a terminal.
 */
public record Environment(
    Map<String, String> variables,
    Path home,
    InputStream in,
    PrintStream out,
    PrintStream err,
    boolean terminal) {

  /** This process's own. */
  public static Environment system() {
    return new Environment(
        System.getenv(),
        Path.of(System.getProperty("user.home")),
        System.in,
        System.out,
        System.err,
        System.console() != null);
  }
}
