package dev.tuneup.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tuneup.server.Samples;
import dev.tuneup.server.TestServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code http.max-body-bytes} holds for multipart uploads while the body streams, whether it comes
 * with a Content-Length or chunked, and the parts stream into {@code <data-dir>/files/.tmp}, which
 * holds nothing once a request is over and is swept of stale files at start.
 */
class UploadLimitSecurityTest {
  private static final long LIMIT = 100_000;

  @TempDir static Path dir;
  static TestServer server;
  static String key;

  @BeforeAll
  static void start() {
    server = start(dir);
    key = server.newUserKey("upload-user");
  }

  private static TestServer start(Path at) {
    return TestServer.start(
        at,
        Map.of("http.max-body-bytes", String.valueOf(LIMIT), "files.max-file-bytes", "100000000"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static String head(String path) {
    return "--XYZ\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nfine-tune\r\n"
        + "--XYZ\r\nContent-Disposition: form-data; name=\""
        + (path.startsWith("/v1/") ? "file" : "files")
        + "\"; filename=\"big.jsonl\"\r\nContent-Type: application/octet-stream\r\n\r\n";
  }

  /** A valid JSONL body of about {@code bytes}, so only its size can refuse it. */
  private static String bigJsonl(int bytes) {
    StringBuilder b = new StringBuilder();
    while (b.length() < bytes) {
      b.append(Samples.TRAIN_JSONL);
    }
    return b.toString();
  }

  private static RawHttp.Answer withLength(String path, String content) {
    String body = head(path) + content + "\r\n--XYZ--\r\n";
    return RawHttp.send(
        server.app().port(),
        RawHttp.request(
            "POST", path, key, "Content-Type: multipart/form-data; boundary=XYZ\r\n", body));
  }

  private static RawHttp.Answer chunked(String path, String content) {
    StringBuilder req =
        new StringBuilder(
            "POST "
                + path
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: Bearer "
                + key
                + "\r\nContent-Type: multipart/form-data; boundary=XYZ\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n");
    String body = head(path) + content + "\r\n--XYZ--\r\n";
    for (int i = 0; i < body.length(); i += 8192) {
      String piece = body.substring(i, Math.min(body.length(), i + 8192));
      req.append(Integer.toHexString(piece.getBytes(StandardCharsets.ISO_8859_1).length))
          .append("\r\n")
          .append(piece)
          .append("\r\n");
    }
    req.append("0\r\n\r\n");
    return RawHttp.send(server.app().port(), req.toString());
  }

  private static void assertTooLarge(RawHttp.Answer a) {
    assertThat(a.status()).as(a.body()).isEqualTo(413);
    assertThat(a.isJson()).as(a.body()).isTrue();
    assertThat(a.body()).contains(String.valueOf(LIMIT));
  }

  @Test
  void a_multipart_upload_over_the_body_limit_is_413_with_a_content_length() {
    assertTooLarge(withLength("/api/v1/files", bigJsonl(1_000_000)));
    assertTooLarge(withLength("/v1/files", bigJsonl(1_000_000)));
    assertThat(tempFiles()).isEmpty();
  }

  @Test
  void a_chunked_multipart_upload_over_the_body_limit_is_413() {
    assertTooLarge(chunked("/api/v1/files", bigJsonl(3_000_000)));
    assertTooLarge(chunked("/v1/files", bigJsonl(3_000_000)));
    assertThat(tempFiles()).isEmpty();
  }

  @Test
  void an_upload_under_the_limit_streams_through_the_data_temp_folder_and_leaves_nothing() {
    RawHttp.Answer a = chunked("/api/v1/files", bigJsonl(80_000));
    assertThat(a.status()).as(a.body()).isEqualTo(200);
    assertThat(a.body()).contains("file-ft-");
    assertThat(tempFiles()).isEmpty();
  }

  @Test
  void stale_temp_files_of_a_killed_server_are_swept_at_start() throws IOException {
    Path other = dir.resolve("restart");
    TestServer first = start(other);
    Path temp = first.dataDir().resolve("files").resolve(".tmp");
    first.close();
    Path orphan = Files.writeString(temp.resolve("MultiPart123.multipart"), "left by kill -9");
    Files.setLastModifiedTime(orphan, FileTime.from(Instant.now().minus(Duration.ofHours(2))));
    try (TestServer second = start(other)) {
      assertThat(second.dataDir().resolve("files").resolve(".tmp")).isEmptyDirectory();
    }
  }

  private static java.util.List<Path> tempFiles() {
    try (Stream<Path> s = Files.list(server.dataDir().resolve("files").resolve(".tmp"))) {
      return s.toList();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
