-- One row per (quota, user): a write that checks and takes a per-user quota (job creates, file
-- uploads, deployments) first upserts its row, which holds the row lock on PostgreSQL and the
-- write lock on SQLite until commit, so two writers of one user never both pass the check.
CREATE TABLE quota_locks (
  scope   TEXT NOT NULL,
  user_id TEXT NOT NULL,
  PRIMARY KEY (scope, user_id)
);
