DROP TABLE audit_events;
DROP TABLE assets;
DROP TABLE tasks;
DROP TABLE rule_settings;
DROP TABLE wear_rates;
DROP TABLE asset_categories;
DROP TABLE asset_classes;
DROP TABLE org_units;
