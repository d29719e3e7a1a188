-- A count is blind by default (đếm mù): counters do not see the book quantity unless the team
-- leader switches the count to show it.
ALTER TABLE count_sessions ADD COLUMN show_book BOOLEAN NOT NULL DEFAULT FALSE;
