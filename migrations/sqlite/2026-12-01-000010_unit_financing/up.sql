-- Mức tự chủ tài chính of a public service unit, dated (a decision assigns it for a period): a unit
-- that finances its own recurrent and investment spending uses the enterprise threshold for its
-- fixed assets (TT 141/2025/TT-BTC, Điều 3.3), so the tier in force on an asset's acquisition date
-- decides the asset's kind.
CREATE TABLE unit_financing (
    id INTEGER PRIMARY KEY NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES org_units(id),
    autonomy TEXT NOT NULL,
    legal_source TEXT,
    valid_from DATE NOT NULL,
    valid_to DATE,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX unit_financing_unit ON unit_financing(unit_id);
-- TT 23/2023 and TT 141/2025 Điều 3.2.b, as read: the 10,000,000 đ line is confirmed.
UPDATE rule_settings SET legal_source = 'TT 23/2023/TT-BTC, Điều 3.2.b' WHERE key = 'fixed_asset_min_cost' AND valid_from = '2023-06-10' AND value = '10000000';
UPDATE rule_settings SET legal_source = 'TT 141/2025/TT-BTC, Điều 3.2.b', note = NULL WHERE key = 'fixed_asset_min_cost' AND valid_from = '2026-01-01' AND value = '10000000';
