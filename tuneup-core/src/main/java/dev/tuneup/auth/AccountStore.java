package dev.tuneup.auth;

import java.util.List;
import java.util.Optional;

/** Persistence of users, workspaces, memberships and API keys. */
public interface AccountStore {
  void insertUser(User user);

  Optional<User> findUser(String userId);

  Optional<User> findUserByName(String name);

  List<User> listUsers();

  void insertWorkspace(Workspace workspace);

  Optional<Workspace> findWorkspace(String workspaceId);

  List<Workspace> listWorkspaces();

  /** Adds a member; no error if already a member. */
  void addMember(String workspaceId, String userId);

  boolean isMember(String workspaceId, String userId);

  void insertKey(ApiKey key);

  Optional<ApiKey> findKey(String keyId);

  List<ApiKey> listKeys(String userId);

  boolean deleteKey(String keyId);
}
