-- The national asset-type catalogue (danh mục loại tài sản quốc gia) as the category tree: a category
-- names its national code (mã loại tài sản, five levels: 6, 601, 60101 …) and its parent in the tree;
-- a unit's own category below a national code refines it and takes its wear rates. A category the
-- start-up step could not map carries a note for the administrator (the candidates to choose from).
-- The catalogue's rows and the mapping of existing categories are written by the start-up step from
-- the data files (rules::national), which also recomputes stored wear in the same transaction.
ALTER TABLE asset_categories ADD COLUMN national_code TEXT;
ALTER TABLE asset_categories ADD COLUMN parent_id INTEGER REFERENCES asset_categories(id);
ALTER TABLE asset_categories ADD COLUMN mapping_note TEXT;
CREATE INDEX asset_categories_national ON asset_categories(national_code);
