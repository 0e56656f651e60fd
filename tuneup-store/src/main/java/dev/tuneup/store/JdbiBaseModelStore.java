package dev.tuneup.store;

import static dev.tuneup.store.Columns.instant;
import static dev.tuneup.store.Columns.millis;

import dev.tuneup.registry.BaseModel;
import dev.tuneup.registry.BaseModelStore;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;

/** {@link BaseModelStore} on the {@code base_models} table. */
public final class JdbiBaseModelStore implements BaseModelStore {
  private final Jdbi jdbi;

  public JdbiBaseModelStore(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  @Override
  public boolean insert(BaseModel m) {
    // One statement on both dialects: the primary key decides a race between two inserts.
    return jdbi.withHandle(
            h ->
                h.createUpdate(
                        """
                        INSERT INTO base_models (id, path, source, registered_at)
                        VALUES (:id, :path, :source, :at)
                        ON CONFLICT (id) DO NOTHING
                        """)
                    .bind("id", m.id())
                    .bind("path", m.path().toString())
                    .bind("source", m.source())
                    .bind("at", millis(m.registeredAt()))
                    .execute())
        == 1;
  }

  @Override
  public Optional<BaseModel> find(String id) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT * FROM base_models WHERE id = :id")
                .bind("id", id)
                .map(JdbiBaseModelStore::map)
                .findOne());
  }

  @Override
  public List<BaseModel> list() {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT * FROM base_models ORDER BY registered_at, id")
                .map(JdbiBaseModelStore::map)
                .list());
  }

  @Override
  public boolean delete(String id) {
    return jdbi.withHandle(
            h -> h.createUpdate("DELETE FROM base_models WHERE id = :id").bind("id", id).execute())
        == 1;
  }

  private static BaseModel map(ResultSet rs, StatementContext ctx) throws SQLException {
    return new BaseModel(
        rs.getString("id"),
        Path.of(rs.getString("path")),
        rs.getString("source"),
        instant(rs, "registered_at"));
  }
}
