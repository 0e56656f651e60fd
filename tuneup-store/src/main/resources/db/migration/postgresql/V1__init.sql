-- tuneup schema, PostgreSQL dialect; mirrors db/migration/sqlite/V1__init.sql column for column.
-- Instants are epoch milliseconds (BIGINT), as on SQLite: no time zone ever enters the database,
-- whatever the server's or the session's TimeZone setting is.
-- Every job write is optimistic on jobs.version; see JdbiJobStore.
-- Ids sort in byte order (COLLATE "C") so ties in the queue break exactly as on SQLite.

CREATE TABLE workspaces (
  id         TEXT   NOT NULL PRIMARY KEY,
  name       TEXT   NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE TABLE users (
  id                   TEXT    NOT NULL PRIMARY KEY,
  name                 TEXT    NOT NULL UNIQUE,
  admin                BOOLEAN NOT NULL,
  default_workspace_id TEXT    NOT NULL REFERENCES workspaces (id),
  created_at           BIGINT  NOT NULL
);

CREATE TABLE workspace_members (
  workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  PRIMARY KEY (workspace_id, user_id)
);

CREATE TABLE api_keys (
  id          TEXT   NOT NULL PRIMARY KEY,
  user_id     TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name        TEXT,
  secret_hash BYTEA  NOT NULL,
  created_at  BIGINT NOT NULL
);

CREATE INDEX api_keys_by_user ON api_keys (user_id, created_at);

CREATE TABLE files (
  id           TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  user_id      TEXT   NOT NULL,
  workspace_id TEXT   NOT NULL,
  name         TEXT   NOT NULL,
  description  TEXT,
  purpose      TEXT,
  size         BIGINT NOT NULL,
  md5          TEXT,
  lines        BIGINT NOT NULL,
  created_at   BIGINT NOT NULL
);

CREATE INDEX files_by_owner ON files (user_id, workspace_id, created_at DESC, id DESC);

CREATE TABLE jobs (
  id                         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  name                       TEXT,
  user_id                    TEXT    NOT NULL,
  workspace_id               TEXT    NOT NULL,
  status                     TEXT    NOT NULL,
  model                      TEXT,
  base_model                 TEXT,
  training_type              TEXT,
  training_file_ids          TEXT    NOT NULL, -- JSON array of file ids
  validation_file_ids        TEXT    NOT NULL, -- JSON array of file ids
  hyper_parameters           TEXT,             -- the caller's JSON, echoed byte for byte
  output_suffix              TEXT,
  finetuned_output           TEXT,
  created_at                 BIGINT  NOT NULL,
  queued_at                  BIGINT,
  started_at                 BIGINT,
  ended_at                   BIGINT,
  creator                    TEXT,
  modifier                   TEXT,
  usage_tokens               BIGINT  NOT NULL,
  progress_step              INTEGER,
  progress_total_steps       INTEGER,
  progress_epoch             DOUBLE PRECISION,
  progress_loss              DOUBLE PRECISION,
  progress_eval_loss         DOUBLE PRECISION,
  progress_learning_rate     DOUBLE PRECISION,
  progress_tokens_per_second DOUBLE PRECISION,
  progress_eta_seconds       DOUBLE PRECISION,
  error                      TEXT,
  attempt                    INTEGER NOT NULL,
  backend                    TEXT,
  run_handle                 TEXT,
  events_offset              BIGINT  NOT NULL,
  stop_requested_at          BIGINT,
  killed_at                  BIGINT,
  owner                      TEXT,
  heartbeat_at               BIGINT,
  version                    BIGINT  NOT NULL
);

-- The claim walks QUEUING jobs in queue order and counts each user's slot holders.
CREATE INDEX jobs_queue ON jobs (status, queued_at, id);
CREATE INDEX jobs_by_user_status ON jobs (user_id, status);
CREATE INDEX jobs_by_owner ON jobs (user_id, workspace_id, created_at DESC, id DESC);

CREATE TABLE job_logs (
  job_id TEXT   NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  seq    BIGINT NOT NULL, -- 0-based line number within the job's log
  line   TEXT   NOT NULL,
  PRIMARY KEY (job_id, seq)
);

CREATE TABLE models (
  name          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  job_id        TEXT,
  user_id       TEXT   NOT NULL,
  workspace_id  TEXT   NOT NULL,
  base_model    TEXT,
  parent_model  TEXT,
  training_type TEXT,
  path          TEXT,
  created_at    BIGINT NOT NULL
);

CREATE INDEX models_by_owner ON models (user_id, workspace_id, created_at DESC, name);
CREATE INDEX models_by_job ON models (job_id);
