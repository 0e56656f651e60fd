package dev.tuneup.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tuneup.registry.ModelFetchException;
import dev.tuneup.registry.ModelFetcher;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downloads the files a model needs from a hub repository into a directory, as {@code
 * snapshot_download} does but verified and resumable:
 *
 * <ol>
 *   <li>the revision is resolved to one commit, and every file is fetched at that commit, so a
 *       branch that moves during the download cannot mix two versions;
 *   <li>only top-level files the model needs are fetched: {@code config.json}, {@code
 *       generation_config.json}, the safetensors weights (the shards that {@code
 *       model.safetensors.index.json} names, or {@code model.safetensors}, or an adapter's {@code
 *       adapter_model.safetensors} and {@code adapter_config.json}), the tokenizer files and the
 *       chat template; other weight formats, images and sub-folders are skipped and listed;
 *   <li>each file is written to {@code <name>.incomplete}; a partial file left by an interrupted
 *       attempt is continued with {@code Range: bytes=<size>-} (a server that ignores the range
 *       gets the file from the start), and a broken connection is retried the same way;
 *   <li>a complete file must have the size the tree publishes and its checksum: the sha256 of an
 *       LFS file ({@code lfs.oid}, which is also {@code X-Linked-Etag}), or the git blob sha1 of a
 *       small file ({@code oid}, also its {@code ETag}). A mismatch deletes the file and fetches it
 *       again, up to {@link #CORRUPT_ATTEMPTS} times; only then is it renamed to its name.
 * </ol>
 */
public final class HubDownloader implements ModelFetcher {
  private static final Logger log = LoggerFactory.getLogger(HubDownloader.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Downloads of one file whose checksum may fail before the pull fails. */
  public static final int CORRUPT_ATTEMPTS = 3;

  /** Broken connections (or 5xx) per file before the pull fails. */
  public static final int TRANSIENT_ATTEMPTS = 5;

  private static final Set<String> NEEDED =
      Set.of(
          "config.json",
          "generation_config.json",
          "model.safetensors.index.json",
          "tokenizer.json",
          "tokenizer_config.json",
          "special_tokens_map.json",
          "added_tokens.json",
          "vocab.json",
          "merges.txt",
          "tokenizer.model",
          "chat_template.jinja",
          "chat_template.json",
          "adapter_config.json",
          "adapter_model.safetensors",
          "README.md");
  private static final Pattern LICENSE = Pattern.compile("(?i)(LICENSE|NOTICE)(\\..*)?");
  private static final String INDEX = "model.safetensors.index.json";
  private static final String INCOMPLETE = ".incomplete";
  private static final int BUFFER = 1 << 20;

  /** A download that receives no byte for this long is dropped and resumed. */
  public static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofSeconds(60);

  private static final ScheduledExecutorService WATCHDOG =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "tuneup-hub-watchdog");
            t.setDaemon(true);
            return t;
          });

  private final HubClient client;
  private final Duration retryDelay;
  private final Duration stallTimeout;

  /**
   * @param retryDelay the wait before the first retry of a broken download; it doubles on each
   *     further retry, up to 16 times the first
   */
  public HubDownloader(HubClient client, Duration retryDelay) {
    this(client, retryDelay, DEFAULT_STALL_TIMEOUT);
  }

  /**
   * @param stallTimeout a download that receives no byte for this long is dropped and resumed (the
   *     HTTP client has no read timeout of its own once the body flows)
   */
  public HubDownloader(HubClient client, Duration retryDelay, Duration stallTimeout) {
    this.client = client;
    this.retryDelay = retryDelay;
    this.stallTimeout = stallTimeout;
  }

  @Override
  public Result fetch(Request request, Path dir, Progress progress) {
    HubSettings settings = client.settings();
    if (settings.offline()) {
      throw new ModelFetchException(
          "HF_HUB_OFFLINE is set on the server: no download from " + settings.endpoint());
    }
    String token =
        request.token() != null
            ? request.token()
            : request.serverToken() && settings.implicitToken() ? settings.token() : null;
    String repo = request.repo();
    String revision = request.revision() == null ? "main" : request.revision();
    try {
      String commit = client.commitOf(repo, revision, token);
      progress.update(commit, 0, 0, null);
      Map<String, HubClient.Entry> all = new LinkedHashMap<>();
      for (HubClient.Entry e : client.tree(repo, commit, token)) {
        all.put(e.path(), e);
      }
      Files.createDirectories(dir);
      List<HubClient.Entry> wanted = new ArrayList<>();
      List<String> skipped = new ArrayList<>();
      for (HubClient.Entry e : all.values()) {
        if (e.path().contains("/")) {
          skipped.add(e.path());
        } else if (NEEDED.contains(e.path()) || LICENSE.matcher(e.path()).matches()) {
          wanted.add(e);
        } else if (!e.path().endsWith(".safetensors")) {
          skipped.add(e.path());
        }
      }
      Set<String> weights = weightFiles(repo, commit, token, all, dir, progress);
      for (HubClient.Entry e : all.values()) {
        if (weights.contains(e.path()) && !wanted.contains(e)) {
          wanted.add(e);
        } else if (e.path().endsWith(".safetensors")
            && !e.path().contains("/")
            && !weights.contains(e.path())
            && !wanted.contains(e)) {
          skipped.add(e.path());
        }
      }
      long total = 0;
      for (HubClient.Entry e : wanted) {
        total += e.size();
      }
      Counter counter = new Counter(commit, total, progress);
      for (HubClient.Entry e : wanted) {
        counter.base += onDisk(dir, e);
      }
      counter.report(null);
      for (HubClient.Entry e : wanted) {
        fetchFile(repo, commit, token, e, dir, counter);
      }
      log.info("{} at {}: {} files, {} bytes in {}", repo, commit, wanted.size(), total, dir);
      return new Result(commit, wanted.size(), total, skipped);
    } catch (IOException e) {
      throw new ModelFetchException(repo + ": " + e.getMessage(), e);
    }
  }

  /**
   * The safetensors files to fetch: the shards the index names (the index is fetched first to read
   * them), else {@code model.safetensors}, else an adapter's; none at all is a failure, as tuneup
   * loads no other format.
   */
  private Set<String> weightFiles(
      String repo,
      String commit,
      String token,
      Map<String, HubClient.Entry> all,
      Path dir,
      Progress progress)
      throws IOException {
    Set<String> out = new TreeSet<>();
    HubClient.Entry index = all.get(INDEX);
    if (index != null) {
      Counter quiet = new Counter(commit, index.size(), progress);
      fetchFile(repo, commit, token, index, dir, quiet);
      JsonNode map = JSON.readTree(dir.resolve(INDEX).toFile()).path("weight_map");
      map.forEach(n -> out.add(n.asText()));
      for (String shard : out) {
        if (!all.containsKey(shard) || shard.contains("/")) {
          throw new ModelFetchException(
              repo
                  + " at "
                  + commit
                  + ": "
                  + INDEX
                  + " names "
                  + shard
                  + ", which the repository does not have");
        }
      }
      return out;
    }
    if (all.containsKey("model.safetensors")) {
      out.add("model.safetensors");
    } else if (!all.containsKey("adapter_model.safetensors")) {
      List<String> others = new ArrayList<>();
      for (String name : all.keySet()) {
        if (name.endsWith(".bin")
            || name.endsWith(".pt")
            || name.endsWith(".gguf")
            || name.endsWith(".pth")) {
          others.add(name);
        }
      }
      throw new ModelFetchException(
          repo
              + " at "
              + commit
              + " has no safetensors weights"
              + (others.isEmpty() ? "" : " (only " + String.join(", ", others) + ")")
              + ": tuneup loads safetensors only");
    }
    return out;
  }

  private static long onDisk(Path dir, HubClient.Entry e) throws IOException {
    Path done = dir.resolve(e.path());
    if (Files.isRegularFile(done) && Files.size(done) == e.size()) {
      return e.size();
    }
    Path part = dir.resolve(e.path() + INCOMPLETE);
    return Files.isRegularFile(part) ? Math.min(Files.size(part), e.size()) : 0;
  }

  /** Progress over all files: bytes of finished files plus the current file's bytes on disk. */
  private static final class Counter {
    private final String commit;
    private final long total;
    private final Progress progress;
    long base;

    Counter(String commit, long total, Progress progress) {
      this.commit = commit;
      this.total = total;
      this.progress = progress;
    }

    void report(String file) {
      progress.update(commit, Math.min(base, total), total, file);
    }

    void report(String file, long extra) {
      progress.update(commit, Math.min(base + extra, total), total, file);
    }
  }

  private void fetchFile(
      String repo, String commit, String token, HubClient.Entry e, Path dir, Counter counter)
      throws IOException {
    Path target = dir.resolve(e.path());
    if (Files.isRegularFile(target) && Files.size(target) == e.size()) {
      return; // verified before it got its name
    }
    Path part = dir.resolve(e.path() + INCOMPLETE);
    long already = Files.isRegularFile(part) ? Files.size(part) : 0;
    counter.base -= Math.min(already, e.size()); // counted again as the current file's bytes
    int corrupt = 0;
    int broken = 0;
    // The checksum is computed as the bytes arrive; only a partial file from before (a resume)
    // is read back, once, to bring the digest up to where the file ends.
    Hashing hash = null;
    while (true) {
      long have = Files.isRegularFile(part) ? Files.size(part) : 0;
      if (have > e.size()) {
        Files.delete(part);
        have = 0;
      }
      if (hash == null || hash.bytes != have) {
        hash = Hashing.of(part, have, e, counter);
      }
      if (have < e.size()) {
        try {
          have = transfer(repo, commit, token, e, part, have, counter, hash);
        } catch (HubClient.TransientHubError ex) {
          broken++;
          if (broken >= TRANSIENT_ATTEMPTS) {
            throw new ModelFetchException(
                e.path()
                    + ": the download broke off "
                    + broken
                    + " times, last: "
                    + ex.getMessage());
          }
          log.info("{}: {}; resuming (attempt {})", e.path(), ex.getMessage(), broken + 1);
          pause(broken);
          continue;
        }
      }
      String got = hash.hex();
      hash = null;
      String want = e.lfs() ? e.sha256() : e.blobId();
      long size = Files.size(part);
      if (size == e.size() && want.equalsIgnoreCase(got)) {
        try (FileChannel ch = FileChannel.open(part, StandardOpenOption.WRITE)) {
          ch.force(true);
        }
        Files.move(
            part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        counter.base += e.size();
        counter.report(e.path());
        return;
      }
      corrupt++;
      Files.delete(part);
      String what =
          size != e.size()
              ? "has " + size + " bytes, the hub publishes " + e.size()
              : (e.lfs() ? "sha256 " : "git blob sha1 ") + got + " differs from the hub's " + want;
      if (corrupt >= CORRUPT_ATTEMPTS) {
        throw new ModelFetchException(
            e.path() + ": the download " + what + " (" + corrupt + " downloads)");
      }
      log.warn("{}: the download {}; fetching it again", e.path(), what);
    }
  }

  /** Appends the rest of the file to {@code part}; returns its new size. */
  private long transfer(
      String repo,
      String commit,
      String token,
      HubClient.Entry e,
      Path part,
      long have,
      Counter counter,
      Hashing hash)
      throws IOException {
    try (HubClient.Download d = client.download(repo, commit, e.path(), token, have)) {
      if (d.repoCommit() != null && !d.repoCommit().equals(commit)) {
        throw new ModelFetchException(
            e.path() + ": the hub served commit " + d.repoCommit() + " when asked for " + commit);
      }
      String want = e.lfs() ? e.sha256() : e.blobId();
      if (d.etag() != null && looksLikeHash(d.etag()) && !d.etag().equalsIgnoreCase(want)) {
        throw new ModelFetchException(
            e.path() + ": the hub's ETag " + d.etag() + " differs from the tree's " + want);
      }
      long start = d.status() == 206 ? d.start() : 0;
      if (start != 0 && start != have) {
        throw new HubClient.TransientHubError(
            "asked for bytes from " + have + ", got a range from " + start);
      }
      try (FileChannel out =
          FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
        if (start == 0 && have > 0) {
          out.truncate(0); // a server that ignores Range sends the whole file
          hash.reset(e);
        }
        long pos = start;
        out.position(pos);
        byte[] buf = new byte[BUFFER];
        InputStream in = d.body();
        Stall stall = new Stall(Thread.currentThread(), in);
        ScheduledFuture<?> watch =
            WATCHDOG.scheduleAtFixedRate(
                stall::check, stallCheckMillis(), stallCheckMillis(), TimeUnit.MILLISECONDS);
        try {
          while (true) {
            int n;
            try {
              n = in.read(buf);
            } catch (IOException ex) {
              if (stall.fired) {
                Thread.interrupted(); // the watchdog's, not a stop of the importer
                throw new HubClient.TransientHubError(
                    "no bytes for "
                        + stallTimeout.toSeconds()
                        + " s after "
                        + pos
                        + " of "
                        + e.size());
              }
              throw new HubClient.TransientHubError(
                  "the connection broke after "
                      + pos
                      + " of "
                      + e.size()
                      + " bytes: "
                      + ex.getMessage());
            }
            stall.progress();
            if (n < 0) {
              break;
            }
            ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
            while (bb.hasRemaining()) {
              out.write(bb);
            }
            hash.update(buf, n);
            pos += n;
            counter.report(e.path(), Math.min(pos, e.size()));
            if (pos > e.size()) {
              break; // longer than published: the checksum step says so
            }
          }
        } finally {
          watch.cancel(false);
          synchronized (stall) {
            stall.done = true;
          }
          if (stall.fired) {
            Thread.interrupted();
          }
        }
        if (pos < e.size()) {
          throw new HubClient.TransientHubError(
              "the connection ended after " + pos + " of " + e.size() + " bytes");
        }
        return pos;
      }
    }
  }

  /**
   * The checksum the hub publishes for this kind of file, over the bytes written so far: the sha256
   * of an LFS file's content, the git blob sha1 ({@code "blob <size>\0"} then the content) of a
   * small file.
   */
  private static final class Hashing {
    private MessageDigest md;
    long bytes;

    private Hashing(HubClient.Entry e) {
      reset(e);
    }

    void reset(HubClient.Entry e) {
      md = digest(e.lfs() ? "SHA-256" : "SHA-1");
      if (!e.lfs()) {
        md.update(("blob " + e.size() + "\0").getBytes(StandardCharsets.UTF_8));
      }
      bytes = 0;
    }

    void update(byte[] buf, int n) {
      md.update(buf, 0, n);
      bytes += n;
    }

    String hex() {
      return HexFormat.of().formatHex(md.digest());
    }

    /** A digest of the first {@code length} bytes already in {@code part}. */
    static Hashing of(Path part, long length, HubClient.Entry e, Counter counter)
        throws IOException {
      Hashing h = new Hashing(e);
      if (length == 0) {
        return h;
      }
      byte[] buf = new byte[BUFFER];
      try (InputStream in = Files.newInputStream(part)) {
        int n;
        while (h.bytes < length
            && (n = in.read(buf, 0, (int) Math.min(buf.length, length - h.bytes))) > 0) {
          h.update(buf, n);
          if ((h.bytes & ((64L << 20) - 1)) < n) {
            counter.report(e.path(), Math.min(h.bytes, e.size())); // heartbeat while hashing
          }
        }
      }
      return h;
    }
  }

  private long stallCheckMillis() {
    return Math.max(10, stallTimeout.toMillis() / 4);
  }

  /**
   * Watches one body: when no byte came for {@link #stallTimeout}, closes it and interrupts the
   * reading thread (the HTTP client's blocked read wakes on either), which then resumes.
   */
  private final class Stall {
    private final Thread reader;
    private final InputStream body;
    private volatile long last = System.nanoTime();
    volatile boolean fired;
    boolean done;

    Stall(Thread reader, InputStream body) {
      this.reader = reader;
      this.body = body;
    }

    void progress() {
      last = System.nanoTime();
    }

    void check() {
      if (fired || System.nanoTime() - last < stallTimeout.toNanos()) {
        return;
      }
      synchronized (this) {
        if (done) {
          return;
        }
        fired = true;
        reader.interrupt();
      }
      try {
        body.close();
      } catch (IOException ignored) {
        // closing is the point; a failure to close changes nothing
      }
    }
  }

  private static boolean looksLikeHash(String etag) {
    return etag.matches("[0-9a-fA-F]{40}|[0-9a-fA-F]{64}");
  }

  private void pause(int attempt) {
    long ms = retryDelay.toMillis() << Math.min(attempt - 1, 4);
    try {
      Thread.sleep(ms);
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(new java.io.InterruptedIOException("interrupted"));
    }
  }

  private static MessageDigest digest(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm);
    } catch (NoSuchAlgorithmException ex) {
      throw new IllegalStateException(ex);
    }
  }
}
