package dev.tuneup.model.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads safetensors files: one file, a model directory holding {@code model.safetensors}, or a
 * sharded directory with {@code model.safetensors.index.json}. Every tensor comes back as float32
 * (F32, F16 and BF16 are accepted).
 *
 * <p>Written by hand instead of DJL's decoder because that one reads the whole file into one {@code
 * byte[]} with int offsets (files over 2 GB fail) and aborts the JVM on BF16. Here each tensor is
 * memory-mapped on its own with long offsets; one tensor must stay under 2 GB as float32. Not
 * thread-safe.
 */
public final class SafetensorsReader implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private record Entry(
      Path file, FileChannel channel, String dtype, long[] shape, long begin, long end) {}

  private final Map<String, Entry> entries = new LinkedHashMap<>();
  private final Map<String, String> metadata = new LinkedHashMap<>();
  private final List<FileChannel> channels = new ArrayList<>();

  private SafetensorsReader() {}

  /**
   * Opens a file, or a directory with {@code model.safetensors.index.json} or {@code
   * model.safetensors}.
   *
   * @throws UncheckedIOException when no weights are found or a header is malformed
   */
  public static SafetensorsReader open(Path path) {
    SafetensorsReader reader = new SafetensorsReader();
    try {
      if (Files.isDirectory(path)) {
        Path index = path.resolve("model.safetensors.index.json");
        Path single = path.resolve("model.safetensors");
        if (Files.isRegularFile(index)) {
          JsonNode map = JSON.readTree(index.toFile()).path("weight_map");
          Set<String> shards = new java.util.TreeSet<>();
          map.forEach(n -> shards.add(n.asText()));
          for (String shard : shards) {
            reader.addFile(path.resolve(shard));
          }
        } else if (Files.isRegularFile(single)) {
          reader.addFile(single);
        } else {
          throw new IOException("no model.safetensors or model.safetensors.index.json in " + path);
        }
      } else {
        reader.addFile(path);
      }
      return reader;
    } catch (IOException e) {
      reader.close();
      throw new UncheckedIOException(e.getMessage(), e);
    } catch (RuntimeException e) {
      reader.close();
      throw e;
    }
  }

  private void addFile(Path file) throws IOException {
    FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
    channels.add(ch);
    ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    readFully(ch, len, 0);
    long headerLen = len.flip().getLong();
    if (headerLen <= 0 || headerLen > 100_000_000 || 8 + headerLen > ch.size()) {
      throw new IOException(file + ": not a safetensors file (header length " + headerLen + ")");
    }
    ByteBuffer header = ByteBuffer.allocate((int) headerLen);
    readFully(ch, header, 8);
    JsonNode json = JSON.readTree(new String(header.array(), StandardCharsets.UTF_8));
    long dataStart = 8 + headerLen;
    for (Iterator<Map.Entry<String, JsonNode>> it = json.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().equals("__metadata__")) {
        e.getValue()
            .fields()
            .forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
        continue;
      }
      JsonNode t = e.getValue();
      JsonNode shapeNode = t.path("shape");
      long[] shape = new long[shapeNode.size()];
      for (int i = 0; i < shape.length; i++) {
        shape[i] = shapeNode.get(i).asLong();
      }
      long begin = dataStart + t.path("data_offsets").get(0).asLong();
      long end = dataStart + t.path("data_offsets").get(1).asLong();
      String dtype = t.path("dtype").asText();
      long expected = elements(shape) * bytesPer(dtype, file, e.getKey());
      if (end - begin != expected || end > ch.size()) {
        throw new IOException(
            file
                + ": tensor "
                + e.getKey()
                + " has "
                + (end - begin)
                + " bytes, expected "
                + expected);
      }
      entries.put(e.getKey(), new Entry(file, ch, dtype, shape, begin, end));
    }
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
    while (buf.hasRemaining()) {
      int n = ch.read(buf, pos);
      if (n < 0) {
        throw new IOException("unexpected end of file");
      }
      pos += n;
    }
  }

  private static int bytesPer(String dtype, Path file, String name) throws IOException {
    switch (dtype) {
      case "F32":
        return 4;
      case "F16":
      case "BF16":
        return 2;
      default:
        throw new IOException(file + ": tensor " + name + " has unsupported dtype " + dtype);
    }
  }

  private static long elements(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  /** Tensor names in file order (shards in name order). */
  public Set<String> names() {
    return entries.keySet();
  }

  /** The {@code __metadata__} strings of the files read. */
  public Map<String, String> metadata() {
    return metadata;
  }

  public boolean contains(String name) {
    return entries.containsKey(name);
  }

  public long[] shape(String name) {
    return entry(name).shape().clone();
  }

  /** The dtype stored on disk: F32, F16 or BF16. */
  public String dtype(String name) {
    return entry(name).dtype();
  }

  /** Reads one tensor as float32 values in a new direct little-endian buffer. */
  public FloatBuffer readBuffer(String name) {
    Entry e = entry(name);
    long bytes = e.end() - e.begin();
    long n = elements(e.shape());
    if (n * 4 > Integer.MAX_VALUE) {
      throw new UnsupportedOperationException(
          name + " is over 2 GB as float32; such tensors are not supported");
    }
    try {
      ByteBuffer src =
          e.channel()
              .map(FileChannel.MapMode.READ_ONLY, e.begin(), bytes)
              .order(ByteOrder.LITTLE_ENDIAN);
      FloatBuffer out =
          ByteBuffer.allocateDirect((int) (n * 4)).order(ByteOrder.nativeOrder()).asFloatBuffer();
      switch (e.dtype()) {
        case "F32" -> out.put(src.asFloatBuffer());
        case "BF16" -> {
          for (long i = 0; i < n; i++) {
            out.put(Bf16.bf16ToFloat(src.getShort()));
          }
        }
        default -> {
          for (long i = 0; i < n; i++) {
            out.put(Bf16.f16ToFloat(src.getShort()));
          }
        }
      }
      return out.flip();
    } catch (IOException ex) {
      throw new UncheckedIOException(e.file() + ": cannot read " + name, ex);
    }
  }

  /** Reads one tensor into Java memory. */
  public HostTensor read(String name) {
    FloatBuffer buf = readBuffer(name);
    float[] data = new float[buf.remaining()];
    buf.get(data);
    return new HostTensor(entry(name).shape(), data);
  }

  /** Reads one tensor as a float32 array owned by {@code manager}. */
  public NDArray load(String name, NDManager manager) {
    NDArray a = manager.create(readBuffer(name), new Shape(entry(name).shape()));
    a.setName(name);
    return a;
  }

  /** Reads every tensor into arrays owned by {@code manager}, keyed by name in file order. */
  public Map<String, NDArray> loadAll(NDManager manager) {
    Map<String, NDArray> out = new LinkedHashMap<>();
    for (String name : entries.keySet()) {
      out.put(name, load(name, manager));
    }
    return out;
  }

  private Entry entry(String name) {
    Entry e = entries.get(name);
    if (e == null) {
      throw new IllegalArgumentException("no tensor named " + name);
    }
    return e;
  }

  @Override
  public void close() {
    for (FileChannel ch : channels) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // closing a read-only channel cannot lose data
      }
    }
    channels.clear();
  }
}
