DROP TABLE disposal_steps;
DROP TABLE disposal_lines;
DROP TABLE disposals;
DROP TABLE handling_forms;
