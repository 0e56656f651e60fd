package dev.tuneup.hub;

import dev.tuneup.registry.ModelFetcher;
import dev.tuneup.testkit.hub.StandInHub;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Pull throughput against the stand-in hub on this machine: a verified {@code models pull} download
 * (sha256 of the shard, fsync, rename) beside a plain HTTP download of the same bytes to a file,
 * interleaved run by run so that both see the same load. {@code java -cp … PullBench [megabytes]
 * [runs]}.
 */
public final class PullBench {
  private PullBench() {}

  public static void main(String[] args) throws Exception {
    int mb = args.length > 0 ? Integer.parseInt(args[0]) : 512;
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    Path root = Files.createTempDirectory("pull-bench-");
    Path repo = Files.createDirectories(root.resolve("repo"));
    Files.writeString(repo.resolve("config.json"), "{}");
    byte[] chunk = new byte[1 << 20];
    Random rnd = new Random(1);
    try (OutputStream out = Files.newOutputStream(repo.resolve("model.safetensors"))) {
      for (int i = 0; i < mb; i++) {
        rnd.nextBytes(chunk);
        out.write(chunk);
      }
    }
    try (StandInHub hub = StandInHub.start()) {
      hub.serve("bench/model", repo);
      HubDownloader pull =
          new HubDownloader(
              new HubClient(
                  new HubSettings(URI.create(hub.endpoint()), null, true, false),
                  Duration.ofSeconds(60)),
              Duration.ofSeconds(1));
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      String cdn = hub.endpoint() + "/cdn/" + sha256(repo.resolve("model.safetensors"));
      List<Double> ratios = new ArrayList<>();
      for (int r = 0; r < runs; r++) {
        Path plainFile = root.resolve("plain-" + r);
        long t0 = System.nanoTime();
        HttpResponse<InputStream> resp =
            http.send(
                HttpRequest.newBuilder(URI.create(cdn)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = resp.body()) {
          Files.copy(in, plainFile);
        }
        double plain = (System.nanoTime() - t0) / 1e9;
        Path into = root.resolve("pulled-" + r);
        long t1 = System.nanoTime();
        pull.fetch(
            new ModelFetcher.Request("bench/model", null, null, true), into, (c, d, t, f) -> {});
        double verified = (System.nanoTime() - t1) / 1e9;
        ratios.add(plain / verified);
        System.out.printf(
            Locale.ROOT,
            "run %d: plain HTTP %.0f MB/s, verified pull %.0f MB/s (%.2fx)%n",
            r + 1,
            mb / plain,
            mb / verified,
            plain / verified);
        Files.delete(plainFile);
        deleteTree(into);
      }
      ratios.sort(Comparator.naturalOrder());
      System.out.printf(
          Locale.ROOT, "median verified/plain throughput: %.2fx%n", ratios.get(ratios.size() / 2));
    } finally {
      deleteTree(root);
    }
  }

  private static String sha256(Path file) throws Exception {
    java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 20];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    }
    return java.util.HexFormat.of().formatHex(md.digest());
  }

  private static void deleteTree(Path dir) throws Exception {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
