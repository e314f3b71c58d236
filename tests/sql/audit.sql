-- The audit trail: every change makes one hash-chained entry; row-level
-- security decides who reads which; audit_verify finds any rewritten,
-- removed or added entry. Instants and hashes differ from run to run, so
-- they are checked by rule, not shown (except the fixed test vector).
\ir fixtures.psql

-- The canonical form and hash, on a fixed entry: a test vector for anyone
-- re-implementing the check. Lengths are in characters (ø is one), the
-- instant is UTC with six fractional digits, NULLs are empty fields.
\c - ssc_owner
SELECT '1:1' || '27:2026-01-02T03:04:05.000006Z' || '17:CN=Miljøstyrelsen' || '1:2'
       || '28:/ssc.v1.Organisations/Update' || '12:organisation' || '1:8'
       || '26:{"name": "Miljøstyrelsen"}' || '0:' AS canonical \gset
SELECT :'canonical' AS canonical;
SELECT encode(h, 'hex') AS hash,
       h = sha256(decode(repeat('00', 32), 'hex') || convert_to(:'canonical', 'UTF8')) AS matches_canonical
  FROM ssc.audit_hash(decode(repeat('00', 32), 'hex'), 1, '2026-01-02 03:04:05.000006+00',
                      'CN=Miljøstyrelsen', 2, '/ssc.v1.Organisations/Update', 'organisation', '8',
                      '{"name": "Miljøstyrelsen"}', NULL) h;

-- The fixtures made entries 1-13: the bootstrap admin, six organisations
-- and six principals, each with its creator and method.
SELECT seq, principal, organisation_id, method, entity, entity_id,
       before IS NULL AS no_before, after->>'name' AS after_name
  FROM ssc.audit ORDER BY seq;

-- More changes: each ministry updates its own organisation ...
\c - ssc_app
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{ministry}', '/ssc.v1.Organisations/Update');
SELECT o->>'short_name' AS short_name FROM ssc.org_update('', NULL, 2, 0, '{short_name}', '', 'ENS', '', 0) o;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call(repeat('a', 64), '', '{ministry}', '/ssc.v1.Organisations/Update');
SELECT o->>'name' AS name FROM ssc.org_update('', NULL, 3, 0, '{name}', 'Danmarks Statistik', '', '', 0) o;
COMMIT;
-- ... the secretariat renames a partner authority and registers an
-- embassy, and DEA changes its name ...
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Organisations/Update');
SELECT o->>'short_name' AS short_name FROM ssc.org_update('', NULL, 5, 0, '{short_name}', '', 'NEA-CN', '', 0) o;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Organisations/Create');
SELECT o->>'id' AS id FROM ssc.org_create('', NULL, 'Embassy of Denmark in Kenya', '', 'embassy', 'KE', 0) o;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{ministry}', '/ssc.v1.Organisations/Update');
SELECT o->>'name' AS name FROM ssc.org_update('', NULL, 2, 0, '{name}', 'Energistyrelsen', '', '', 0) o;
COMMIT;
-- ... while nobody appends an entry without a change: audit_append is the
-- owner's alone (0014), whoever the caller (audit_forgery.sql tries the
-- other ways) ...
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Applications/Approve');
SELECT ssc.audit_append('application', '41', '{"status": "UNDER_REVIEW"}', '{"status": "APPROVED"}');
ROLLBACK;
-- ... and the owner fixes something by hand, outside any call.
\c - ssc_owner
UPDATE ssc.organisations SET short_name = 'DK-VN' WHERE id = 6;
-- The owner may still call audit_append, which checks its entity.
SELECT ssc.audit_append('', '1', NULL, NULL);

SELECT seq, principal, organisation_id, method, entity, entity_id,
       before->>'short_name' AS before_short, after->>'short_name' AS after_short
  FROM ssc.audit WHERE seq > 13 ORDER BY seq;

