-- Each import record says what kind of file it read (sổ tài sản, quyết định, phát hiện, phiếu kiểm kê).
ALTER TABLE imports ADD COLUMN kind TEXT NOT NULL DEFAULT 'assets';

-- An import a page started (việc nhập): kept in the database, not in one server's memory, so that
-- its progress and its outcome answer on any server that shares the database. The server writes
-- its heartbeat while the job runs; a running job whose heartbeat stopped is shown as interrupted.
CREATE TABLE import_jobs (
    id SERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    owner TEXT NOT NULL,
    upload_id INTEGER REFERENCES import_uploads(id),
    -- The form's fields (options, mapping, choices), as JSON, to carry to the next step.
    fields TEXT NOT NULL,
    server TEXT NOT NULL,
    status TEXT NOT NULL,
    done_rows INTEGER NOT NULL,
    total_rows INTEGER NOT NULL,
    http_status INTEGER,
    -- The report (JSON) once done, or the message of the failure.
    outcome TEXT,
    started_at TIMESTAMP NOT NULL,
    heartbeat_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
CREATE INDEX import_jobs_status ON import_jobs(status);
