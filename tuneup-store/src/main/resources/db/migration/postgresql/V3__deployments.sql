-- Deployments, PostgreSQL dialect; mirrors db/migration/sqlite/V3__deployments.sql column for
-- column. Every status write is optimistic on version; see JdbiDeploymentStore.

CREATE TABLE deployments (
  id             TEXT    NOT NULL PRIMARY KEY COLLATE "C",
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
  created_at     BIGINT  NOT NULL,
  modified_at    BIGINT  NOT NULL,
  version        BIGINT  NOT NULL,
  UNIQUE (user_id, workspace_id, deployed_model)
);

CREATE INDEX deployments_by_model ON deployments (model_name);
