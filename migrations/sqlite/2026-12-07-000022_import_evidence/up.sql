-- An import's evidence written once (bằng chứng của lần nhập): each row record carries its place in
-- the import, the record it wrote as it stood after the import, and a hash of itself; the import's
-- one event in the history commits to those hashes (a Merkle root) instead of one event per asset.
ALTER TABLE import_rows ADD COLUMN position INTEGER;
ALTER TABLE import_rows ADD COLUMN after_json TEXT;
ALTER TABLE import_rows ADD COLUMN row_hash TEXT;
ALTER TABLE imports ADD COLUMN event_seq BIGINT;
CREATE INDEX import_rows_asset ON import_rows(asset_id);
CREATE INDEX imports_event ON imports(event_seq);
-- The activity as people read it: every event of the chain, and every record an import created,
-- under its import's event (part = the row's place in the import).
CREATE VIEW activity AS
SELECT seq, 0 AS part, occurred_at, actor, action, entity, entity_id, before_json, after_json, hash, prev_hash,
       CAST(NULL AS INTEGER) AS import_id, CAST(NULL AS TEXT) AS file_name,
       CAST(NULL AS INTEGER) AS excel_row, CAST(NULL AS TEXT) AS sheet
FROM audit_events
UNION ALL
SELECT e.seq, r.position, e.occurred_at, e.actor, 'create', 'asset', CAST(r.asset_id AS TEXT), NULL,
       r.after_json, r.row_hash, CAST(NULL AS TEXT), r.import_id, i.file_name, r.excel_row, r.sheet
FROM import_rows r
JOIN imports i ON i.id = r.import_id
JOIN audit_events e ON e.seq = i.event_seq
WHERE r.outcome = 'create' AND r.after_json IS NOT NULL AND r.row_hash IS NOT NULL;
