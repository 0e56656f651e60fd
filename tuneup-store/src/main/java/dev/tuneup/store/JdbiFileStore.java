package dev.tuneup.store;

import static dev.tuneup.store.Columns.instant;
import static dev.tuneup.store.Columns.millis;

import dev.tuneup.auth.Caller;
import dev.tuneup.common.Page;
import dev.tuneup.common.PageRequest;
import dev.tuneup.file.FileStore;
import dev.tuneup.file.StoredFile;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;

/** {@link FileStore} on the {@code files} table. */
public final class JdbiFileStore implements FileStore {
  private static final String OWNED = " FROM files WHERE user_id = :userId AND workspace_id = :ws";

  private final Jdbi jdbi;

  public JdbiFileStore(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  @Override
  public void insert(StoredFile f) {
    jdbi.useHandle(h -> insert(h, f));
  }

  @Override
  public Admission insertWithinQuota(StoredFile f, long maxFiles, long maxBytes) {
    return jdbi.inTransaction(
        h -> {
          QuotaLocks.lock(h, "files", f.userId());
          Usage before = usage(h, f.userId());
          if (before.files() + 1 > maxFiles || before.bytes() + f.size() > maxBytes) {
            return new Admission(false, before);
          }
          insert(h, f);
          return new Admission(true, before);
        });
  }

  private static void insert(org.jdbi.v3.core.Handle h, StoredFile f) {
    h.createUpdate(
            """
                    INSERT INTO files (id, user_id, workspace_id, name, description, purpose,
                                       size, md5, lines, created_at)
                    VALUES (:id, :userId, :ws, :name, :description, :purpose,
                            :size, :md5, :lines, :createdAt)
                    """)
        .bind("id", f.id())
        .bind("userId", f.userId())
        .bind("ws", f.workspaceId())
        .bind("name", f.name())
        .bind("description", f.description())
        .bind("purpose", f.purpose())
        .bind("size", f.size())
        .bind("md5", f.md5())
        .bind("lines", f.lines())
        .bind("createdAt", millis(f.createdAt()))
        .execute();
  }

  @Override
  public Optional<StoredFile> findFor(Caller caller, String fileId) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT *" + OWNED + " AND id = :id")
                .bind("userId", caller.userId())
                .bind("ws", caller.workspaceId())
                .bind("id", fileId)
                .map(JdbiFileStore::mapFile)
                .findOne());
  }

  @Override
  public Page<StoredFile> list(Caller caller, PageRequest page) {
    return jdbi.withHandle(
        h -> {
          long total =
              h.createQuery("SELECT COUNT(*)" + OWNED)
                  .bind("userId", caller.userId())
                  .bind("ws", caller.workspaceId())
                  .mapTo(Long.class)
                  .one();
          List<StoredFile> items =
              h.createQuery(
                      "SELECT *"
                          + OWNED
                          + " ORDER BY created_at DESC, id DESC LIMIT :limit OFFSET :offset")
                  .bind("userId", caller.userId())
                  .bind("ws", caller.workspaceId())
                  .bind("limit", page.pageSize())
                  .bind("offset", page.offset())
                  .map(JdbiFileStore::mapFile)
                  .list();
          return new Page<>(page.pageNo(), page.pageSize(), total, items);
        });
  }

  @Override
  public boolean delete(String fileId) {
    return jdbi.withHandle(
        h -> h.createUpdate("DELETE FROM files WHERE id = :id").bind("id", fileId).execute() == 1);
  }

  @Override
  public Usage usageOf(String userId) {
    return jdbi.withHandle(h -> usage(h, userId));
  }

  private static Usage usage(org.jdbi.v3.core.Handle h, String userId) {
    return h.createQuery(
            "SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS bytes FROM files"
                + " WHERE user_id = :userId")
        .bind("userId", userId)
        .map((rs, ctx) -> new Usage(rs.getLong("n"), rs.getLong("bytes")))
        .one();
  }

  private static StoredFile mapFile(ResultSet rs, StatementContext ctx) throws SQLException {
    return new StoredFile(
        rs.getString("id"),
        rs.getString("user_id"),
        rs.getString("workspace_id"),
        rs.getString("name"),
        rs.getString("description"),
        rs.getString("purpose"),
        rs.getLong("size"),
        rs.getString("md5"),
        rs.getLong("lines"),
        instant(rs, "created_at"));
  }
}
