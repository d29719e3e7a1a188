-- NĐ 186/2025/NĐ-CP's sale methods (Điều 24, 26, 27, 31) are judged per asset unit against its
-- original cost and its revalued value (giá trị đánh giá lại), and who decided (the unit itself
-- or the authority above, Điều 22, 28, 58, 59) is part of the decision. Materials recovered from a
-- demolition are sold by their value (Điều 13.4.a, 30.3). The appointed sale is called as the
-- decree calls it: chỉ định.
ALTER TABLE disposal_lines ADD COLUMN revalued_value BIGINT;
ALTER TABLE disposal_steps ADD COLUMN decided_by TEXT;
ALTER TABLE disposal_steps ADD COLUMN valuation BIGINT;
UPDATE disposal_steps SET method = 'chi_dinh' WHERE kind = 'ban' AND method = 'truc_tiep';
