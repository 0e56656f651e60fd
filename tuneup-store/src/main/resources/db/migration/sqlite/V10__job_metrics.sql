-- Typed progress: one row per trainer progress (kind TRAIN) or eval (kind EVAL) event, written in
-- the same transaction as the log line for it (log_seq) and the job's event offset.
CREATE TABLE job_metrics (
  job_id         TEXT    NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  log_seq        INTEGER NOT NULL, -- job_logs.seq of the line written with it
  kind           TEXT    NOT NULL CHECK (kind IN ('TRAIN', 'EVAL')),
  step           INTEGER NOT NULL,
  loss           REAL,           -- NULL for NaN (SQLite stores no NaN)
  token_accuracy REAL,
  total_steps    INTEGER,
  epoch          REAL,
  lr             REAL,
  tokens         INTEGER,
  PRIMARY KEY (job_id, log_seq)
);
