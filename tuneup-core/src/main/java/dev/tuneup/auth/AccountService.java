package dev.tuneup.auth;

import dev.tuneup.common.Ids;
import dev.tuneup.error.AccessDenied;
import dev.tuneup.error.Conflict;
import dev.tuneup.error.InvalidParameter;
import dev.tuneup.error.NotFound;
import dev.tuneup.error.Unauthenticated;
import dev.tuneup.error.WorkspaceNotFound;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * Users, workspaces and API keys, and turning a bearer key into a {@link Caller}.
 *
 * <p>A key reads {@code sk-<id>.<secret>}: the id finds the record, and a SHA-256 of the whole key
 * is compared in constant time with the stored hash, so the key itself is never stored.
 */
public final class AccountService {
  private static final String NAME_PATTERN = "[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}";

  private final AccountStore store;
  private final Clock clock;

  public AccountService(AccountStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  /** A new key shown once to its owner. */
  public record IssuedKey(ApiKey key, String secret) {}

  /** Resolves a bearer key and an optional workspace header. */
  public Caller authenticate(String bearerKey, String workspaceHeader) {
    if (bearerKey == null || bearerKey.isBlank()) {
      throw Unauthenticated.missingKey();
    }
    String text = bearerKey.trim();
    int dot = text.indexOf('.');
    if (!text.startsWith("sk-") || dot < 0) {
      throw Unauthenticated.invalidKey();
    }
    String keyId = text.substring(3, dot);
    ApiKey key = store.findKey(keyId).orElse(null);
    byte[] presented = sha256(text);
    // Compare even for an unknown id so the timing does not tell which ids exist.
    byte[] expected = key == null ? new byte[presented.length] : key.secretHash();
    if (!MessageDigest.isEqual(presented, expected) || key == null) {
      throw Unauthenticated.invalidKey();
    }
    User user = store.findUser(key.userId()).orElseThrow(Unauthenticated::invalidKey);
    String workspace = user.defaultWorkspaceId();
    if (workspaceHeader != null && !workspaceHeader.isBlank()) {
      workspace = workspaceHeader.trim();
      if (store.findWorkspace(workspace).isEmpty() || !store.isMember(workspace, user.id())) {
        throw new WorkspaceNotFound(workspace);
      }
    }
    return new Caller(user.id(), workspace, user.admin());
  }

  /** Creates a user with a personal default workspace. */
  public User createUser(String name, boolean admin) {
    requireName("name", name);
    if (store.findUserByName(name).isPresent()) {
      throw new Conflict("User " + name + " already exists.");
    }
    String userId = Ids.random("u-", 6);
    Workspace personal = new Workspace("ws-" + userId.substring(2), name, clock.instant());
    store.insertWorkspace(personal);
    User user = new User(userId, name, admin, personal.id(), clock.instant());
    store.insertUser(user);
    store.addMember(personal.id(), userId);
    return user;
  }

  public Workspace createWorkspace(String name) {
    requireName("name", name);
    Workspace w = new Workspace(Ids.random("ws-", 6), name, clock.instant());
    store.insertWorkspace(w);
    return w;
  }

  public void addMember(String workspaceId, String userId) {
    store.findWorkspace(workspaceId).orElseThrow(() -> new WorkspaceNotFound(workspaceId));
    requireUser(userId);
    store.addMember(workspaceId, userId);
  }

  /** Issues a key for a user; the returned secret is the only copy. */
  public IssuedKey issueKey(String userId, String name) {
    requireUser(userId);
    String keyId = Ids.random("", 6);
    String secret = "sk-" + keyId + "." + Ids.random("", 24);
    ApiKey key = new ApiKey(keyId, userId, name, sha256(secret), clock.instant());
    store.insertKey(key);
    return new IssuedKey(key, secret);
  }

  public boolean revokeKey(String keyId) {
    return store.deleteKey(keyId);
  }

  public List<User> users() {
    return store.listUsers();
  }

  public List<Workspace> workspaces() {
    return store.listWorkspaces();
  }

  public List<ApiKey> keys(String userId) {
    requireUser(userId);
    return store.listKeys(userId);
  }

  public Optional<User> findUserByName(String name) {
    return store.findUserByName(name);
  }

  /** Throws unless the caller is an administrator. */
  public static void requireAdmin(Caller caller) {
    if (!caller.admin()) {
      throw new AccessDenied("Access denied: this operation needs an administrator's API key.");
    }
  }

  private User requireUser(String userId) {
    return store
        .findUser(userId)
        .orElseThrow(() -> new NotFound("user", userId, "User " + userId + " not found."));
  }

  private static void requireName(String field, String name) {
    if (name == null || !name.matches(NAME_PATTERN)) {
      throw new InvalidParameter(
          field, field + " must be 1-64 letters, digits or _.@- starting with a letter or digit");
    }
  }

  static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
