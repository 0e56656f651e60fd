-- Model names are scoped per tenant (user and workspace): two tenants may each hold a model of
-- the same name, and nothing one tenant does reveals another's names. model_names holds every
-- name a tenant has: the finetuned_output a job reserves at create (in the job's transaction),
-- exported checkpoints and imports. job_id is the job (or import) the name belongs to.
CREATE TABLE model_names (
  user_id      TEXT    NOT NULL,
  workspace_id TEXT    NOT NULL,
  name         TEXT    NOT NULL,
  job_id       TEXT    NOT NULL,
  PRIMARY KEY (user_id, workspace_id, name)
);

CREATE INDEX model_names_by_job ON model_names (job_id);

CREATE TABLE models_v40 (
  name          TEXT    NOT NULL,
  job_id        TEXT,
  user_id       TEXT    NOT NULL,
  workspace_id  TEXT    NOT NULL,
  base_model    TEXT,
  parent_model  TEXT,
  training_type TEXT,
  path          TEXT,
  created_at    INTEGER NOT NULL,
  PRIMARY KEY (user_id, workspace_id, name)
);

INSERT INTO models_v40 SELECT name, job_id, user_id, workspace_id, base_model, parent_model,
  training_type, path, created_at FROM models;
DROP TABLE models;
ALTER TABLE models_v40 RENAME TO models;
CREATE INDEX models_by_owner ON models (user_id, workspace_id, created_at DESC, name);
CREATE INDEX models_by_job ON models (job_id);
CREATE INDEX models_by_name ON models (name);

INSERT INTO model_names (user_id, workspace_id, name, job_id)
  SELECT user_id, workspace_id, name, COALESCE(job_id, name) FROM models WHERE true
  ON CONFLICT DO NOTHING;
INSERT INTO model_names (user_id, workspace_id, name, job_id)
  SELECT user_id, workspace_id, finetuned_output, id FROM jobs WHERE finetuned_output IS NOT NULL
  ON CONFLICT DO NOTHING;
