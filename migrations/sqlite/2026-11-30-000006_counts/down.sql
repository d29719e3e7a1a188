DROP TABLE count_entries;
DROP TABLE count_lines;
DROP TABLE count_members;
DROP TABLE count_sessions;
