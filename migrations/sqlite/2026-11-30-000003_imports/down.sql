DROP TABLE import_layouts;
DROP TABLE import_uploads;
DROP TABLE import_rows;
DROP TABLE imports;
