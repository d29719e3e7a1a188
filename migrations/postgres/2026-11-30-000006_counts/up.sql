-- A count (đợt kiểm kê): the decision that orders it, the reference time, the scope, and where it
-- stands: nhap (draft) → dang_kiem (counting) → da_doi_chieu (reconciled) → da_khoa (closed).
-- Scope lists are JSON arrays (unit ids, locations, class ids); empty means all.
CREATE TABLE count_sessions (
    id SERIAL PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    decision_no TEXT NOT NULL,
    decision_date DATE NOT NULL,
    reference_date DATE NOT NULL,
    scope_units TEXT NOT NULL,
    scope_locations TEXT NOT NULL,
    scope_classes TEXT NOT NULL,
    status TEXT NOT NULL,
    -- Keys the checksum of its count sheets, so a sheet cannot be forged from another.
    sheet_secret TEXT NOT NULL,
    -- SHA-256 of the minutes' figures when it closed: a closed count reproduces them forever.
    minutes_sha256 TEXT,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    opened_at TIMESTAMP,
    reconciled_at TIMESTAMP,
    closed_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);

-- Ban kiểm kê: the committee, in the order it signs.
CREATE TABLE count_members (
    id SERIAL PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES count_sessions(id),
    full_name TEXT NOT NULL,
    committee_role TEXT NOT NULL,
    position TEXT,
    represents TEXT,
    sort_order INTEGER NOT NULL
);
CREATE INDEX count_members_session ON count_members(session_id);

-- The books at the reference time, one line per asset in scope (names frozen with it), and the
-- lines the reconciliation adds for codes counted that the books do not know (asset_id NULL).
-- Each discrepancy's resolution is kept on its line.
CREATE TABLE count_lines (
    id SERIAL PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES count_sessions(id),
    asset_id INTEGER REFERENCES assets(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    class_name TEXT NOT NULL,
    class_order INTEGER NOT NULL,
    unit_id INTEGER REFERENCES org_units(id),
    unit_name TEXT NOT NULL,
    location TEXT,
    unit_of_measure TEXT NOT NULL,
    book_quantity INTEGER NOT NULL,
    book_cost BIGINT NOT NULL,
    book_residual BIGINT NOT NULL,
    book_condition TEXT NOT NULL,
    resolution TEXT,
    resolution_note TEXT,
    disposal_id INTEGER REFERENCES disposals(id),
    resolved_by TEXT,
    resolved_at TIMESTAMP,
    applied_at TIMESTAMP
);
CREATE INDEX count_lines_session ON count_lines(session_id, code);

-- What the counters said: each entry is kept; a counter's later entry for the same code replaces
-- their earlier one, different counters' entries are compared, never summed; an entry that
-- settles a conflict stands over every entry before it.
CREATE TABLE count_entries (
    id SERIAL PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES count_sessions(id),
    code TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    condition TEXT,
    location TEXT,
    note TEXT,
    counter TEXT NOT NULL,
    source TEXT NOT NULL,
    settles BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX count_entries_session ON count_entries(session_id, code);
