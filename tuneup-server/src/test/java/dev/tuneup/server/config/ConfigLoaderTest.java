package dev.tuneup.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir Path dir;

  @Test
  void defaults_give_port_8080_data_dir_and_dashscope_quotas() {
    TuneupConfig c = ConfigLoader.load(Map.of(), Map.of("data-dir", dir.toString()), null);
    assertThat(c.http().port()).isEqualTo(8080);
    assertThat(c.dataDir()).isEqualTo(dir.toAbsolutePath().normalize());
    assertThat(c.jobs().maxActive()).isEqualTo(20);
    assertThat(c.jobs().maxRunning()).isEqualTo(1);
    assertThat(c.jobs().stopGrace()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.local().slots()).isEqualTo(1);
  }

  @Test
  void flags_beat_environment_which_beats_the_file() throws IOException {
    Files.writeString(
        dir.resolve("tuneup.properties"),
        "http.port=1111\njobs.max-running=3\njobs.max-active=7\nmodels.qwen-small.path=/m/q\n");
    TuneupConfig c =
        ConfigLoader.load(
            Map.of("TUNEUP_HTTP_PORT", "2222", "TUNEUP_JOBS_MAX_RUNNING", "4"),
            Map.of("data-dir", dir.toString(), "http.port", "3333"),
            null);
    assertThat(c.http().port()).isEqualTo(3333);
    assertThat(c.jobs().maxRunning()).isEqualTo(4);
    assertThat(c.jobs().maxActive()).isEqualTo(7);
    assertThat(c.baseModels()).containsEntry("qwen-small", Path.of("/m/q"));
  }

  @Test
  void the_data_dir_from_the_environment_locates_the_properties_file() throws IOException {
    Files.writeString(dir.resolve("tuneup.properties"), "jobs.stop-grace=3s\n");
    TuneupConfig c = ConfigLoader.load(Map.of("TUNEUP_DATA_DIR", dir.toString()), Map.of(), null);
    assertThat(c.jobs().stopGrace()).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void deployments_are_reconciled_every_two_seconds_unless_configured() {
    Map<String, String> flags = Map.of("data-dir", dir.toString());
    assertThat(ConfigLoader.load(Map.of(), flags, null).inference().reconcileInterval())
        .isEqualTo(java.time.Duration.ofSeconds(2));
    assertThat(
            ConfigLoader.load(
                    Map.of(),
                    Map.of("data-dir", dir.toString(), "inference.reconcile-interval", "300ms"),
                    null)
                .inference()
                .reconcileInterval())
        .isEqualTo(java.time.Duration.ofMillis(300));
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Map.of(),
                    Map.of("data-dir", dir.toString(), "inference.reconcile-interval", "0s"),
                    null))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("inference.reconcile-interval");
  }

  @Test
  void a_bad_value_names_the_key_and_where_it_came_from() {
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Map.of("TUNEUP_HTTP_PORT", "eighty"), Map.of("data-dir", dir.toString()), null))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("http.port")
        .hasMessageContaining("env TUNEUP_HTTP_PORT");
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Map.of(), Map.of("data-dir", dir.toString(), "jobs.max-running", "0"), null))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("jobs.max-running");
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Map.of(), Map.of("data-dir", dir.toString(), "jobs.stop-grace", "soon"), null))
        .hasMessageContaining("jobs.stop-grace")
        .hasMessageContaining("flag --jobs.stop-grace");
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Map.of(),
                    Map.of("data-dir", dir.toString(), "backend.local.trainer-command", "echo hi"),
                    null))
        .hasMessageContaining("{spec}");
  }

  @Test
  void trainer_runtime_defaults_to_java_and_torch_keys_are_read() {
    assertThat(ConfigLoader.load(Map.of(), Map.of("data-dir", dir.toString()), null).trainer())
        .isEqualTo(dev.tuneup.backend.TrainerRuntime.DEFAULT);
    var t =
        ConfigLoader.load(
                Map.of("TUNEUP_TRAINER_TORCH_NPROC_PER_NODE", "4"),
                Map.of(
                    "data-dir", dir.toString(),
                    "trainer.runtime", "torch",
                    "trainer.torch.python", "/opt/venv/bin/python",
                    "trainer.torch.devices", "cuda"),
                null)
            .trainer();
    assertThat(t)
        .isEqualTo(
            new dev.tuneup.backend.TrainerRuntime("torch", "/opt/venv/bin/python", "cuda", 4));
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Map.of(), Map.of("data-dir", dir.toString(), "trainer.runtime", "jax"), null))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("trainer.runtime");
  }

  @Test
  void replicas_beat_every_5_s_and_are_taken_over_after_at_least_4_missed_heartbeats() {
    TuneupConfig c = ConfigLoader.load(Map.of(), Map.of("data-dir", dir.toString()), null);
    assertThat(c.jobs().heartbeatInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.jobs().missedHeartbeats()).isEqualTo(6);

    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Map.of("TUNEUP_JOBS_MISSED_HEARTBEATS", "3"),
                    Map.of("data-dir", dir.toString()),
                    null))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("jobs.missed-heartbeats must be 4 or more, got 3");
  }

  @Test
  void the_slurm_backend_takes_its_sbatch_settings_from_the_config() {
    TuneupConfig local = ConfigLoader.load(Map.of(), Map.of("data-dir", dir.toString()), null);
    assertThat(local.backend().kind()).isEqualTo("local");
    assertThat(local.backend().slurm()).isNull();

    TuneupConfig c =
        ConfigLoader.load(
            Map.of("TUNEUP_BACKEND_KIND", "slurm", "TUNEUP_BACKEND_SLURM_PARTITION", "gpu"),
            Map.of(
                "data-dir", dir.toString(),
                "backend.slurm.time-limit", "2-00:00:00",
                "backend.slurm.gpus", "2",
                "backend.slurm.sbatch-options", "--account=ml  --qos=high",
                "backend.slurm.conf", "/etc/slurm/slurm.conf",
                "backend.slurm.poll-interval", "2s"),
            null);
    assertThat(c.backend().kind()).isEqualTo("slurm");
    assertThat(c.backend().slurm().pollInterval()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.backend().slurm().partition()).isEqualTo("gpu");
    assertThat(c.backend().slurm().timeLimit()).isEqualTo("2-00:00:00");
    assertThat(c.backend().slurm().gpus()).isEqualTo(2);
    assertThat(c.backend().slurm().extraOptions()).containsExactly("--account=ml", "--qos=high");
    assertThat(c.backend().slurm().slurmConf()).isEqualTo(Path.of("/etc/slurm/slurm.conf"));
    assertThat(c.backend().slurm().trainerCommand()).contains("train", "--spec", "{spec}");
    assertThat(c.backend().slurm().slots()).isEqualTo(4);

    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Map.of(), Map.of("data-dir", dir.toString(), "backend.kind", "mesos"), null))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("backend.kind must be local, slurm or kubernetes, got 'mesos'");
    assertSlurmRejects("backend.slurm.sbatch-options", "--output=/tmp/x", "must not set --output");
    assertSlurmRejects("backend.slurm.poll-interval", "often", "backend.slurm.poll-interval");
  }

  private void assertSlurmRejects(String key, String value, String message) {
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Map.of(),
                    Map.of("data-dir", dir.toString(), "backend.kind", "slurm", key, value),
                    null))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(key)
        .hasMessageContaining(message);
  }

  @Test
  void the_kubernetes_backend_takes_image_resources_and_volume_from_the_config() {
    TuneupConfig c =
        ConfigLoader.load(
            Map.of("TUNEUP_BACKEND_KIND", "kubernetes", "TUNEUP_BACKEND_KUBERNETES_IMAGE", "t:1"),
            Map.of(
                "data-dir", dir.toString(),
                "backend.kubernetes.namespace", "ml",
                "backend.kubernetes.gpus", "1",
                "backend.kubernetes.memory-limit", "32Gi",
                "backend.kubernetes.node-selector", "gpu=h100, zone=a",
                "backend.kubernetes.claim-name", "tuneup-data"),
            null);
    var k = c.backend().kubernetes();
    assertThat(c.backend().kind()).isEqualTo("kubernetes");
    assertThat(k.namespace()).isEqualTo("ml");
    assertThat(k.image()).isEqualTo("t:1");
    assertThat(k.gpus()).isEqualTo(1);
    assertThat(k.memoryLimit()).isEqualTo("32Gi");
    assertThat(k.nodeSelector()).containsEntry("gpu", "h100").containsEntry("zone", "a");
    assertThat(k.mountPath()).as("the data directory").isEqualTo(c.dataDir());
    assertThat(k.trainerCommand()).containsExactly("tuneup", "train", "--spec", "{spec}");
    assertThat(k.stopGrace()).isEqualTo(Duration.ofSeconds(10));

    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Map.of(),
                    Map.of("data-dir", dir.toString(), "backend.kind", "kubernetes"),
                    null))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("backend.kubernetes.image is required");
  }

  @Test
  void a_missing_explicit_config_file_is_an_error() {
    assertThatThrownBy(() -> ConfigLoader.load(Map.of(), Map.of(), dir.resolve("nope.properties")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("nope.properties");
  }

  @Test
  void environment_names_are_the_keys_in_upper_case_with_underscores() {
    assertThat(ConfigLoader.envName("jobs.max-running")).isEqualTo("TUNEUP_JOBS_MAX_RUNNING");
  }
}
