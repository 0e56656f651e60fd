package dev.tuneup.store;

import static dev.tuneup.store.Columns.instant;
import static dev.tuneup.store.Columns.millis;

import dev.tuneup.auth.Caller;
import dev.tuneup.common.Page;
import dev.tuneup.common.PageRequest;
import dev.tuneup.deployment.Deployment;
import dev.tuneup.deployment.DeploymentStatus;
import dev.tuneup.deployment.DeploymentStore;
import dev.tuneup.deployment.RateLimits;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.Update;

/**
 * {@link DeploymentStore} on the {@code deployments} table. Names are unique per user and workspace
 * ({@code INSERT … ON CONFLICT DO NOTHING}); updates are optimistic on {@code version}.
 */
public final class JdbiDeploymentStore implements DeploymentStore {
  private static final String OWNER = " WHERE user_id = :userId AND workspace_id = :ws";

  private final Jdbi jdbi;

  public JdbiDeploymentStore(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  @Override
  public boolean insert(Deployment d) {
    return jdbi.withHandle(h -> insert(h, d));
  }

  private static boolean insert(org.jdbi.v3.core.Handle h, Deployment d) {
    return bind(
                h.createUpdate(
                    """
                    INSERT INTO deployments (id, deployed_model, user_id, workspace_id,
                      model_name, base_model, suffix, plan, status, capacity,
                      ready_capacity, reason, creator, modifier, created_at, modified_at,
                      version, rpm_limit, tpm_limit)
                    VALUES (:id, :deployedModel, :userId, :ws, :modelName, :baseModel,
                      :suffix, :plan, :status, :capacity, :readyCapacity, :reason,
                      :creator, :modifier, :createdAt, :modifiedAt, 1, :rpmLimit, :tpmLimit)
                    ON CONFLICT DO NOTHING
                    """),
                d)
            .execute()
        == 1;
  }

  @Override
  public Admission insertWithinQuota(Deployment d, int maxPerUser, int maxCapacity) {
    return jdbi.inTransaction(
        h -> {
          QuotaLocks.lock(h, "deployments", d.userId());
          long held =
              h.createQuery("SELECT COUNT(*) FROM deployments WHERE user_id = :userId")
                  .bind("userId", d.userId())
                  .mapTo(Long.class)
                  .one();
          if (held >= maxPerUser) {
            return Admission.LIMIT;
          }
          if (capacityOthers(h, d) + d.capacity() > maxCapacity) {
            return Admission.CAPACITY_LIMIT;
          }
          return insert(h, d) ? Admission.STORED : Admission.NAME_TAKEN;
        });
  }

  @Override
  public Scaled updateWithinCapacity(Deployment next, int maxCapacity) {
    return jdbi.inTransaction(
        h -> {
          QuotaLocks.lock(h, "deployments", next.userId());
          if (capacityOthers(h, next) + next.capacity() > maxCapacity) {
            return new Scaled(Optional.empty(), true);
          }
          return new Scaled(update(h, next), false);
        });
  }

  /** The instances of the user's other deployments together. */
  private static long capacityOthers(org.jdbi.v3.core.Handle h, Deployment d) {
    return h.createQuery(
            "SELECT COALESCE(SUM(capacity), 0) FROM deployments WHERE user_id = :userId"
                + " AND id <> :id")
        .bind("userId", d.userId())
        .bind("id", d.id())
        .mapTo(Long.class)
        .one();
  }

  @Override
  public Optional<Deployment> findFor(Caller caller, String deployedModel) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT * FROM deployments" + OWNER + " AND deployed_model = :dm")
                .bind("userId", caller.userId())
                .bind("ws", caller.workspaceId())
                .bind("dm", deployedModel)
                .map(JdbiDeploymentStore::map)
                .findOne());
  }

  @Override
  public Optional<Deployment> find(String id) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT * FROM deployments WHERE id = :id")
                .bind("id", id)
                .map(JdbiDeploymentStore::map)
                .findOne());
  }

  @Override
  public Page<Deployment> list(Caller caller, PageRequest page) {
    return jdbi.inTransaction(
        h -> {
          long total =
              h.createQuery("SELECT COUNT(*) FROM deployments" + OWNER)
                  .bind("userId", caller.userId())
                  .bind("ws", caller.workspaceId())
                  .mapTo(Long.class)
                  .one();
          List<Deployment> items =
              h.createQuery(
                      "SELECT * FROM deployments"
                          + OWNER
                          + " ORDER BY created_at, deployed_model LIMIT :limit OFFSET :offset")
                  .bind("userId", caller.userId())
                  .bind("ws", caller.workspaceId())
                  .bind("limit", page.pageSize())
                  .bind("offset", page.offset())
                  .map(JdbiDeploymentStore::map)
                  .list();
          return new Page<>(page.pageNo(), page.pageSize(), total, items);
        });
  }

  @Override
  public List<Deployment> listAll() {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT * FROM deployments ORDER BY created_at, id")
                .map(JdbiDeploymentStore::map)
                .list());
  }

  @Override
  public List<Deployment> listForModel(String modelName) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT * FROM deployments WHERE model_name = :m ORDER BY created_at, id")
                .bind("m", modelName)
                .map(JdbiDeploymentStore::map)
                .list());
  }

  @Override
  public Optional<Deployment> update(Deployment next) {
    return jdbi.inTransaction(h -> update(h, next));
  }

  private static Optional<Deployment> update(org.jdbi.v3.core.Handle h, Deployment next) {
    int n =
        bind(
                h.createUpdate(
                    """
                    UPDATE deployments SET status = :status, capacity = :capacity,
                      ready_capacity = :readyCapacity, reason = :reason,
                      modifier = :modifier, modified_at = :modifiedAt,
                      rpm_limit = :rpmLimit, tpm_limit = :tpmLimit,
                      version = version + 1
                    WHERE id = :id AND version = :version
                    """),
                next)
            .bind("version", next.version())
            .execute();
    return n == 1
        ? h.createQuery("SELECT * FROM deployments WHERE id = :id")
            .bind("id", next.id())
            .map(JdbiDeploymentStore::map)
            .findOne()
        : Optional.empty();
  }

  @Override
  public boolean delete(String id, long version) {
    return jdbi.withHandle(
        h ->
            h.createUpdate("DELETE FROM deployments WHERE id = :id AND version = :version")
                    .bind("id", id)
                    .bind("version", version)
                    .execute()
                == 1);
  }

  private static Update bind(Update u, Deployment d) {
    return u.bind("id", d.id())
        .bind("deployedModel", d.deployedModel())
        .bind("userId", d.userId())
        .bind("ws", d.workspaceId())
        .bind("modelName", d.modelName())
        .bind("baseModel", d.baseModel())
        .bind("suffix", d.suffix())
        .bind("plan", d.plan())
        .bind("status", d.status().name())
        .bind("capacity", d.capacity())
        .bind("readyCapacity", d.readyCapacity())
        .bind("reason", d.reason())
        .bind("creator", d.creator())
        .bind("modifier", d.modifier())
        .bind("createdAt", millis(d.createdAt()))
        .bind("modifiedAt", millis(d.modifiedAt()))
        .bindByType("rpmLimit", d.limits().requestsPerMinute(), Integer.class)
        .bindByType("tpmLimit", d.limits().tokensPerMinute(), Integer.class);
  }

  private static Deployment map(ResultSet rs, StatementContext ctx) throws SQLException {
    return new Deployment(
        rs.getString("id"),
        rs.getString("deployed_model"),
        rs.getString("user_id"),
        rs.getString("workspace_id"),
        rs.getString("model_name"),
        rs.getString("base_model"),
        rs.getString("suffix"),
        rs.getString("plan"),
        DeploymentStatus.valueOf(rs.getString("status")),
        rs.getInt("capacity"),
        rs.getInt("ready_capacity"),
        rs.getString("reason"),
        rs.getString("creator"),
        rs.getString("modifier"),
        instant(rs, "created_at"),
        instant(rs, "modified_at"),
        rs.getLong("version"),
        new RateLimits(
            rs.getObject("rpm_limit") == null ? null : rs.getInt("rpm_limit"),
            rs.getObject("tpm_limit") == null ? null : rs.getInt("tpm_limit")));
  }
}
