DROP TRIGGER register_totals_update;
DROP TRIGGER register_totals_delete;
DROP TRIGGER register_totals_insert;
DROP VIEW register_totals_now;
DROP TABLE register_totals_changes;
DROP TABLE register_totals;
DROP INDEX assets_unit_cost;
DROP INDEX assets_search;
