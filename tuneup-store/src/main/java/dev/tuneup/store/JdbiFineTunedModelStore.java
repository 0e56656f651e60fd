package dev.tuneup.store;

import static dev.tuneup.store.Columns.instant;
import static dev.tuneup.store.Columns.millis;

import dev.tuneup.auth.Caller;
import dev.tuneup.contract.TrainingMethod;
import dev.tuneup.error.ModelNameTaken;
import dev.tuneup.registry.FineTunedModel;
import dev.tuneup.registry.FineTunedModelStore;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;

/** {@link FineTunedModelStore} on the {@code models} table; the path is stored as text. */
public final class JdbiFineTunedModelStore implements FineTunedModelStore {
  private final Jdbi jdbi;

  public JdbiFineTunedModelStore(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  @Override
  public void insert(FineTunedModel m) {
    jdbi.useTransaction(
        h -> {
          // The name is the tenant's when it is free, or already reserved by this very job (its
          // finetuned_output, reserved at create); anything else of the tenant's is a conflict.
          if (!ModelNames.reserve(h, m.userId(), m.workspaceId(), m.name(), ownerId(m))) {
            throw new ModelNameTaken(m.name());
          }
          h.createUpdate(
                  """
                    INSERT INTO models (name, job_id, user_id, workspace_id, base_model,
                                        parent_model, training_type, path, created_at)
                    VALUES (:name, :jobId, :userId, :ws, :baseModel,
                            :parentModel, :trainingType, :path, :createdAt)
                    """)
              .bind("name", m.name())
              .bind("jobId", m.jobId())
              .bind("userId", m.userId())
              .bind("ws", m.workspaceId())
              .bind("baseModel", m.baseModel())
              .bind("parentModel", m.parentModel())
              .bind(
                  "trainingType",
                  m.trainingType() == null ? null : m.trainingType().dashScopeName())
              .bind("path", m.path() == null ? null : m.path().toString())
              .bind("createdAt", millis(m.createdAt()))
              .execute();
        });
  }

  private static String ownerId(FineTunedModel m) {
    return m.jobId() == null ? m.name() : m.jobId();
  }

  @Override
  public boolean nameTaken(Caller caller, String name) {
    return jdbi.withHandle(h -> ModelNames.taken(h, caller.userId(), caller.workspaceId(), name));
  }

  @Override
  public Optional<FineTunedModel> find(String name) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT * FROM models WHERE name = :name ORDER BY created_at LIMIT 1")
                .bind("name", name)
                .map(JdbiFineTunedModelStore::mapModel)
                .findOne());
  }

  @Override
  public Optional<FineTunedModel> findFor(Caller caller, String name) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT * FROM models WHERE name = :name AND user_id = :userId"
                        + " AND workspace_id = :ws")
                .bind("name", name)
                .bind("userId", caller.userId())
                .bind("ws", caller.workspaceId())
                .map(JdbiFineTunedModelStore::mapModel)
                .findOne());
  }

  /** The caller's models, newest first. */
  @Override
  public List<FineTunedModel> list(Caller caller) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT * FROM models WHERE user_id = :userId AND workspace_id = :ws"
                        + " ORDER BY created_at DESC, name")
                .bind("userId", caller.userId())
                .bind("ws", caller.workspaceId())
                .map(JdbiFineTunedModelStore::mapModel)
                .list());
  }

  @Override
  public List<FineTunedModel> listForJob(String jobId) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT * FROM models WHERE job_id = :jobId ORDER BY name")
                .bind("jobId", jobId)
                .map(JdbiFineTunedModelStore::mapModel)
                .list());
  }

  @Override
  public void deleteForJob(String jobId) {
    jdbi.useHandle(
        h ->
            h.useTransaction(
                t -> {
                  t.createUpdate("DELETE FROM models WHERE job_id = :jobId")
                      .bind("jobId", jobId)
                      .execute();
                  ModelNames.releaseForJob(t, jobId);
                }));
  }

  private static FineTunedModel mapModel(ResultSet rs, StatementContext ctx) throws SQLException {
    String type = rs.getString("training_type");
    String path = rs.getString("path");
    return new FineTunedModel(
        rs.getString("name"),
        rs.getString("job_id"),
        rs.getString("user_id"),
        rs.getString("workspace_id"),
        rs.getString("base_model"),
        rs.getString("parent_model"),
        type == null
            ? null
            : TrainingMethod.fromDashScope(type)
                .orElseThrow(
                    () -> new IllegalStateException("unknown training_type in models: " + type)),
        path == null ? null : Path.of(path),
        instant(rs, "created_at"));
  }
}
