package dev.tuneup.store;

import org.jdbi.v3.core.Handle;

/**
 * Serialises the quota checks of one user: {@link #lock} upserts the user's row of {@code
 * quota_locks} as the first statement of the transaction, so the counts read after it see every
 * write of that user committed before, and no other writer of that user passes until commit (the
 * row lock on PostgreSQL, the database write lock on SQLite).
 */
final class QuotaLocks {
  private QuotaLocks() {}

  static void lock(Handle h, String scope, String userId) {
    h.createUpdate(
            """
            INSERT INTO quota_locks (scope, user_id) VALUES (:scope, :userId)
            ON CONFLICT (scope, user_id) DO UPDATE SET user_id = excluded.user_id
            """)
        .bind("scope", scope)
        .bind("userId", userId)
        .execute();
  }
}
