-- Organisations: org_create, org_update, org_get, org_list, their rules and
-- SQLSTATEs, and the row-level security behind them. Timestamps change from
-- run to run, so rows are shown without created_at and updated_at.
\ir fixtures.psql

-- org_create, as the secretariat, one call per transaction as in sscd.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{admin,secretariat}', '/ssc.v1.Organisations/Create');
SELECT ssc.org_create('', NULL, 'Danish Agency for Data Supply and Infrastructure', 'SDFI',
                      'danish_authority', 'DK', 1) - '{created_at,updated_at}'::text[];
COMMIT;

-- Names and short names are trimmed; non-ASCII is fine; parent 0 and NULL mean none.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Organisations/Create');
SELECT ssc.org_create('', NULL, E'  Miljøstyrelsen\t', ' MST ', 'danish_authority', 'DK', 0)
       - '{created_at,updated_at}'::text[];
SELECT ssc.org_create('', NULL, 'Region Syddanmark', '', 'region', 'DK', NULL)
       - '{created_at,updated_at}'::text[];
-- created_at and updated_at are RFC 3339 UTC with microseconds, equal on creation.
SELECT o->>'created_at' ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$' AS rfc3339,
       o->>'created_at' = o->>'updated_at' AS same
  FROM ssc.org_get(9) o;
COMMIT;

-- Every rule on the input, each SC400 naming its field; nothing is written.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=admin', '{admin}', '/ssc.v1.Organisations/Create');
SELECT ssc.org_create('', NULL, '', 'X', 'danish_authority', 'DK', 0);
SELECT ssc.org_create('', NULL, E' \t\n ', 'X', 'danish_authority', 'DK', 0);
SELECT ssc.org_create('', NULL, NULL, 'X', 'danish_authority', 'DK', 0);
SELECT ssc.org_create('', NULL, repeat('n', 201), 'X', 'danish_authority', 'DK', 0);
SELECT ssc.org_create('', NULL, E'Bad\u0007Name', 'X', 'danish_authority', 'DK', 0);
SELECT ssc.org_create('', NULL, 'Long Short Name', repeat('s', 33), 'danish_authority', 'DK', 0);
SELECT ssc.org_create('', NULL, 'Bad Kind', '', 'ministry', 'DK', 0);
SELECT ssc.org_create('', NULL, 'No Kind', '', '', 'DK', 0);
SELECT ssc.org_create('', NULL, 'Lower Country', '', 'danish_authority', 'dk', 0);
SELECT ssc.org_create('', NULL, 'Alpha-3 Country', '', 'danish_authority', 'DNK', 0);
SELECT ssc.org_create('', NULL, 'No Country', '', 'danish_authority', '', 0);
SELECT ssc.org_create('', NULL, 'Orphan', '', 'danish_authority', 'DK', 999);
SELECT ssc.org_create('', NULL, 'Child of a partner', '', 'partner_authority', 'CN', 5);
SELECT ssc.org_create('', NULL, 'Child of the secretariat', '', 'danish_authority', 'DK', 4);
-- 200 characters is the most a name may have; 32 for a short name.
SELECT char_length(o->>'name') AS name_length, char_length(o->>'short_name') AS short_name_length
  FROM ssc.org_create('', NULL, repeat('n', 200), repeat('s', 32), 'region', 'DK', 0) o;
ROLLBACK;

-- (name, country) is unique regardless of case (SC409); another country is another organisation.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=admin', '{admin}', '/ssc.v1.Organisations/Create');
SELECT ssc.org_create('', NULL, 'danish energy agency', 'DEA', 'danish_authority', 'DK', 0);
SELECT ssc.org_create('', NULL, ' DANISH ENERGY AGENCY ', 'DEA', 'danish_authority', 'DK', 0);
SELECT o->>'id' AS id, o->>'name' AS name, o->>'country' AS country
  FROM ssc.org_create('', NULL, 'Danish Energy Agency', 'DEA', 'partner_authority', 'GL', 0) o;
COMMIT;

-- org_get.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dst', '{ministry}', '/ssc.v1.Organisations/Get');
SELECT ssc.org_get(2) - '{created_at,updated_at}'::text[];
SELECT ssc.org_get(999);
ROLLBACK;

-- org_list: ordered by id, after after_id, at most lim, filtered by kind and country.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=auditor', '{auditor}', '/ssc.v1.Organisations/List');
SELECT o->>'id' AS id, o->>'kind' AS kind, o->>'country' AS country, o->>'name' AS name,
       o->>'parent_id' AS parent_id
  FROM jsonb_array_elements(ssc.org_list('', '', 0, 50)) o;
