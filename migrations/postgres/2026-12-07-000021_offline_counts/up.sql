-- Counting offline (đếm không có mạng): each entry made on a phone carries the id the phone gave it,
-- so that an entry sent twice is recorded once, and the time it was counted on the phone.
ALTER TABLE count_entries ADD COLUMN client_id TEXT;
ALTER TABLE count_entries ADD COLUMN counted_at TIMESTAMP;
CREATE UNIQUE INDEX count_entries_client ON count_entries(session_id, client_id);
-- The phones counting a count, each with the entries it said it still holds unsent at its last
-- contact: counting is not ended while one holds any, unless the leader gives a reason.
CREATE TABLE count_devices (
    id SERIAL PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES count_sessions(id),
    device_id TEXT NOT NULL,
    counter TEXT NOT NULL,
    unsent INTEGER NOT NULL,
    last_seen TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX count_devices_device ON count_devices(session_id, device_id);
-- «Xong phòng này»: a counter says they have finished a place; what is left there uncounted is
-- then missing, not merely not reached.
CREATE TABLE count_places_done (
    id SERIAL PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES count_sessions(id),
    location TEXT NOT NULL,
    counter TEXT NOT NULL,
    done_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX count_places_done_place ON count_places_done(session_id, location, counter);
