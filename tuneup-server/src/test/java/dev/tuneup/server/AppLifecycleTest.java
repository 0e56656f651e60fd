package dev.tuneup.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tuneup.testkit.http.Api;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AppLifecycleTest {
  @TempDir Path dir;

  @Test
  void first_start_writes_the_admin_key_readable_only_by_its_owner() throws IOException {
    try (TestServer server = TestServer.start(dir)) {
      Path keyFile = server.dataDir().resolve("admin-api-key");
      assertThat(Files.readString(keyFile).trim()).isEqualTo(server.adminKey());
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)))
          .isEqualTo("rw-------");
      assertThat(server.admin().get("/api/v1/admin/users").status()).isEqualTo(200);
    }
  }

  @Test
  void a_restart_keeps_the_admin_and_creates_no_second_one() throws IOException {
    String key;
    try (TestServer first = TestServer.start(dir)) {
      key = first.adminKey();
    }
    try (TestServer second = TestServer.start(dir)) {
      assertThat(second.adminKey()).isNull();
      Api api = new Api(second.url(), key);
      assertThat(api.get("/api/v1/admin/users").output().get("users")).hasSize(1);
      assertThat(Files.readString(second.dataDir().resolve("admin-api-key")).trim()).isEqualTo(key);
    }
  }

  @Test
  void close_stops_listening_and_is_idempotent() {
    TestServer server = TestServer.start(dir);
    int port = server.app().port();
    server.close();
    server.close();
    assertThatThrownBy(() -> new Socket("127.0.0.1", port).close())
        .isInstanceOf(ConnectException.class);
  }

  @Test
  void job_ids_stay_unique_under_concurrent_creates() throws Exception {
    try (TestServer server =
        TestServer.start(
            dir, java.util.Map.of("jobs.max-active", "1000", "jobs.max-queued", "1000"))) {
      Api api = server.newUser("many");
      String file = api.uploadTrainingFile("t.jsonl", Samples.TRAIN_JSONL);
      ExecutorService pool = Executors.newFixedThreadPool(8);
      List<Future<String>> ids = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        ids.add(
            pool.submit(
                () ->
                    api.post(
                            "/api/v1/fine-tunes",
                            Samples.sdkCreate(TestServer.MODEL, file, Samples.scripted(1, 1)))
                        .output()
                        .get("job_id")
                        .asText()));
      }
      Set<String> unique = new HashSet<>();
      for (Future<String> f : ids) {
        String id = f.get();
        assertThat(id).matches("^ft-\\d{12}-[0-9a-f]{4}$");
        unique.add(id);
      }
      pool.shutdown();
      assertThat(unique).hasSize(200);
      for (String id : unique) {
        api.postEmpty("/api/v1/fine-tunes/" + id + "/cancel");
      }
    }
  }
}
