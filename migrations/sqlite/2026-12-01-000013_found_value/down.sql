ALTER TABLE count_lines DROP COLUMN found_value;
