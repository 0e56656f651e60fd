package dev.tuneup.testkit.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict, independent reader of the safetensors format, so trainer outputs are checked by code
 * that shares nothing with the writer: an 8-byte little-endian header length, a JSON header of
 * {@code name -> {dtype, shape, data_offsets}} (plus an optional {@code __metadata__} of strings),
 * then the tensor bytes. {@link #read} rejects a file whose offsets overlap, leave gaps, disagree
 * with dtype and shape, or run past (or stop short of) the end of the file.
 */
public final class SafetensorsFile {

  /** One tensor's entry in the header. */
  public record Tensor(String dtype, List<Long> shape, long begin, long end) {
    public long elements() {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return n;
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MAX_HEADER = 100L * 1024 * 1024;
  private static final Map<String, Integer> DTYPE_BYTES =
      Map.ofEntries(
          Map.entry("BOOL", 1),
          Map.entry("U8", 1),
          Map.entry("I8", 1),
          Map.entry("F8_E4M3", 1),
          Map.entry("F8_E5M2", 1),
          Map.entry("I16", 2),
          Map.entry("U16", 2),
          Map.entry("F16", 2),
          Map.entry("BF16", 2),
          Map.entry("I32", 4),
          Map.entry("U32", 4),
          Map.entry("F32", 4),
          Map.entry("I64", 8),
          Map.entry("U64", 8),
          Map.entry("F64", 8));

  private final Path file;
  private final long dataStart;
  private final Map<String, Tensor> tensors;
  private final Map<String, String> metadata;

  private SafetensorsFile(
      Path file, long dataStart, Map<String, Tensor> tensors, Map<String, String> metadata) {
    this.file = file;
    this.dataStart = dataStart;
    this.tensors = tensors;
    this.metadata = metadata;
  }

  /**
   * Parses and checks a file's header and layout.
   *
   * @throws IllegalArgumentException naming the file and what is wrong with it
   */
  public static SafetensorsFile read(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < 8) {
        throw bad(file, "shorter than the 8-byte header length (" + size + " bytes)");
      }
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, len, 0);
      long n = len.flip().getLong();
      if (n <= 0 || n > MAX_HEADER || 8 + n > size) {
        throw bad(file, "header length " + n + " does not fit a file of " + size + " bytes");
      }
      ByteBuffer header = ByteBuffer.allocate((int) n);
      readFully(ch, header, 8);
      JsonNode root = JSON.readTree(new String(header.array(), StandardCharsets.UTF_8));
      if (root == null || !root.isObject()) {
        throw bad(file, "header is not a JSON object");
      }
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      Map<String, String> metadata = new LinkedHashMap<>();
      var fields = root.fields();
      while (fields.hasNext()) {
        var f = fields.next();
        if (f.getKey().equals("__metadata__")) {
          f.getValue()
              .fields()
              .forEachRemaining(
                  m -> {
                    if (!m.getValue().isTextual()) {
                      throw bad(file, "__metadata__." + m.getKey() + " is not a string");
                    }
                    metadata.put(m.getKey(), m.getValue().asText());
                  });
          continue;
        }
        tensors.put(f.getKey(), tensor(file, f.getKey(), f.getValue()));
      }
      long dataSize = size - 8 - n;
      List<Map.Entry<String, Tensor>> byOffset = new ArrayList<>(tensors.entrySet());
      byOffset.sort(Comparator.comparingLong(e -> e.getValue().begin()));
      long at = 0;
      for (var e : byOffset) {
        if (e.getValue().begin() != at) {
          throw bad(
              file,
              e.getKey() + " starts at " + e.getValue().begin() + ", expected " + at + " (gap)");
        }
        at = e.getValue().end();
      }
      if (at != dataSize) {
        throw bad(file, "tensors cover " + at + " bytes of a " + dataSize + "-byte data section");
      }
      return new SafetensorsFile(file, 8 + n, Map.copyOf(tensors), Map.copyOf(metadata));
    }
  }

  private static Tensor tensor(Path file, String name, JsonNode t) {
    String dtype = t.path("dtype").asText("");
    Integer width = DTYPE_BYTES.get(dtype);
    if (width == null) {
      throw bad(file, name + " has unknown dtype '" + dtype + "'");
    }
    JsonNode shapeNode = t.path("shape");
    JsonNode offsets = t.path("data_offsets");
    if (!shapeNode.isArray() || !offsets.isArray() || offsets.size() != 2) {
      throw bad(file, name + " needs a shape array and two data_offsets");
    }
    List<Long> shape = new ArrayList<>();
    for (JsonNode d : shapeNode) {
      if (!d.canConvertToLong() || d.asLong() < 0) {
        throw bad(file, name + " has a bad dimension " + d);
      }
      shape.add(d.asLong());
    }
    Tensor tensor =
        new Tensor(dtype, List.copyOf(shape), offsets.get(0).asLong(), offsets.get(1).asLong());
    if (tensor.end() - tensor.begin() != tensor.elements() * width) {
      throw bad(
          file,
          name
              + " holds "
              + (tensor.end() - tensor.begin())
              + " bytes, but "
              + dtype
              + " "
              + shape
              + " needs "
              + tensor.elements() * width);
    }
    return tensor;
  }

  private static void readFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
    while (b.hasRemaining()) {
      int r = ch.read(b, position + b.position());
      if (r < 0) {
        throw new IOException("unexpected end of file");
      }
    }
  }

  private static IllegalArgumentException bad(Path file, String what) {
    return new IllegalArgumentException("safetensors file " + file + ": " + what);
  }

  public Path file() {
    return file;
  }

  /** Tensors by name. */
  public Map<String, Tensor> tensors() {
    return tensors;
  }

  /** The {@code __metadata__} strings; empty when the header has none. */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** The raw little-endian bytes of one tensor. */
  public byte[] bytes(String name) throws IOException {
    Tensor t = tensors.get(name);
    if (t == null) {
      throw new IllegalArgumentException(file + " has no tensor " + name);
    }
    ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(t.end() - t.begin()));
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      readFully(ch, b, dataStart + t.begin());
    }
    return b.array();
  }
}
