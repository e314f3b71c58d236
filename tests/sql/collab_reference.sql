-- The default reference of a collaboration (0019, 0033): SSC-<country>-
-- and the id padded to four digits, the whole id from 10000 on (0019 cut
-- it to four characters, so 10000 collided with 1000).
\ir domain_fixtures.psql
\set wind 'ssc.collab_create(''{"title": "Wind", "country": "VN", "partner_ids": [9], "sectors": [{"code": "23240", "percentage": 100}], "started_on": "2024-01-01"}''::jsonb, NULL) ->> ''reference'''
\c - ssc_owner
ALTER TABLE ssc.collaborations ALTER COLUMN id RESTART WITH 9999;
\c - ssc_app
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{ministry}', '/ssc.v1.Collaborations/Create');
SELECT :wind AS id_9999;
SELECT :wind AS id_10000;
COMMIT;
\c - ssc_owner
ALTER TABLE ssc.collaborations ALTER COLUMN id RESTART WITH 1000;
\c - ssc_app
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{ministry}', '/ssc.v1.Collaborations/Create');
SELECT :wind AS id_1000;
COMMIT;
