-- Sectors: the seeded OECD-DAC purpose codes and sector_list.

-- The seed, in full: code, DAC name, category (the code's first three digits).
\c - ssc_app
SELECT s->>'code' AS code, s->>'category' AS category, s->>'name' AS name
  FROM jsonb_array_elements(ssc.sector_list('', '', 1000)) s;

-- One category; paging by the last code seen.
SELECT s->>'code' AS code, s->>'name' AS name FROM jsonb_array_elements(ssc.sector_list('231', '', 100)) s;
SELECT jsonb_path_query_array(ssc.sector_list('231', '', 4), '$[*].code') AS page_1,
       jsonb_path_query_array(ssc.sector_list('231', '23181', 4), '$[*].code') AS page_2,
       ssc.sector_list('231', '23183', 4) AS page_3,
       jsonb_path_query_array(ssc.sector_list('', '43073', 3), '$[*].code') AS last_page,
       jsonb_path_query_array(ssc.sector_list(NULL, NULL, 2), '$[*].code') AS nulls_mean_all,
       ssc.sector_list('999', '', 10) AS unknown_category;
SELECT ssc.sector_list('', '', 1) AS one_object;

-- The rules on the arguments.
SELECT ssc.sector_list('23', '', 10);
SELECT ssc.sector_list('2311', '', 10);
SELECT ssc.sector_list('', '', 0);

-- Reference data: ssc_app reads it but changes nothing.
INSERT INTO ssc.sectors (code, name) VALUES ('99999', 'Nothing');
UPDATE ssc.sectors SET name = 'Energy' WHERE code = '23110';
DELETE FROM ssc.sectors;

-- The table keeps its own rules.
\c - ssc_owner
INSERT INTO ssc.sectors (code, name) VALUES ('2311', 'Four digits');
INSERT INTO ssc.sectors (code, name, category) VALUES ('23999', 'Own category', '239');
INSERT INTO ssc.sectors (code, name) VALUES ('23110', 'Again');
INSERT INTO ssc.sectors (code, name) VALUES ('23999', ' ');
SELECT count(*) AS sectors, count(DISTINCT category) AS categories FROM ssc.sectors;
