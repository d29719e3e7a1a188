-- The register's reads under load (sổ tài sản khi nhiều người cùng dùng). A unit's assets in order
-- of cost, a page at a time (the search has its trigram index since the first migration).
CREATE INDEX assets_unit_cost ON assets(unit_id, original_cost, id);
-- The register's totals (tổng của sổ), kept in the same transaction as every write of an asset:
-- the count, the original cost and the residual value of each combination of the common filters.
-- The list's totals line for those filters adds up these few hundred rows instead of every asset.
-- A year not known is 0. Each statement appends its changes, aggregated from its transition
-- tables, to register_totals_changes — never updating a row, so that writers do not wait on each
-- other here and an import's many statements leave no chain of row versions behind; only the
-- combinations whose sums change are written, so an edit of a location writes nothing.
-- The changes are folded into the totals as their ids pass each 5,000, and all of them after an
-- import, after the year-end wear and at start; the list reads both through register_totals_now.
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

CREATE TABLE register_totals_changes (
    id BIGSERIAL PRIMARY KEY,
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

-- Folds the changes with ids in (low, high] into the totals in one statement: rows taken by one
-- fold are not taken by another, and readers see either the changes or their sum, never both.
-- Without bounds it folds them all.
CREATE FUNCTION register_totals_fold(low bigint DEFAULT 0, high bigint DEFAULT 9223372036854775807)
RETURNS void LANGUAGE sql AS $$
    WITH taken AS (
        DELETE FROM register_totals_changes WHERE id > low AND id <= high
        RETURNING unit_id, class_id, category_id, status, kind, acquired_year, assets, original_cost, residual_value)
    INSERT INTO register_totals AS t
    SELECT unit_id, class_id, category_id, status, kind, acquired_year, SUM(assets)::bigint, SUM(original_cost)::bigint, SUM(residual_value)::bigint
    FROM taken GROUP BY unit_id, class_id, category_id, status, kind, acquired_year
    ON CONFLICT (unit_id, class_id, category_id, status, kind, acquired_year) DO UPDATE SET
        assets = t.assets + excluded.assets, original_cost = t.original_cost + excluded.original_cost,
        residual_value = t.residual_value + excluded.residual_value;
$$;

-- Each appends the statement's changes: +1 and the sums of a row in, -1 and minus them of a row out.
CREATE FUNCTION register_totals_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last bigint;
    appended_rows bigint;
BEGIN
    WITH appended AS (
    INSERT INTO register_totals_changes (unit_id, class_id, category_id, status, kind, acquired_year, assets, original_cost, residual_value)
    SELECT unit_id, class_id, category_id, status, kind, acquired_year, SUM(n)::bigint, SUM(cost)::bigint, SUM(residual)::bigint
    FROM (SELECT unit_id, class_id, category_id, status, kind, COALESCE(acquired_year, 0) AS acquired_year, 1::bigint AS n, original_cost::bigint AS cost, residual_value::bigint AS residual FROM new_rows) AS changes
    GROUP BY unit_id, class_id, category_id, status, kind, acquired_year
    HAVING SUM(n) <> 0 OR SUM(cost) <> 0 OR SUM(residual) <> 0
    RETURNING id)
    SELECT max(id), count(*) INTO last, appended_rows FROM appended;
    -- Each time the ids pass a multiple of 5,000, the last 10,000 are folded (by their index, so
    -- that a transaction of many statements never walks what it folded before): the list never
    -- adds up many changes. Those of a transaction still open then wait for the next full fold.
    IF appended_rows > 0 AND last / 5000 <> (last - appended_rows) / 5000 THEN
        PERFORM register_totals_fold(last - 10000, last);
    END IF;
    RETURN NULL;
END $$;
CREATE FUNCTION register_totals_delete() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last bigint;
    appended_rows bigint;
BEGIN
    WITH appended AS (
    INSERT INTO register_totals_changes (unit_id, class_id, category_id, status, kind, acquired_year, assets, original_cost, residual_value)
    SELECT unit_id, class_id, category_id, status, kind, acquired_year, SUM(n)::bigint, SUM(cost)::bigint, SUM(residual)::bigint
    FROM (SELECT unit_id, class_id, category_id, status, kind, COALESCE(acquired_year, 0) AS acquired_year, -1::bigint AS n, -original_cost::bigint AS cost, -residual_value::bigint AS residual FROM old_rows) AS changes
    GROUP BY unit_id, class_id, category_id, status, kind, acquired_year
    HAVING SUM(n) <> 0 OR SUM(cost) <> 0 OR SUM(residual) <> 0
    RETURNING id)
    SELECT max(id), count(*) INTO last, appended_rows FROM appended;
    -- Each time the ids pass a multiple of 5,000, the last 10,000 are folded (by their index, so
    -- that a transaction of many statements never walks what it folded before): the list never
    -- adds up many changes. Those of a transaction still open then wait for the next full fold.
    IF appended_rows > 0 AND last / 5000 <> (last - appended_rows) / 5000 THEN
        PERFORM register_totals_fold(last - 10000, last);
    END IF;
    RETURN NULL;
END $$;
CREATE FUNCTION register_totals_update() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last bigint;
    appended_rows bigint;
BEGIN
    WITH appended AS (
    INSERT INTO register_totals_changes (unit_id, class_id, category_id, status, kind, acquired_year, assets, original_cost, residual_value)
    SELECT unit_id, class_id, category_id, status, kind, acquired_year, SUM(n)::bigint, SUM(cost)::bigint, SUM(residual)::bigint
    FROM (
          SELECT unit_id, class_id, category_id, status, kind, COALESCE(acquired_year, 0) AS acquired_year, -1::bigint AS n, -original_cost::bigint AS cost, -residual_value::bigint AS residual FROM old_rows
          UNION ALL
          SELECT unit_id, class_id, category_id, status, kind, COALESCE(acquired_year, 0) AS acquired_year, 1::bigint AS n, original_cost::bigint AS cost, residual_value::bigint AS residual FROM new_rows
    ) AS changes
    GROUP BY unit_id, class_id, category_id, status, kind, acquired_year
    HAVING SUM(n) <> 0 OR SUM(cost) <> 0 OR SUM(residual) <> 0
    RETURNING id)
    SELECT max(id), count(*) INTO last, appended_rows FROM appended;
    -- Each time the ids pass a multiple of 5,000, the last 10,000 are folded (by their index, so
    -- that a transaction of many statements never walks what it folded before): the list never
    -- adds up many changes. Those of a transaction still open then wait for the next full fold.
    IF appended_rows > 0 AND last / 5000 <> (last - appended_rows) / 5000 THEN
        PERFORM register_totals_fold(last - 10000, last);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER register_totals_insert AFTER INSERT ON assets REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION register_totals_insert();
CREATE TRIGGER register_totals_delete AFTER DELETE ON assets REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION register_totals_delete();
CREATE TRIGGER register_totals_update AFTER UPDATE ON assets REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION register_totals_update();
