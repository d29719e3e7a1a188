DROP INDEX asset_categories_national;
ALTER TABLE asset_categories DROP COLUMN mapping_note;
ALTER TABLE asset_categories DROP COLUMN parent_id;
ALTER TABLE asset_categories DROP COLUMN national_code;
