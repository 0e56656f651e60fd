package dev.tuneup.inference;

import dev.tuneup.auth.Caller;
import dev.tuneup.error.ModelNotFound;
import dev.tuneup.registry.ModelCatalog;
import dev.tuneup.registry.ResolvedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Models loaded on first use, without a deployment, the way OpenAI serves a fine-tuned model as
 * soon as its job succeeds. Loaded models stay warm within a memory budget; when a new one does not
 * fit, the least recently used ones are unloaded first (a request still running on an evicted model
 * finishes). Loading happens on the first request's thread, which waits for it.
 */
public final class OnDemandModels implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OnDemandModels.class);
  private static final String PREFIX = "on-demand:";

  private final InferenceRuntime runtime;
  private final ModelCatalog catalog;
  private final long budgetBytes;
  private final int capacity;

  /** Loaded models by key, in access order: the first entry is the least recently used. */
  private final LinkedHashMap<String, Long> loaded = new LinkedHashMap<>(16, 0.75f, true);

  public OnDemandModels(
      InferenceRuntime runtime, ModelCatalog catalog, long budgetBytes, int capacity) {
    if (budgetBytes < 1 || capacity < 1) {
      throw new IllegalArgumentException("on-demand budget and capacity must be positive");
    }
    this.runtime = runtime;
    this.catalog = catalog;
    this.budgetBytes = budgetBytes;
    this.capacity = capacity;
  }

  /**
   * The runtime key of {@code model} for the caller, loading it first if needed.
   *
   * @throws ModelNotFound when the caller can see no model of that name
   */
  public synchronized String acquire(Caller caller, String model) {
    ResolvedModel resolved =
        catalog.resolve(caller, model).orElseThrow(() -> new ModelNotFound(model));
    String key = PREFIX + model;
    if (loaded.containsKey(key) && runtime.isLoaded(key)) {
      loaded.get(key);
      return key;
    }
    long size = estimateBytes(resolved);
    long used = loaded.values().stream().mapToLong(Long::longValue).sum();
    Iterator<Map.Entry<String, Long>> lru = loaded.entrySet().iterator();
    while (used + size > budgetBytes && lru.hasNext()) {
      Map.Entry<String, Long> victim = lru.next();
      runtime.unload(victim.getKey());
      used -= victim.getValue();
      lru.remove();
      log.info("unloaded {} to make room for {}", victim.getKey(), key);
    }
    log.info("loading {} on demand ({} MB)", model, size / (1024 * 1024));
    runtime.load(key, resolved, capacity);
    loaded.put(key, size);
    return key;
  }

  /** Models loaded now, least recently used first. */
  public synchronized java.util.List<String> loadedModels() {
    return loaded.keySet().stream().map(k -> k.substring(PREFIX.length())).toList();
  }

  /**
   * Memory a model takes once loaded: the bytes of its weight files, twice for 16-bit files since
   * tuneup computes in 32-bit floats.
   */
  static long estimateBytes(ResolvedModel m) {
    long total = weightBytes(m.weightsPath());
    if (m.adapterPath() != null) {
      total += weightBytes(m.adapterPath());
    }
    return Math.max(total, 1);
  }

  private static long weightBytes(Path dir) {
    if (dir == null || !Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .filter(p -> p.getFileName().toString().endsWith(".safetensors"))
          .mapToLong(
              p -> {
                try {
                  return Files.size(p);
                } catch (IOException e) {
                  return 0;
                }
              })
          .sum();
    } catch (IOException e) {
      return 0;
    }
  }

  @Override
  public synchronized void close() {
    for (String key : loaded.keySet()) {
      runtime.unload(key);
    }
    loaded.clear();
  }
}
