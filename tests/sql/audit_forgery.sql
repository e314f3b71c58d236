-- Forging the audit trail as ssc_app: each way the application role could
-- add an entry for a change that never happened, rewrite or cut the chain,
-- skip the trigger, or record a change as someone else's, and what stays
-- possible (API.md "Audit"). Before 0014, attempts 1, 5 and 6 succeeded
-- and audit_verify still reported the chain intact.
\ir fixtures.psql

-- 1. An entry for a change that never happened, naming the secretariat
-- through the settings the trail reads, without begin_call, and then as a
-- begin_call'd admin: audit_append is the owner's alone.
SELECT set_config('ssc.principal', 'CN=secretariat', false) AS principal,
       set_config('ssc.org_id', '4', false) AS org_id,
       set_config('ssc.method', '/ssc.v1.Organisations/Update', false) AS method;
SELECT ssc.audit_append('organisation', '5', '{"name": "National Energy Administration"}',
                        '{"name": "Forged"}');
RESET ssc.principal;
RESET ssc.org_id;
RESET ssc.method;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=admin', '{admin}', '/ssc.v1.Audit/Append');
SELECT ssc.audit_append('organisation', '5', NULL, '{"name": "Forged"}');
ROLLBACK;

-- 2. The helpers and the trigger functions: none is executable, and a
-- trigger function runs only as a trigger anyway.
SELECT ssc.audit_field('x');
SELECT ssc.audit_hash(decode(repeat('00', 32), 'hex'), 1, now(), 'CN=admin', NULL, 'sql',
                      'organisation', '1', NULL, NULL);
SELECT ssc.organisations_audit();
SELECT ssc.principals_audit();
SELECT p.proname, has_function_privilege('ssc_app', p.oid, 'EXECUTE') AS app, p.prosecdef AS definer
  FROM pg_proc p
 WHERE p.pronamespace = 'ssc'::regnamespace
   AND p.proname IN ('audit_append', 'audit_field', 'audit_hash', 'organisations_audit', 'principals_audit')
 ORDER BY p.proname;

-- 3. The chain's tables: ssc_app may read ssc.audit (row-level security
-- decides what) and nothing else, on either table; the chain has no
-- sequence (seq comes from the head row).
SELECT c.relname, c.relkind,
       has_table_privilege('ssc_app', c.oid, 'SELECT') AS "select",
       has_table_privilege('ssc_app', c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
         AS any_other
  FROM pg_class c
 WHERE c.relnamespace = 'ssc'::regnamespace AND (c.relname LIKE 'audit%' OR c.relkind = 'S')
   AND c.relkind IN ('r', 'S')
 ORDER BY c.relname;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=admin', '{admin}', '/test');
INSERT INTO ssc.audit (seq, at, principal, method, entity, entity_id, prev_hash, hash)
  VALUES (14, now(), 'CN=admin', 'x', 'organisation', '5', '\x00', '\x00');
UPDATE ssc.audit SET principal = 'CN=dea' WHERE seq = 13;
DELETE FROM ssc.audit WHERE seq = 13;
TRUNCATE ssc.audit;
UPDATE ssc.audit_head SET seq = 12;
DELETE FROM ssc.audit_head;
TRUNCATE ssc.audit_head;
ROLLBACK;

-- 4. A change that skips its trigger: replica mode (which fires no
-- ordinary trigger) is for superusers, disabling a trigger or replacing a
-- function is for the owner.
SET session_replication_role = replica;
ALTER TABLE ssc.organisations DISABLE TRIGGER organisations_audit;
CREATE OR REPLACE FUNCTION ssc.organisations_audit() RETURNS trigger
  LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;

-- 5. A real change without begin_call, every setting forged: row-level
-- security lets it through (the settings are the trust boundary), but the
-- trail refuses to record it, so it does not happen.
BEGIN;
SELECT set_config('ssc.role', 'admin', true) AS role, set_config('ssc.org_id', '4', true) AS org_id,
       set_config('ssc.principal', 'CN=secretariat', true) AS principal,
       set_config('ssc.method', '/ssc.v1.Organisations/Update', true) AS method;
UPDATE ssc.organisations SET short_name = 'FORGED' WHERE id = 5;
INSERT INTO ssc.organisations (name, short_name, kind, country) VALUES ('Forged Agency', '', 'region', 'DK');
UPDATE ssc.principals SET active = false WHERE id = 3;
COMMIT;

-- 6. After begin_call, settings changed to name someone else: the entry
-- names the caller (found by ssc.principal_id) and its organisation;
-- ssc.principal and ssc.org_id are not read. DEA's desk claims to be the
-- secretariat; the secretariat claims DEA's organisation (and may update
-- any organisation, so row-level security does not mind).
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{ministry}', '/ssc.v1.Organisations/Update');
SELECT set_config('ssc.principal', 'CN=secretariat', true) AS principal;
SELECT o->>'short_name' AS short_name FROM ssc.org_update('', NULL, 2, 0, '{short_name}', '', 'ENS', '', 0) o;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Organisations/Update');
SELECT set_config('ssc.org_id', '2', true) AS org_id;
SELECT o->>'short_name' AS short_name FROM ssc.org_update('', NULL, 5, 0, '{short_name}', '', 'NEA-CN', '', 0) o;
COMMIT;

-- 7. The hash does not depend on the session: another time zone and date
-- style change nothing in an entry's canonical form.
SET TimeZone = 'Asia/Shanghai';
SET DateStyle = 'SQL, DMY';
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Organisations/Update');
SELECT o->>'short_name' AS short_name FROM ssc.org_update('', NULL, 6, 0, '{short_name}', '', 'DK-VN', '', 0) o;
COMMIT;
RESET TimeZone;
RESET DateStyle;

-- 8. What stays possible: ssc.principal_id is a setting like any other, so
-- ssc_app can set it (with ssc.role and ssc.method) without begin_call and
-- have a real change recorded as made by the registered principal with
-- that id, in that principal's organisation, under any method: here DST's
-- desk, disabled first (begin_call would refuse it). An id that names no
-- principal is refused.
\c - ssc_owner
UPDATE ssc.principals SET active = false WHERE id = 3;
\c - ssc_app
BEGIN;
SELECT set_config('ssc.principal_id', '999', true) AS principal_id, set_config('ssc.role', 'admin', true) AS role;
UPDATE ssc.organisations SET short_name = 'FORGED' WHERE id = 5;
ROLLBACK;
BEGIN;
SELECT set_config('ssc.principal_id', '3', true) AS principal_id, set_config('ssc.role', 'admin', true) AS role,
       set_config('ssc.method', '/forged', true) AS method;
UPDATE ssc.organisations SET short_name = 'DST-2' WHERE id = 3;
COMMIT;

-- The trail: the fixtures' 13 entries, then only real changes, each under
-- its real caller (or the forged id of 8), and the chain is whole.
\c - ssc_owner
SELECT seq, principal, organisation_id, method, entity, entity_id,
       before->>'short_name' AS before_short, after->>'short_name' AS after_short,
       after->>'active' AS after_active
  FROM ssc.audit WHERE seq > 13 ORDER BY seq;
SELECT ssc.audit_verify();
