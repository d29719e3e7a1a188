DROP TABLE import_jobs;
ALTER TABLE imports DROP COLUMN kind;
