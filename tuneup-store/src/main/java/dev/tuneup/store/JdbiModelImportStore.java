package dev.tuneup.store;

import static dev.tuneup.store.Columns.instant;
import static dev.tuneup.store.Columns.millis;

import dev.tuneup.auth.Caller;
import dev.tuneup.common.Page;
import dev.tuneup.common.PageRequest;
import dev.tuneup.registry.ImportKind;
import dev.tuneup.registry.ImportSource;
import dev.tuneup.registry.ImportStatus;
import dev.tuneup.registry.ModelImport;
import dev.tuneup.registry.ModelImportStore;
import dev.tuneup.registry.WeightType;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.SqlStatement;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * {@link ModelImportStore} on the {@code model_imports} table. Updates are optimistic ({@code WHERE
 * id = ? AND version = ?}); a claim reads the oldest claimable import and takes it with such an
 * update, so two replicas claiming at once take different imports or one loses and tries the next.
 */
public final class JdbiModelImportStore implements ModelImportStore {
  private static final int CLAIM_ATTEMPTS = 8;

  private final Jdbi jdbi;

  public JdbiModelImportStore(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  @Override
  public void insert(ModelImport i) {
    jdbi.useHandle(
        h ->
            bindAll(
                    h.createUpdate(
                        """
                        INSERT INTO model_imports (id, kind, user_id, workspace_id, status,
                            model_name, display_name, base_model, weight_type, source, location,
                            revision, commit_sha, bytes_done, bytes_total, current_file, message,
                            owner, created_at, updated_at, ended_at, version)
                        VALUES (:id, :kind, :userId, :ws, :status, :modelName, :displayName,
                            :baseModel, :weightType, :source, :location, :revision, :commit,
                            :bytesDone, :bytesTotal, :currentFile, :message, :owner, :createdAt,
                            :updatedAt, :endedAt, :version)
                        """),
                    i)
                .execute());
  }

  @Override
  public Optional<ModelImport> find(String id) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT * FROM model_imports WHERE id = :id")
                .bind("id", id)
                .map(JdbiModelImportStore::map)
                .findOne());
  }

  @Override
  public Page<ModelImport> list(
      ImportKind kind, Caller owner, ImportStatus status, String modelName, PageRequest page) {
    StringBuilder where = new StringBuilder(" WHERE kind = :kind");
    if (owner != null) {
      where.append(" AND user_id = :userId AND workspace_id = :ws");
    }
    if (status != null) {
      where.append(" AND status = :status");
    }
    if (modelName != null) {
      where.append(" AND model_name = :modelName");
    }
    return jdbi.withHandle(
        h -> {
          var count = h.createQuery("SELECT COUNT(*) FROM model_imports" + where);
          var rows =
              h.createQuery(
                  "SELECT * FROM model_imports"
                      + where
                      + " ORDER BY created_at DESC, id DESC LIMIT :limit OFFSET :offset");
          for (var q : List.of(count, rows)) {
            q.bind("kind", kind.name());
            if (owner != null) {
              q.bind("userId", owner.userId()).bind("ws", owner.workspaceId());
            }
            if (status != null) {
              q.bind("status", status.name());
            }
            if (modelName != null) {
              q.bind("modelName", modelName);
            }
          }
          long total = count.mapTo(Long.class).one();
          List<ModelImport> items =
              rows.bind("limit", page.pageSize())
                  .bind("offset", page.offset())
                  .map(JdbiModelImportStore::map)
                  .list();
          return new Page<>(page.pageNo(), page.pageSize(), total, items);
        });
  }

  @Override
  public boolean update(ModelImport i) {
    return jdbi.withHandle(
            h ->
                bindAll(
                        h.createUpdate(
                            """
                            UPDATE model_imports SET status = :status, commit_sha = :commit,
                                   bytes_done = :bytesDone, bytes_total = :bytesTotal,
                                   current_file = :currentFile, message = :message,
                                   owner = :owner, updated_at = :updatedAt,
                                   ended_at = :endedAt, version = :version + 1
                             WHERE id = :id AND version = :version
                            """),
                        i)
                    .execute())
        == 1;
  }

  @Override
  public Optional<ModelImport> claimNext(String owner, Instant now, Instant staleBefore) {
    for (int attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      Optional<ModelImport> candidate =
          jdbi.withHandle(
              h ->
                  h.createQuery(
                          """
                          SELECT * FROM model_imports
                           WHERE status = 'PENDING'
                              OR (status = 'RUNNING'
                                  AND (owner = :owner OR updated_at < :staleBefore))
                           ORDER BY created_at, id LIMIT 1
                          """)
                      .bind("owner", owner)
                      .bind("staleBefore", millis(staleBefore))
                      .map(JdbiModelImportStore::map)
                      .findOne());
      if (candidate.isEmpty()) {
        return Optional.empty();
      }
      ModelImport taken = candidate.get().running(owner, now);
      if (update(taken)) {
        return Optional.of(taken.nextVersion());
      }
    }
    return Optional.empty();
  }

  @Override
  public boolean activeFor(String modelName) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                        "SELECT COUNT(*) FROM model_imports WHERE model_name = :name"
                            + " AND status IN ('PENDING', 'RUNNING')")
                    .bind("name", modelName)
                    .mapTo(Long.class)
                    .one()
                > 0);
  }

  @Override
  public boolean delete(String id) {
    return jdbi.withHandle(
            h ->
                h.createUpdate("DELETE FROM model_imports WHERE id = :id").bind("id", id).execute())
        == 1;
  }

  private static <S extends SqlStatement<S>> S bindAll(S s, ModelImport i) {
    return s.bind("id", i.id())
        .bind("kind", i.kind().name())
        .bind("userId", i.userId())
        .bind("ws", i.workspaceId())
        .bind("status", i.status().name())
        .bind("modelName", i.modelName())
        .bind("displayName", i.displayName())
        .bind("baseModel", i.baseModel())
        .bind("weightType", i.weightType().name())
        .bind("source", i.source().name())
        .bind("location", i.location())
        .bind("revision", i.revision())
        .bind("commit", i.commit())
        .bind("bytesDone", i.bytesDone())
        .bind("bytesTotal", i.bytesTotal())
        .bind("currentFile", i.currentFile())
        .bind("message", i.message())
        .bind("owner", i.owner())
        .bind("createdAt", millis(i.createdAt()))
        .bind("updatedAt", millis(i.updatedAt()))
        .bind("endedAt", millis(i.endedAt()))
        .bind("version", i.version());
  }

  private static ModelImport map(ResultSet rs, StatementContext ctx) throws SQLException {
    return new ModelImport(
        rs.getString("id"),
        ImportKind.valueOf(rs.getString("kind")),
        rs.getString("user_id"),
        rs.getString("workspace_id"),
        ImportStatus.valueOf(rs.getString("status")),
        rs.getString("model_name"),
        rs.getString("display_name"),
        rs.getString("base_model"),
        WeightType.valueOf(rs.getString("weight_type")),
        ImportSource.valueOf(rs.getString("source")),
        rs.getString("location"),
        rs.getString("revision"),
        rs.getString("commit_sha"),
        rs.getLong("bytes_done"),
        rs.getLong("bytes_total"),
        rs.getString("current_file"),
        rs.getString("message"),
        rs.getString("owner"),
        instant(rs, "created_at"),
        instant(rs, "updated_at"),
        instant(rs, "ended_at"),
        rs.getLong("version"));
  }
}
