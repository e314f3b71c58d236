-- Principals: principal_add, principal_list, principal_disable,
-- bootstrap_admin, and who sees which principal.
\ir fixtures.psql

-- principal_add, as the admin: one by subject, one by fingerprint.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=admin', '{admin}', '/ssc.v1.Principals/Add');
SELECT ssc.principal_add('', NULL, 'CN=kefm,O=Ministry of Climate', '', 1, 'ministry', ' KEFM desk ')
       - 'created_at';
SELECT ssc.principal_add('', NULL, '', repeat('0123456789abcdef', 4), 4, 'secretariat', '')
       - 'created_at';
-- created_at is RFC 3339 UTC.
SELECT p->>'created_at' ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$' AS rfc3339
  FROM jsonb_array_elements(ssc.principal_list(0, 0, 1)) p;
COMMIT;

-- Every rule on the input; nothing is written.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=admin', '{admin}', '/ssc.v1.Principals/Add');
SELECT ssc.principal_add('', NULL, '', '', 1, 'ministry', 'Nobody');
SELECT ssc.principal_add('', NULL, NULL, NULL, 1, 'ministry', 'Nobody');
SELECT ssc.principal_add('', NULL, 'CN=both', repeat('c', 64), 1, 'ministry', 'Both');
SELECT ssc.principal_add('', NULL, '', repeat('C', 64), 1, 'ministry', 'Upper case');
SELECT ssc.principal_add('', NULL, '', repeat('c', 63), 1, 'ministry', 'Too short');
SELECT ssc.principal_add('', NULL, '', 'sha256:' || repeat('c', 64), 1, 'ministry', 'Prefixed');
SELECT ssc.principal_add('', NULL, 'CN=' || repeat('x', 2046), '', 1, 'ministry', 'Long subject');
SELECT ssc.principal_add('', NULL, 'CN=new', '', 1, 'minister', 'Bad role');
SELECT ssc.principal_add('', NULL, 'CN=new', '', 1, '', 'No role');
SELECT ssc.principal_add('', NULL, 'CN=new', '', 0, 'ministry', 'No organisation');
SELECT ssc.principal_add('', NULL, 'CN=new', '', NULL, 'reconciler', 'No organisation');
SELECT ssc.principal_add('', NULL, 'CN=new', '', 999, 'ministry', 'Unknown organisation');
SELECT ssc.principal_add('', NULL, 'CN=new', '', 1, 'ministry', repeat('n', 201));
SELECT ssc.principal_add('', NULL, 'CN=new', '', 1, 'ministry', E'Line\nbreak');
-- A subject or fingerprint is taken for good, even by a disabled principal (SC409).
SELECT ssc.principal_add('', NULL, 'CN=dea', '', 2, 'ministry', 'Again');
SELECT ssc.principal_add('', NULL, '', repeat('a', 64), 3, 'ministry', 'Again');
-- Roles without an organisation may still have one.
SELECT p->>'role' AS role, p->>'organisation_id' AS organisation_id
  FROM (VALUES (ssc.principal_add('', NULL, 'CN=new-auditor', '', 0, 'auditor', 'Auditor')),
               (ssc.principal_add('', NULL, 'CN=new-admin', '', 4, 'admin', 'Admin at the secretariat'))) v (p);
ROLLBACK;

-- principal_list as the admin: everyone, ordered by id, paged, filtered.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=admin', '{admin}', '/ssc.v1.Principals/List');
SELECT p->>'id' AS id, p->>'subject' AS subject, left(p->>'fingerprint', 8) AS fingerprint,
       p->>'organisation_id' AS org, p->>'role' AS role, p->>'active' AS active, p->>'name' AS name
  FROM jsonb_array_elements(ssc.principal_list(0, 0, 100)) p;
SELECT jsonb_path_query_array(ssc.principal_list(0, 0, 4), '$[*].id') AS page_1,
       jsonb_path_query_array(ssc.principal_list(0, 4, 4), '$[*].id') AS page_2,
       jsonb_path_query_array(ssc.principal_list(0, 8, 4), '$[*].id') AS page_3,
       jsonb_path_query_array(ssc.principal_list(2, 0, 100), '$[*].id') AS of_org_2,
       jsonb_path_query_array(ssc.principal_list(NULL, NULL, 100), '$[*].id') AS nulls_mean_all;
SELECT ssc.principal_list(0, 0, 0);
ROLLBACK;

-- Everyone else sees only the principals of their own organisation.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{ministry}', '/ssc.v1.Principals/List');
SELECT jsonb_path_query_array(ssc.principal_list(0, 0, 100), '$[*].id') AS dea_sees,
       jsonb_path_query_array(ssc.principal_list(3, 0, 100), '$[*].id') AS of_org_3;
SELECT count(*) AS plain_select FROM ssc.principals;
ROLLBACK;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Principals/List');
SELECT jsonb_path_query_array(ssc.principal_list(0, 0, 100), '$[*].id') AS secretariat_sees;
ROLLBACK;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=auditor', '{auditor}', '/ssc.v1.Principals/List');
SELECT jsonb_path_query_array(ssc.principal_list(0, 0, 100), '$[*].id') AS auditor_sees;
ROLLBACK;

