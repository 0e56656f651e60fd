package dev.tuneup.testkit.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * A local HTTP server that serves model repositories in the Hugging Face hub's URL layout, for
 * tests that must not reach the network:
 *
 * <ul>
 *   <li>{@code GET /api/models/{repo}/revision/{rev}}: {@code sha} (the commit) and {@code
 *       siblings};
 *   <li>{@code GET /api/models/{repo}/tree/{rev}?recursive=true}: file entries ({@code oid}, {@code
 *       size}, {@code lfs{oid, size, pointerSize}} for large files) in pages linked by a {@code
 *       Link: <…>; rel="next"} header;
 *   <li>{@code HEAD|GET /{repo}/resolve/{rev}/{file}}: small files directly with {@code ETag} (the
 *       git blob sha1) and {@code X-Repo-Commit}; large (LFS) files as a 302 to a content address,
 *       carrying {@code X-Linked-Etag} (the sha256), {@code X-Linked-Size} and {@code
 *       X-Repo-Commit}; bytes with {@code Range} support ({@code 206}).
 * </ul>
 *
 * Errors carry {@code X-Error-Code} ({@code RepoNotFound}, {@code RevisionNotFound}, {@code
 * EntryNotFound}) as the hub's do. Faults can be injected per file: a connection cut after some
 * bytes, or a body with one byte flipped. Every request is recorded.
 */
