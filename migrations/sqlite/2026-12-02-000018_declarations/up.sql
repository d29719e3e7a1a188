-- A declaration recorded (lần kê khai): what a unit declared to the national database as of a date,
-- each asset's declared fields kept as they were (declaration_items.snapshot, canonical JSON), the
-- digest of them all in the history chain. The next declaration is the difference from the last.
CREATE TABLE declarations (
    id INTEGER PRIMARY KEY NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES org_units(id),
    as_of DATE NOT NULL,
    supplement BOOLEAN NOT NULL,
    previous_id INTEGER REFERENCES declarations(id),
    items INTEGER NOT NULL,
    events INTEGER NOT NULL,
    digest TEXT NOT NULL,
    -- The unit as declared (Mã QHNS, name, managing body, type): 06a is its difference.
    unit_snapshot TEXT NOT NULL DEFAULT '{}',
    note TEXT,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX declarations_unit ON declarations(unit_id, id);
CREATE TABLE declaration_items (
    id INTEGER PRIMARY KEY NOT NULL,
    declaration_id INTEGER NOT NULL REFERENCES declarations(id),
    asset_id INTEGER NOT NULL REFERENCES assets(id),
    snapshot TEXT NOT NULL
);
CREATE INDEX declaration_items_declaration ON declaration_items(declaration_id);
-- Đánh giá lại: a dated decision revaluing an asset (found surplus at a count, upgraded), with its
-- basis; the asset's cost and residual before and after, the national reason code.
CREATE TABLE revaluations (
    id INTEGER PRIMARY KEY NOT NULL,
    asset_id INTEGER NOT NULL REFERENCES assets(id),
    decided_on DATE NOT NULL,
    doc_no TEXT NOT NULL,
    basis TEXT NOT NULL,
    reason_code TEXT NOT NULL,
    old_cost BIGINT NOT NULL,
    new_cost BIGINT NOT NULL,
    old_residual BIGINT NOT NULL,
    new_residual BIGINT NOT NULL,
    count_line_id INTEGER REFERENCES count_lines(id),
    actor TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX revaluations_asset ON revaluations(asset_id);