-- Only the admin adds or disables; the policies refuse everyone else, also
-- through plain SQL.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{ministry}', '/ssc.v1.Principals/Add');
SELECT ssc.principal_add('', NULL, 'CN=dea-2', '', 2, 'ministry', 'Second DEA desk');
SELECT ssc.principal_add('', NULL, 'CN=evil', '', 2, 'admin', 'Promoted');
INSERT INTO ssc.principals (subject, role) VALUES ('CN=evil', 'admin');
-- Its own organisation's principal is visible but not its to disable (SC403);
-- another organisation's is not even visible (SC404).
SELECT ssc.principal_disable('', NULL, 6);
SELECT ssc.principal_disable('', NULL, 3);
UPDATE ssc.principals SET active = false WHERE id = 6 RETURNING id;
UPDATE ssc.principals SET role = 'admin' WHERE id = 2;
DELETE FROM ssc.principals WHERE id = 6;
ROLLBACK;

-- principal_disable: the row comes back with active = false.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=admin', '{admin}', '/ssc.v1.Principals/Disable');
SELECT ssc.principal_disable('', NULL, 6) - 'created_at';
COMMIT;
-- Again: the same row, unchanged, and nothing written (no new audit entry).
\c - ssc_owner
SELECT count(*) AS audit_entries FROM ssc.audit;
\c - ssc_app
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=admin', '{admin}', '/ssc.v1.Principals/Disable');
SELECT ssc.principal_disable('', NULL, 6) - 'created_at';
SELECT ssc.principal_disable('', NULL, 999);
COMMIT;
\c - ssc_owner
SELECT count(*) AS audit_entries FROM ssc.audit;

-- Only active changes, whoever writes.
UPDATE ssc.principals SET role = 'admin' WHERE id = 2;
UPDATE ssc.principals SET name = 'Renamed' WHERE id = 2;
-- The table's own checks, for a writer that bypasses the functions.
INSERT INTO ssc.principals (subject, fingerprint, role, created_at) VALUES ('', '', 'admin', '2026-01-01Z');
INSERT INTO ssc.principals (fingerprint, role, created_at) VALUES ('ABC', 'admin', '2026-01-01Z');
INSERT INTO ssc.principals (subject, role, created_at) VALUES ('CN=x', 'ministry', '2026-01-01Z');
INSERT INTO ssc.principals (subject, role, created_at) VALUES ('CN=dea', 'auditor', '2026-01-01Z');

-- The last active admin cannot be disabled (SC412); with a second one it can.
\c - ssc_app
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=admin', '{admin}', '/ssc.v1.Principals/Disable');
SELECT ssc.principal_disable('', NULL, 1);
SELECT p->>'id' AS id FROM ssc.principal_add('', NULL, 'CN=admin-2', '', 0, 'admin', 'Second operator') p;
SELECT p->>'id' AS id, p->>'active' AS active FROM ssc.principal_disable('', NULL, 1) p;
SELECT ssc.principal_disable('', NULL, 10);
COMMIT;
-- Principal 1 is disabled now; the second admin carries on.
SELECT * FROM ssc.begin_call('', 'CN=admin', '{admin}', '/ssc.v1.Principals/List');
BEGIN;
SELECT principal_id FROM ssc.begin_call('', 'CN=admin-2', '{admin}', '/ssc.v1.Principals/List');
ROLLBACK;

-- bootstrap_admin is the owner's: ssc_app may not call it.
SELECT ssc.bootstrap_admin('CN=root', '', 'Root');

\c - ssc_owner
-- Run again for an active admin it returns that admin and writes nothing.
SELECT count(*) AS audit_entries FROM ssc.audit;
SELECT p->>'id' AS id, p->>'role' AS role FROM ssc.bootstrap_admin('CN=admin-2', '', 'ignored') p;
SELECT count(*) AS audit_entries FROM ssc.audit;
-- For a principal that is not an active admin it refuses (SC409).
SELECT ssc.bootstrap_admin('CN=admin', '', 'Operator');
SELECT ssc.bootstrap_admin('CN=dea', '', 'DEA');
SELECT ssc.bootstrap_admin('', repeat('a', 64), 'DST robot');
-- Its input rules are principal_add's.
SELECT ssc.bootstrap_admin('', '', 'Nobody');
SELECT ssc.bootstrap_admin('', 'ABC', 'Nobody');
-- A new admin by fingerprint; its audit entry names the bootstrap.
SELECT p->>'id' AS id, p->>'role' AS role, p->>'active' AS active, p->>'organisation_id' AS org
  FROM ssc.bootstrap_admin('', repeat('f', 64), 'Break-glass operator') p;
SELECT seq, principal, organisation_id, method, entity, entity_id, before IS NULL AS created
  FROM ssc.audit ORDER BY seq DESC LIMIT 1;
-- The settings it used were its own: nothing is left behind.
SELECT current_setting('ssc.principal', true) AS principal, current_setting('ssc.role', true) AS role;
