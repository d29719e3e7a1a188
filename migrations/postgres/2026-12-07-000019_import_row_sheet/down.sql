ALTER TABLE import_rows DROP COLUMN sheet;
