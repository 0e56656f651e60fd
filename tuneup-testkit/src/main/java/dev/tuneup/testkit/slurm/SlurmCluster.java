package dev.tuneup.testkit.slurm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real one-node Slurm cluster on this machine for tests, started once per JVM through the
 * project's {@code .ci/slurm-single-node.sh} (Debian's slurmctld, slurmd and munged on loopback,
 * everything under the module's {@code target/slurm}) and stopped when the JVM exits. Needs the
 * packages {@code .ci/run} installs; without them it fails, saying so, rather than letting the
 * tests skip.
 */
public final class SlurmCluster {
  private static SlurmCluster started;

  private final Path script;
  private final Path dir;
  private final Path conf;

  private SlurmCluster(Path script, Path dir, Path conf) {
    this.script = script;
    this.dir = dir;
    this.conf = conf;
  }

  /** The cluster, started on first use. */
  public static synchronized SlurmCluster get() {
    if (started == null) {
      Path script = findScript();
      Path dir = clusterDir();
      String out = run(script, "up", dir);
      String line =
          out.lines()
              .filter(l -> l.startsWith("SLURM_CONF="))
              .findFirst()
              .orElseThrow(() -> new IllegalStateException("no SLURM_CONF from " + script));
      started = new SlurmCluster(script, dir, Path.of(line.substring("SLURM_CONF=".length())));
      SlurmCluster c = started;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> run(c.script, "down", c.dir)));
    }
    return started;
  }

  /** The cluster's {@code slurm.conf}, for {@code SLURM_CONF}. */
  public Path conf() {
    return conf;
  }

  /** Where Slurm writes the final state of every job ({@code JobCompLoc}). */
  public Path jobCompletionLog() {
    return dir.resolve("log/jobcomp.txt");
  }

  /** PIDs of live processes of a Slurm job on this node (they inherit its SLURM_JOB_ID). */
  public static List<Long> processesOf(String slurmJobId) {
    List<Long> out = new ArrayList<>();
    byte[] wanted = ("SLURM_JOB_ID=" + slurmJobId + "\0").getBytes(StandardCharsets.UTF_8);
    try (var procs = Files.list(Path.of("/proc"))) {
      for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
        try {
          byte[] env = Files.readAllBytes(p.resolve("environ"));
          String stat = Files.readString(p.resolve("stat"));
          char state = stat.charAt(stat.lastIndexOf(')') + 2);
          if (state != 'Z' && state != 'X' && startsEntry(env, wanted)) {
            out.add(Long.parseLong(p.getFileName().toString()));
          }
        } catch (IOException | RuntimeException e) {
          // the process ended while we looked
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  private static boolean startsEntry(byte[] env, byte[] entry) {
    outer:
    for (int i = 0; i + entry.length <= env.length; i++) {
      if (i > 0 && env[i - 1] != 0) {
        continue;
      }
      for (int j = 0; j < entry.length; j++) {
        if (env[i + j] != entry[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  /**
   * The build's own {@code target/slurm}, so builds of different checkouts on one machine each have
   * their own cluster (the script picks free ports). munged's socket path must fit a Unix socket
   * address (108 bytes) and every directory on it must let others through: under a deep checkout or
   * a private directory the cluster lives in the temporary directory, still named after the build.
   */
  private static Path clusterDir() {
    Path dir = Path.of("target", "slurm").toAbsolutePath().normalize();
    if (dir.resolve("munge/munge.socket").toString().length() < 100 && openToAll(dir)) {
      return dir;
    }
    return Path.of(
        System.getProperty("java.io.tmpdir"),
        "tuneup-slurm-" + Integer.toHexString(dir.toString().hashCode()));
  }

  /** Whether every existing directory from {@code dir} up to the root lets others through. */
  private static boolean openToAll(Path dir) {
    for (Path d = dir; d != null; d = d.getParent()) {
      if (!Files.exists(d)) {
        continue; // made later with the default mode
      }
      try {
        if (!Files.getPosixFilePermissions(d).contains(PosixFilePermission.OTHERS_EXECUTE)) {
          return false;
        }
      } catch (IOException e) {
        return false;
      }
    }
    return true;
  }

  private static Path findScript() {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      Path s = d.resolve(".ci/slurm-single-node.sh");
      if (Files.isRegularFile(s)) {
        return s;
      }
    }
    throw new IllegalStateException(
        "no .ci/slurm-single-node.sh above " + Path.of("").toAbsolutePath());
  }

  private static String run(Path script, String action, Path dir) {
    try {
      Path log = Files.createTempFile("slurm-" + action, ".log");
      Process p =
          new ProcessBuilder("bash", script.toString(), action, dir.toString())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(script + " " + action + " took over 120 s");
      }
      String out = Files.readString(log);
      Files.deleteIfExists(log);
      if (p.exitValue() != 0) {
        throw new IllegalStateException(
            "the test Slurm cluster did not " + action + " (exit " + p.exitValue() + "):\n" + out);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
