DROP TABLE declaration_info;
