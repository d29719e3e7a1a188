DROP TABLE follow_ups;
DROP TABLE recommendations;
DROP TABLE finding_links;
DROP TABLE findings;
DROP TABLE inspections;
DROP TABLE procurement_assets;
DROP TABLE procurements;
