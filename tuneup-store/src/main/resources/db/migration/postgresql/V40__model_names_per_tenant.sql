-- Model names are scoped per tenant (user and workspace): two tenants may each hold a model of
-- the same name, and nothing one tenant does reveals another's names. model_names holds every
-- name a tenant has: the finetuned_output a job reserves at create (in the job's transaction),
-- exported checkpoints and imports. job_id is the job (or import) the name belongs to.
CREATE TABLE model_names (
  user_id      TEXT NOT NULL,
  workspace_id TEXT NOT NULL,
  name         TEXT COLLATE "C" NOT NULL,
  job_id       TEXT NOT NULL,
  PRIMARY KEY (user_id, workspace_id, name)
);

CREATE INDEX model_names_by_job ON model_names (job_id);

ALTER TABLE models DROP CONSTRAINT models_pkey;
ALTER TABLE models ADD PRIMARY KEY (user_id, workspace_id, name);
CREATE INDEX models_by_name ON models (name);

INSERT INTO model_names (user_id, workspace_id, name, job_id)
  SELECT user_id, workspace_id, name, COALESCE(job_id, name) FROM models WHERE true
  ON CONFLICT DO NOTHING;
INSERT INTO model_names (user_id, workspace_id, name, job_id)
  SELECT user_id, workspace_id, finetuned_output, id FROM jobs WHERE finetuned_output IS NOT NULL
  ON CONFLICT DO NOTHING;
