-- Every import is a record (lần nhập dữ liệu): the file, who, how, what became of each row.
CREATE TABLE imports (
    id INTEGER PRIMARY KEY NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    sheet TEXT NOT NULL,
    actor TEXT NOT NULL,
    mode TEXT NOT NULL,
    blanks TEXT NOT NULL,
    strict BOOLEAN NOT NULL,
    status TEXT NOT NULL,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    unchanged INTEGER NOT NULL,
    skipped INTEGER NOT NULL,
    failed INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX imports_sha256 ON imports(sha256);

CREATE TABLE import_rows (
    id INTEGER PRIMARY KEY NOT NULL,
    import_id INTEGER NOT NULL REFERENCES imports(id),
    excel_row INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    asset_id INTEGER,
    asset_version INTEGER,
    code TEXT,
    message TEXT,
    -- The asset's editable fields before an update, to undo the import.
    before_json TEXT
);
CREATE INDEX import_rows_import ON import_rows(import_id);

-- A corrected column mapping, remembered for files of the same layout (the folded headers).
CREATE TABLE import_layouts (
    layout TEXT PRIMARY KEY NOT NULL,
    mapping TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- An uploaded file between its preview and its import.
CREATE TABLE import_uploads (
    id INTEGER PRIMARY KEY NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL,
    actor TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
