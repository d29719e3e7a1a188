DROP VIEW activity;
DROP INDEX imports_event;
DROP INDEX import_rows_asset;
ALTER TABLE imports DROP COLUMN event_seq;
ALTER TABLE import_rows DROP COLUMN row_hash;
ALTER TABLE import_rows DROP COLUMN after_json;
ALTER TABLE import_rows DROP COLUMN position;