-- Every entry links to the one before and hashes its own contents; the
-- canonical form is re-implemented here independently of ssc.audit_hash.
SELECT count(*) AS entries,
       bool_and(prev_hash = coalesce(lag_hash, decode(repeat('00', 32), 'hex'))) AS linked,
       bool_and(hash = sha256(prev_hash || convert_to(
         length(seq::text) || ':' || seq::text
         || '27:' || to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
         || length(principal) || ':' || principal
         || length(coalesce(organisation_id::text, '')) || ':' || coalesce(organisation_id::text, '')
         || length(method) || ':' || method || length(entity) || ':' || entity
         || length(entity_id) || ':' || entity_id
         || length(coalesce(before::text, '')) || ':' || coalesce(before::text, '')
         || length(coalesce(after::text, '')) || ':' || coalesce(after::text, ''), 'UTF8'))) AS hashed,
       bool_and(at >= lag_at) AS at_never_decreases,
       max(seq) = (SELECT seq FROM ssc.audit_head) AS head_seq,
       (SELECT hash FROM ssc.audit ORDER BY seq DESC LIMIT 1) = (SELECT hash FROM ssc.audit_head) AS head_hash
  FROM (SELECT a.*, lag(hash) OVER (ORDER BY seq) AS lag_hash, lag(at) OVER (ORDER BY seq) AS lag_at
          FROM ssc.audit a) x;
SELECT ssc.audit_verify();

-- audit_list as the admin (and as the secretariat and the auditor): everything.
\c - ssc_app
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=admin', '{admin}', '/ssc.v1.Audit/List');
SELECT e->>'seq' AS seq, e->>'principal' AS principal, e->>'organisation_id' AS org,
       e->>'method' AS method, e->>'entity' AS entity, e->>'entity_id' AS entity_id,
       left(e->>'before', 24) AS before, NULLIF(e->>'after', '')::jsonb->>'name' AS after_name
  FROM jsonb_array_elements(ssc.audit_list(11, '', 100)) e;
-- The entry's shape: at RFC 3339 UTC, before/after as JSON text ('' for
-- none), hashes as lower-case hex.
SELECT array_agg(k ORDER BY k) AS keys FROM jsonb_object_keys(ssc.audit_list(0, '', 1)->0) k;
SELECT bool_and(e->>'at' ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$') AS at_rfc3339,
       bool_and(e->>'hash' ~ '^[0-9a-f]{64}$' AND e->>'prev_hash' ~ '^[0-9a-f]{64}$') AS hex,
       bool_and(jsonb_typeof(e->'before') = 'string' AND jsonb_typeof(e->'after') = 'string') AS text_json
  FROM jsonb_array_elements(ssc.audit_list(0, '', 100)) e;
ROLLBACK;
-- Each prev_hash is the previous entry's hash (the auditor sees them all).
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=auditor', '{auditor}', '/ssc.v1.Audit/List');
SELECT bool_and(prev_hash = coalesce(lag_hash, repeat('0', 64))) AS linked, count(*) AS entries
  FROM (SELECT e->>'prev_hash' AS prev_hash, lag(e->>'hash') OVER (ORDER BY (e->>'seq')::int) AS lag_hash
          FROM jsonb_array_elements(ssc.audit_list(0, '', 100)) e) x;
-- Paging and the entity filter.
SELECT jsonb_path_query_array(ssc.audit_list(0, '', 5), '$[*].seq') AS first_5,
       jsonb_path_query_array(ssc.audit_list(5, '', 5), '$[*].seq') AS next_5,
       jsonb_path_query_array(ssc.audit_list(0, 'organisation', 100), '$[*].seq') AS organisations,
       jsonb_path_query_array(ssc.audit_list(10, 'principal', 100), '$[*].seq') AS principals_after_10,
       ssc.audit_list(100, '', 5) AS past_the_end;
SELECT ssc.audit_list(0, '', 0);
ROLLBACK;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Audit/List');
SELECT count(*) AS secretariat_sees FROM jsonb_array_elements(ssc.audit_list(0, '', 100));
ROLLBACK;

-- A ministry sees only its own organisation's entries (those its people
-- made), by audit_list and by plain SQL alike; so does a reconciler.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{ministry}', '/ssc.v1.Audit/List');
SELECT jsonb_path_query_array(ssc.audit_list(0, '', 100), '$[*].seq') AS dea_sees,
       (SELECT array_agg(seq ORDER BY seq) FROM ssc.audit) AS plain_select;
