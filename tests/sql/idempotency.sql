-- Idempotency: a key claimed with the first request returns that request's
-- stored response, unchanged and without writing; another request with the
-- same key is SC409. The hashes stand for what sscd computes (SHA-256 of
-- the method and the request without its key).
\ir fixtures.psql

\c - ssc_owner
SELECT count(*) AS audit_entries FROM ssc.audit;
\c - ssc_app

-- First call with key k1.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Organisations/Create');
SELECT ssc.org_create('k1', sha256('create Danish Maritime Authority'), 'Danish Maritime Authority',
                      'DMA', 'danish_authority', 'DK', 0) AS first \gset
SELECT (:'first'::jsonb) - '{created_at,updated_at}'::text[] AS first;
COMMIT;

\c - ssc_owner
SELECT count(*) AS audit_entries FROM ssc.audit;
SELECT principal_id, key, method, response = :'first'::jsonb AS stored FROM ssc.idempotency;
\c - ssc_app

-- The same key and hash: the identical stored response, and nothing written,
-- whatever the arguments (the hash is what identifies the request).
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Organisations/Create');
SELECT ssc.org_create('k1', sha256('create Danish Maritime Authority'), 'Danish Maritime Authority',
                      'DMA', 'danish_authority', 'DK', 0) = :'first'::jsonb AS identical;
SELECT ssc.org_create('k1', sha256('create Danish Maritime Authority'), 'ignored', '', 'region', 'SE', 0)
       = :'first'::jsonb AS identical;
COMMIT;
\c - ssc_owner
SELECT count(*) AS audit_entries FROM ssc.audit;
SELECT count(*) AS organisations FROM ssc.organisations;
\c - ssc_app

-- Still the first response after the organisation has changed since.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=admin', '{admin}', '/ssc.v1.Organisations/Update');
SELECT o->>'version' AS version FROM ssc.org_update('', NULL, 7, 1, '{short_name}', '', 'SFS', '', 0) o;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Organisations/Create');
SELECT o->>'version' AS version, o->>'short_name' AS short_name, o = :'first'::jsonb AS identical
  FROM ssc.org_create('k1', sha256('create Danish Maritime Authority'), '', '', '', '', 0) o;
COMMIT;

\c - ssc_owner
SELECT count(*) AS audit_entries FROM ssc.audit;
SELECT count(*) AS organisations FROM ssc.organisations;
\c - ssc_app

-- The same key with another request: SC409, and nothing written.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Organisations/Create');
SELECT ssc.org_create('k1', sha256('create Danish Road Directorate'), 'Danish Road Directorate',
                      'VD', 'danish_authority', 'DK', 0);
-- A key is the caller's across methods: reused for an update it is another request too.
SELECT ssc.org_update('k1', sha256('update 7'), 7, 0, '{short_name}', '', 'X', '', 0);
COMMIT;

-- Keys belong to their principal: another caller's k1 is a new key.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=admin', '{admin}', '/ssc.v1.Organisations/Create');
SELECT o->>'id' AS id, o->>'name' AS name
  FROM ssc.org_create('k1', sha256('create Danish Road Directorate'), 'Danish Road Directorate',
                      'VD', 'danish_authority', 'DK', 0) o;
COMMIT;

-- A call that fails claims nothing: its transaction rolls the claim back,
-- so the corrected request may use the same key.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=admin', '{admin}', '/ssc.v1.Organisations/Create');
SELECT ssc.org_create('k2', sha256('bad'), 'Danish Health Authority', '', 'danish_authority', 'dk', 0);
ROLLBACK;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=admin', '{admin}', '/ssc.v1.Organisations/Create');
SELECT o->>'id' AS id, o->>'country' AS country
  FROM ssc.org_create('k2', sha256('good'), 'Danish Health Authority', '', 'danish_authority', 'DK', 0) o;
COMMIT;

-- Updates, principal_add and principal_disable replay the same way.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=admin', '{admin}', '/ssc.v1.Organisations/Update');
SELECT o->>'version' AS version, o->>'short_name' AS short_name
  FROM ssc.org_update('u1', sha256('u1'), 9, 1, '{short_name}', '', 'SST', '', 0) o;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=admin', '{admin}', '/ssc.v1.Organisations/Update');
-- expected_version 1 is stale now, but the replay answers before any check.
SELECT o->>'version' AS version, o->>'short_name' AS short_name
  FROM ssc.org_update('u1', sha256('u1'), 9, 1, '{short_name}', '', 'SST', '', 0) o;
