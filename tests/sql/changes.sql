-- The change stream's store side (0026): the changes each role may read,
-- in sequence order after a sequence number, filtered by kind; who sees a
-- change is who may read its entity now.
\ir domain_fixtures.psql

-- The record: DEA (ministry, parent of DMI) with a collaboration in Viet
-- Nam and an agreement; DUR, its sibling, with one in Kenya; the embassy in
-- Viet Nam screens a demand signal.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{ministry}', '/changes');
SELECT c->>'id' AS collaboration FROM ssc.collab_create('{"reference": "CH-DEA", "title": "DEA in VN", "country": "VN",
  "partner_ids": [9], "sectors": [{"code": "23110", "percentage": 100}], "started_on": "2024-01-01"}'::jsonb, NULL) c;
SELECT a->>'id' AS agreement FROM ssc.agreement_create('{"kind": "mou", "title": "DEA MoU", "party_ids": [2, 9],
  "effective_from": "2024-01-01"}'::jsonb, NULL) a;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dur', '{ministry}', '/changes');
SELECT c->>'id' AS collaboration FROM ssc.collab_create('{"reference": "CH-DUR", "title": "DUR in KE", "country": "KE",
  "partner_ids": [12], "sectors": [{"code": "23112", "percentage": 100}], "started_on": "2024-01-01"}'::jsonb, NULL) c;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=embassy-vn', '{embassy}', '/changes');
SELECT d->>'id' AS signal FROM ssc.demand_create('{"sectors": ["23110"], "title": "VN grid", "priority": 1,
  "screened_on": "2024-03-01"}'::jsonb, NULL) d;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{ministry}', '/changes');
SELECT c->>'phase' AS phase FROM ssc.collab_transition('{"id": 1, "to_phase": "inception", "on_date": "2024-02-01"}'::jsonb, NULL) c;
COMMIT;

CREATE FUNCTION pg_temp.changes(who text, p jsonb, after text DEFAULT '', lim int DEFAULT 500)
  RETURNS TABLE (seq bigint, entity text, entity_id text, method text, after_has_id boolean) AS $$
DECLARE
  r text;
BEGIN
  r := (SELECT x.role FROM ssc.begin_call('', who, '{secretariat,auditor,ministry,embassy,admin}', '/ssc.v1.Changes/Watch') x);
  RETURN QUERY SELECT (e->>'seq')::bigint, e->>'entity', e->>'entity_id', e->>'method',
                      (e->'after') ? 'id' OR e->>'entity' = 'agreement_version'
                 FROM jsonb_array_elements(ssc.changes_list(p, after, lim)) e;
END
$$ LANGUAGE plpgsql;

-- The auditor sees every change since the start (organisations and
-- principals of the fixtures included), in sequence order.
BEGIN;
SELECT count(*) AS changes, min(seq) AS first, bool_and(seq > 0) AS positive,
       array_agg(seq ORDER BY seq) = array_agg(seq) AS in_order
  FROM pg_temp.changes('CN=auditor', '{}');
ROLLBACK;

-- The domain changes, role by role (organisations and principals left out
-- with kinds).
BEGIN;
SELECT who, string_agg(entity || ':' || entity_id, ' ' ORDER BY seq) AS sees
  FROM (VALUES ('CN=auditor'), ('CN=secretariat'), ('CN=kefm'), ('CN=dea'), ('CN=dmi'), ('CN=dur'),
               ('CN=dst'), ('CN=embassy-vn'), ('CN=embassy-ke')) w (who),
       LATERAL pg_temp.changes(who, '{"kinds": ["collaboration", "collaboration_transition", "agreement",
         "agreement_version", "demand_signal"]}') c
 GROUP BY who ORDER BY who;
ROLLBACK;

-- Only a change-stream call widens the audit: in Audit/List a ministry
-- still reads only what its own organisation did (0005).
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dur', '{ministry}', '/ssc.v1.Audit/List');
SELECT array_agg(entity || ':' || entity_id ORDER BY seq) AS dur_in_audit_list FROM ssc.audit;
ROLLBACK;

-- Every change carries the entity as it is after it.
BEGIN;
SELECT bool_and(after_has_id) AS every_after_is_the_entity FROM pg_temp.changes('CN=auditor', '{}');
ROLLBACK;

