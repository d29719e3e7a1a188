-- The sheet of an imported row, for a file whose layout spans sheets (the national software's
-- TaiSanDatNha and TaiSanKhac); NULL where the import read one sheet (the import's own).
ALTER TABLE import_rows ADD COLUMN sheet TEXT;