SELECT ssc.org_update('u2', sha256('u2'), 9, 1, '{short_name}', '', 'SST', '', 0);
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=admin', '{admin}', '/ssc.v1.Principals/Add');
SELECT p->>'id' AS id FROM ssc.principal_add('p1', sha256('p1'), 'CN=dma', '', 7, 'ministry', 'DMA desk') p;
SELECT p->>'id' AS id FROM ssc.principal_add('p1', sha256('p1'), 'CN=dma', '', 7, 'ministry', 'DMA desk') p;
SELECT p->>'id' AS id, p->>'active' AS active FROM ssc.principal_disable('d1', sha256('d1'), 8) p;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=admin', '{admin}', '/ssc.v1.Principals/Disable');
SELECT p->>'id' AS id, p->>'active' AS active FROM ssc.principal_disable('d1', sha256('d1'), 8) p;
SELECT ssc.principal_disable('d1', sha256('d1 for 2'), 2);
COMMIT;

-- No key, no record; and the rules on keys and hashes.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=admin', '{admin}', '/ssc.v1.Organisations/Create');
SELECT o->>'id' AS id FROM ssc.org_create('', sha256('x'), 'Danish Patent and Trademark Office', '',
                                          'danish_authority', 'DK', 0) o;
SELECT ssc.org_create(repeat('k', 129), sha256('x'), 'Long Key', '', 'region', 'DK', 0);
SELECT ssc.org_create('k3', '\x00', 'Short Hash', '', 'region', 'DK', 0);
SELECT ssc.org_create('k3', NULL, 'No Hash', '', 'region', 'DK', 0);
SELECT o->>'name' AS name FROM ssc.org_create(repeat('k', 128), sha256('x'), 'Longest Key', '', 'region', 'DK', 0) o;
COMMIT;

-- Outside a call a key has no owner (SC401).
SELECT ssc.idem_claim('k1', sha256('x'));
SELECT ssc.idem_store('k1', '{}');
-- idem_store stores only for a key this transaction claimed.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=admin', '{admin}', '/test');
SELECT ssc.idem_store('never-claimed', '{}');
SELECT ssc.idem_store('k1', '{}');
SELECT ssc.idem_claim('k4', sha256('k4')) IS NULL AS claimed;
SELECT ssc.idem_claim('k4', sha256('k4'));
SELECT ssc.idem_store('k4', NULL);
SELECT ssc.idem_store('k4', '{"stored": true}');
SELECT ssc.idem_claim('k4', sha256('k4'));
-- An empty key is no key: nothing is claimed or stored.
SELECT ssc.idem_claim('', NULL) IS NULL AS no_key_no_claim;
SELECT ssc.idem_store('', NULL);
ROLLBACK;

-- ssc_app cannot read or write the table itself.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=admin', '{admin}', '/test');
SELECT count(*) FROM ssc.idempotency;
DELETE FROM ssc.idempotency;
ROLLBACK;

-- What was recorded.
\c - ssc_owner
SELECT principal_id, left(key, 10) AS key, method, response IS NOT NULL AS has_response
  FROM ssc.idempotency ORDER BY principal_id, key;

-- Expiry (0011): keys older than the keep time go, oldest first, in
-- batches; younger ones stay. Make both principals' k1 eight days old and
-- k2 two hours old.
UPDATE ssc.idempotency SET created_at = now() - interval '8 days' WHERE key = 'k1';
UPDATE ssc.idempotency SET created_at = now() - interval '2 hours' WHERE key = 'k2';
\c - ssc_app
-- The rules on the arguments: a keep time under an hour would let any
-- caller cut a retry window to nothing.
SELECT ssc.idem_expire(3599, 100);
SELECT ssc.idem_expire(NULL, 100);
SELECT ssc.idem_expire(3600, 0);
SELECT ssc.idem_expire(3600, 100001);
-- A week: the two k1 go; again: nothing left that old.
SELECT ssc.idem_expire(7 * 86400, 100) AS expired;
SELECT ssc.idem_expire(7 * 86400, 100) AS expired;
-- An hour, one row per batch: k2 now, then nothing (the rest are new).
SELECT ssc.idem_expire(3600, 1) AS expired;
SELECT ssc.idem_expire(3600, 1) AS expired;
-- An expired key is a new key: k1 with another request is claimed afresh
-- (principal 1 again; principal 4's k1 stays gone).
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=admin', '{admin}', '/ssc.v1.Organisations/Create');
SELECT o->>'name' AS name FROM ssc.org_create('k1', sha256('k1 again'), 'Danish Energy Agency Reused Key',
                                              '', 'danish_authority', 'DK', 0) o;
COMMIT;
\c - ssc_owner
SELECT principal_id, left(key, 10) AS key, method, response IS NOT NULL AS has_response
  FROM ssc.idempotency ORDER BY principal_id, key;
