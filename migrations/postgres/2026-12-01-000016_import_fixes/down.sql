DROP TABLE import_fixes;
