DROP TABLE revaluations;
DROP TABLE declaration_items;
DROP TABLE declarations;
