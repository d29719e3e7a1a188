ALTER TABLE disposal_lines DROP COLUMN written_down_residual;
ALTER TABLE disposal_steps DROP COLUMN rounds;
DROP TABLE attachments;
DROP TABLE file_blobs;
