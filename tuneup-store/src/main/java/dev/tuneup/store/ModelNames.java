package dev.tuneup.store;

import org.jdbi.v3.core.Handle;

/**
 * The {@code model_names} table: every model name a tenant (user and workspace) holds, with the job
 * or import it belongs to. One conditional insert reserves a name, so two writers of one tenant
 * never both get it; another tenant's names are never read.
 */
final class ModelNames {
  private ModelNames() {}

  /**
   * Reserves {@code name} for {@code jobId} in the tenant.
   *
   * @return true when the name is now the job's (newly, or it already was); false when another job
   *     or model of the tenant holds it
   */
  static boolean reserve(Handle h, String userId, String workspaceId, String name, String jobId) {
    int inserted =
        h.createUpdate(
                """
                INSERT INTO model_names (user_id, workspace_id, name, job_id)
                VALUES (:userId, :ws, :name, :jobId)
                ON CONFLICT DO NOTHING
                """)
            .bind("userId", userId)
            .bind("ws", workspaceId)
            .bind("name", name)
            .bind("jobId", jobId)
            .execute();
    if (inserted == 1) {
      return true;
    }
    return h.createQuery(
            "SELECT job_id FROM model_names WHERE user_id = :userId AND workspace_id = :ws"
                + " AND name = :name")
        .bind("userId", userId)
        .bind("ws", workspaceId)
        .bind("name", name)
        .mapTo(String.class)
        .findOne()
        .map(jobId::equals)
        .orElse(false);
  }

  static boolean taken(Handle h, String userId, String workspaceId, String name) {
    return h.createQuery(
                "SELECT COUNT(*) FROM model_names WHERE user_id = :userId AND workspace_id = :ws"
                    + " AND name = :name")
            .bind("userId", userId)
            .bind("ws", workspaceId)
            .bind("name", name)
            .mapTo(Long.class)
            .one()
        > 0;
  }

  static void releaseForJob(Handle h, String jobId) {
    h.createUpdate("DELETE FROM model_names WHERE job_id = :jobId").bind("jobId", jobId).execute();
  }
}
