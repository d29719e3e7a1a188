-- What the national public-asset database asks of an asset beyond the register (thông tin kê khai):
-- its national code once declared, the reason it entered the books (lý do tăng, the national code),
-- the parts of the other funding from the development fund, aid and loans (the rest of cost_other is
-- «khác»), its use statuses (m² per status for land and houses, a mark for the rest), and what its
-- class needs: a land lot's address and documents, a house's lot, floors and areas, a car's plate,
-- brand, capacity, chassis and engine numbers and the title it serves.
CREATE TABLE declaration_info (
    asset_id INTEGER PRIMARY KEY NOT NULL REFERENCES assets(id),
    national_code TEXT,
    reason_code TEXT,
    fund_hdsn BIGINT NOT NULL DEFAULT 0,
    fund_oda BIGINT NOT NULL DEFAULT 0,
    fund_loan BIGINT NOT NULL DEFAULT 0,
    usage TEXT NOT NULL DEFAULT '{}',
    address TEXT,
    province_code TEXT,
    district_code TEXT,
    commune_code TEXT,
    documents TEXT NOT NULL DEFAULT '[]',
    lot_asset_id INTEGER REFERENCES assets(id),
    floors INTEGER,
    built_area DOUBLE PRECISION,
    floor_area DOUBLE PRECISION,
    plate TEXT,
    brand TEXT,
    seats INTEGER,
    load_tonnes DOUBLE PRECISION,
    engine_power TEXT,
    chassis_no TEXT,
    engine_no TEXT,
    user_title TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX declaration_info_lot ON declaration_info(lot_asset_id);
