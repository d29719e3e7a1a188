ALTER TABLE handling_forms DROP COLUMN deadline_basis;
ALTER TABLE handling_forms DROP COLUMN write_down_days;
ALTER TABLE handling_forms DROP COLUMN execute_months;
