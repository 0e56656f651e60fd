package dev.tuneup.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tuneup.auth.Caller;
import dev.tuneup.error.ModelNotFound;
import dev.tuneup.registry.BaseModel;
import dev.tuneup.registry.FineTunedModel;
import dev.tuneup.registry.FineTunedModelStore;
import dev.tuneup.registry.ModelCatalog;
import dev.tuneup.registry.ResolvedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnDemandModelsTest {
  @TempDir Path dir;
  RecordingRuntime runtime = new RecordingRuntime();
  ModelCatalog catalog;
  Caller caller = new Caller("u-1", "ws-1", false);

  @BeforeEach
  void models() throws IOException {
    List<BaseModel> bases = new ArrayList<>();
    for (String id : List.of("a", "b", "c")) {
      Path d = Files.createDirectories(dir.resolve(id));
      Files.write(d.resolve("model.safetensors"), new byte[400]);
      bases.add(new BaseModel(id, d));
    }
    catalog = new ModelCatalog(bases, new NoFineTunedModels());
  }

  @Test
  void a_model_is_loaded_on_first_use_and_reused_after() {
    OnDemandModels od = new OnDemandModels(runtime, catalog, 1000, 1);
    String key = od.acquire(caller, "a");
    assertThat(od.acquire(caller, "a")).isEqualTo(key);
    assertThat(runtime.loads).containsExactly(key);
  }

  @Test
  void the_least_recently_used_model_is_unloaded_when_the_budget_is_full() {
    OnDemandModels od = new OnDemandModels(runtime, catalog, 1000, 1);
    od.acquire(caller, "a");
    od.acquire(caller, "b");
    od.acquire(caller, "a"); // a is now the most recently used
    od.acquire(caller, "c");
    assertThat(runtime.unloads).containsExactly("on-demand:b");
    assertThat(od.loadedModels()).containsExactly("a", "c");
  }

  @Test
  void an_unknown_model_is_model_not_found() {
    OnDemandModels od = new OnDemandModels(runtime, catalog, 1000, 1);
    assertThatThrownBy(() -> od.acquire(caller, "nope")).isInstanceOf(ModelNotFound.class);
    assertThat(runtime.loads).isEmpty();
  }

  @Test
  void close_unloads_everything() {
    OnDemandModels od = new OnDemandModels(runtime, catalog, 1000, 1);
    od.acquire(caller, "a");
    od.close();
    assertThat(runtime.unloads).containsExactly("on-demand:a");
    assertThat(od.loadedModels()).isEmpty();
  }

  /** Records what the service asks of the engine. */
  static final class RecordingRuntime implements InferenceRuntime {
    final List<String> loads = new ArrayList<>();
    final List<String> unloads = new ArrayList<>();
    final Set<String> loaded = new HashSet<>();

    @Override
    public void load(String key, ResolvedModel model, int capacity) {
      loads.add(key);
      loaded.add(key);
    }

    @Override
    public void resize(String key, int capacity) {}

    @Override
    public void unload(String key) {
      unloads.add(key);
      loaded.remove(key);
    }

    @Override
    public boolean isLoaded(String key) {
      return loaded.contains(key);
    }

    @Override
    public Completion generate(String key, ChatRequest request, TokenSink sink) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void close() {}
  }

  static final class NoFineTunedModels implements FineTunedModelStore {
    @Override
    public void insert(FineTunedModel model) {}

    @Override
    public Optional<FineTunedModel> find(String name) {
      return Optional.empty();
    }

    @Override
    public Optional<FineTunedModel> findFor(Caller caller, String name) {
      return Optional.empty();
    }

    @Override
    public boolean nameTaken(Caller caller, String name) {
      return false;
    }

    @Override
    public List<FineTunedModel> list(Caller caller) {
      return List.of();
    }

    @Override
    public List<FineTunedModel> listForJob(String jobId) {
      return List.of();
    }

    @Override
    public void deleteForJob(String jobId) {}
  }
}
