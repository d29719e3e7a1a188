-- The register's reads under load (sổ tài sản khi nhiều người cùng dùng).
-- A search's count and sums read this narrow index instead of the wide rows: the folded text, and
-- what the totals and the common filters need (SQLite has no trigram index; PostgreSQL's is in the
-- first migration).
CREATE INDEX assets_search ON assets(search_text, status, unit_id, original_cost, residual_value);
-- A unit's assets in order of cost, a page at a time.
CREATE INDEX assets_unit_cost ON assets(unit_id, original_cost, id);
-- The register's totals (tổng của sổ), kept in the same transaction as every write of an asset:
-- the count, the original cost and the residual value of each combination of the common filters.
-- The list's totals line for those filters adds up these few hundred rows instead of every asset.
-- A year not known is 0.
CREATE TABLE register_totals (
    unit_id INTEGER NOT NULL,
    class_id INTEGER NOT NULL,
    category_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    kind TEXT NOT NULL,
    acquired_year INTEGER NOT NULL,
    assets BIGINT NOT NULL,
    original_cost BIGINT NOT NULL,
    residual_value BIGINT NOT NULL,
    PRIMARY KEY (unit_id, class_id, category_id, status, kind, acquired_year)
);
INSERT INTO register_totals
SELECT unit_id, class_id, category_id, status, kind, COALESCE(acquired_year, 0), COUNT(*), SUM(original_cost), SUM(residual_value)
FROM assets GROUP BY unit_id, class_id, category_id, status, kind, COALESCE(acquired_year, 0);
-- PostgreSQL appends its changes here and folds them in later; SQLite, one writer at a time, writes
-- the totals directly and leaves this empty.
CREATE TABLE register_totals_changes (
    id INTEGER PRIMARY KEY NOT NULL,
    unit_id INTEGER NOT NULL,
    class_id INTEGER NOT NULL,
    category_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    kind TEXT NOT NULL,
    acquired_year INTEGER NOT NULL,
    assets BIGINT NOT NULL,
    original_cost BIGINT NOT NULL,
    residual_value BIGINT NOT NULL
);
-- What the list reads: the kept totals and the changes not yet folded into them.
CREATE VIEW register_totals_now AS
SELECT unit_id, class_id, category_id, status, kind, acquired_year, assets, original_cost, residual_value FROM register_totals
UNION ALL
SELECT unit_id, class_id, category_id, status, kind, acquired_year, assets, original_cost, residual_value FROM register_totals_changes;
CREATE TRIGGER register_totals_insert AFTER INSERT ON assets BEGIN
    INSERT INTO register_totals VALUES (new.unit_id, new.class_id, new.category_id, new.status, new.kind,
        COALESCE(new.acquired_year, 0), 1, new.original_cost, new.residual_value)
    ON CONFLICT (unit_id, class_id, category_id, status, kind, acquired_year) DO UPDATE SET
        assets = assets + 1, original_cost = original_cost + excluded.original_cost,
        residual_value = residual_value + excluded.residual_value;
END;
CREATE TRIGGER register_totals_delete AFTER DELETE ON assets BEGIN
    UPDATE register_totals SET assets = assets - 1, original_cost = original_cost - old.original_cost,
        residual_value = residual_value - old.residual_value
    WHERE unit_id = old.unit_id AND class_id = old.class_id AND category_id = old.category_id
      AND status = old.status AND kind = old.kind AND acquired_year = COALESCE(old.acquired_year, 0);
END;
CREATE TRIGGER register_totals_update AFTER UPDATE OF unit_id, class_id, category_id, status, kind, acquired_year,
    original_cost, residual_value ON assets
WHEN (old.unit_id, old.class_id, old.category_id, old.status, old.kind, old.acquired_year, old.original_cost, old.residual_value)
    IS NOT (new.unit_id, new.class_id, new.category_id, new.status, new.kind, new.acquired_year, new.original_cost, new.residual_value)
BEGIN
    UPDATE register_totals SET assets = assets - 1, original_cost = original_cost - old.original_cost,
        residual_value = residual_value - old.residual_value
    WHERE unit_id = old.unit_id AND class_id = old.class_id AND category_id = old.category_id
      AND status = old.status AND kind = old.kind AND acquired_year = COALESCE(old.acquired_year, 0);
    INSERT INTO register_totals VALUES (new.unit_id, new.class_id, new.category_id, new.status, new.kind,
        COALESCE(new.acquired_year, 0), 1, new.original_cost, new.residual_value)
    ON CONFLICT (unit_id, class_id, category_id, status, kind, acquired_year) DO UPDATE SET
        assets = assets + 1, original_cost = original_cost + excluded.original_cost,
        residual_value = residual_value + excluded.residual_value;
END;
