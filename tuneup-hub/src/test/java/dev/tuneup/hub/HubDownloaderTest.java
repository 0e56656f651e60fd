package dev.tuneup.hub;

import static dev.tuneup.hub.TinyRepo.SHARD_1;
import static dev.tuneup.hub.TinyRepo.SHARD_2;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tuneup.registry.ModelFetchException;
import dev.tuneup.registry.ModelFetcher;
import dev.tuneup.testkit.hub.StandInHub;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HubDownloaderTest {
  private static final String REPO = "tuneup-test/tiny-qwen3";
  @TempDir static Path shared;
  private static Path source;
  @TempDir Path dir;
  private StandInHub hub;
  private String commit;

  @BeforeAll
  static void writeRepository() throws IOException {
    source = TinyRepo.write(shared);
  }

  @BeforeEach
  void startHub() {
    hub = StandInHub.start();
    commit = hub.serve(REPO, source);
  }

  @AfterEach
  void stopHub() {
    hub.close();
  }

  private HubDownloader downloader(String token, boolean implicit) {
    return new HubDownloader(
        new HubClient(
            new HubSettings(URI.create(hub.endpoint()), token, implicit, false),
            Duration.ofSeconds(10)),
        Duration.ofMillis(10));
  }

  private ModelFetcher.Result pull(HubDownloader d, ModelFetcher.Request request, Path into) {
    return d.fetch(request, into, (c, done, total, file) -> progress.add(done + "/" + total));
  }

  private final List<String> progress = new ArrayList<>();

  private ModelFetcher.Result pull(Path into) {
    return pull(downloader(null, true), new ModelFetcher.Request(REPO, null, null, true), into);
  }

  private static List<String> names(Path d) throws IOException {
    try (Stream<Path> s = Files.list(d)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private void assertSameBytes(Path into, String... files) throws IOException {
    for (String f : files) {
      assertThat(Files.mismatch(into.resolve(f), source.resolve(f))).as(f).isEqualTo(-1L);
    }
  }

  @Test
  void a_pull_downloads_the_model_files_at_one_commit_and_skips_what_the_model_does_not_need()
      throws IOException {
    Path into = dir.resolve("pulled");

    ModelFetcher.Result r = pull(into);

    assertThat(r.commit()).isEqualTo(commit);
    assertThat(names(into))
        .containsExactly(
            "README.md",
            "config.json",
            "generation_config.json",
            SHARD_1,
            SHARD_2,
            "model.safetensors.index.json",
            "tokenizer.json",
            "tokenizer_config.json");
    assertThat(r.skipped()).containsExactlyInAnyOrder("logo.png", "pytorch_model.bin");
    assertSameBytes(into, SHARD_1, SHARD_2, "tokenizer.json", "config.json");
    assertThat(r.bytes()).isEqualTo(sizeOf(into));
    assertThat(progress.get(progress.size() - 1)).isEqualTo(r.bytes() + "/" + r.bytes());
    // every file at the resolved commit, never at the branch; the tree listing paged
    assertThat(hub.requests())
        .filteredOn(q -> q.path().contains("/resolve/"))
        .allMatch(q -> q.path().contains("/resolve/" + commit + "/"));
    assertThat(hub.requests()).anyMatch(q -> q.path().contains("cursor="));
    // the loaded result is a model tuneup loads
    assertThat(new DirectoryInspector().inspectModel(into).architecture())
        .isEqualTo("Qwen3ForCausalLM");
  }

  @Test
  void an_interrupted_download_resumes_with_a_range_request_from_where_the_file_ends()
      throws IOException {
    long size = Files.size(source.resolve(SHARD_1));
    hub.cutAfter(SHARD_1, size / 2, 1);
    Path into = dir.resolve("pulled");

    pull(into);

    assertSameBytes(into, SHARD_1);
    // one resumed request to the download host, from where the bytes on disk end (the network
    // may have lost a little of what the hub sent before the cut), and nothing fetched twice
    List<String> ranges =
        hub.requests().stream()
            .filter(q -> q.range() != null && q.path().startsWith("/cdn/"))
            .map(StandInHub.Request::range)
            .toList();
    assertThat(ranges).hasSize(1);
    long from = Long.parseLong(ranges.get(0).replaceAll("\\D", ""));
    assertThat(from).isPositive().isLessThanOrEqualTo(size / 2);
    assertThat(hub.bytesServed(SHARD_1)).isEqualTo(size / 2 + size - from);
  }

  @Test
  void a_download_that_goes_silent_is_dropped_and_resumed() throws IOException {
    long size = Files.size(source.resolve(SHARD_2));
    hub.stallAfter(SHARD_2, 64 * 1024, 1);
    HubDownloader d =
        new HubDownloader(
            new HubClient(
                new HubSettings(URI.create(hub.endpoint()), null, true, false),
                Duration.ofSeconds(10)),
            Duration.ofMillis(10),
            Duration.ofMillis(500));
    Path into = dir.resolve("pulled");

    long started = System.nanoTime();
    pull(d, new ModelFetcher.Request(REPO, null, null, true), into);

    assertSameBytes(into, SHARD_2);
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
    assertThat(hub.requests())
        .filteredOn(q -> q.range() != null && q.path().startsWith("/cdn/"))
        .hasSize(1);
    assertThat(hub.bytesServed(SHARD_2)).isLessThan(size + 64 * 1024 + 1);
  }

  @Test
  void a_partial_file_an_earlier_pull_left_is_continued_not_fetched_again() throws IOException {
    Path into = dir.resolve("pulled");
    Files.createDirectories(into);
    byte[] head = new byte[1000];
    System.arraycopy(Files.readAllBytes(source.resolve(SHARD_2)), 0, head, 0, head.length);
    Files.write(into.resolve(SHARD_2 + ".incomplete"), head);

    pull(into);

    assertSameBytes(into, SHARD_2);
    assertThat(hub.bytesServed(SHARD_2)).isEqualTo(Files.size(source.resolve(SHARD_2)) - 1000);
    assertThat(hub.requests()).anyMatch(q -> "bytes=1000-".equals(q.range()));
    assertThat(names(into)).noneMatch(n -> n.endsWith(".incomplete"));
  }

  @Test
  void a_corrupted_shard_is_detected_and_fetched_again() throws IOException {
    long size = Files.size(source.resolve(SHARD_2));
    hub.corrupt(SHARD_2, 1);
    Path into = dir.resolve("pulled");

    pull(into);

    assertSameBytes(into, SHARD_2);
    assertThat(hub.bytesServed(SHARD_2)).isEqualTo(2 * size);
  }

  @Test
  void a_corrupted_partial_file_on_disk_is_detected_and_fetched_again() throws IOException {
    Path into = dir.resolve("pulled");
    Files.createDirectories(into);
    Files.write(into.resolve(SHARD_1 + ".incomplete"), new byte[5000]); // not the file's bytes

    pull(into);

    assertSameBytes(into, SHARD_1);
  }

  @Test
  void a_small_file_corrupted_in_transit_fails_its_git_blob_check_and_is_fetched_again()
      throws IOException {
    hub.corrupt("tokenizer.json", 1);
    Path into = dir.resolve("pulled");

    pull(into);

    assertSameBytes(into, "tokenizer.json");
  }

  @Test
  void a_shard_corrupted_on_every_download_fails_naming_the_file_and_both_checksums() {
    hub.corrupt(SHARD_1, 10);
    Path into = dir.resolve("pulled");

    assertThatThrownBy(() -> pull(into))
        .isInstanceOf(ModelFetchException.class)
        .hasMessageContaining(SHARD_1 + ": the download sha256 ")
        .hasMessageContaining("differs from the hub's")
        .hasMessageContaining("(3 downloads)");
    assertThat(into.resolve(SHARD_1)).doesNotExist();
  }

  @Test
  void a_connection_that_breaks_every_time_fails_after_five_attempts() {
    hub.cutAfter(SHARD_1, 100, 100);

    assertThatThrownBy(() -> pull(dir.resolve("pulled")))
        .hasMessageContaining(SHARD_1 + ": the download broke off 5 times");
  }

  @Test
  void a_private_repository_is_read_with_the_server_token_or_a_token_of_the_request()
      throws IOException {
    hub.servePrivate("acme/secret", source, "hf_secret");
    ModelFetcher.Request withServerToken =
        new ModelFetcher.Request("acme/secret", null, null, true);

    pull(downloader("hf_secret", true), withServerToken, dir.resolve("a"));
    pull(
        downloader(null, true),
        new ModelFetcher.Request("acme/secret", null, "hf_secret", false),
        dir.resolve("b"));

    assertSameBytes(dir.resolve("a"), SHARD_1);
    assertSameBytes(dir.resolve("b"), SHARD_1);
  }

  @Test
  void a_private_repository_without_a_usable_token_is_refused_saying_a_token_is_needed() {
    hub.servePrivate("acme/secret", source, "hf_secret");

    // a user's import may not use the server's token
    assertThatThrownBy(
            () ->
                pull(
                    downloader("hf_secret", true),
                    new ModelFetcher.Request("acme/secret", null, null, false),
                    dir.resolve("a")))
        .hasMessageContaining("the hub refused repository acme/secret (401 RepoNotFound")
        .hasMessageContaining("needs a token");
    // HF_HUB_DISABLE_IMPLICIT_TOKEN: the server's token is not sent
    assertThatThrownBy(
            () ->
                pull(
                    downloader("hf_secret", false),
                    new ModelFetcher.Request("acme/secret", null, null, true),
                    dir.resolve("b")))
        .hasMessageContaining("needs a token");
  }

  @Test
  void the_token_goes_to_the_hub_but_not_to_a_download_host_it_redirects_to() throws IOException {
    hub.servePrivate("acme/secret", source, "hf_secret");
    hub.cdnHost("localhost");

    pull(
        downloader("hf_secret", true),
        new ModelFetcher.Request("acme/secret", null, null, true),
        dir.resolve("a"));

    assertSameBytes(dir.resolve("a"), SHARD_1);
    assertThat(hub.requests())
        .filteredOn(q -> q.path().startsWith("/cdn/"))
        .isNotEmpty()
        .allMatch(q -> q.authorization() == null);
    assertThat(hub.requests())
        .filteredOn(q -> q.path().contains("/resolve/"))
        .allMatch(q -> "Bearer hf_secret".equals(q.authorization()));
  }

  @Test
  void an_unknown_repository_and_an_unknown_revision_are_named() {
    assertThatThrownBy(
            () ->
                pull(
                    downloader(null, true),
                    new ModelFetcher.Request("nobody/nothing", null, null, true),
                    dir.resolve("a")))
        .hasMessageContaining("repository nobody/nothing not found on " + hub.endpoint());
    assertThatThrownBy(
            () ->
                pull(
                    downloader(null, true),
                    new ModelFetcher.Request(REPO, "v9", null, true),
                    dir.resolve("b")))
        .hasMessageContaining("repository " + REPO + " has no revision v9");
  }

  @Test
  void a_repository_with_only_pickled_weights_is_refused_before_any_download() throws IOException {
    Path pickled = dir.resolve("pickled");
    Files.createDirectories(pickled);
    Files.copy(source.resolve("config.json"), pickled.resolve("config.json"));
    Files.write(pickled.resolve("pytorch_model.bin"), new byte[64]);
    hub.serve("acme/pickled", pickled);

    assertThatThrownBy(
            () ->
                pull(
                    downloader(null, true),
                    new ModelFetcher.Request("acme/pickled", null, null, true),
                    dir.resolve("a")))
        .hasMessageContaining("has no safetensors weights (only pytorch_model.bin)")
        .hasMessageContaining("tuneup loads safetensors only");
    assertThat(hub.requests()).noneMatch(q -> q.path().contains("/resolve/"));
  }

  @Test
  void offline_mode_refuses_to_reach_the_hub() {
    HubDownloader offline =
        new HubDownloader(
            new HubClient(
                new HubSettings(URI.create(hub.endpoint()), null, true, true),
                Duration.ofSeconds(5)),
            Duration.ofMillis(10));

    assertThatThrownBy(() -> pull(offline, new ModelFetcher.Request(REPO, null, null, true), dir))
        .hasMessageContaining("HF_HUB_OFFLINE is set");
    assertThat(hub.requests()).isEmpty();
  }

  private static long sizeOf(Path d) throws IOException {
    long n = 0;
    for (String f : names(d)) {
      n += Files.size(d.resolve(f));
    }
    return n;
  }

  @Test
  void settings_resolve_as_huggingface_hub_resolves_them(@TempDir Path home) throws IOException {
    Path tokenFile = home.resolve(".cache/huggingface/token");
    Files.createDirectories(tokenFile.getParent());
    Files.writeString(tokenFile, "hf_from_file\n");

    HubSettings defaults = HubSettings.resolve("", "", Map.of(), home);
    HubSettings env =
        HubSettings.resolve(
            "",
            "",
            Map.of(
                "HF_ENDPOINT", "https://hf-mirror.example/",
                "HF_TOKEN", " hf_env ",
                "HF_HUB_DISABLE_IMPLICIT_TOKEN", "1",
                "HF_HUB_OFFLINE", "TRUE"),
            home);
    HubSettings legacy =
        HubSettings.resolve("", "", Map.of("HUGGING_FACE_HUB_TOKEN", "hf_legacy"), home);
    Path hfHome = home.resolve("hfhome");
    Files.createDirectories(hfHome);
    Files.writeString(hfHome.resolve("token"), "hf_hf_home");
    HubSettings fromHfHome =
        HubSettings.resolve("", "", Map.of("HF_HOME", hfHome.toString()), home);
    HubSettings fromTokenPath =
        HubSettings.resolve(
            "", "", Map.of("HF_TOKEN_PATH", tokenFile.toString(), "HF_HOME", "/nowhere"), home);
    HubSettings configured =
        HubSettings.resolve(
            "http://hub.local:9000", "hf_config", Map.of("HF_TOKEN", "hf_env"), home);

    assertThat(defaults.endpoint()).isEqualTo(URI.create("https://huggingface.co"));
    assertThat(defaults.token()).isEqualTo("hf_from_file");
    assertThat(defaults.implicitToken()).isTrue();
    assertThat(defaults.offline()).isFalse();
    assertThat(env.endpoint()).isEqualTo(URI.create("https://hf-mirror.example"));
    assertThat(env.token()).isEqualTo("hf_env");
    assertThat(env.implicitToken()).isFalse();
    assertThat(env.offline()).isTrue();
    assertThat(legacy.token()).isEqualTo("hf_legacy");
    assertThat(fromHfHome.token()).isEqualTo("hf_hf_home");
    assertThat(fromTokenPath.token()).isEqualTo("hf_from_file");
    assertThat(configured.endpoint()).isEqualTo(URI.create("http://hub.local:9000"));
    assertThat(configured.token()).isEqualTo("hf_config");
    assertThat(configured.toString()).doesNotContain("hf_config");
  }
}
