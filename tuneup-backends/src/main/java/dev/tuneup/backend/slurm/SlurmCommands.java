package dev.tuneup.backend.slurm;

import dev.tuneup.backend.BackendException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs the Slurm command-line tools ({@code sbatch}, {@code scontrol}, {@code scancel}). */
final class SlurmCommands {
  /** What a command printed and how it ended. */
  record Result(int exitCode, String out, String err) {
    boolean ok() {
      return exitCode == 0;
    }
  }

  private final Path slurmConf;

  SlurmCommands(Path slurmConf) {
    this.slurmConf = slurmConf;
  }

  /**
   * Runs a command to its end.
   *
   * @throws BackendException when it cannot be started (Slurm not installed) or hangs
   */
  Result run(List<String> command, Map<String, String> environment) {
    ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command));
    pb.environment().putAll(environment);
    if (slurmConf != null) {
      pb.environment().put("SLURM_CONF", slurmConf.toString());
    }
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new BackendException(
          "cannot run "
              + command.get(0)
              + ": are the Slurm client commands installed and on the PATH? ("
              + e.getMessage()
              + ")",
          e);
    }
    CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
    try {
      if (!p.waitFor(SlurmBackendConfig.COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new BackendException(
            String.join(" ", command)
                + " did not answer within "
                + SlurmBackendConfig.COMMAND_TIMEOUT.toSeconds()
                + " s: is slurmctld reachable?");
      }
      return new Result(p.exitValue(), out.join(), err.join());
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new BackendException("interrupted while running " + command.get(0), e);
    }
  }

  Result run(List<String> command) {
    return run(command, Map.of());
  }

  private static String read(InputStream in) {
    try (in) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      in.transferTo(b);
      return b.toString(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