SELECT jsonb_path_query_array(ssc.org_list('', '', 0, 3), '$[*].id') AS page_1,
       jsonb_path_query_array(ssc.org_list('', '', 3, 3), '$[*].id') AS page_2,
       jsonb_path_query_array(ssc.org_list('', '', 6, 3), '$[*].id') AS page_3,
       jsonb_path_query_array(ssc.org_list('', '', 9, 3), '$[*].id') AS page_4,
       jsonb_path_query_array(ssc.org_list('', '', 16, 3), '$[*].id') AS page_5;
SELECT jsonb_path_query_array(ssc.org_list('danish_authority', '', 0, 50), '$[*].id') AS danish,
       jsonb_path_query_array(ssc.org_list('', 'DK', 0, 50), '$[*].id') AS in_dk,
       jsonb_path_query_array(ssc.org_list('partner_authority', 'GL', 0, 50), '$[*].id') AS partner_in_gl,
       ssc.org_list('embassy', 'DK', 0, 50) AS embassies_in_dk,
       jsonb_path_query_array(ssc.org_list(NULL, NULL, NULL, 2), '$[*].id') AS nulls_mean_all;
SELECT ssc.org_list('ministry', '', 0, 50);
SELECT ssc.org_list('', 'dk', 0, 50);
SELECT ssc.org_list('', '', 0, 0);
SELECT ssc.org_list('', '', 0, 1001);
SELECT ssc.org_list('', '', 0, NULL);
ROLLBACK;

-- org_update: only the fields in the mask change; version goes up by one.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=admin', '{admin}', '/ssc.v1.Organisations/Update');
SELECT ssc.org_update('', NULL, 3, 1, '{short_name}', 'ignored', ' DST ', 'SE', 99)
       - '{created_at,updated_at}'::text[];
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=admin', '{admin}', '/ssc.v1.Organisations/Update');
SELECT ssc.org_update('', NULL, 3, 2, '{name,country}', 'Danmarks Statistik', '', 'DK', 0)
       - '{created_at,updated_at}'::text[];
-- updated_at moves on; created_at stays.
SELECT o->>'updated_at' > o->>'created_at' AS updated_later FROM ssc.org_get(3) o;
COMMIT;

-- expected_version 0 means "do not check"; a stale one is SC412.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=admin', '{admin}', '/ssc.v1.Organisations/Update');
SELECT ssc.org_update('', NULL, 3, 2, '{name}', 'Statistics Denmark', '', '', 0);
SELECT o->>'name' AS name, o->>'version' AS version
  FROM ssc.org_update('', NULL, 3, 0, '{name}', 'Statistics Denmark', '', '', 0) o;
COMMIT;

-- The mask: empty, NULL, or naming an unknown field (kind cannot change).
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=admin', '{admin}', '/ssc.v1.Organisations/Update');
SELECT ssc.org_update('', NULL, 3, 0, '{}', 'X', '', '', 0);
SELECT ssc.org_update('', NULL, 3, 0, NULL, 'X', '', '', 0);
SELECT ssc.org_update('', NULL, 3, 0, '{name,kind}', 'X', '', '', 0);
SELECT ssc.org_update('', NULL, 3, 0, '{Name}', 'X', '', '', 0);
SELECT ssc.org_update('', NULL, 3, 0, '{name,NULL}', 'X', '', '', 0);
-- The masked fields follow the same rules as in org_create.
SELECT ssc.org_update('', NULL, 3, 0, '{name}', '  ', '', '', 0);
SELECT ssc.org_update('', NULL, 3, 0, '{short_name}', '', repeat('s', 33), '', 0);
SELECT ssc.org_update('', NULL, 3, 0, '{country}', '', '', 'Denmark', 0);
SELECT ssc.org_update('', NULL, 3, 0, '{name}', 'DANISH ENERGY AGENCY', '', '', 0);
SELECT ssc.org_update('', NULL, 10, 0, '{country}', '', '', 'DK', 0);
-- A name's own case may change.
SELECT o->>'name' AS name FROM ssc.org_update('', NULL, 3, 0, '{name}', 'STATISTICS DENMARK', '', '', 0) o;
-- An unknown id.
SELECT ssc.org_update('', NULL, 999, 0, '{name}', 'X', '', '', 0);
ROLLBACK;

-- Parents: must exist, be a danish_authority, and the chain may not loop.
-- Written child -> parent, there are now 2 -> 1 and 7 -> 1.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=admin', '{admin}', '/ssc.v1.Organisations/Update');
SELECT ssc.org_update('', NULL, 1, 0, '{parent_id}', '', '', '', 1);
SELECT ssc.org_update('', NULL, 1, 0, '{parent_id}', '', '', '', 2);
SELECT o->>'id' AS id, o->>'parent_id' AS parent_id
  FROM ssc.org_update('', NULL, 8, 0, '{parent_id}', '', '', '', 2) o;
