package dev.tuneup.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tuneup.testkit.http.Api;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parallel requests of one user never overrun a quota: the store checks and takes it at once. */
class QuotaConcurrencyTest {
  @TempDir static Path dir;
  static TestServer server;

  @BeforeAll
  static void start() {
    server =
        TestServer.start(
            dir,
            Map.of(
                "files.max-files-per-user", "3",
                "jobs.max-active", "2",
                "deployments.max-per-user", "2",
                "deployments.max-capacity-per-user", "4"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static List<Api.Resp> hammer(int n, IntFunction<Api.Resp> request) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Api.Resp>> futures = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int k = i;
        Callable<Api.Resp> c =
            () -> {
              go.await();
              return request.apply(k);
            };
        futures.add(pool.submit(c));
      }
      go.countDown();
      List<Api.Resp> out = new ArrayList<>();
      for (Future<Api.Resp> f : futures) {
        out.add(f.get(120, TimeUnit.SECONDS));
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void twelve_parallel_uploads_against_a_three_file_limit_store_three() throws Exception {
    Api api = server.newUser("uploader");
    List<Api.Resp> all =
        hammer(
            12,
            i ->
                api.upload(
                    Map.of(), List.of(Api.FilePart.of("f" + i + ".jsonl", Samples.TRAIN_JSONL))));

    long stored = all.stream().filter(r -> r.data().get("uploaded_files").size() == 1).count();
    assertThat(stored).isEqualTo(3);
    assertThat(all)
        .filteredOn(r -> r.data().get("failed_uploads").size() == 1)
        .hasSize(9)
        .allSatisfy(
            r ->
                assertThat(r.data().get("failed_uploads").get(0).get("code").asText())
                    .isEqualTo("BadRequest.TooMany"));
    assertThat(api.get("/api/v1/files?page_no=1&page_size=100").data().get("total").asInt())
        .isEqualTo(3);
  }

  @Test
  void five_quick_parallel_creates_against_max_active_two_store_two() throws Exception {
    Api api = server.newUser("creator");
    String file = api.uploadTrainingFile("t.jsonl", Samples.TRAIN_JSONL);
    List<Api.Resp> all =
        hammer(
            5,
            i ->
                api.post(
                    "/api/v1/fine-tunes",
                    Samples.sdkCreate(TestServer.MODEL, file, Samples.scripted(1, 10))));

    assertThat(all).filteredOn(r -> r.status() == 200).hasSize(2);
    assertThat(all)
        .filteredOn(r -> r.status() == 429)
        .hasSize(3)
        .allSatisfy(r -> assertThat(r.code()).isEqualTo("Throttling"));
    assertThat(api.get("/api/v1/fine-tunes?page_no=1&page_size=100").output().get("total").asInt())
        .isEqualTo(2);
  }

  @Test
  void parallel_deployments_past_max_per_user_answer_throttling() throws Exception {
    Api api = server.newUser("deployer");
    List<Api.Resp> all =
        hammer(
            6,
            i ->
                api.post(
                    "/api/v1/deployments",
                    "{\"model_name\": \""
                        + TestServer.MODEL
                        + "\", \"capacity\": 1, \"suffix\": \"d"
                        + i
                        + "\"}"));

    assertThat(all).filteredOn(r -> r.status() == 200).hasSize(2);
    assertThat(all)
        .filteredOn(r -> r.status() == 429)
        .hasSize(4)
        .allSatisfy(r -> assertThat(r.json().path("message").asText()).contains("2 deployments"));
  }

  @Test
  void the_instances_of_a_users_deployments_are_bounded_on_create_and_scale() {
    Api api = server.newUser("capacity");
    String body =
        "{\"model_name\": \"" + TestServer.MODEL + "\", \"capacity\": %d, \"suffix\": \"%s\"}";

    assertThat(api.post("/api/v1/deployments", body.formatted(3, "big")).status()).isEqualTo(200);
    Api.Resp tooMuch = api.post("/api/v1/deployments", body.formatted(2, "more"));
    assertThat(tooMuch.status()).isEqualTo(429);
    assertThat(tooMuch.json().path("message").asText()).contains("4 instances together");
    assertThat(api.post("/api/v1/deployments", body.formatted(1, "small")).status()).isEqualTo(200);
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (!api.get("/api/v1/deployments/" + TestServer.MODEL + "-big")
        .output()
        .path("status")
        .asText()
        .equals("RUNNING")) {
      assertThat(System.nanoTime()).as("deployment running").isLessThan(deadline);
      TestServer.sleep(50);
    }
    Api.Resp scale =
        api.send(
            api.builder("/api/v1/deployments/" + TestServer.MODEL + "-big/scale")
                .header("Content-Type", "application/json")
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{\"capacity\": 4}")));
    assertThat(scale.status()).isEqualTo(429);
    assertThat(scale.code()).isEqualTo("Throttling");
  }
}
