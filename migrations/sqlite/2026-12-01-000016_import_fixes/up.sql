-- A correction made in the preview (sửa trong bản xem trước), kept with the import that used it:
-- the cell, the value the file gave, the value used, and who typed it.
CREATE TABLE import_fixes (
    id INTEGER PRIMARY KEY NOT NULL,
    import_id INTEGER NOT NULL REFERENCES imports(id),
    sheet TEXT NOT NULL,
    excel_row INTEGER NOT NULL,
    column_header TEXT NOT NULL,
    file_value TEXT NOT NULL,
    used_value TEXT NOT NULL,
    actor TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX import_fixes_import ON import_fixes(import_id);
