package dev.tuneup.inference.engine;

import ai.djl.ndarray.NDManager;
import dev.tuneup.error.OperationNotAllowed;
import dev.tuneup.inference.ChatRequest;
import dev.tuneup.inference.Completion;
import dev.tuneup.inference.InferenceRuntime;
import dev.tuneup.inference.TokenSink;
import dev.tuneup.registry.ResolvedModel;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The generation engine on DJL and PyTorch: one loaded copy of a deployment's weights, shared by
 * its {@code capacity} instances. An instance is a decode slot with its own KV cache on the
 * request's thread; requests beyond capacity wait in a bounded line ({@link Slots}).
 *
 * <p>LoRA adapters are merged into the base weights at load ({@link LoadedModel.LoraMode#MERGED}):
 * decoding then costs exactly what the base model costs, where on-the-fly adapters add two small
 * matrix products per projection and token (measured in docs/benchmarks.md). The price is one copy
 * of the base weights per deployed adapter.
 */
public final class Engine implements InferenceRuntime {
  private static final Logger log = LoggerFactory.getLogger(Engine.class);
  private static final Duration DRAIN = Duration.ofSeconds(30);

  private final EngineConfig config;
  private final LoadedModel.LoraMode loraMode;

  /** Created on the first load, so that a server with no deployment never starts PyTorch. */
  private NDManager root;

  private final Map<String, Served> served = new ConcurrentHashMap<>();

  private static final class Served {
    final LoadedModel model;
    final Slots slots;
    volatile boolean closing;

    Served(LoadedModel model, Slots slots) {
      this.model = model;
      this.slots = slots;
    }
  }

  public Engine(EngineConfig config) {
    this(config, LoadedModel.LoraMode.MERGED);
  }

  Engine(EngineConfig config, LoadedModel.LoraMode loraMode) {
    this.config = config;
    this.loraMode = loraMode;
  }

  /** An engine that keeps LoRA adapters separate (for the benchmark's comparison). */
  public static Engine withAdaptersOnTheFly(EngineConfig config) {
    return new Engine(config, LoadedModel.LoraMode.ON_THE_FLY);
  }

  @Override
  public void load(String key, ResolvedModel model, int capacity) {
    if (served.containsKey(key)) {
      resize(key, capacity);
      return;
    }
    LoadedModel lm = LoadedModel.load(model, root(), loraMode);
    served.put(key, new Served(lm, new Slots(capacity, config.maxQueue())));
    log.info("loaded {} ({}) with {} instance(s)", key, model.id(), capacity);
  }

  @Override
  public void resize(String key, int capacity) {
    Served s = served.get(key);
    if (s == null) {
      throw new IllegalStateException("deployment " + key + " is not loaded");
    }
    s.slots.resize(capacity);
  }

  @Override
  public void unload(String key) {
    Served s = served.remove(key);
    if (s == null) {
      return;
    }
    s.closing = true;
    long deadline = System.nanoTime() + DRAIN.toNanos();
    while (s.slots.running() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (s.slots.running() > 0) {
      log.warn("unloading {} with {} request(s) still running", key, s.slots.running());
    }
    s.model.close();
    log.info("unloaded {}", key);
  }

  @Override
  public boolean isLoaded(String key) {
    return served.containsKey(key);
  }

  @Override
  public Completion generate(String key, ChatRequest request, TokenSink sink) {
    Served s = served.get(key);
    if (s == null || s.closing) {
      throw notLoaded();
    }
    try {
      s.slots.acquire(request.tenant());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for an instance", e);
    }
    try {
      if (s.closing) {
        throw notLoaded();
      }
      sink.started();
      return Decoder.generate(s.model, request, sink);
    } finally {
      s.slots.release();
    }
  }

  /** Requests running and waiting on a deployment (metrics, tests). */
  public int[] load(String key) {
    Served s = served.get(key);
    return s == null ? new int[] {0, 0} : new int[] {s.slots.running(), s.slots.waiting()};
  }

  @Override
  public void close() {
    for (String key : served.keySet()) {
      unload(key);
    }
    synchronized (this) {
      if (root != null) {
        root.close();
      }
    }
  }

  private synchronized NDManager root() {
    if (root == null) {
      root = NDManager.newBaseManager();
    }
    return root;
  }

  private static OperationNotAllowed notLoaded() {
    return new OperationNotAllowed(
        "The model is not loaded at the moment (it is being deleted or loaded again); retry"
            + " shortly.");
  }
}
