package dev.tuneup.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tuneup.registry.ModelFetchException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The hub's public HTTP file API, as {@code huggingface_hub} uses it:
 *
 * <ul>
 *   <li>{@code GET {endpoint}/api/models/{repo}/revision/{revision}}: the commit a branch, tag or
 *       commit id names ({@code sha});
 *   <li>{@code GET {endpoint}/api/models/{repo}/tree/{commit}?recursive=true}: every file with its
 *       size and git blob id ({@code oid}), and for LFS files {@code lfs.oid} (the sha256 of the
 *       content) and {@code lfs.size}; paged through {@code Link: <…>; rel="next"};
 *   <li>{@code GET {endpoint}/{repo}/resolve/{commit}/{file}}: the bytes, small files directly, LFS
 *       files through a redirect (often to a CDN on another host); the first answer carries {@code
 *       X-Repo-Commit}, {@code ETag} and for LFS files {@code X-Linked-Etag} (the sha256) and
 *       {@code X-Linked-Size}. {@code Range: bytes=N-} resumes.
 * </ul>
 *
 * The revision is URL-encoded as one path segment ({@code refs/pr/1} → {@code refs%2Fpr%2F1}). The
 * token goes as {@code Authorization: Bearer} to the hub only, never to a redirect target on
 * another host. Errors name the hub's {@code X-Error-Code} when it sends one.
 */
