package dev.tuneup.model.weights;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Writes safetensors files the way the reference Rust library does: keys sorted, the JSON header
 * padded with spaces to a multiple of 8 bytes, an optional {@code __metadata__} of strings. Values
 * are stored as F32, or as BF16 narrowed with round-to-nearest-even.
 */
public final class SafetensorsWriter {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The on-disk type of every tensor in a file. */
  public enum Dtype {
    F32(4),
    BF16(2);

    final int bytes;

    Dtype(int bytes) {
      this.bytes = bytes;
    }
  }

  private SafetensorsWriter() {}

  /** Writes Java-held tensors. */
  public static void writeHost(
      Path file, Map<String, HostTensor> tensors, Map<String, String> metadata, Dtype dtype)
      throws IOException {
    Map<String, long[]> shapes = new TreeMap<>();
    tensors.forEach((k, v) -> shapes.put(k, v.shape()));
    write(file, shapes, name -> tensors.get(name).data(), metadata, dtype);
  }

  /** Writes arrays (copied out one at a time, so peak memory is the largest tensor). */
  public static void writeArrays(
      Path file, Map<String, NDArray> arrays, Map<String, String> metadata, Dtype dtype)
      throws IOException {
    Map<String, long[]> shapes = new TreeMap<>();
    arrays.forEach((k, v) -> shapes.put(k, v.getShape().getShape()));
    write(file, shapes, name -> arrays.get(name).toFloatArray(), metadata, dtype);
  }

  private static void write(
      Path file,
      Map<String, long[]> shapes,
      Function<String, float[]> values,
      Map<String, String> metadata,
      Dtype dtype)
      throws IOException {
    ObjectNode header = JSON.createObjectNode();
    if (metadata != null && !metadata.isEmpty()) {
      ObjectNode meta = header.putObject("__metadata__");
      new TreeMap<>(metadata).forEach(meta::put);
    }
    long offset = 0;
    for (Map.Entry<String, long[]> e : new TreeMap<>(shapes).entrySet()) {
      long n = 1;
      for (long d : e.getValue()) {
        n *= d;
      }
      ObjectNode t = header.putObject(e.getKey());
      t.put("dtype", dtype.name());
      var shape = t.putArray("shape");
      for (long d : e.getValue()) {
        shape.add(d);
      }
      t.putArray("data_offsets").add(offset).add(offset + n * dtype.bytes);
      offset += n * dtype.bytes;
    }
    byte[] json = JSON.writeValueAsBytes(header);
    int padded = (json.length + 7) / 8 * 8;
    ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
    head.putLong(padded).put(json);
    while (head.hasRemaining()) {
      head.put((byte) ' ');
    }
    try (FileChannel ch =
        FileChannel.open(
            file,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      writeFully(ch, head.flip());
      for (String name : new TreeMap<>(shapes).keySet()) {
        float[] data = values.apply(name);
        ByteBuffer buf =
            ByteBuffer.allocate(data.length * dtype.bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (dtype == Dtype.F32) {
          buf.asFloatBuffer().put(data);
        } else {
          for (float f : data) {
            buf.putShort(Bf16.floatToBf16(f));
          }
        }
        writeFully(ch, buf.rewind());
      }
      ch.force(true);
    }
  }

  private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
  }

  /** The JSON header as a string, for tests and diagnostics. */
  static String headerOf(byte[] file) {
    long len = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    return new String(file, 8, (int) len, StandardCharsets.UTF_8);
  }
}
