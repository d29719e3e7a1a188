-- Files kept by the hash of their content: the same scan attached twice is stored once, and the
-- hash written in the history proves later that the file is the one attached.
CREATE TABLE file_blobs (
    sha256 TEXT PRIMARY KEY NOT NULL,
    size BIGINT NOT NULL,
    content BLOB NOT NULL
);

-- A scanned decision or minutes attached to a handling, to one of its documents if named.
CREATE TABLE attachments (
    id INTEGER PRIMARY KEY NOT NULL,
    disposal_id INTEGER NOT NULL REFERENCES disposals(id),
    step_id INTEGER REFERENCES disposal_steps(id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES file_blobs(sha256),
    size BIGINT NOT NULL,
    actor TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX attachments_disposal ON attachments(disposal_id);

-- A sale by auction records its rounds; a write-down records the residual value on its own date.
ALTER TABLE disposal_steps ADD COLUMN rounds INTEGER;
ALTER TABLE disposal_lines ADD COLUMN written_down_residual BIGINT;
