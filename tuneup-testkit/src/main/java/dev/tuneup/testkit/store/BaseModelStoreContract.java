package dev.tuneup.testkit.store;

import static dev.tuneup.testkit.JobFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tuneup.registry.BaseModel;
import dev.tuneup.registry.BaseModelStore;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@link BaseModelStore} must do; subclass with a factory for an empty store. */
public abstract class BaseModelStoreContract {
  protected BaseModelStore store;

  protected abstract BaseModelStore createStore();

  @BeforeEach
  void openStore() {
    store = createStore();
  }

  private static BaseModel aModel(String id, int secondsAfterT0) {
    return new BaseModel(
        id,
        Path.of("/data/models", id),
        "hub:Qwen/" + id + "@0123456789abcdef0123456789abcdef01234567",
        T0.plusSeconds(secondsAfterT0));
  }

  @Test
  void inserted_model_is_found_with_every_field() {
    BaseModel model = aModel("qwen3-0.6b", 0);

    assertThat(store.insert(model)).isTrue();

    assertThat(store.find("qwen3-0.6b")).contains(model);
    assertThat(store.find("qwen3-1.7b")).isEmpty();
  }

  @Test
  void a_second_model_of_the_same_id_is_refused_and_the_first_stays() {
    BaseModel first = aModel("qwen3-0.6b", 0);
    store.insert(first);

    boolean second =
        store.insert(new BaseModel("qwen3-0.6b", Path.of("/elsewhere"), "path", T0.plusSeconds(9)));

    assertThat(second).isFalse();
    assertThat(store.find("qwen3-0.6b")).contains(first);
  }

  @Test
  void list_gives_every_model_oldest_first() {
    BaseModel newer = aModel("b-newer", 5);
    BaseModel older = aModel("z-older", 1);
    store.insert(newer);
    store.insert(older);

    assertThat(store.list()).containsExactly(older, newer);
  }

  @Test
  void delete_removes_only_that_model() {
    store.insert(aModel("m-1", 0));
    BaseModel kept = aModel("m-2", 1);
    store.insert(kept);

    assertThat(store.delete("m-1")).isTrue();
    assertThat(store.delete("m-1")).isFalse();

    assertThat(store.list()).containsExactly(kept);
  }
}
