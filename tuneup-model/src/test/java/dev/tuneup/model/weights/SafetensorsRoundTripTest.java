package dev.tuneup.model.weights;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsRoundTripTest {

  @TempDir Path tmp;

  private static Map<String, HostTensor> sample() {
    Map<String, HostTensor> m = new TreeMap<>();
    m.put(
        "b.weight",
        new HostTensor(new long[] {2, 3}, new float[] {1f, -2.5f, 3.14159f, 1e-8f, 65504f, -0f}));
    m.put("a.bias", new HostTensor(new long[] {3}, new float[] {0.1f, 0.2f, 0.3f}));
    return m;
  }

  @Test
  void f32_round_trip_is_exact_with_padded_header_and_metadata() throws Exception {
    Path f = tmp.resolve("x.safetensors");
    SafetensorsWriter.writeHost(f, sample(), Map.of("format", "pt"), SafetensorsWriter.Dtype.F32);
    byte[] bytes = Files.readAllBytes(f);
    String header = SafetensorsWriter.headerOf(bytes);
    assertThat(header.length() % 8).isZero();
    assertThat(header.indexOf("a.bias")).isLessThan(header.indexOf("b.weight"));
    try (SafetensorsReader r = SafetensorsReader.open(f)) {
      assertThat(r.metadata()).containsEntry("format", "pt");
      assertThat(r.read("b.weight").data()).containsExactly(sample().get("b.weight").data());
      assertThat(r.shape("b.weight")).containsExactly(2, 3);
    }
  }

  @Test
  void bf16_round_trip_rounds_to_nearest_even() throws Exception {
    Path f = tmp.resolve("x.safetensors");
    SafetensorsWriter.writeHost(f, sample(), Map.of(), SafetensorsWriter.Dtype.BF16);
    try (SafetensorsReader r = SafetensorsReader.open(f)) {
      assertThat(r.dtype("b.weight")).isEqualTo("BF16");
      float[] got = r.read("b.weight").data();
      assertThat(got[0]).isEqualTo(1f);
      assertThat(got[1]).isEqualTo(-2.5f);
      assertThat(got[2]).isEqualTo(3.140625f);
    }
    // 1 + 2^-8 is exactly halfway between two bf16 values: ties go to the even mantissa (1.0)
    assertThat(Bf16.bf16ToFloat(Bf16.floatToBf16(1f + 0x1.0p-8f))).isEqualTo(1f);
    assertThat(Bf16.bf16ToFloat(Bf16.floatToBf16(1f + 0x1.8p-7f))).isEqualTo(1f + 0x1.0p-6f);
  }

  @Test
  void sharded_index_is_read_across_files() throws Exception {
    Map<String, HostTensor> s = sample();
    SafetensorsWriter.writeHost(
        tmp.resolve("model-00001-of-00002.safetensors"),
        Map.of("a.bias", s.get("a.bias")),
        Map.of(),
        SafetensorsWriter.Dtype.F32);
    SafetensorsWriter.writeHost(
        tmp.resolve("model-00002-of-00002.safetensors"),
        Map.of("b.weight", s.get("b.weight")),
        Map.of(),
        SafetensorsWriter.Dtype.BF16);
    Files.writeString(
        tmp.resolve("model.safetensors.index.json"),
        "{\"metadata\":{},\"weight_map\":{\"a.bias\":\"model-00001-of-00002.safetensors\","
            + "\"b.weight\":\"model-00002-of-00002.safetensors\"}}");
    try (SafetensorsReader r = SafetensorsReader.open(tmp)) {
      assertThat(r.names()).containsExactlyInAnyOrder("a.bias", "b.weight");
      assertThat(r.read("a.bias").data()).containsExactly(0.1f, 0.2f, 0.3f);
      assertThat(r.read("b.weight").data()[1]).isEqualTo(-2.5f);
    }
  }

  @Test
  void f16_values_widen_exactly() {
    assertThat(Bf16.f16ToFloat((short) 0x3C00)).isEqualTo(1f);
    assertThat(Bf16.f16ToFloat((short) 0xC000)).isEqualTo(-2f);
    assertThat(Bf16.f16ToFloat((short) 0x7BFF)).isEqualTo(65504f);
    assertThat(Bf16.f16ToFloat((short) 0x0001)).isEqualTo(0x1.0p-24f);
  }
}
