package dev.tuneup.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class RuntimeChoiceTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static RuntimeChoice of(String spec) throws Exception {
    return RuntimeChoice.of(JSON.readTree(spec));
  }

  @Test
  void a_spec_without_trainer_object_runs_the_java_trainer() throws Exception {
    RuntimeChoice c = of("{\"hyper_parameters\":{}}");
    assertThat(c.torch()).isFalse();
    assertThat(c.python()).isEqualTo("python3");
    assertThat(c.devices()).isEqualTo("auto");
    assertThat(c.nprocPerNode()).isZero();
  }

  @Test
  void the_jobs_trainer_runtime_beats_the_servers() throws Exception {
    String server =
        "\"trainer\":{\"runtime\":\"torch\",\"torch_python\":\"/usr/bin/python3\","
            + "\"torch_devices\":\"cuda\",\"torch_nproc_per_node\":4}";
    RuntimeChoice c = of("{" + server + ",\"hyper_parameters\":{}}");
    assertThat(c).isEqualTo(new RuntimeChoice("torch", "/usr/bin/python3", "cuda", 4));
    assertThat(of("{" + server + ",\"hyper_parameters\":{\"trainer_runtime\":\"java\"}}").torch())
        .isFalse();
    assertThat(of("{\"hyper_parameters\":{\"trainer_runtime\":\"Torch\"}}").torch()).isTrue();
  }

  @Test
  void an_unknown_runtime_or_device_names_the_setting() {
    assertThatThrownBy(() -> of("{\"hyper_parameters\":{\"trainer_runtime\":\"jax\"}}"))
        .hasMessageContaining("hyper_parameters.trainer_runtime");
    assertThatThrownBy(
            () -> of("{\"trainer\":{\"torch_devices\":\"tpu\"},\"hyper_parameters\":{}}"))
        .hasMessageContaining("trainer.torch.devices");
  }
}
