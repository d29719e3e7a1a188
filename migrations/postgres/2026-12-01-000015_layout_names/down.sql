ALTER TABLE import_layouts DROP COLUMN names;
