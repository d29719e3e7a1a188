-- What a person chose for the names of a layout's unit column that no unit bears (an existing unit,
-- a new section, the asset's location), as JSON: the next file of the layout starts from them.
ALTER TABLE import_layouts ADD COLUMN names TEXT;
