DROP TRIGGER register_totals_update ON assets;
DROP TRIGGER register_totals_delete ON assets;
DROP TRIGGER register_totals_insert ON assets;
DROP FUNCTION register_totals_update();
DROP FUNCTION register_totals_delete();
DROP FUNCTION register_totals_insert();
DROP TABLE register_totals;
DROP INDEX assets_unit_cost;
