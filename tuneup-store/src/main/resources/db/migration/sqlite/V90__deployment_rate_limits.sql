-- Deployment rate limits (Model Studio's rpm_limit and tpm_limit); null is no limit.
ALTER TABLE deployments ADD COLUMN rpm_limit INTEGER;
ALTER TABLE deployments ADD COLUMN tpm_limit INTEGER;
