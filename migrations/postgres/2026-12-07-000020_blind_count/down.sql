ALTER TABLE count_sessions DROP COLUMN show_book;
