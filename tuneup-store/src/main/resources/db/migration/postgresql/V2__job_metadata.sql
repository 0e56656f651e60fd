-- The caller's key-value labels of a job (OpenAI fine-tuning "metadata"), a JSON object of
-- strings; NULL when none. Statuses are TEXT, so PAUSING and PAUSED need no change here.
ALTER TABLE jobs ADD COLUMN metadata TEXT;
