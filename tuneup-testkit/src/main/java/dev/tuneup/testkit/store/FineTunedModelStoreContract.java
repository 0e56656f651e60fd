package dev.tuneup.testkit.store;

import static dev.tuneup.testkit.JobFixtures.ALICE;
import static dev.tuneup.testkit.JobFixtures.ALICE_ELSEWHERE;
import static dev.tuneup.testkit.JobFixtures.BOB;
import static dev.tuneup.testkit.JobFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tuneup.auth.Caller;
import dev.tuneup.contract.TrainingMethod;
import dev.tuneup.error.ModelNameTaken;
import dev.tuneup.registry.FineTunedModel;
import dev.tuneup.registry.FineTunedModelStore;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@link FineTunedModelStore} must do; subclass with a factory for an empty store. */
public abstract class FineTunedModelStoreContract {
  protected FineTunedModelStore store;

  protected abstract FineTunedModelStore createStore();

  @BeforeEach
  void openStore() {
    store = createStore();
  }

  static FineTunedModel aModel(String name, String jobId, Caller owner, Instant createdAt) {
    return new FineTunedModel(
        name,
        jobId,
        owner.userId(),
        owner.workspaceId(),
        "qwen3-0.6b",
        "qwen3-0.6b-ft-parent",
        TrainingMethod.SFT_LORA,
        Path.of("/data/models", name, "adapter"),
        createdAt);
  }

  @Test
  void inserted_model_is_found_by_name_with_every_field() {
    FineTunedModel model = aModel("qwen3-ft-1", "ft-1", ALICE, T0);

    store.insert(model);

    assertThat(store.find("qwen3-ft-1")).contains(model);
    assertThat(store.findFor(ALICE, "qwen3-ft-1")).contains(model);
  }

  @Test
  void a_model_of_another_user_or_workspace_is_not_found_for_the_caller() {
    store.insert(aModel("qwen3-ft-1", "ft-1", ALICE, T0));

    assertThat(store.findFor(BOB, "qwen3-ft-1")).isEmpty();
    assertThat(store.findFor(ALICE_ELSEWHERE, "qwen3-ft-1")).isEmpty();
    assertThat(store.find("qwen3-ft-missing")).isEmpty();
  }

  @Test
  void list_shows_the_callers_models_newest_first() {
    FineTunedModel older = aModel("m-old", "ft-1", ALICE, T0);
    FineTunedModel newer = aModel("m-new", "ft-2", ALICE, T0.plusSeconds(1));
    store.insert(older);
    store.insert(newer);
    store.insert(aModel("m-bob", "ft-3", BOB, T0));
    store.insert(aModel("m-team", "ft-4", ALICE_ELSEWHERE, T0));

    assertThat(store.list(ALICE)).containsExactly(newer, older);
  }

  @Test
  void delete_for_job_removes_only_that_jobs_model() {
    store.insert(aModel("m-1", "ft-1", ALICE, T0));
    FineTunedModel kept = aModel("m-2", "ft-2", ALICE, T0);
    store.insert(kept);

    store.deleteForJob("ft-1");
    store.deleteForJob("ft-none");

    assertThat(store.find("m-1")).isEmpty();
    assertThat(store.find("m-2")).contains(kept);
  }

  @Test
  void list_for_job_gives_every_model_of_that_job() {
    FineTunedModel output = aModel("m-out", "ft-1", ALICE, T0);
    FineTunedModel exported = aModel("m-ckpt", "ft-1", ALICE, T0);
    store.insert(output);
    store.insert(exported);
    store.insert(aModel("m-other", "ft-2", ALICE, T0));

    assertThat(store.listForJob("ft-1")).containsExactly(exported, output);
    assertThat(store.listForJob("ft-none")).isEmpty();
  }

  @Test
  void two_tenants_may_each_hold_a_model_of_one_name() {
    FineTunedModel alices = aModel("same-name", "ft-1", ALICE, T0);
    FineTunedModel bobs = aModel("same-name", "ft-2", BOB, T0.plusSeconds(1));

    store.insert(alices);
    store.insert(bobs);

    assertThat(store.findFor(ALICE, "same-name")).contains(alices);
    assertThat(store.findFor(BOB, "same-name")).contains(bobs);
    assertThat(store.nameTaken(ALICE_ELSEWHERE, "same-name")).isFalse();
  }

  @Test
  void a_second_model_of_one_name_in_one_tenant_is_refused() {
    store.insert(aModel("taken", "ft-1", ALICE, T0));

    assertThatThrownBy(() -> store.insert(aModel("taken", "ft-2", ALICE, T0)))
        .isInstanceOf(ModelNameTaken.class);
    assertThat(store.nameTaken(ALICE, "taken")).isTrue();
  }

  @Test
  void delete_for_job_frees_the_name() {
    store.insert(aModel("freed", "ft-1", ALICE, T0));

    store.deleteForJob("ft-1");

    assertThat(store.nameTaken(ALICE, "freed")).isFalse();
    store.insert(aModel("freed", "ft-2", ALICE, T0));
  }
}
