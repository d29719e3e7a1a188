-- The value a count committee sets on an asset it found that the books did not hold (tài sản phát hiện
-- thừa), kept on the count's line: the minutes show it, and it is what the asset was booked at.
ALTER TABLE count_lines ADD COLUMN found_value BIGINT;
