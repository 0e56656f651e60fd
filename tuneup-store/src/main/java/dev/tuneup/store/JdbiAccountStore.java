package dev.tuneup.store;

import static dev.tuneup.store.Columns.instant;
import static dev.tuneup.store.Columns.millis;

import dev.tuneup.auth.AccountStore;
import dev.tuneup.auth.ApiKey;
import dev.tuneup.auth.User;
import dev.tuneup.auth.Workspace;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * {@link AccountStore} on {@code users}, {@code workspaces}, {@code workspace_members} and {@code
 * api_keys}. A user's default workspace, a member and a key must refer to existing rows (foreign
 * keys), so a workspace is inserted before the user who defaults to it. Listings are in creation
 * order.
 */
public final class JdbiAccountStore implements AccountStore {
  private final Jdbi jdbi;

  public JdbiAccountStore(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  @Override
  public void insertUser(User u) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "INSERT INTO users (id, name, admin, default_workspace_id, created_at)"
                        + " VALUES (:id, :name, :admin, :ws, :createdAt)")
                .bind("id", u.id())
                .bind("name", u.name())
                .bind("admin", u.admin())
                .bind("ws", u.defaultWorkspaceId())
                .bind("createdAt", millis(u.createdAt()))
                .execute());
  }

  @Override
  public Optional<User> findUser(String userId) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT * FROM users WHERE id = :id")
                .bind("id", userId)
                .map(JdbiAccountStore::mapUser)
                .findOne());
  }

  @Override
  public Optional<User> findUserByName(String name) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT * FROM users WHERE name = :name")
                .bind("name", name)
                .map(JdbiAccountStore::mapUser)
                .findOne());
  }

  @Override
  public List<User> listUsers() {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT * FROM users ORDER BY created_at, id")
                .map(JdbiAccountStore::mapUser)
                .list());
  }

  @Override
  public void insertWorkspace(Workspace w) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "INSERT INTO workspaces (id, name, created_at) VALUES (:id, :name, :createdAt)")
                .bind("id", w.id())
                .bind("name", w.name())
                .bind("createdAt", millis(w.createdAt()))
                .execute());
  }

  @Override
  public Optional<Workspace> findWorkspace(String workspaceId) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT * FROM workspaces WHERE id = :id")
                .bind("id", workspaceId)
                .map(JdbiAccountStore::mapWorkspace)
                .findOne());
  }

  @Override
  public List<Workspace> listWorkspaces() {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT * FROM workspaces ORDER BY created_at, id")
                .map(JdbiAccountStore::mapWorkspace)
                .list());
  }

  @Override
  public void addMember(String workspaceId, String userId) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "INSERT INTO workspace_members (workspace_id, user_id) VALUES (:ws, :userId)"
                        + " ON CONFLICT (workspace_id, user_id) DO NOTHING")
                .bind("ws", workspaceId)
                .bind("userId", userId)
                .execute());
  }

  @Override
  public boolean isMember(String workspaceId, String userId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                        "SELECT COUNT(*) FROM workspace_members"
                            + " WHERE workspace_id = :ws AND user_id = :userId")
                    .bind("ws", workspaceId)
                    .bind("userId", userId)
                    .mapTo(Long.class)
                    .one()
                > 0);
  }

  @Override
  public void insertKey(ApiKey k) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "INSERT INTO api_keys (id, user_id, name, secret_hash, created_at)"
                        + " VALUES (:id, :userId, :name, :hash, :createdAt)")
                .bind("id", k.id())
                .bind("userId", k.userId())
                .bind("name", k.name())
                .bind("hash", k.secretHash())
                .bind("createdAt", millis(k.createdAt()))
                .execute());
  }

  @Override
  public Optional<ApiKey> findKey(String keyId) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT * FROM api_keys WHERE id = :id")
                .bind("id", keyId)
                .map(JdbiAccountStore::mapKey)
                .findOne());
  }

  @Override
  public List<ApiKey> listKeys(String userId) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT * FROM api_keys WHERE user_id = :userId ORDER BY created_at, id")
                .bind("userId", userId)
                .map(JdbiAccountStore::mapKey)
                .list());
  }

  @Override
  public boolean deleteKey(String keyId) {
    return jdbi.withHandle(
        h ->
            h.createUpdate("DELETE FROM api_keys WHERE id = :id").bind("id", keyId).execute() == 1);
  }

  private static User mapUser(ResultSet rs, StatementContext ctx) throws SQLException {
    return new User(
        rs.getString("id"),
        rs.getString("name"),
        rs.getBoolean("admin"),
        rs.getString("default_workspace_id"),
        instant(rs, "created_at"));
  }

  private static Workspace mapWorkspace(ResultSet rs, StatementContext ctx) throws SQLException {
    return new Workspace(rs.getString("id"), rs.getString("name"), instant(rs, "created_at"));
  }

  private static ApiKey mapKey(ResultSet rs, StatementContext ctx) throws SQLException {
    return new ApiKey(
        rs.getString("id"),
        rs.getString("user_id"),
        rs.getString("name"),
        rs.getBytes("secret_hash"),
        instant(rs, "created_at"));
  }
}