public final class HubClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern NEXT_LINK = Pattern.compile("<([^>]+)>\\s*;\\s*rel=\"next\"");
  private static final int MAX_REDIRECTS = 5;
  private static final String USER_AGENT = "tuneup/0.1";

  /** A file of a repository as the tree lists it. */
  public record Entry(String path, long size, String blobId, String sha256) {
    /** Whether the hub stores it in LFS (its checksum is then a sha256 of the content). */
    public boolean lfs() {
      return sha256 != null;
    }
  }

  /**
   * An open download.
   *
   * @param status 200 (from the start) or 206 (from {@code start})
   * @param start the offset of the first byte of {@code body}
   * @param repoCommit {@code X-Repo-Commit} of the hub's answer, or null
   * @param etag {@code X-Linked-Etag}, else {@code ETag}, without quotes and weak prefix, or null
   */
  public record Download(int status, long start, String repoCommit, String etag, InputStream body)
      implements AutoCloseable {
    @Override
    public void close() throws IOException {
      body.close();
    }
  }

  /** A failure worth retrying: the connection, a 5xx or a 429 of the hub. */
  public static final class TransientHubError extends IOException {
    TransientHubError(String message) {
      super(message);
    }
  }

  private final HubSettings settings;
  private final HttpClient http;
  private final Duration timeout;

  public HubClient(HubSettings settings, Duration timeout) {
    this.settings = settings;
    this.timeout = timeout;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(timeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  public HubSettings settings() {
    return settings;
  }

  /** The commit {@code revision} names. */
  public String commitOf(String repo, String revision, String token) throws IOException {
    URI uri = api(repo, "revision", revision);
    JsonNode info = getJson(uri, token, repo, revision);
    String sha = info.path("sha").asText("");
    if (sha.isEmpty()) {
      throw new ModelFetchException(
          "the hub answered "
              + uri
              + " without a commit (sha); is "
              + settings.endpoint()
              + " a Hugging Face hub?");
    }
    return sha;
  }

  /** Every file of the repository at {@code commit}, following the pages of the listing. */
  public List<Entry> tree(String repo, String commit, String token) throws IOException {
    List<Entry> out = new ArrayList<>();
    URI next = URI.create(api(repo, "tree", commit) + "?recursive=true");
    for (int page = 0; next != null; page++) {
      if (page > 10_000) {
        throw new ModelFetchException("the tree of " + repo + " does not end after 10000 pages");
      }
      HttpResponse<InputStream> r = send(get(next, token), next);
      JsonNode entries;
      try (InputStream in = r.body()) {
        if (r.statusCode() != 200) {
          throw failure(r, in, repo, commit);
        }
        entries = JSON.readTree(in);
      }
      for (JsonNode e : entries) {
        if (!"file".equals(e.path("type").asText())) {
          continue;
        }
        JsonNode lfs = e.get("lfs");
        out.add(
            new Entry(
                e.path("path").asText(),
                lfs != null && lfs.has("size")
                    ? lfs.path("size").asLong()
                    : e.path("size").asLong(),
                e.path("oid").asText(),
                lfs == null || lfs.isNull() ? null : lfs.path("oid").asText()));
      }
      next = nextPage(r.headers(), next);
    }
    return out;
  }

  /**
   * Opens the bytes of {@code file} at {@code commit} from offset {@code from}, following the
   * redirect of an LFS file.
   */
  public Download download(String repo, String commit, String file, String token, long from)
      throws IOException {
    URI uri =
        URI.create(
            settings.endpoint() + "/" + repo + "/resolve/" + segment(commit) + "/" + pathOf(file));
    String repoCommit = null;
    String etag = null;
    for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
      boolean hub = sameOrigin(uri, settings.endpoint());
      HttpRequest.Builder b =
          HttpRequest.newBuilder(uri)
              .timeout(timeout)
              .header("User-Agent", USER_AGENT)
              // no compression: the sizes and hashes are those of the stored bytes
              .header("Accept-Encoding", "identity");
      if (hub && token != null) {
        b.header("Authorization", "Bearer " + token);
      }
      if (from > 0) {
        b.header("Range", "bytes=" + from + "-");
      }
      HttpResponse<InputStream> r = send(b.GET().build(), uri);
      HttpHeaders h = r.headers();
      if (repoCommit == null) {
        repoCommit = h.firstValue("X-Repo-Commit").orElse(null);
      }
      if (etag == null) {
        etag =
            normalizeEtag(h.firstValue("X-Linked-Etag").orElse(h.firstValue("ETag").orElse(null)));
      }
      int status = r.statusCode();
      if (status >= 300 && status < 400) {
        String location = h.firstValue("Location").orElse(null);
        r.body().close();
        if (location == null) {
          throw new ModelFetchException(uri + " answered " + status + " without a Location");
        }
        uri = uri.resolve(location);
        continue;
      }
      if (status == 200 || status == 206) {
        long start = 0;
        if (status == 206) {
          start = rangeStart(h.firstValue("Content-Range").orElse(""));
        }
        return new Download(status, start, repoCommit, etag, r.body());
      }
      if (status == 416 && from > 0) {
        r.body().close();
        // the partial file is longer than the file: start over
        return download(repo, commit, file, token, 0);
      }
      try (InputStream in = r.body()) {
        throw failure(r, in, repo, commit + " file " + file);
      }
    }
    throw new ModelFetchException(file + ": more than " + MAX_REDIRECTS + " redirects");
  }

  private JsonNode getJson(URI uri, String token, String repo, String revision) throws IOException {
    HttpResponse<InputStream> r = send(get(uri, token), uri);
    try (InputStream in = r.body()) {
      if (r.statusCode() != 200) {
        throw failure(r, in, repo, revision);
      }
      return JSON.readTree(in);
    }
  }

  private HttpRequest get(URI uri, String token) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri).timeout(timeout).header("User-Agent", USER_AGENT);
    if (token != null && sameOrigin(uri, settings.endpoint())) {
      b.header("Authorization", "Bearer " + token);
    }
    return b.GET().build();
  }

  private HttpResponse<InputStream> send(HttpRequest request, URI uri) throws IOException {
    try {
      HttpResponse<InputStream> r = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
      if (r.statusCode() >= 500 || r.statusCode() == 429) {
        r.body().close();
        throw new TransientHubError(uri + " answered " + r.statusCode());
      }
      return r;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while asking " + uri);
    } catch (TransientHubError e) {
      throw e;
    } catch (IOException e) {
      throw new TransientHubError("cannot reach " + uri + ": " + e.getMessage());
    }
  }

  /** A readable reason for a 4xx of the hub, with its error code and what to do. */
  private ModelFetchException failure(
      HttpResponse<InputStream> r, InputStream body, String repo, String what) {
    String code = r.headers().firstValue("X-Error-Code").orElse("");
    String message = r.headers().firstValue("X-Error-Message").orElse("");
    if (message.isEmpty()) {
      try {
        message = JSON.readTree(body).path("error").asText("");
      } catch (IOException | RuntimeException e) {
        message = "";
      }
    }
    String detail = message.isEmpty() ? "" : ": " + message;
    int status = r.statusCode();
    if (status == 401 || status == 403) {
      return new ModelFetchException(
          "the hub refused repository "
              + repo
              + " ("
              + status
              + (code.isEmpty() ? "" : " " + code)
              + detail
              + "): it does not exist, or it is private or gated and needs a token that may"
              + " read it (HF_TOKEN on the server, or a token with the request)");
    }
    if (code.equals("RevisionNotFound")) {
      return new ModelFetchException(
          "repository " + repo + " has no revision " + what + " (" + status + detail + ")");
    }
    if (code.equals("RepoNotFound") || status == 404 && code.isEmpty()) {
      return new ModelFetchException(
          "repository "
              + repo
              + " not found on "
              + settings.endpoint()
              + " ("
              + status
              + detail
              + ")");
    }
    return new ModelFetchException(
        "the hub answered "
            + status
            + (code.isEmpty() ? "" : " " + code)
            + " for "
            + repo
            + " "
            + what
            + detail);
  }

  private URI api(String repo, String kind, String revision) {
    return URI.create(
        settings.endpoint() + "/api/models/" + repo + "/" + kind + "/" + segment(revision));
  }

  private static URI nextPage(HttpHeaders headers, URI current) {
    for (String link : headers.allValues("Link")) {
      Matcher m = NEXT_LINK.matcher(link);
      if (m.find()) {
        return current.resolve(m.group(1));
      }
    }
    return null;
  }

  /** One URL path segment: everything but unreserved characters escaped. */
  static String segment(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** A file path in a repository: each segment escaped, the slashes kept. */
  static String pathOf(String file) {
    List<String> parts = new ArrayList<>();
    for (String p : file.split("/", -1)) {
      parts.add(segment(p));
    }
    return String.join("/", parts);
  }

  /** {@code W/"abc"} → {@code abc}. */
  static String normalizeEtag(String etag) {
    if (etag == null) {
      return null;
    }
    String e = etag.strip();
    if (e.startsWith("W/")) {
      e = e.substring(2);
    }
    if (e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")) {
      e = e.substring(1, e.length() - 1);
    }
    return e.isEmpty() ? null : e;
  }

  private static long rangeStart(String contentRange) {
    // bytes 100-199/200
    Matcher m = Pattern.compile("bytes (\\d+)-").matcher(contentRange);
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  private static boolean sameOrigin(URI a, URI b) {
    return Objects.equals(a.getScheme(), b.getScheme())
        && Objects.equals(a.getHost(), b.getHost())
        && port(a) == port(b);
  }

  private static int port(URI u) {
    if (u.getPort() >= 0) {
      return u.getPort();
    }
    return "https".equals(u.getScheme()) ? 443 : 80;
  }
}