public final class StandInHub implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Files with these endings, and files over 10 MiB, are stored in LFS (as the hub's default). */
  private static final List<String> LFS_ENDINGS = List.of(".safetensors", ".bin", ".gguf");

  private static final long LFS_SIZE = 10L << 20;

  /** One recorded request. */
  public record Request(String method, String path, String range, String authorization) {}

  private record HubFile(String name, Path file, long size, String blobSha1, String sha256) {
    boolean lfs() {
      return sha256 != null;
    }
  }

  private record Repo(String id, String commit, Map<String, HubFile> files, String token) {}

  private final HttpServer server;
  private final ExecutorService pool = Executors.newCachedThreadPool();
  private final Map<String, Repo> repos = new ConcurrentHashMap<>();
  private final Map<String, String> branches = new ConcurrentHashMap<>();
  private final Map<String, HubFile> byDigest = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> cuts = new ConcurrentHashMap<>();
  private final Map<String, Long> cutAfter = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> corruptions = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> stalls = new ConcurrentHashMap<>();
  private final Map<String, Long> stallAfter = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> served = new ConcurrentHashMap<>();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private volatile int treePageSize = 3;
  private volatile long bytesPerSecond;
  private volatile String cdnHost;

  private StandInHub() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(pool);
    server.createContext("/", this::handle);
    server.start();
  }

  public static StandInHub start() {
    try {
      return new StandInHub();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The base URL, for {@code HF_ENDPOINT}. */
  public String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /**
   * Serves the files at the top of {@code dir} as repository {@code repoId} on branch {@code main},
   * public. Returns the commit id.
   */
  public String serve(String repoId, Path dir) {
    return serve(repoId, "main", dir, null);
  }

  /**
   * Serves a repository that answers only requests carrying {@code Authorization: Bearer <token>}
   * (a private or gated repository); without it, 401 as the hub answers.
   */
  public String servePrivate(String repoId, Path dir, String token) {
    return serve(repoId, "main", dir, token);
  }

  private String serve(String repoId, String branch, Path dir, String token) {
    Map<String, HubFile> files = new LinkedHashMap<>();
    MessageDigest commit = digest("SHA-1");
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
        String name = p.getFileName().toString();
        long size = Files.size(p);
        boolean lfs = LFS_ENDINGS.stream().anyMatch(name::endsWith) || size > LFS_SIZE;
        MessageDigest blob = digest("SHA-1");
        MessageDigest content = digest("SHA-256");
        blob.update(("blob " + size + "\0").getBytes(StandardCharsets.UTF_8));
        try (java.io.InputStream in = Files.newInputStream(p)) {
          byte[] buf = new byte[1 << 20];
          int n;
          while ((n = in.read(buf)) > 0) {
            blob.update(buf, 0, n);
            content.update(buf, 0, n);
          }
        }
        HubFile f =
            new HubFile(name, p, size, hex(blob.digest()), lfs ? hex(content.digest()) : null);
        files.put(name, f);
        if (f.lfs()) {
          byDigest.put(f.sha256(), f);
        }
        commit.update((name + ":" + f.blobSha1() + "\n").getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    commit.update(repoId.getBytes(StandardCharsets.UTF_8));
    String sha = hex(commit.digest());
    repos.put(repoId + "@" + sha, new Repo(repoId, sha, files, token));
    branches.put(repoId + "@" + branch, sha);
    return sha;
  }

  /** The next {@code times} downloads of {@code file} break off after {@code bytes} bytes. */
  public void cutAfter(String file, long bytes, int times) {
    cutAfter.put(file, bytes);
    cuts.put(file, new AtomicInteger(times));
  }

  /**
   * The next {@code times} downloads of {@code file} stop sending after {@code bytes} bytes and
   * keep the connection open, silent, until the client gives up.
   */
  public void stallAfter(String file, long bytes, int times) {
    stallAfter.put(file, bytes);
    stalls.put(file, new AtomicInteger(times));
  }

  /** The next {@code times} downloads of {@code file} carry one flipped byte. */
  public void corrupt(String file, int times) {
    corruptions.put(file, new AtomicInteger(times));
  }

  /** Entries per page of the tree listing (3 by default, so that paging is exercised). */
  public void treePageSize(int entries) {
    this.treePageSize = entries;
  }

  /**
   * Redirects LFS downloads to this host name (with the same port) instead of a path on the
   * endpoint's host, as the hub redirects to its CDN: e.g. {@code localhost} when the endpoint is
   * {@code 127.0.0.1}.
   */
  public void cdnHost(String host) {
    this.cdnHost = host;
  }

  /** Serves file bodies at this rate (0, the default: as fast as possible). */
  public void throttle(long bytesPerSecond) {
    this.bytesPerSecond = bytesPerSecond;
  }

  public List<Request> requests() {
    return List.copyOf(requests);
  }

  /** Body bytes sent for {@code file} so far, over all requests. */
  public long bytesServed(String file) {
    AtomicLong n = served.get(file);
    return n == null ? 0 : n.get();
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }

  // ---------------------------------------------------------------- routes

  private void handle(HttpExchange ex) throws IOException {
    String rawPath = ex.getRequestURI().getRawPath();
    requests.add(
        new Request(
            ex.getRequestMethod(),
            ex.getRequestURI().toString(),
            ex.getRequestHeaders().getFirst("Range"),
            ex.getRequestHeaders().getFirst("Authorization")));
    try {
      List<String> seg = segments(rawPath);
      if (seg.size() >= 6 && seg.get(0).equals("api") && seg.get(1).equals("models")) {
        String repo = seg.get(2) + "/" + seg.get(3);
        if (seg.get(4).equals("revision") && seg.size() == 6) {
          revision(ex, repo, seg.get(5));
          return;
        }
        if (seg.get(4).equals("tree") && seg.size() == 6) {
          tree(ex, repo, seg.get(5));
          return;
        }
      }
      if (seg.size() == 2 && seg.get(0).equals("cdn")) {
        HubFile f = byDigest.get(seg.get(1));
        if (f == null) {
          error(ex, 404, "EntryNotFound", "no such object");
          return;
        }
        body(ex, f, Map.of());
        return;
      }
      if (seg.size() >= 5 && seg.get(2).equals("resolve")) {
        resolve(
            ex,
            seg.get(0) + "/" + seg.get(1),
            seg.get(3),
            String.join("/", seg.subList(4, seg.size())));
        return;
      }
      error(ex, 404, null, "no route " + rawPath);
    } finally {
      ex.close();
    }
  }

  private Repo repo(HttpExchange ex, String repoId, String revision) throws IOException {
    String commit = branches.getOrDefault(repoId + "@" + revision, revision);
    Repo r = repos.get(repoId + "@" + commit);
    boolean known = repos.keySet().stream().anyMatch(k -> k.startsWith(repoId + "@"));
    if (!known) {
      error(ex, 404, "RepoNotFound", "Repository not found");
      return null;
    }
    Repo any = repos.values().stream().filter(x -> x.id().equals(repoId)).findFirst().orElseThrow();
    if (any.token() != null
        && !("Bearer " + any.token()).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
      // the hub does not tell a private repository from a missing one without credentials
      error(ex, 401, "RepoNotFound", "Repository not found");
      return null;
    }
    if (r == null) {
      error(ex, 404, "RevisionNotFound", "Invalid rev id: " + revision);
      return null;
    }
    return r;
  }

  private void revision(HttpExchange ex, String repoId, String revision) throws IOException {
    Repo r = repo(ex, repoId, revision);
    if (r == null) {
      return;
    }
    ObjectNode o = JSON.createObjectNode();
    o.put("id", r.id());
    o.put("modelId", r.id());
    o.put("sha", r.commit());
    o.put("private", r.token() != null);
    ArrayNode siblings = o.putArray("siblings");
    r.files().keySet().forEach(n -> siblings.addObject().put("rfilename", n));
    json(ex, 200, o.toString(), Map.of());
  }

  private void tree(HttpExchange ex, String repoId, String revision) throws IOException {
    Repo r = repo(ex, repoId, revision);
    if (r == null) {
      return;
    }
    int from = 0;
    String query = ex.getRequestURI().getRawQuery();
    if (query != null) {
      for (String kv : query.split("&")) {
        if (kv.startsWith("cursor=")) {
          from = Integer.parseInt(kv.substring("cursor=".length()));
        }
      }
    }
    List<HubFile> all = new ArrayList<>(r.files().values());
    int to = Math.min(all.size(), from + treePageSize);
    ArrayNode page = JSON.createArrayNode();
    for (HubFile f : all.subList(from, to)) {
      ObjectNode e = page.addObject();
      e.put("type", "file");
      e.put("oid", f.blobSha1());
      e.put("size", f.size());
      e.put("path", f.name());
      if (f.lfs()) {
        e.putObject("lfs").put("oid", f.sha256()).put("size", f.size()).put("pointerSize", 134);
      }
    }
    Map<String, String> headers = new LinkedHashMap<>();
    if (to < all.size()) {
      headers.put(
          "Link",
          "<"
              + endpoint()
              + "/api/models/"
              + repoId
              + "/tree/"
              + revision
              + "?recursive=true&cursor="
              + to
              + ">; rel=\"next\"");
    }
    json(ex, 200, page.toString(), headers);
  }

  private void resolve(HttpExchange ex, String repoId, String revision, String file)
      throws IOException {
    Repo r = repo(ex, repoId, revision);
    if (r == null) {
      return;
    }
    HubFile f = r.files().get(file);
    if (f == null) {
      error(ex, 404, "EntryNotFound", file + " does not exist on " + revision);
      return;
    }
    if (f.lfs()) {
      ex.getResponseHeaders().set("X-Repo-Commit", r.commit());
      ex.getResponseHeaders().set("X-Linked-Etag", "\"" + f.sha256() + "\"");
      ex.getResponseHeaders().set("X-Linked-Size", Long.toString(f.size()));
      ex.getResponseHeaders().set("ETag", "\"" + f.blobSha1() + "\"");
      String cdn = cdnHost;
      ex.getResponseHeaders()
          .set(
              "Location",
              (cdn == null ? "" : "http://" + cdn + ":" + server.getAddress().getPort())
                  + "/cdn/"
                  + f.sha256());
      ex.sendResponseHeaders(302, -1);
      return;
    }
    body(ex, f, Map.of("X-Repo-Commit", r.commit(), "ETag", "\"" + f.blobSha1() + "\""));
  }

  private void body(HttpExchange ex, HubFile f, Map<String, String> headers) throws IOException {
    headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
    ex.getResponseHeaders().set("Accept-Ranges", "bytes");
    long start = 0;
    String range = ex.getRequestHeaders().getFirst("Range");
    if (range != null && range.startsWith("bytes=") && range.endsWith("-")) {
      start = Long.parseLong(range.substring("bytes=".length(), range.length() - 1));
    }
    if (start > f.size()) {
      ex.getResponseHeaders().set("Content-Range", "bytes */" + f.size());
      ex.sendResponseHeaders(416, -1);
      return;
    }
    long length = f.size() - start;
    if (ex.getRequestMethod().equals("HEAD")) {
      ex.getResponseHeaders().set("Content-Length", Long.toString(f.size()));
      ex.sendResponseHeaders(200, -1);
      return;
    }
    if (start > 0) {
      ex.getResponseHeaders()
          .set("Content-Range", "bytes " + start + "-" + (f.size() - 1) + "/" + f.size());
    }
    ex.sendResponseHeaders(start > 0 ? 206 : 200, length == 0 ? -1 : length);
    if (length == 0) {
      return;
    }
    AtomicInteger corrupt = corruptions.get(f.name());
    long flip = corrupt != null && corrupt.getAndDecrement() > 0 ? f.size() / 2 : -1;
    long limit = length;
    AtomicInteger cut = cuts.get(f.name());
    if (cut != null && cut.getAndDecrement() > 0) {
      limit = Math.max(0, Math.min(length, cutAfter.get(f.name()) - start));
    }
    AtomicInteger stall = stalls.get(f.name());
    long silentAt =
        stall != null && stall.getAndDecrement() > 0 ? stallAfter.get(f.name()) - start : -1;
    AtomicLong count = served.computeIfAbsent(f.name(), k -> new AtomicLong());
    OutputStream out = ex.getResponseBody();
    byte[] buf = new byte[64 * 1024];
    long sent = 0;
    long began = System.nanoTime();
    try (java.io.RandomAccessFile in = new java.io.RandomAccessFile(f.file().toFile(), "r")) {
      in.seek(start);
      while (sent < limit) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, limit - sent));
        if (n < 0) {
          break;
        }
        long at = start + sent;
        if (flip >= at && flip < at + n) {
          buf[(int) (flip - at)] ^= 0x5A;
        }
        out.write(buf, 0, n);
        sent += n;
        count.addAndGet(n);
        pace(sent, began);
        if (silentAt >= 0 && sent >= silentAt) {
          out.flush();
          silence();
          throw new IOException("stalled after " + (start + sent) + " bytes of " + f.name());
        }
      }
    }
    out.flush();
    if (limit < length) {
      // Drop the connection with the body incomplete, as a network failure would.
      throw new IOException("cut after " + (start + limit) + " bytes of " + f.name());
    }
  }

  /** Holds the connection open without sending, until the server stops or the test ends. */
  private static void silence() {
    try {
      Thread.sleep(120_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void pace(long sent, long began) {
    long rate = bytesPerSecond;
    if (rate <= 0) {
      return;
    }
    long due = began + sent * 1_000_000_000L / rate;
    long wait = due - System.nanoTime();
    if (wait > 0) {
      try {
        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static void json(HttpExchange ex, int status, String body, Map<String, String> headers)
      throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, b.length);
    ex.getResponseBody().write(b);
  }

  private static void error(HttpExchange ex, int status, String code, String message)
      throws IOException {
    if (code != null) {
      ex.getResponseHeaders().set("X-Error-Code", code);
    }
    ex.getResponseHeaders().set("X-Error-Message", message);
    json(ex, status, JSON.createObjectNode().put("error", message).toString(), Map.of());
  }

  private static List<String> segments(String rawPath) {
    List<String> out = new ArrayList<>();
    for (String s : rawPath.split("/")) {
      if (!s.isEmpty()) {
        out.add(URLDecoder.decode(s, StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  private static MessageDigest digest(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }
}
