package dev.tuneup.testkit.store;

import static dev.tuneup.testkit.JobFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tuneup.auth.AccountStore;
import dev.tuneup.auth.ApiKey;
import dev.tuneup.auth.User;
import dev.tuneup.auth.Workspace;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link AccountStore} must do; subclass with a factory for a fresh, empty store. A
 * user's default workspace is inserted before the user, as the account service does.
 */
public abstract class AccountStoreContract {
  private static final byte[] HASH = new byte[] {0, -1, 127, -128, 42, 0, 7, 0};

  protected AccountStore store;

  protected abstract AccountStore createStore();

  @BeforeEach
  void openStore() {
    store = createStore();
  }

  private User aliceWithWorkspace() {
    store.insertWorkspace(new Workspace("ws-alice", "alice", T0));
    User alice = new User("u-alice", "alice", true, "ws-alice", T0);
    store.insertUser(alice);
    return alice;
  }

  @Test
  void inserted_user_is_found_by_id_and_by_name() {
    User alice = aliceWithWorkspace();

    assertThat(store.findUser("u-alice")).contains(alice);
    assertThat(store.findUserByName("alice")).contains(alice);
    assertThat(store.findUser("u-nobody")).isEmpty();
    assertThat(store.findUserByName("nobody")).isEmpty();
  }

  @Test
  void users_and_workspaces_list_in_creation_order() {
    User alice = aliceWithWorkspace();
    Workspace team = new Workspace("ws-team", "团队 team", T0.plusSeconds(1));
    store.insertWorkspace(team);
    User bob = new User("u-bob", "bob", false, "ws-team", T0.plusSeconds(2));
    store.insertUser(bob);

    assertThat(store.listUsers()).containsExactly(alice, bob);
    assertThat(store.listWorkspaces())
        .containsExactly(new Workspace("ws-alice", "alice", T0), team);
    assertThat(store.findWorkspace("ws-team")).contains(team);
    assertThat(store.findWorkspace("ws-none")).isEmpty();
  }

  @Test
  void membership_is_per_workspace_and_adding_twice_is_harmless() {
    aliceWithWorkspace();
    store.insertWorkspace(new Workspace("ws-team", "team", T0));

    store.addMember("ws-alice", "u-alice");
    store.addMember("ws-alice", "u-alice");

    assertThat(store.isMember("ws-alice", "u-alice")).isTrue();
    assertThat(store.isMember("ws-team", "u-alice")).isFalse();
  }

  @Test
  void key_keeps_its_hash_bytes_exactly() {
    aliceWithWorkspace();
    ApiKey key = new ApiKey("a1b2c3", "u-alice", "default", HASH, T0);

    store.insertKey(key);

    ApiKey read = store.findKey("a1b2c3").orElseThrow();
    assertThat(read.secretHash()).containsExactly(HASH);
    assertThat(read.id()).isEqualTo("a1b2c3");
    assertThat(read.userId()).isEqualTo("u-alice");
    assertThat(read.name()).isEqualTo("default");
    assertThat(read.createdAt()).isEqualTo(T0);
  }

  @Test
  void keys_list_per_user_and_delete_says_whether_one_was_removed() {
    aliceWithWorkspace();
    store.insertWorkspace(new Workspace("ws-bob", "bob", T0));
    store.insertUser(new User("u-bob", "bob", false, "ws-bob", T0));
    store.insertKey(new ApiKey("k1", "u-alice", "one", HASH, T0));
    store.insertKey(new ApiKey("k2", "u-alice", "two", HASH, T0.plusSeconds(1)));
    store.insertKey(new ApiKey("k3", "u-bob", "bob's", HASH, T0));

    assertThat(store.listKeys("u-alice")).extracting(ApiKey::id).containsExactly("k1", "k2");

    assertThat(store.deleteKey("k1")).isTrue();
    assertThat(store.deleteKey("k1")).isFalse();
    assertThat(store.findKey("k1")).isEmpty();
    assertThat(store.listKeys("u-alice")).extracting(ApiKey::id).isEqualTo(List.of("k2"));
  }
}
