DROP TABLE unit_financing;
