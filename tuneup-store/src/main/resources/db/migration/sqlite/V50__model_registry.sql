-- Model registration at run time: base models added or pulled by an administrator, and the
-- imports (pulls of base models, users' custom-model imports) that the importer runs.
-- A custom import's model, once registered, is a row of models with job_id = the import id.
-- Every write of an import is optimistic on version; see JdbiModelImportStore.

CREATE TABLE base_models (
  id            TEXT    NOT NULL PRIMARY KEY,
  path          TEXT    NOT NULL,
  source        TEXT    NOT NULL,
  registered_at INTEGER NOT NULL
);

CREATE TABLE model_imports (
  id            TEXT    NOT NULL PRIMARY KEY,
  kind          TEXT    NOT NULL,
  user_id       TEXT    NOT NULL,
  workspace_id  TEXT    NOT NULL,
  status        TEXT    NOT NULL,
  model_name    TEXT    NOT NULL,
  display_name  TEXT,
  base_model    TEXT,
  weight_type   TEXT    NOT NULL,
  source        TEXT    NOT NULL,
  location      TEXT    NOT NULL,
  revision      TEXT,
  commit_sha    TEXT,
  bytes_done    INTEGER NOT NULL,
  bytes_total   INTEGER NOT NULL,
  current_file  TEXT,
  message       TEXT,
  owner         TEXT,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  ended_at      INTEGER,
  version       INTEGER NOT NULL
);

CREATE INDEX model_imports_by_owner ON model_imports (kind, user_id, workspace_id, created_at);
CREATE INDEX model_imports_by_status ON model_imports (status, created_at);
CREATE INDEX model_imports_by_model ON model_imports (model_name);
