-- The forms of handling public assets (hình thức xử lý tài sản) as dated rule data: which regime
-- they belong to (NĐ 70/2018 for S&T-task assets, the general forms of Luật 15/2017, or a newer
-- regime), how they are carried out, and the days each step has.
CREATE TABLE handling_forms (
    id SERIAL PRIMARY KEY,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    regime TEXT NOT NULL,
    execution TEXT NOT NULL,
    decide_days INTEGER NOT NULL,
    execute_days INTEGER NOT NULL,
    execute_days_land INTEGER,
    sort_order INTEGER NOT NULL,
    legal_source TEXT NOT NULL,
    valid_from DATE NOT NULL,
    valid_to DATE
);
CREATE INDEX handling_forms_code ON handling_forms(code);

-- A handling file (hồ sơ xử lý tài sản): one proposal, its decision, execution, money and write-down.
CREATE TABLE disposals (
    id SERIAL PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    form_code TEXT NOT NULL,
    task_id INTEGER REFERENCES tasks(id),
    unit_id INTEGER NOT NULL REFERENCES org_units(id),
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    -- The deadline of the step awaited next, from the rule data (NULL once nothing is awaited).
    due_on DATE,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX disposals_status ON disposals(status);

-- The assets of a handling, with the quantity proposed and the values at the proposal; the decided
-- quantity and values at the decision date; the asset record written down (split off when only part
-- of the quantity is handled).
CREATE TABLE disposal_lines (
    id SERIAL PRIMARY KEY,
    disposal_id INTEGER NOT NULL REFERENCES disposals(id),
    asset_id INTEGER NOT NULL REFERENCES assets(id),
    quantity INTEGER NOT NULL,
    original_cost BIGINT NOT NULL,
    residual_value BIGINT NOT NULL,
    decided_quantity INTEGER,
    decided_cost BIGINT,
    decided_residual BIGINT,
    written_down_asset_id INTEGER REFERENCES assets(id)
);
CREATE INDEX disposal_lines_disposal ON disposal_lines(disposal_id);
CREATE INDEX disposal_lines_asset ON disposal_lines(asset_id);

-- The documents of a handling, in order; never edited: a step is corrected by a later step that
-- revokes it (thu hồi, hủy bỏ quyết định) and names it.
CREATE TABLE disposal_steps (
    id SERIAL PRIMARY KEY,
    disposal_id INTEGER NOT NULL REFERENCES disposals(id),
    kind TEXT NOT NULL,
    doc_no TEXT,
    doc_date DATE NOT NULL,
    signer TEXT,
    authority TEXT,
    method TEXT,
    counterparty TEXT,
    note TEXT,
    proceeds BIGINT,
    costs BIGINT,
    remitted BIGINT,
    revokes_step_id INTEGER REFERENCES disposal_steps(id),
    actor TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX disposal_steps_disposal ON disposal_steps(disposal_id);
