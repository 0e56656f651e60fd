package dev.tuneup.cli;

import dev.tuneup.cli.client.ApiException;
import dev.tuneup.cli.client.ClientException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code tuneup} command: the server ({@code serve}), the trainer ({@code train}) and a client
 * of a running server ({@code files}, {@code jobs}, {@code deployments}, {@code chat}, {@code
 * models}, {@code admin}).
 *
 * <p>Exit codes: 0 done; 1 the server refused ({@link ApiException}); 2 bad usage; 3 no server
 * reachable or no API key ({@link ClientException}); {@code jobs wait}: 4 FAILED, 5 CANCELED.
 */
@Command(
    name = "tuneup",
    // INHERIT gives every sub-command and sub-command group its own --help (and --version).
    scope = CommandLine.ScopeType.INHERIT,
    mixinStandardHelpOptions = true,
    version = "tuneup 0.1.0",
    description = "Self-hosted fine-tuning service for large language models.",
    subcommands = {
      ServeCommand.class,
      TrainCommand.class,
      FilesCommand.class,
      JobsCommand.class,
      DeploymentsCommand.class,
      ChatCommand.class,
      ModelsCommand.class,
      AdminCommand.class
    })
public final class Main implements Runnable {
  private final Environment environment;

  public Main() {
    this(Environment.system());
  }

  public Main(Environment environment) {
    this.environment = environment;
  }

  Environment environment() {
    return environment;
  }

  /** The command line with its streams and the one mapping of client errors to exit codes. */
  public static CommandLine commandLine(Environment env) {
    CommandLine cl = new CommandLine(new Main(env));
    cl.setOut(new java.io.PrintWriter(env.out(), true));
    cl.setErr(new java.io.PrintWriter(env.err(), true));
    cl.setExecutionExceptionHandler(
        (e, line, parsed) -> {
          if (e instanceof ApiException a) {
            env.err()
                .println(
                    "tuneup: "
                        + a.getMessage()
                        + " ("
                        + a.code()
                        + (a.requestId() == null ? "" : ", request_id " + a.requestId())
                        + ")");
            return ApiException.EXIT;
          }
          if (e instanceof ClientException c) {
            env.err().println("tuneup: " + c.getMessage());
            return ClientException.EXIT;
          }
          throw e;
        });
    return cl;
  }

  public static void main(String[] args) {
    int code = commandLine(Environment.system()).execute(args);
    if (code != 0 || !"serve".equals(args.length > 0 ? args[0] : "")) {
      System.exit(code);
    }
  }

  @Override
  public void run() {
    CommandLine.usage(this, environment.out());
  }
}