-- After a sequence number: exactly the later ones, so a watcher that
-- resumes after the last one it saw gets no gap and no duplicate; paging
-- by the last seq of each page gives the whole list.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=auditor', '{auditor}', '/ssc.v1.Changes/Watch');
SELECT (SELECT array_agg((e->>'seq')::bigint) FROM jsonb_array_elements(ssc.changes_list('{}', '', 500)) e)
       = (SELECT array_agg((e->>'seq')::bigint) FROM jsonb_array_elements(ssc.changes_list('{}', '', 3)) e)
         || (SELECT array_agg((e->>'seq')::bigint) FROM jsonb_array_elements(ssc.changes_list('{}',
               (SELECT max((e->>'seq')::bigint)::text FROM jsonb_array_elements(ssc.changes_list('{}', '', 3)) e), 500)) e)
       AS resumed_whole;
SELECT jsonb_array_length(ssc.changes_list('{}', '999999', 500)) AS after_the_last;
ROLLBACK;

-- Refusals.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{ministry}', '/ssc.v1.Changes/Watch');
SELECT ssc.changes_list('{"kinds": ["payroll"]}', '', 10);
SELECT ssc.changes_list('{"kinds": "agreement"}', '', 10);
SELECT ssc.changes_list('{}', '-1', 10);
SELECT ssc.changes_list('{}', '1234567890123456789', 10);
ROLLBACK;

-- Without a call, nothing.
SELECT count(*) AS without_a_call FROM ssc.audit;
SELECT ssc.change_visible('agreement', '1') AS visible_without_a_call;

-- changes_watch (0027): the head in the same snapshot, and where the next
-- read starts. The auditor with a limit of 2: next is the last change's
-- seq; with room to spare, the head.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=auditor', '{auditor}', '/ssc.v1.Changes/Watch');
SELECT (w->>'head')::bigint = (SELECT max(seq) FROM ssc.audit) AS head_is_the_last,
       (w->>'next')::bigint = (w->'changes'->1->>'seq')::bigint AS next_is_the_last_sent,
       jsonb_array_length(w->'changes') AS sent
  FROM ssc.changes_watch('{}', '0', 2) w;
SELECT (w->>'next')::bigint = (w->>'head')::bigint AS next_is_the_head,
       jsonb_array_length(w->'changes') = (SELECT count(*) FROM ssc.audit) AS sent_all
  FROM ssc.changes_watch('{}', '', 1000) w;
-- from_now: nothing, and the head.
SELECT jsonb_array_length(w->'changes') AS from_now_sent,
       (w->>'next')::bigint = (SELECT max(seq) FROM ssc.audit) AS from_now_next_is_the_head
  FROM ssc.changes_watch('{"from_now": true}', '', 10) w;
-- At the head: nothing, next stays.
SELECT w->'changes' AS at_the_head, (w->>'next')::bigint = (SELECT max(seq) FROM ssc.audit) AS stays
  FROM ssc.changes_watch('{}', (SELECT max(seq)::text FROM ssc.audit), 10) w;
ROLLBACK;

-- A ministry: only what it may read, but next goes past the rows it may
-- not, so the next read does not scan them again.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dur', '{ministry}', '/ssc.v1.Changes/Watch');
SELECT array_agg(c->>'entity' || ':' || (c->>'entity_id') ORDER BY (c->>'seq')::bigint) AS dur_sees,
       max((w->>'next')::bigint) = (SELECT ssc.audit_last_seq()) AS next_past_the_hidden
  FROM ssc.changes_watch('{"kinds": ["collaboration"]}', '0', 100) w,
       jsonb_array_elements(w->'changes') c;
ROLLBACK;

-- Refusals of the request's fields.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{ministry}', '/ssc.v1.Changes/Watch');
SELECT ssc.changes_watch('{"after_seq": -1}', '', 10);
ROLLBACK;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{ministry}', '/ssc.v1.Changes/Watch');
SELECT ssc.changes_watch('{"after_seq": 3, "from_now": true}', '', 10);
ROLLBACK;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{ministry}', '/ssc.v1.Changes/Watch');
SELECT ssc.changes_watch('{"kinds": ["payroll"]}', '', 10);
ROLLBACK;

-- The notification (0027): a deferred trigger per audit row, at commit,
-- so every row of a transaction notifies the same head and PostgreSQL
-- folds them into one.
SELECT tgname, tgdeferrable AS deferrable, tginitdeferred AS at_commit,
       tgtype & 1 = 1 AS per_row
  FROM pg_trigger WHERE tgrelid = 'ssc.audit'::regclass AND NOT tgisinternal;
