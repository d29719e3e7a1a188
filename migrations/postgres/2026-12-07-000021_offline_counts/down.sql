DROP TABLE count_places_done;
DROP TABLE count_devices;
DROP INDEX count_entries_client;
ALTER TABLE count_entries DROP COLUMN counted_at;
ALTER TABLE count_entries DROP COLUMN client_id;
