package dev.tuneup.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tuneup.model.builtin.TinyModel;
import dev.tuneup.model.weights.HostTensor;
import dev.tuneup.model.weights.SafetensorsReader;
import dev.tuneup.model.weights.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A hub repository's files for tests: the built-in model (Qwen3 architecture) with its weights in
 * two shards and an index, as larger checkpoints come, plus files a pull must skip.
 */
final class TinyRepo {
  static final String SHARD_1 = "model-00001-of-00002.safetensors";
  static final String SHARD_2 = "model-00002-of-00002.safetensors";
  private static final ObjectMapper JSON = new ObjectMapper();

  private TinyRepo() {}

  static Path write(Path dir) throws IOException {
    Path tiny = TinyModel.ensure(dir.resolve("built-in"));
    Path repo = dir.resolve("repo");
    Files.createDirectories(repo);
    try (Stream<Path> s = Files.list(tiny)) {
      for (Path p : s.toList()) {
        if (!p.getFileName().toString().equals("model.safetensors")) {
          Files.copy(p, repo.resolve(p.getFileName()));
        }
      }
    }
    Map<String, HostTensor> first = new LinkedHashMap<>();
    Map<String, HostTensor> second = new LinkedHashMap<>();
    try (SafetensorsReader r = SafetensorsReader.open(tiny.resolve("model.safetensors"))) {
      List<String> names = new ArrayList<>(r.names());
      for (int i = 0; i < names.size(); i++) {
        (i < names.size() / 2 ? first : second).put(names.get(i), r.read(names.get(i)));
      }
    }
    SafetensorsWriter.writeHost(
        repo.resolve(SHARD_1), first, Map.of("format", "pt"), SafetensorsWriter.Dtype.BF16);
    SafetensorsWriter.writeHost(
        repo.resolve(SHARD_2), second, Map.of("format", "pt"), SafetensorsWriter.Dtype.BF16);
    ObjectNode index = JSON.createObjectNode();
    index.putObject("metadata").put("total_size", 0);
    ObjectNode map = index.putObject("weight_map");
    first.keySet().forEach(k -> map.put(k, SHARD_1));
    second.keySet().forEach(k -> map.put(k, SHARD_2));
    Files.writeString(repo.resolve("model.safetensors.index.json"), index.toString());
    Files.writeString(repo.resolve("generation_config.json"), "{\"eos_token_id\": [2073]}");
    Files.writeString(repo.resolve("README.md"), "# tiny\n");
    Files.write(repo.resolve("pytorch_model.bin"), new byte[4096]);
    Files.write(repo.resolve("logo.png"), new byte[128]);
    return repo;
  }
}
