-- Deployments: models served for chat (spec §3.3). Named V3 so that it never collides with
-- another branch's V2; Flyway applies versions in order and accepts the gap.
-- Every status write is optimistic on version; see JdbiDeploymentStore.

CREATE TABLE deployments (
  id             TEXT    NOT NULL PRIMARY KEY,
  deployed_model TEXT    NOT NULL,
  user_id        TEXT    NOT NULL,
  workspace_id   TEXT    NOT NULL,
  model_name     TEXT    NOT NULL,
  base_model     TEXT,
  suffix         TEXT,
  plan           TEXT    NOT NULL,
  status         TEXT    NOT NULL,
  capacity       INTEGER NOT NULL,
  ready_capacity INTEGER NOT NULL,
  reason         TEXT,
  creator        TEXT,
  modifier       TEXT,
  created_at     INTEGER NOT NULL,
  modified_at    INTEGER NOT NULL,
  version        INTEGER NOT NULL,
  UNIQUE (user_id, workspace_id, deployed_model)
);

CREATE INDEX deployments_by_model ON deployments (model_name);
