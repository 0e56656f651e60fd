package dev.tuneup.backend.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalBackendConfigTest {
  @Test
  void the_default_command_runs_tuneup_train_on_this_jvm_and_class_path() {
    List<String> cmd = LocalBackendConfig.defaultTrainerCommand();
    assertThat(cmd.get(0))
        .isEqualTo(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    assertThat(cmd).contains("-Xmx2g", "-Dai.djl.offline=true");
    int cp = cmd.indexOf("-cp");
    assertThat(cmd.get(cp + 1)).isEqualTo(System.getProperty("java.class.path"));
    assertThat(cmd.subList(cp + 2, cmd.size()))
        .containsExactly("dev.tuneup.cli.Main", "train", "--spec", "{spec}");
    assertThat(LocalBackendConfig.defaultTrainerCommand("512m")).contains("-Xmx512m");
    assertThat(LocalBackendConfig.defaults().slots()).isEqualTo(1);
  }

  @Test
  void a_sized_command_takes_heap_and_direct_limits_from_the_specs_memory_plan(@TempDir Path dir)
      throws Exception {
    assertThat(LocalBackendConfig.sizedTrainerCommand())
        .contains("-Xmx{heap}", "-XX:MaxDirectMemorySize={direct}");
    Path planned = dir.resolve("planned.json");
    Files.writeString(
        planned,
        "{\"memory\":{\"limit_bytes\":1,\"heap_bytes\":1610612736,\"direct_bytes\":3000000000}}");
    Path bare = dir.resolve("bare.json");
    Files.writeString(bare, "{}");

    assertThat(LocalBackend.memory(planned)).containsExactly("1536m", "2862m");
    assertThat(LocalBackend.memory(bare)).containsExactly("2g", "2g");
  }

  @Test
  void a_command_without_the_spec_placeholder_is_rejected_naming_the_setting() {
    assertThatThrownBy(() -> new LocalBackendConfig(List.of("java", "-version"), 1, Map.of()))
        .hasMessageContaining("backend.local.trainer-command")
        .hasMessageContaining("{spec}");
    assertThatThrownBy(() -> new LocalBackendConfig(List.of(), 1, Map.of()))
        .hasMessageContaining("backend.local.trainer-command");
  }

  @Test
  void fewer_than_one_slot_or_a_malformed_heap_is_rejected() {
    assertThatThrownBy(() -> new LocalBackendConfig(List.of("t", "{spec}"), 0, Map.of()))
        .hasMessageContaining("backend.local.slots");
    assertThatThrownBy(() -> LocalBackendConfig.defaultTrainerCommand("lots"))
        .hasMessageContaining("lots");
  }
}