SELECT ssc.org_update('', NULL, 1, 0, '{parent_id}', '', '', '', 8);
SELECT ssc.org_update('', NULL, 2, 0, '{parent_id}', '', '', '', 8);
SELECT ssc.org_update('', NULL, 2, 0, '{parent_id}', '', '', '', 5);
SELECT ssc.org_update('', NULL, 2, 0, '{parent_id}', '', '', '', 998);
-- With 8 -> 2 -> 1 neither 1 -> 8 nor 2 -> 8 may be; clearing 2's parent
-- with 0 cuts the chain, and then 1 -> 8 is fine (1 -> 8 -> 2).
SELECT o->>'id' AS id, o->>'parent_id' AS parent_id
  FROM ssc.org_update('', NULL, 2, 0, '{parent_id}', '', '', '', 0) o;
SELECT o->>'id' AS id, o->>'parent_id' AS parent_id
  FROM ssc.org_update('', NULL, 1, 0, '{parent_id}', '', '', '', 8) o;
COMMIT;

-- The table holds the same rules for a writer that bypasses the functions
-- (here the owner): checks, the parent trigger, a fixed kind, version.
-- (Fixed timestamps keep the DETAIL lines the same from run to run.)
\c - ssc_owner
INSERT INTO ssc.organisations (name, kind, country, created_at, updated_at)
  VALUES (' Untrimmed', 'region', 'DK', '2026-01-01Z', '2026-01-01Z');
INSERT INTO ssc.organisations (name, kind, country, created_at, updated_at)
  VALUES ('Lower', 'region', 'dk', '2026-01-01Z', '2026-01-01Z');
INSERT INTO ssc.organisations (name, kind, country, created_at, updated_at)
  VALUES ('Ministry', 'ministry', 'DK', '2026-01-01Z', '2026-01-01Z');
INSERT INTO ssc.organisations (name, kind, country, parent_id) VALUES ('Under NEA', 'region', 'CN', 5);
INSERT INTO ssc.organisations (name, kind, country) VALUES ('STATISTICS DENMARK', 'region', 'DK');
UPDATE ssc.organisations SET kind = 'region' WHERE id = 3;
UPDATE ssc.organisations SET parent_id = 3 WHERE id = 3;
UPDATE ssc.organisations SET parent_id = 1 WHERE id = 2;
-- The version is the trigger's to set, whatever the writer says.
UPDATE ssc.organisations SET version = 1 WHERE id = 3 RETURNING id, version;

-- Row-level security, as a ministry (CN=dea, organisation 2).
\c - ssc_app
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{ministry}', '/ssc.v1.Organisations/Update');
-- It reads every organisation ...
SELECT count(*) AS visible FROM ssc.organisations;
-- ... updates its own ...
SELECT o->>'id' AS id, o->>'short_name' AS short_name, o->>'version' AS version
  FROM ssc.org_update('', NULL, 2, 0, '{short_name}', '', 'ENS', '', 0) o;
-- ... but nobody else's (SC403), and creates nothing (42501, the insert policy).
SELECT ssc.org_update('', NULL, 3, 0, '{short_name}', '', 'HACKED', '', 0);
SELECT ssc.org_update('', NULL, 1, 0, '{name}', 'Mine Now', '', '', 0);
SELECT ssc.org_create('', NULL, 'Danish Shadow Agency', '', 'danish_authority', 'DK', 0);
-- Plain SQL fares no better: the update policy hides the row, the insert
-- policy refuses the row, and columns without a grant are refused outright.
UPDATE ssc.organisations SET short_name = 'HACKED' WHERE id = 3 RETURNING id;
INSERT INTO ssc.organisations (name, kind, country) VALUES ('Danish Shadow Agency', 'danish_authority', 'DK');
UPDATE ssc.organisations SET kind = 'region' WHERE id = 2;
UPDATE ssc.organisations SET version = 100 WHERE id = 2;
DELETE FROM ssc.organisations WHERE id = 2;
-- Any field of its own organisation is its to change, within the rules.
SELECT o->>'country' AS country FROM ssc.org_update('', NULL, 2, 0, '{country}', '', '', 'SE', 0) o;
ROLLBACK;

-- An auditor reads but writes nothing.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=auditor', '{auditor}', '/ssc.v1.Organisations/Update');
SELECT count(*) AS visible FROM ssc.organisations;
SELECT ssc.org_update('', NULL, 3, 0, '{short_name}', '', 'X', '', 0);
SELECT ssc.org_create('', NULL, 'Audit Office', '', 'danish_authority', 'DK', 0);
ROLLBACK;

-- Without begin_call: nothing visible, so not found; nothing writable.
SELECT ssc.org_get(1);
SELECT ssc.org_update('', NULL, 1, 0, '{name}', 'X', '', '', 0);
SELECT ssc.org_create('', NULL, 'Nobody''s Agency', '', 'danish_authority', 'DK', 0);
SELECT ssc.org_list('', '', 0, 10);

-- What was written, as the owner sees it.
\c - ssc_owner
SELECT id, name, short_name, kind, country, parent_id, version FROM ssc.organisations ORDER BY id;
