package dev.tuneup.server.security;

import static dev.tuneup.server.TestServer.awaitStatus;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tuneup.server.Samples;
import dev.tuneup.server.TestServer;
import dev.tuneup.testkit.http.Api;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Idle job streams hold no request thread and are capped per user: one user's flood of streams
 * leaves {@code /healthz} and other users fast, the stream over the cap is a 429, and a closed
 * client gives its place back within seconds.
 */
class IdleStreamsSecurityTest {
  private static final int CAP = 300;

  @TempDir static Path dir;
  static TestServer server;
  static Api flooder;
  static String jobId;

  @BeforeAll
  static void start() {
    server = TestServer.start(dir, Map.of("http.max-streams-per-user", String.valueOf(CAP)));
    flooder = server.newUser("flooder");
    String f = flooder.uploadTrainingFile("t.jsonl", Samples.TRAIN_JSONL);
    jobId =
        flooder
            .post(
                "/api/v1/fine-tunes",
                Samples.sdkCreate(TestServer.MODEL, f, Samples.scripted(3, 120_000)))
            .output()
            .get("job_id")
            .asText();
    awaitStatus(flooder, jobId, "RUNNING");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** An open stream: its socket, and its reader past the response head. */
  record Stream(Socket socket, BufferedReader in, int status) {}

  private static Stream open(String key) throws IOException {
    Socket s = new Socket("127.0.0.1", server.app().port());
    s.setSoTimeout(20_000);
    s.getOutputStream()
        .write(
            ("GET /api/v1/fine-tunes/"
                    + jobId
                    + "/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                    + key
                    + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
    BufferedReader in =
        new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
    String statusLine = in.readLine();
    int status = Integer.parseInt(statusLine.substring(9, 12));
    String line;
    while ((line = in.readLine()) != null && !line.isEmpty()) {
      // headers
    }
    return new Stream(s, in, status);
  }

  @Test
  void a_flood_of_idle_streams_leaves_health_and_other_users_fast_and_the_one_over_the_cap_is_429()
      throws Exception {
    List<Stream> streams = new ArrayList<>();
    try {
      for (int i = 0; i < CAP; i++) {
        Stream s = open(flooder.key());
        assertThat(s.status()).as("stream %d", i).isEqualTo(200);
        streams.add(s);
      }
      Api.Resp over = flooder.get("/api/v1/fine-tunes/" + jobId + "/stream");
      assertThat(over.status()).isEqualTo(429);
      assertThat(over.code()).isEqualTo("Throttling");

      long[] millis = new long[50];
      for (int i = 0; i < millis.length; i++) {
        long t0 = System.nanoTime();
        assertThat(flooder.withKey(null).get("/healthz").status()).isEqualTo(200);
        millis[i] = (System.nanoTime() - t0) / 1_000_000;
      }
      Arrays.sort(millis);
      assertThat(millis[millis.length - 2]).as("p98 of /healthz in ms").isLessThan(1000);

      Api other = server.newUser("bystander");
      assertThat(other.get("/api/v1/fine-tunes").status()).isEqualTo(200);
      assertThat(
              other
                  .upload(Map.of(), List.of(Api.FilePart.of("o.jsonl", Samples.TRAIN_JSONL)))
                  .status())
          .isEqualTo(200);

      // ten clients leave: their places come back once the server notices (keep-alive writes)
      for (int i = 0; i < 10; i++) {
        streams.remove(0).socket().close();
      }
      long deadline = System.nanoTime() + 20_000_000_000L;
      Stream again = null;
      while (System.nanoTime() < deadline) {
        Stream s = open(flooder.key());
        if (s.status() == 200) {
          again = s;
          break;
        }
        s.socket().close();
        Thread.sleep(500);
      }
      assertThat(again).as("a place freed by a closed client").isNotNull();
      streams.add(again);

      // the cancel is pushed to every open stream, which then ends
      assertThat(flooder.postEmpty("/api/v1/fine-tunes/" + jobId + "/cancel").status())
          .isEqualTo(200);
      for (Stream s : streams.subList(0, 5)) {
        List<String> data = new ArrayList<>();
        String line;
        while ((line = s.in().readLine()) != null && !line.equals("0")) {
          if (line.startsWith("data:")) {
            data.add(line);
          }
        }
        assertThat(String.join("\n", data)).containsIgnoringCase("cancel");
      }
    } finally {
      for (Stream s : streams) {
        s.socket().close();
      }
    }
  }
}
