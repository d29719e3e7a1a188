-- Procurement records (hồ sơ mua sắm): what inspectors check next to the assets they bought.
-- `documents` is a JSON array of the codes of the documents on file (dự toán, KHLCNT, hợp đồng…).
CREATE TABLE procurements (
    id SERIAL PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    package_name TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES org_units(id),
    category_id INTEGER REFERENCES asset_categories(id),
    estimate BIGINT NOT NULL,
    method TEXT NOT NULL,
    plan_no TEXT,
    plan_date DATE,
    contract_no TEXT,
    contract_date DATE,
    supplier TEXT,
    contract_value BIGINT NOT NULL,
    acceptance_date DATE,
    invoice_no TEXT,
    invoice_date DATE,
    documents TEXT NOT NULL,
    notes TEXT,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);

-- The assets a procurement bought.
CREATE TABLE procurement_assets (
    id SERIAL PRIMARY KEY,
    procurement_id INTEGER NOT NULL REFERENCES procurements(id),
    asset_id INTEGER NOT NULL REFERENCES assets(id)
);
CREATE INDEX procurement_assets_procurement ON procurement_assets(procurement_id);
CREATE INDEX procurement_assets_asset ON procurement_assets(asset_id);

-- An inspection (thanh tra or kiểm tra, planned or ad hoc) and its conclusion.
CREATE TABLE inspections (
    id SERIAL PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    planned BOOLEAN NOT NULL,
    title TEXT NOT NULL,
    decision_no TEXT NOT NULL,
    decision_date DATE NOT NULL,
    requested_by TEXT,
    subjects TEXT NOT NULL,
    scope TEXT NOT NULL,
    period_from DATE NOT NULL,
    period_to DATE NOT NULL,
    team TEXT NOT NULL,
    started_on DATE,
    ended_on DATE,
    status TEXT NOT NULL,
    conclusion_no TEXT,
    conclusion_date DATE,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);

-- What an inspection found: what, where, how much, whose responsibility; tied to evidence through
-- finding_links (assets, procurements, tasks, count lines).
CREATE TABLE findings (
    id SERIAL PRIMARY KEY,
    inspection_id INTEGER NOT NULL REFERENCES inspections(id),
    title TEXT NOT NULL,
    place TEXT,
    amount BIGINT NOT NULL,
    responsible TEXT,
    category TEXT NOT NULL,
    description TEXT,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX findings_inspection ON findings(inspection_id);

CREATE TABLE finding_links (
    id SERIAL PRIMARY KEY,
    finding_id INTEGER NOT NULL REFERENCES findings(id),
    kind TEXT NOT NULL,
    ref_id INTEGER NOT NULL
);
CREATE INDEX finding_links_finding ON finding_links(finding_id);
CREATE INDEX finding_links_ref ON finding_links(kind, ref_id);

-- Recommendations (kiến nghị) by kind, with the party responsible, the deadline and the amount;
-- organisations, persons and cases for the kinds that count them.
CREATE TABLE recommendations (
    id SERIAL PRIMARY KEY,
    inspection_id INTEGER NOT NULL REFERENCES inspections(id),
    finding_id INTEGER REFERENCES findings(id),
    kind TEXT NOT NULL,
    content TEXT NOT NULL,
    responsible TEXT NOT NULL,
    deadline DATE,
    amount BIGINT NOT NULL,
    organisations INTEGER NOT NULL,
    persons INTEGER NOT NULL,
    cases INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX recommendations_inspection ON recommendations(inspection_id);

-- Follow-up (theo dõi, đôn đốc): dated entries of what was done and recovered, with evidence; the
-- entry that confirms completion closes the recommendation.
CREATE TABLE follow_ups (
    id SERIAL PRIMARY KEY,
    recommendation_id INTEGER NOT NULL REFERENCES recommendations(id),
    done_on DATE NOT NULL,
    action TEXT NOT NULL,
    recovered BIGINT NOT NULL,
    completes BOOLEAN NOT NULL,
    evidence_name TEXT,
    evidence_sha256 TEXT,
    actor TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX follow_ups_recommendation ON follow_ups(recommendation_id);
