UPDATE disposal_steps SET method = 'truc_tiep' WHERE kind = 'ban' AND method = 'chi_dinh';
ALTER TABLE disposal_steps DROP COLUMN valuation;
ALTER TABLE disposal_steps DROP COLUMN decided_by;
ALTER TABLE disposal_lines DROP COLUMN revalued_value;
