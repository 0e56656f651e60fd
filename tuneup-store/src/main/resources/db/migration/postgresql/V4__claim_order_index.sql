-- The claim walks QUEUING jobs in queue order (queued_at, created_at, id) and stops at the first
-- whose user is under the running limit. An index in exactly that order lets it stop there instead
-- of checking the limit of every queued job and sorting them all (measured on PostgreSQL with 2000
-- queued jobs: 24 claims/s without it).
CREATE INDEX jobs_claim_order ON jobs (status, queued_at, created_at, id);
