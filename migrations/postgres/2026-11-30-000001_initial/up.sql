-- Reference data (dữ liệu danh mục): every row names its legal source and the dates it is in force.
CREATE TABLE org_units (
    id SERIAL PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    short_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent_id INTEGER REFERENCES org_units(id),
    ma_qhns TEXT,
    legal_source TEXT,
    valid_from DATE,
    valid_to DATE,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE asset_classes (
    id SERIAL PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    always_fixed BOOLEAN NOT NULL DEFAULT FALSE,
    intangible BOOLEAN NOT NULL DEFAULT FALSE,
    wear_exempt BOOLEAN NOT NULL DEFAULT FALSE,
    sort_order INTEGER NOT NULL DEFAULT 0,
    legal_source TEXT,
    valid_from DATE,
    valid_to DATE,
    version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE asset_categories (
    id SERIAL PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    class_id INTEGER NOT NULL REFERENCES asset_classes(id),
    name TEXT NOT NULL,
    wear_exempt BOOLEAN NOT NULL DEFAULT FALSE,
    legal_source TEXT,
    valid_from DATE,
    valid_to DATE,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX asset_categories_class ON asset_categories(class_id);

CREATE TABLE wear_rates (
    id SERIAL PRIMARY KEY,
    category_id INTEGER NOT NULL REFERENCES asset_categories(id),
    useful_life_years INTEGER NOT NULL,
    rate_bp INTEGER NOT NULL,
    legal_source TEXT NOT NULL,
    valid_from DATE NOT NULL,
    valid_to DATE,
    note TEXT,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX wear_rates_category ON wear_rates(category_id, valid_from);

CREATE TABLE rule_settings (
    id SERIAL PRIMARY KEY,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    legal_source TEXT,
    valid_from DATE NOT NULL,
    valid_to DATE,
    note TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (key, valid_from)
);

-- S&T tasks (nhiệm vụ KH&CN).
CREATE TABLE tasks (
    id SERIAL PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    level TEXT NOT NULL,
    host_org TEXT NOT NULL,
    principal_investigator TEXT,
    managing_unit_id INTEGER REFERENCES org_units(id),
    start_date DATE,
    end_date DATE,
    total_budget BIGINT NOT NULL DEFAULT 0,
    state_budget BIGINT NOT NULL DEFAULT 0,
    funding TEXT NOT NULL,
    state_share_bp INTEGER NOT NULL,
    acceptance_date DATE,
    acceptance_conclusion TEXT,
    legal_regime TEXT NOT NULL,
    status TEXT NOT NULL,
    notes TEXT,
    search_text TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX tasks_status ON tasks(status);

-- The register (sổ tài sản).
CREATE TABLE assets (
    id SERIAL PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    class_id INTEGER NOT NULL REFERENCES asset_classes(id),
    category_id INTEGER NOT NULL REFERENCES asset_categories(id),
    kind TEXT NOT NULL,
    task_asset_kind TEXT,
    unit_of_measure TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    area_m2 DOUBLE PRECISION,
    cost_state BIGINT NOT NULL,
    cost_other BIGINT NOT NULL,
    original_cost BIGINT NOT NULL,
    acquisition_method TEXT NOT NULL,
    acquired_on DATE,
    acquired_year INTEGER,
    in_use_on DATE,
    year_made INTEGER,
    country TEXT,
    task_id INTEGER REFERENCES tasks(id),
    unit_id INTEGER NOT NULL REFERENCES org_units(id),
    location TEXT,
    responsible_person TEXT,
    status TEXT NOT NULL,
    condition TEXT,
    specification TEXT,
    serial_no TEXT,
    notes TEXT,
    opening_wear BIGINT NOT NULL DEFAULT 0,
    opening_wear_as_of DATE,
    accumulated_wear BIGINT NOT NULL,
    residual_value BIGINT NOT NULL,
    wear_as_of DATE,
    search_text TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX assets_unit ON assets(unit_id);
CREATE INDEX assets_task ON assets(task_id);
CREATE INDEX assets_category ON assets(category_id);
CREATE INDEX assets_class ON assets(class_id);
CREATE INDEX assets_status ON assets(status);
CREATE INDEX assets_year ON assets(acquired_year);
CREATE INDEX assets_name ON assets(name);
-- Substring search (LIKE '%…%' on the folded text) through a trigram index: PostgreSQL only.
-- The extension goes into public so that per-schema installations (tests) share it.
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
CREATE INDEX assets_search_trgm ON assets USING gin (search_text public.gin_trgm_ops);

-- Append-only history (nhật ký). seq is assigned by the writer so that the hash chain has no gaps.
CREATE TABLE audit_events (
    seq BIGINT PRIMARY KEY NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_events_entity ON audit_events(entity, entity_id);
