ALTER TABLE handling_forms DROP COLUMN unconfirmed;
