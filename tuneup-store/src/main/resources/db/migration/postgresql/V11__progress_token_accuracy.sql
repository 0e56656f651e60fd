-- The latest token accuracy of a job's trainer, beside its latest losses.
ALTER TABLE jobs ADD COLUMN progress_token_accuracy DOUBLE PRECISION;
ALTER TABLE jobs ADD COLUMN progress_eval_token_accuracy DOUBLE PRECISION;