ROLLBACK;
BEGIN;
SELECT role FROM ssc.begin_call(repeat('a', 64), '', '{ministry}', '/ssc.v1.Audit/List');
SELECT jsonb_path_query_array(ssc.audit_list(0, '', 100), '$[*].seq') AS dst_sees;
ROLLBACK;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea-payroll', '{reconciler}', '/ssc.v1.Audit/List');
SELECT jsonb_path_query_array(ssc.audit_list(0, '', 100), '$[*].seq') AS dea_payroll_sees;
ROLLBACK;
-- Without begin_call: nothing.
SELECT ssc.audit_list(0, '', 100) AS no_call_sees;

-- ssc_app writes the trail only through the audit triggers: no INSERT,
-- UPDATE, DELETE or TRUNCATE, and no access to the head.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=admin', '{admin}', '/test');
INSERT INTO ssc.audit (seq, at, principal, method, entity, entity_id, prev_hash, hash)
  VALUES (100, now(), 'me', 'x', 'x', 'x', '\x00', '\x00');
UPDATE ssc.audit SET after = '{"name": "Forged"}' WHERE seq = 14;
DELETE FROM ssc.audit WHERE seq = 14;
TRUNCATE ssc.audit;
SELECT * FROM ssc.audit_head;
UPDATE ssc.audit_head SET seq = 0;
ROLLBACK;

-- audit_verify sees the whole chain whoever asks (sscd decides who may).
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{ministry}', '/ssc.v1.Audit/Verify');
SELECT ssc.audit_verify();
ROLLBACK;

-- Tampering, as the owner (each attempt rolled back): verify names the
-- first broken entry and why, and counts the intact entries before it.
\c - ssc_owner
-- A changed value.
BEGIN;
UPDATE ssc.audit SET after = jsonb_set(after, '{short_name}', '"XXX"') WHERE seq = 14;
SELECT ssc.audit_verify();
ROLLBACK;
-- A changed instant (one microsecond), principal, organisation, or entity id.
BEGIN;
UPDATE ssc.audit SET at = at + interval '1 microsecond' WHERE seq = 5;
SELECT ssc.audit_verify();
ROLLBACK;
BEGIN;
UPDATE ssc.audit SET principal = 'CN=someone-else' WHERE seq = 3;
SELECT ssc.audit_verify();
ROLLBACK;
BEGIN;
UPDATE ssc.audit SET organisation_id = 3 WHERE seq = 14;
SELECT ssc.audit_verify();
ROLLBACK;
BEGIN;
UPDATE ssc.audit SET entity_id = '42' WHERE seq = 17;
SELECT ssc.audit_verify();
ROLLBACK;
-- A rewritten entry with its hash recomputed: the next entry's link breaks.
BEGIN;
UPDATE ssc.audit SET after = jsonb_set(after, '{short_name}', '"XXX"') WHERE seq = 14;
UPDATE ssc.audit SET hash = ssc.audit_hash(prev_hash, seq, at, principal, organisation_id, method,
                                           entity, entity_id, before, after)
 WHERE seq = 14;
SELECT ssc.audit_verify();
ROLLBACK;
-- The first entry's link must be 32 zero bytes.
BEGIN;
UPDATE ssc.audit SET prev_hash = sha256('') WHERE seq = 1;
SELECT ssc.audit_verify();
ROLLBACK;
-- A removed entry, in the middle, at the end, or all of them.
BEGIN;
DELETE FROM ssc.audit WHERE seq = 10;
SELECT ssc.audit_verify();
ROLLBACK;
BEGIN;
DELETE FROM ssc.audit WHERE seq = (SELECT max(seq) FROM ssc.audit);
SELECT ssc.audit_verify();
ROLLBACK;
BEGIN;
DELETE FROM ssc.audit;
SELECT ssc.audit_verify();
ROLLBACK;
-- A head that does not match the last entry.
BEGIN;
UPDATE ssc.audit_head SET hash = sha256('');
SELECT ssc.audit_verify();
ROLLBACK;
-- An entry added past the head.
BEGIN;
INSERT INTO ssc.audit SELECT seq + 1, at, principal, organisation_id, method, entity, entity_id,
                             before, after, hash, hash
                        FROM ssc.audit WHERE seq = (SELECT seq FROM ssc.audit_head);
SELECT ssc.audit_verify();
ROLLBACK;
-- Untouched, the chain is whole again.
SELECT ssc.audit_verify();
