-- begin_call: who is calling, and the session it sets for the transaction.
\ir fixtures.psql

-- Before begin_call there is no session: the settings are unset and
-- row-level security hides every row (fail closed).
SELECT current_setting('ssc.role', true) AS role, current_setting('ssc.org_id', true) AS org_id;
SELECT count(*) AS organisations FROM ssc.organisations;
SELECT count(*) AS principals FROM ssc.principals;

-- An unknown certificate, by subject or by fingerprint, or none at all.
SELECT * FROM ssc.begin_call('', 'CN=nobody', '{admin}', '/ssc.v1.Principals/Add');
SELECT * FROM ssc.begin_call(repeat('b', 64), '', '{admin}', '/ssc.v1.Principals/Add');
SELECT * FROM ssc.begin_call('', '', '{admin}', '/ssc.v1.Principals/Add');
SELECT * FROM ssc.begin_call(NULL, NULL, '{admin}', '/ssc.v1.Principals/Add');

-- A role the method does not allow.
SELECT * FROM ssc.begin_call('', 'CN=dea', '{admin}', '/ssc.v1.Principals/Add');
SELECT * FROM ssc.begin_call('', 'CN=auditor', '{admin,secretariat}', '/ssc.v1.Organisations/Update');
SELECT * FROM ssc.begin_call('', 'CN=dea', '{}', '/ssc.v1.Organisations/Get');
SELECT * FROM ssc.begin_call('', 'CN=dea', NULL, '/ssc.v1.Organisations/Get');

-- Matched by subject: the row, and the five settings.
BEGIN;
SELECT * FROM ssc.begin_call('', 'CN=dea', '{ministry,secretariat}', '/ssc.v1.Organisations/Get');
SELECT current_setting('ssc.principal_id') AS principal_id, current_setting('ssc.principal') AS principal,
       current_setting('ssc.role') AS role, current_setting('ssc.org_id') AS org_id,
       current_setting('ssc.method') AS method;
SELECT ssc.session_role(), ssc.session_org_id();
COMMIT;

-- The settings were local to that transaction.
SELECT current_setting('ssc.principal_id', true) AS principal_id, current_setting('ssc.role', true) AS role,
       ssc.session_role(), ssc.session_org_id();

-- A role without an organisation: ssc.org_id is ''.
BEGIN;
SELECT * FROM ssc.begin_call('', 'CN=auditor', '{auditor}', '/ssc.v1.Audit/Verify');
SELECT current_setting('ssc.principal') AS principal, current_setting('ssc.org_id') = '' AS no_org,
       ssc.session_org_id();
ROLLBACK;

-- Matched by fingerprint: the principal is written sha256:<fingerprint>.
BEGIN;
SELECT * FROM ssc.begin_call(repeat('a', 64), 'CN=whatever', '{ministry}', '/ssc.v1.Organisations/List');
SELECT current_setting('ssc.principal') AS principal, current_setting('ssc.role') AS role;
ROLLBACK;

-- The fingerprint is looked up first: with both matching, the fingerprint's
-- principal (7) wins over the subject's (2).
BEGIN;
SELECT * FROM ssc.begin_call(repeat('a', 64), 'CN=dea', '{ministry}', '/ssc.v1.Organisations/List');
ROLLBACK;

-- Disable principal 3 (CN=dst) and principal 7 (its fingerprint), as admin.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=admin', '{admin}', '/ssc.v1.Principals/Disable');
SELECT p->>'id' AS id, p->>'active' AS active
  FROM (VALUES (ssc.principal_disable('', NULL, 3)), (ssc.principal_disable('', NULL, 7))) v (p);
COMMIT;

-- A disabled principal is no principal.
SELECT * FROM ssc.begin_call('', 'CN=dst', '{ministry}', '/ssc.v1.Organisations/Get');
SELECT * FROM ssc.begin_call(repeat('a', 64), '', '{ministry}', '/ssc.v1.Organisations/Get');

-- Only active principals are looked up: a disabled fingerprint principal
-- with an active subject principal finds the subject's.
BEGIN;
SELECT * FROM ssc.begin_call(repeat('a', 64), 'CN=dea', '{ministry}', '/ssc.v1.Organisations/Get');
SELECT current_setting('ssc.principal') AS principal;
ROLLBACK;

-- A failed begin_call sets nothing.
BEGIN;
SELECT * FROM ssc.begin_call('', 'CN=dst', '{ministry}', '/ssc.v1.Organisations/Get');
SELECT current_setting('ssc.role', true) AS role, count(*) AS organisations FROM ssc.organisations;
ROLLBACK;

-- The lookups must be usable by a generic plan, or PL/pgSQL plans them
-- again on every call (0010): with generic plans forced and sequential
-- scans priced out (a generic plan that cannot use the partial indexes has
-- no other way), begin_call finds principals by fingerprint (none here)
-- and then by subject, and after taking the principal's lock (0015) looks
-- again by id, through the indexes alone: three index scans.
SET plan_cache_mode = force_generic_plan;
SET enable_seqscan = off;
BEGIN;
-- The session's scans not yet sent to the statistics (none are sent
-- inside a transaction block): the baseline.
SELECT seq_scan AS seq0, idx_scan AS idx0 FROM pg_stat_xact_user_tables
  WHERE relid = 'ssc.principals'::regclass \gset
SELECT role FROM ssc.begin_call(repeat('c', 64), 'CN=dea', '{ministry}', '/ssc.v1.Organisations/Get');
SELECT seq_scan - :seq0 AS seq_scans, idx_scan - :idx0 AS index_scans FROM pg_stat_xact_user_tables
  WHERE relid = 'ssc.principals'::regclass;
ROLLBACK;
RESET plan_cache_mode;
RESET enable_seqscan;
