package dev.tuneup.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** {@code tuneup serve} in a child JVM, so a test can kill it with SIGKILL like a crash. */
final class ServerProcess implements AutoCloseable {
  private final Process process;
  final int port;

  private ServerProcess(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ServerProcess start(
      Path dataDir, int port, List<String> trainerCommand, Path model, Path log, String... settings)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx512m");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Main.class.getName());
    cmd.add("serve");
    cmd.add("--data-dir");
    cmd.add(dataDir.toString());
    cmd.add("--port");
    cmd.add(String.valueOf(port));
    cmd.add("--set");
    cmd.add("backend.local.trainer-command=" + String.join(" ", trainerCommand));
    cmd.add("--set");
    cmd.add("models.tuneup-tiny.path=" + model);
    cmd.add("--set");
    cmd.add("jobs.poll-interval=100ms");
    cmd.add("--set");
    cmd.add("http.host=127.0.0.1");
    for (String s : settings) {
      cmd.add("--set");
      cmd.add(s);
    }
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    ServerProcess server = new ServerProcess(p, port);
    server.awaitHealthy(Duration.ofSeconds(60));
    return server;
  }

  long pid() {
    return process.pid();
  }

  private void awaitHealthy(Duration timeout) {
    HttpClient client = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("server exited with " + process.exitValue());
      }
      try {
        HttpResponse<String> r =
            client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    throw new IllegalStateException("server not healthy within " + timeout);
  }

  /** SIGKILL: no shutdown hook runs, like a crash or an OOM kill. */
  void killHard() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  static String adminKey(Path dataDir) throws IOException {
    return Files.readString(dataDir.resolve("admin-api-key")).trim();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(15, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }
}
