-- Funding (0028-0031): pools and their adjustments, applications with
-- their budget and co-financing lines and exact shares, the workflow table,
-- frozen versions, the approval tiers and the rules of every decision, the
-- approval that completes an application (allocation, collaboration
-- phase), allocations (over-commitment, release) and disbursements
-- (remaining, reversal), the pool's figures after each step, row-level
-- security for every new table and role, and what ssc_app may not do in
-- plain SQL. Every rule at and just past its limit, with its message and
-- SQLSTATE. Timestamps are left out (projections, or `- '{...}'::text[]`);
-- a step dated today is shown as `= today`.
\ir domain_fixtures.psql

-- One pool in one line, and the pool row against the sums over its
-- allocations (read as the owner's triggers keep them; the caller must see
-- every allocation, so it is called as the secretariat).
CREATE FUNCTION pg_temp.pool(p jsonb) RETURNS text
  LANGUAGE sql
  RETURN format('pool %s %s %s: total %s, committed %s, disbursed %s, available %s, %s allocations, v%s',
                p->>'id', p->>'fiscal_year', p->>'currency', p#>>'{total,amount_minor}',
                p#>>'{committed,amount_minor}', p#>>'{disbursed,amount_minor}',
                p#>>'{available,amount_minor}', p->>'allocations', p->>'version');
CREATE FUNCTION pg_temp.figures(id bigint) RETURNS text
  LANGUAGE sql
  RETURN (SELECT pg_temp.pool(ssc.pool_get(jsonb_build_object('id', id))) || CASE
            WHEN (pl.committed_minor, pl.disbursed_minor, pl.allocations)
                 = (SELECT coalesce(sum(a.amount_minor - a.released_minor), 0), coalesce(sum(a.disbursed_minor), 0),
                           count(*)
                      FROM ssc.allocations a WHERE a.pool_id = pl.id)
            THEN ' (= its allocations)' ELSE ' (NOT the sums of its allocations)' END
            FROM ssc.pools pl WHERE pl.id = figures.id);
-- One application in one line.
CREATE FUNCTION pg_temp.app(a jsonb) RETURNS text
  LANGUAGE sql
  RETURN format('#%s %s %s v%s: budget %s, co-financing %s, requested %s %s (%s %%)%s%s',
                a->>'id', a->>'phase', a->>'status', a->>'submitted_version',
                a#>>'{figures,budget_total,amount_minor}', a#>>'{figures,cofinancing_total,amount_minor}',
                a#>>'{figures,requested,amount_minor}', a->>'currency', a#>>'{figures,requested_share,percent}',
                CASE WHEN jsonb_typeof(a->'decision') = 'object'
                     THEN format(', %s approval(s), missing %s', jsonb_array_length(a#>'{decision,approvals}'),
                                 a#>>'{decision,missing}') ELSE '' END,
                CASE WHEN a->>'allocation_id' IS NOT NULL THEN ', allocation ' || (a->>'allocation_id') ELSE '' END);
-- One allocation and one disbursement in one line.
CREATE FUNCTION pg_temp.alloc(a jsonb) RETURNS text
  LANGUAGE sql
  RETURN format('allocation %s of application %s (%s, pool %s): %s %s, disbursed %s, released %s, remaining %s, %s',
                a->>'id', a->>'application_id', a->>'phase', a->>'pool_id', a#>>'{amount,amount_minor}',
                a#>>'{amount,currency}', a#>>'{disbursed,amount_minor}', a#>>'{released,amount_minor}',
                a#>>'{remaining,amount_minor}', a->>'status');
CREATE FUNCTION pg_temp.disb(d jsonb) RETURNS text
  LANGUAGE sql
  RETURN format('disbursement %s %s %s %s of allocation %s%s%s by %s', d->>'id', d->>'kind',
                d#>>'{amount,amount_minor}', d#>>'{amount,currency}', d->>'allocation_id',
                CASE WHEN d->>'reverses_id' IS NOT NULL THEN ', reverses ' || (d->>'reverses_id') ELSE '' END,
                CASE WHEN d->>'reversed_by_id' IS NOT NULL THEN ', reversed by ' || (d->>'reversed_by_id') ELSE '' END,
                d->>'principal');
-- A call as a principal, undone: its answer through f, or the refusal.
CREATE FUNCTION pg_temp.try_call(who text, stmt text) RETURNS text
  LANGUAGE plpgsql
AS $$
DECLARE
  r text;
BEGIN
  PERFORM ssc.begin_call('', who, '{ministry,secretariat,reconciler,auditor,admin,embassy}', '/funding');
  EXECUTE stmt INTO r;
  RAISE EXCEPTION USING ERRCODE = 'SC999', MESSAGE = 'ok: ' || coalesce(r, 'null');
EXCEPTION WHEN others THEN
  RETURN CASE WHEN SQLSTATE = 'SC999' THEN SQLERRM ELSE SQLSTATE || ': ' || SQLERRM END;
END
$$;

-- Principals the decisions tell apart, added by the admin: two more of the
-- secretariat (13 in its organisation, 14 without one), and secretariat
-- principals placed in DEA (15, the applicant of most applications below),
-- in KEFM (16, DEA's parent ministry) and in DMI (17, an agency below DEA).
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=admin', '{admin}', '/ssc.v1.Principals/Add');
SELECT p->>'id' AS id, p->>'subject' AS subject, p->>'role' AS role, p->>'organisation_id' AS org
  FROM (VALUES
    (ssc.principal_add('', NULL, 'CN=secretariat-2', '', 4, 'secretariat', 'Second reviewer')),
    (ssc.principal_add('', NULL, 'CN=secretariat-3', '', 0, 'secretariat', 'Third reviewer')),
    (ssc.principal_add('', NULL, 'CN=sec-dea', '', 2, 'secretariat', 'Reviewer placed in DEA')),
    (ssc.principal_add('', NULL, 'CN=sec-kefm', '', 1, 'secretariat', 'Reviewer placed in KEFM')),
    (ssc.principal_add('', NULL, 'CN=sec-dmi', '', 7, 'secretariat', 'Reviewer placed in DMI'))) v (p);
COMMIT;

-- Collaborations, each made by its lead: DEA's VN-WIND (in inception since
-- 2024-06-01), VN-IDLE (still in matchmaking) and VN-STOP (cancelled);
-- DMI's VN-MET, Statistics Denmark's CN-STAT and DUR's KE-REG, in
-- inception.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{ministry}', '/fixtures');
SELECT c->>'id' AS c_wind FROM ssc.collab_create('{"reference": "VN-WIND", "title": "Offshore wind", "country": "VN",
  "partner_ids": [9], "sectors": [{"code": "23240", "percentage": 100}], "started_on": "2024-01-01"}'::jsonb, NULL) c \gset
SELECT c->>'id' AS c_idle FROM ssc.collab_create('{"reference": "VN-IDLE", "title": "Grid codes", "country": "VN",
  "partner_ids": [9], "sectors": [{"code": "23240", "percentage": 100}], "started_on": "2024-01-01"}'::jsonb, NULL) c \gset
SELECT c->>'id' AS c_stop FROM ssc.collab_create('{"reference": "VN-STOP", "title": "Stopped", "country": "VN",
  "partner_ids": [9], "sectors": [{"code": "23240", "percentage": 100}], "started_on": "2024-01-01"}'::jsonb, NULL) c \gset
SELECT c->>'phase' AS phase FROM ssc.collab_transition(jsonb_build_object('id', :c_wind, 'to_phase', 'inception',
  'on_date', '2024-06-01', 'planned_start', '2024-06-01', 'planned_end', '2024-12-31'), NULL) c;
SELECT c->>'phase' AS phase FROM ssc.collab_transition(jsonb_build_object('id', :c_stop, 'to_phase', 'cancelled',
  'on_date', '2024-06-01'), NULL) c;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dmi', '{ministry}', '/fixtures');
SELECT c->>'id' AS c_met FROM ssc.collab_create('{"reference": "VN-MET", "title": "Forecasting", "country": "VN",
  "partner_ids": [10], "sectors": [{"code": "41010", "percentage": 100}], "started_on": "2024-01-01"}'::jsonb, NULL) c \gset
SELECT c->>'phase' AS phase FROM ssc.collab_transition(jsonb_build_object('id', :c_met, 'to_phase', 'inception',
  'on_date', '2024-06-01'), NULL) c;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dst', '{ministry}', '/fixtures');
SELECT c->>'id' AS c_stat FROM ssc.collab_create('{"reference": "CN-STAT", "title": "Energy statistics", "country": "CN",
  "partner_ids": [5], "sectors": [{"code": "16062", "percentage": 100}], "started_on": "2024-01-01"}'::jsonb, NULL) c \gset
SELECT c->>'phase' AS phase FROM ssc.collab_transition(jsonb_build_object('id', :c_stat, 'to_phase', 'inception',
  'on_date', '2024-06-01'), NULL) c;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dur', '{ministry}', '/fixtures');
SELECT c->>'id' AS c_reg FROM ssc.collab_create('{"reference": "KE-REG", "title": "Energy regulation", "country": "KE",
  "partner_ids": [12], "sectors": [{"code": "23112", "percentage": 100}], "started_on": "2024-01-01"}'::jsonb, NULL) c \gset
SELECT c->>'phase' AS phase FROM ssc.collab_transition(jsonb_build_object('id', :c_reg, 'to_phase', 'inception',
  'on_date', '2024-06-01'), NULL) c;
COMMIT;
SELECT :c_wind AS c_wind, :c_idle AS c_idle, :c_stop AS c_stop, :c_met AS c_met, :c_stat AS c_stat, :c_reg AS c_reg;

-- ==== pools ====================================================================

-- Every rule of pool_create at and just past its limit (all undone).
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Pools/Create');
SELECT '{"name": "Limits", "fiscal_year": 2030, "total": {"amount_minor": 100, "currency": "SEK"}}' AS preq \gset
-- name: 1..200 characters after trimming, on one line.
SELECT ssc.pool_create(:'preq'::jsonb || '{"name": ""}', NULL);
SELECT ssc.pool_create(:'preq'::jsonb || '{"name": "   "}', NULL);
SELECT ssc.pool_create(:'preq'::jsonb - 'name', NULL);
SELECT ssc.pool_create(:'preq'::jsonb || jsonb_build_object('name', repeat('n', 201)), NULL);
SELECT ssc.pool_create(:'preq'::jsonb || '{"name": "Two\nlines"}', NULL);
SELECT char_length(p->>'name') AS name_length, p->>'fiscal_year' AS fiscal_year
  FROM ssc.pool_create(:'preq'::jsonb || jsonb_build_object('name', ' ' || repeat('n', 200) || ' ', 'fiscal_year', 2031), NULL) p;
-- fiscal_year: 2000..2100.
SELECT ssc.pool_create(:'preq'::jsonb || '{"fiscal_year": 1999}', NULL);
SELECT ssc.pool_create(:'preq'::jsonb || '{"fiscal_year": 2101}', NULL);
SELECT ssc.pool_create(:'preq'::jsonb - 'fiscal_year', NULL);
SELECT ssc.pool_create(:'preq'::jsonb || '{"fiscal_year": "2030"}', NULL);
SELECT pg_temp.pool(p) AS at_the_limits
  FROM (VALUES (ssc.pool_create(:'preq'::jsonb || '{"fiscal_year": 2000}', NULL)),
               (ssc.pool_create(:'preq'::jsonb || '{"fiscal_year": 2100}', NULL))) v (p);
-- total: required, not negative, an ISO 4217 currency; 0 and the largest
-- amount are fine.
SELECT ssc.pool_create(:'preq'::jsonb - 'total', NULL);
SELECT ssc.pool_create(:'preq'::jsonb || '{"total": {"amount_minor": -1, "currency": "SEK"}}', NULL);
SELECT ssc.pool_create(:'preq'::jsonb || '{"total": {"amount_minor": 1, "currency": "sek"}}', NULL);
SELECT ssc.pool_create(:'preq'::jsonb || '{"total": {"amount_minor": 1}}', NULL);
-- FINDING (wording): an amount past the largest int64 is refused naming
-- amount_minor only, not total.
SELECT ssc.pool_create(:'preq'::jsonb || '{"total": {"amount_minor": 9223372036854775808, "currency": "SEK"}}', NULL);
SELECT ssc.pool_create(:'preq'::jsonb || '{"total": 100}', NULL);
SELECT pg_temp.pool(p) AS at_the_limits
  FROM (VALUES (ssc.pool_create(:'preq'::jsonb || '{"fiscal_year": 2032, "total": {"amount_minor": 0, "currency": "SEK"}}', NULL)),
               (ssc.pool_create(:'preq'::jsonb || '{"fiscal_year": 2033, "total": {"amount_minor": 9223372036854775807, "currency": "SEK"}}', NULL))) v (p);
-- One pool per year and currency: the same year in another currency is
-- another pool.
SELECT pg_temp.pool(ssc.pool_create(:'preq'::jsonb, NULL)) AS created;
SELECT ssc.pool_create(:'preq'::jsonb || '{"name": "Another name"}', NULL);
SELECT pg_temp.pool(ssc.pool_create(:'preq'::jsonb || '{"total": {"amount_minor": 100, "currency": "NOK"}}', NULL)) AS created;
ROLLBACK;
-- Only the secretariat creates pools.
SELECT pg_temp.try_call(who, $$SELECT ssc.pool_create('{"name": "x", "fiscal_year": 2040, "total": {"amount_minor": 1, "currency": "DKK"}}', NULL)$$) AS pool_create
  FROM unnest('{CN=kefm,CN=auditor,CN=admin,CN=embassy-vn,CN=dea-payroll}'::text[]) who;

-- The pools of the rest of this test: the pooled fund for 2025 (DKK 100
-- million), a EUR pool for 2025, and a small DKK pool for 2026 that can
-- fund only some of what is asked of it.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Pools/Create');
SELECT p->>'id' AS p_dkk FROM ssc.pool_create('{"name": "Pooled fund 2025", "fiscal_year": 2025,
  "total": {"amount_minor": 10000000000, "currency": "DKK"}}', NULL) p \gset
SELECT p->>'id' AS p_eur FROM ssc.pool_create('{"name": "Pooled fund 2025 (EUR)", "fiscal_year": 2025,
  "total": {"amount_minor": 100000000, "currency": "EUR"}}', NULL) p \gset
SELECT p->>'id' AS p_small FROM ssc.pool_create('{"name": "Small pool 2026", "fiscal_year": 2026,
  "total": {"amount_minor": 1000000, "currency": "DKK"}}', NULL) p \gset
SELECT pg_temp.figures(id) AS pool FROM unnest(ARRAY[:p_dkk, :p_eur, :p_small]::bigint[]) id;
SELECT jsonb_path_query_array(ssc.pool_list('{"currency": "DKK"}', '', 100), '$[*].name') AS dkk,
       jsonb_path_query_array(ssc.pool_list('{"fiscal_year": 2026}', '', 100), '$[*].name') AS in_2026;
SELECT ssc.pool_list('{"currency": "dkk"}', '', 100);
COMMIT;

-- pool_adjust: every rule (all undone).
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Pools/Adjust');
SELECT jsonb_build_object('pool_id', :p_dkk, 'kind', 'top_up', 'amount', '{"amount_minor": 100, "currency": "DKK"}'::jsonb,
                          'reason', 'Supplementary appropriation') AS adj \gset
-- kind: top_up or reduction (the initial total is pool_create's).
SELECT ssc.pool_adjust(:'adj'::jsonb - 'kind', NULL);
SELECT ssc.pool_adjust(:'adj'::jsonb || '{"kind": "initial"}', NULL);
SELECT ssc.pool_adjust(:'adj'::jsonb || '{"kind": "refund"}', NULL);
-- amount: more than 0, in the pool's currency.
SELECT ssc.pool_adjust(:'adj'::jsonb || '{"amount": {"amount_minor": 0, "currency": "DKK"}}', NULL);
SELECT ssc.pool_adjust(:'adj'::jsonb || '{"amount": {"amount_minor": -1, "currency": "DKK"}}', NULL);
SELECT ssc.pool_adjust(:'adj'::jsonb - 'amount', NULL);
SELECT ssc.pool_adjust(:'adj'::jsonb || '{"amount": {"amount_minor": 100, "currency": "EUR"}}', NULL);
SELECT ssc.pool_adjust(:'adj'::jsonb || '{"kind": "reduction", "amount": {"amount_minor": 100, "currency": "EUR"}}', NULL);
-- reason: 1..500 characters.
SELECT ssc.pool_adjust(:'adj'::jsonb - 'reason', NULL);
SELECT ssc.pool_adjust(:'adj'::jsonb || jsonb_build_object('reason', repeat('r', 501)), NULL);
SELECT char_length(a#>>'{adjustment,reason}') AS reason_length
  FROM ssc.pool_adjust(:'adj'::jsonb || jsonb_build_object('reason', repeat('r', 500)), NULL) a;
-- The pool: it exists; expected_version, when given, is its version.
SELECT ssc.pool_adjust(:'adj'::jsonb || '{"pool_id": 999}', NULL);
SELECT ssc.pool_adjust(:'adj'::jsonb - 'pool_id', NULL);
SELECT (p->>'version')::int - 1 AS stale, p->>'version' AS current FROM ssc.pool_get(jsonb_build_object('id', :p_dkk)) p \gset
SELECT ssc.pool_adjust(:'adj'::jsonb || jsonb_build_object('expected_version', :stale), NULL);
SELECT pg_temp.pool(a->'pool') AS pool, (a->'adjustment') - '{id,at}'::text[] AS adjustment
  FROM ssc.pool_adjust(:'adj'::jsonb || jsonb_build_object('expected_version', :current), NULL) a;
-- A reduction may take the total down to what is committed (nothing yet:
-- down to 0), not a minor unit below it.
SELECT pg_temp.pool(a->'pool') AS pool, (a->'adjustment') - '{id,at}'::text[] AS adjustment
  FROM ssc.pool_adjust(:'adj'::jsonb || '{"kind": "reduction", "amount": {"amount_minor": 10000000200, "currency": "DKK"}}', NULL) a;
SELECT ssc.pool_adjust(:'adj'::jsonb || '{"kind": "reduction", "amount": {"amount_minor": 1, "currency": "DKK"}}', NULL);
-- A top-up to exactly the largest amount is fine; one minor unit more
-- overflows; the largest reduction takes it back to 0.
SELECT pg_temp.pool(ssc.pool_adjust(:'adj'::jsonb || '{"amount": {"amount_minor": 9223372036854775807, "currency": "DKK"}}', NULL)->'pool') AS pool;
SELECT ssc.pool_adjust(:'adj'::jsonb || '{"amount": {"amount_minor": 1, "currency": "DKK"}}', NULL);
SELECT pg_temp.pool(ssc.pool_adjust(:'adj'::jsonb || '{"kind": "reduction", "amount": {"amount_minor": 9223372036854775807, "currency": "DKK"}}', NULL)->'pool') AS pool;
-- ssc.money_text is exact up to the largest amount: 9223372036854775807
-- reads DKK 92,233,720,368,547,758.07 (integer division, not a numeric
-- quotient rounded to 16 digits, which read ...758.00).
SELECT ssc.pool_adjust(:'adj'::jsonb || '{"kind": "reduction", "amount": {"amount_minor": 9223372036854775807, "currency": "DKK"}}', NULL);
-- The adjustments as the secretariat lists them (the initial total first).
SELECT a->>'kind' AS kind, a#>>'{amount,amount_minor}' AS amount, a#>>'{total_after,amount_minor}' AS total_after,
       char_length(a->>'reason') AS reason_length, a->>'principal' AS principal
  FROM jsonb_array_elements(ssc.pool_adjustment_list(jsonb_build_object('pool_id', :p_dkk), '', 100)) a;
SELECT ssc.pool_adjustment_list('{"pool_id": 999}', '', 100);
ROLLBACK;
-- Only the secretariat adjusts, and only it and the auditor read the
-- adjustments; every role reads the pools.
SELECT who, pg_temp.try_call(who, format($$SELECT pg_temp.pool(ssc.pool_adjust('{"pool_id": %s, "kind": "top_up", "reason": "x",
                                            "amount": {"amount_minor": 1, "currency": "DKK"}}', NULL)->'pool')$$, :p_dkk)) AS adjust,
       pg_temp.try_call(who, format($$SELECT jsonb_array_length(ssc.pool_adjustment_list('{"pool_id": %s}', '', 100))$$, :p_dkk)) AS adjustments,
       pg_temp.try_call(who, $$SELECT jsonb_array_length(ssc.pool_list('{}', '', 100))$$) AS pools
  FROM unnest('{CN=kefm,CN=dea,CN=auditor,CN=admin,CN=embassy-vn,CN=dea-payroll,CN=secretariat}'::text[]) who;

-- ==== applications: content ======================================================

-- A budget line.
CREATE FUNCTION pg_temp.line(category text, year int, amount bigint, currency text DEFAULT 'DKK',
                             description text DEFAULT '') RETURNS jsonb
  LANGUAGE sql
  RETURN jsonb_build_object('category', category, 'year', year, 'description', description,
                            'amount', jsonb_build_object('amount_minor', amount, 'currency', currency));
-- A co-financing line by a named funder.
CREATE FUNCTION pg_temp.cofin(funder text, amount bigint, currency text DEFAULT 'DKK') RETURNS jsonb
  LANGUAGE sql
  RETURN jsonb_build_object('funder_name', funder,
                            'amount', jsonb_build_object('amount_minor', amount, 'currency', currency));

-- Every rule of application_create at and just past its limit, as DEA
-- (all undone).
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{ministry}', '/ssc.v1.Applications/Create');
SELECT jsonb_build_object('collaboration_id', :c_wind, 'phase', 'long_term', 'title', 'Limits', 'narrative', '',
                          'starts_on', '2025-01-01', 'ends_on', '2026-12-31', 'currency', 'DKK',
                          'budget', jsonb_build_array(pg_temp.line('travel', 2025, 100000))) AS req \gset
SELECT pg_temp.app(ssc.application_create(:'req'::jsonb, NULL)) AS created;
-- The collaboration: one the caller sees (Statistics Denmark's is not
-- DEA's to see), not closed or cancelled.
SELECT ssc.application_create(:'req'::jsonb - 'collaboration_id', NULL);
SELECT ssc.application_create(:'req'::jsonb || '{"collaboration_id": 999}', NULL);
SELECT ssc.application_create(:'req'::jsonb || jsonb_build_object('collaboration_id', :c_stat), NULL);
SELECT ssc.application_create(:'req'::jsonb || jsonb_build_object('collaboration_id', :c_stop), NULL);
-- phase: inception, long_term or phase_2.
SELECT ssc.application_create(:'req'::jsonb - 'phase', NULL);
SELECT ssc.application_create(:'req'::jsonb || '{"phase": "matchmaking"}', NULL);
SELECT ssc.application_create(:'req'::jsonb || '{"phase": "closed"}', NULL);
SELECT ssc.application_create(:'req'::jsonb || '{"phase": "Inception"}', NULL);
SELECT a->>'phase' AS phase
  FROM unnest('{inception,long_term,phase_2}'::text[]) ph,
       LATERAL ssc.application_create(:'req'::jsonb || jsonb_build_object('phase', ph), NULL) a;
-- title: 1..200 characters after trimming, on one line; narrative up to
-- 20000, newlines allowed.
SELECT ssc.application_create(:'req'::jsonb || '{"title": ""}', NULL);
SELECT ssc.application_create(:'req'::jsonb || '{"title": " \t "}', NULL);
SELECT ssc.application_create(:'req'::jsonb || jsonb_build_object('title', repeat('t', 201)), NULL);
SELECT ssc.application_create(:'req'::jsonb || '{"title": "Two\nlines"}', NULL);
SELECT char_length(a->>'title') AS title_length
  FROM ssc.application_create(:'req'::jsonb || jsonb_build_object('title', ' ' || repeat('t', 200) || ' '), NULL) a;
SELECT ssc.application_create(:'req'::jsonb || jsonb_build_object('narrative', repeat('n', 20001)), NULL);
SELECT ssc.application_create(:'req'::jsonb || '{"narrative": "bell\u0007"}', NULL);
SELECT char_length(a->>'narrative') AS narrative_length
  FROM ssc.application_create(:'req'::jsonb || jsonb_build_object('narrative', repeat('n', 19999) || E'\n'), NULL) a;
-- The period: dates, the end not before the start (one day is fine); a
-- draft may leave it open.
SELECT ssc.application_create(:'req'::jsonb || '{"ends_on": "2024-12-31"}', NULL);
SELECT ssc.application_create(:'req'::jsonb || '{"starts_on": "2025-02-30"}', NULL);
SELECT ssc.application_create(:'req'::jsonb || '{"starts_on": "1/1/2025"}', NULL);
SELECT a->>'starts_on' AS starts_on, a->>'ends_on' AS ends_on
  FROM (VALUES (ssc.application_create(:'req'::jsonb || '{"ends_on": "2025-01-01", "budget": []}', NULL)),
               (ssc.application_create(:'req'::jsonb - '{starts_on,ends_on}'::text[], NULL))) v (a);
-- currency: ISO 4217.
SELECT ssc.application_create(:'req'::jsonb || '{"currency": "dkk"}', NULL);
SELECT ssc.application_create(:'req'::jsonb - 'currency', NULL);

-- Budget lines: a list of at most 500.
SELECT ssc.application_create(:'req'::jsonb || '{"budget": {"category": "travel"}}', NULL);
SELECT jsonb_array_length(a->'budget') AS lines, pg_temp.app(a) AS application
  FROM ssc.application_create(:'req'::jsonb || jsonb_build_object('budget',
         (SELECT jsonb_agg(pg_temp.line('travel', 2025, 1)) FROM generate_series(1, 500))), NULL) a;
SELECT ssc.application_create(:'req'::jsonb || jsonb_build_object('budget',
         (SELECT jsonb_agg(pg_temp.line('travel', 2025, 1)) FROM generate_series(1, 501))), NULL);
-- Each category, and none other.
SELECT jsonb_path_query_array(a->'budget', '$[*].category') AS categories
  FROM ssc.application_create(:'req'::jsonb || jsonb_build_object('budget',
         (SELECT jsonb_agg(pg_temp.line(c, 2025, 1) ORDER BY o)
            FROM unnest('{staff_compensation,secondment,travel,workshops,analyses,partner_activities,contingency}'::text[])
                 WITH ORDINALITY x (c, o))), NULL) a;
SELECT ssc.application_create(:'req'::jsonb || jsonb_build_object('budget',
         jsonb_build_array(pg_temp.line('travel', 2025, 1), pg_temp.line('salaries', 2025, 1))), NULL);
SELECT ssc.application_create(:'req'::jsonb || jsonb_build_object('budget',
         jsonb_build_array(pg_temp.line('Travel', 2025, 1))), NULL);
SELECT ssc.application_create(:'req'::jsonb || jsonb_build_object('budget',
         jsonb_build_array(pg_temp.line('travel', 2025, 1) - 'category')), NULL);
-- year: 2000..2100 (a draft without a period: only that), and within the
-- period when there is one (2025..2026 here).
SELECT ssc.application_create((:'req'::jsonb - '{starts_on,ends_on}'::text[])
         || jsonb_build_object('budget', jsonb_build_array(pg_temp.line('travel', 1999, 1))), NULL);
SELECT ssc.application_create((:'req'::jsonb - '{starts_on,ends_on}'::text[])
         || jsonb_build_object('budget', jsonb_build_array(pg_temp.line('travel', 2101, 1))), NULL);
SELECT jsonb_path_query_array(a->'budget', '$[*].year') AS years
  FROM ssc.application_create((:'req'::jsonb - '{starts_on,ends_on}'::text[])
         || jsonb_build_object('budget', jsonb_build_array(pg_temp.line('travel', 2000, 1), pg_temp.line('travel', 2100, 1))), NULL) a;
SELECT ssc.application_create(:'req'::jsonb || jsonb_build_object('budget', jsonb_build_array(pg_temp.line('travel', 2024, 1))), NULL);
SELECT ssc.application_create(:'req'::jsonb || jsonb_build_object('budget', jsonb_build_array(pg_temp.line('travel', 2027, 1))), NULL);
SELECT jsonb_path_query_array(a->'budget', '$[*].year') AS years
  FROM ssc.application_create(:'req'::jsonb || jsonb_build_object('budget',
         jsonb_build_array(pg_temp.line('travel', 2025, 1), pg_temp.line('travel', 2026, 1))), NULL) a;
SELECT ssc.application_create(:'req'::jsonb || jsonb_build_object('budget', jsonb_build_array(pg_temp.line('travel', NULL, 1))), NULL);
-- FINDING (wording): a year given as a string is refused as "must be
-- from 2000 to 2100, not 2025", which reads as if 2025 were out of range.
SELECT ssc.application_create(:'req'::jsonb || jsonb_build_object('budget',
         jsonb_build_array(pg_temp.line('travel', 2025, 1) || '{"year": "2025"}')), NULL);
SELECT ssc.application_create(:'req'::jsonb || jsonb_build_object('budget',
         jsonb_build_array(pg_temp.line('travel', 2025, 1) || '{"year": 2025.5}')), NULL);
-- amount: 1 to the largest amount, in the application's currency; a
-- line is judged before the sums it goes into, so a bad amount is named
-- by its line.
SELECT ssc.application_create(:'req'::jsonb || jsonb_build_object('budget', jsonb_build_array(pg_temp.line('travel', 2025, 0))), NULL);
SELECT ssc.application_create(:'req'::jsonb || jsonb_build_object('budget', jsonb_build_array(pg_temp.line('travel', 2025, -1))), NULL);
SELECT ssc.application_create(:'req'::jsonb || jsonb_build_object('budget',
         jsonb_build_array(pg_temp.line('travel', 2025, 1) || '{"amount": {"amount_minor": 9223372036854775808, "currency": "DKK"}}')), NULL);
SELECT ssc.application_create(:'req'::jsonb || jsonb_build_object('budget',
         jsonb_build_array(pg_temp.line('travel', 2025, 1) || '{"amount": {"amount_minor": "100", "currency": "DKK"}}')), NULL);
SELECT ssc.application_create(:'req'::jsonb || jsonb_build_object('budget',
         jsonb_build_array(pg_temp.line('travel', 2025, 1) || '{"amount": {"amount_minor": 1.5, "currency": "DKK"}}')), NULL);
SELECT ssc.application_create(:'req'::jsonb || jsonb_build_object('budget',
         jsonb_build_array(pg_temp.line('travel', 2025, 1) || '{"amount": {"amount_minor": "ten", "currency": "DKK"}}')), NULL);
SELECT ssc.application_create(:'req'::jsonb || jsonb_build_object('budget',
         jsonb_build_array(pg_temp.line('travel', 2025, 1) || '{"amount": 100}')), NULL);
SELECT ssc.application_create(:'req'::jsonb || jsonb_build_object('budget',
         jsonb_build_array(pg_temp.line('travel', 2025, 1) - 'amount')), NULL);
SELECT pg_temp.app(a) AS at_the_limits
  FROM (VALUES (ssc.application_create(:'req'::jsonb || jsonb_build_object('budget', jsonb_build_array(pg_temp.line('travel', 2025, 1))), NULL)),
               (ssc.application_create(:'req'::jsonb || jsonb_build_object('budget',
                  jsonb_build_array(pg_temp.line('travel', 2025, 9223372036854775807))), NULL))) v (a);
-- Lines that together pass the largest amount.
SELECT ssc.application_create(:'req'::jsonb || jsonb_build_object('budget',
         jsonb_build_array(pg_temp.line('travel', 2025, 9223372036854775807), pg_temp.line('travel', 2026, 1))), NULL);
-- Currencies are not mixed.
SELECT ssc.application_create(:'req'::jsonb || jsonb_build_object('budget',
         jsonb_build_array(pg_temp.line('travel', 2025, 1), pg_temp.line('travel', 2025, 1, 'EUR'))), NULL);
SELECT ssc.application_create(:'req'::jsonb || jsonb_build_object('budget',
         jsonb_build_array(pg_temp.line('travel', 2025, 1) #- '{amount,currency}')), NULL);
-- description: at most 500 characters, trimmed, on one line.
SELECT ssc.application_create(:'req'::jsonb || jsonb_build_object('budget',
         jsonb_build_array(pg_temp.line('travel', 2025, 1, 'DKK', repeat('d', 501)))), NULL);
SELECT ssc.application_create(:'req'::jsonb || jsonb_build_object('budget',
         jsonb_build_array(pg_temp.line('travel', 2025, 1, 'DKK', E'two\nlines'))), NULL);
SELECT char_length(a#>>'{budget,0,description}') AS description_length
  FROM ssc.application_create(:'req'::jsonb || jsonb_build_object('budget',
         jsonb_build_array(pg_temp.line('travel', 2025, 1, 'DKK', ' ' || repeat('d', 500) || E'\t'))), NULL) a;

-- Co-financing lines: each exactly one of funder_id (an organisation) and
-- funder_name, each funder once (names without regard to case), at most
-- 50, in the application's currency, together not more than the budget
-- (100000 here).
SELECT ssc.application_create(:'req'::jsonb || '{"cofinancing": {"funder_name": "EU"}}', NULL);
SELECT ssc.application_create(:'req'::jsonb || '{"cofinancing": [{"amount": {"amount_minor": 1, "currency": "DKK"}}]}', NULL);
SELECT ssc.application_create(:'req'::jsonb || '{"cofinancing": [{"funder_id": 7, "funder_name": "DMI",
                                                  "amount": {"amount_minor": 1, "currency": "DKK"}}]}', NULL);
SELECT ssc.application_create(:'req'::jsonb || '{"cofinancing": [{"funder_id": 0, "funder_name": " ",
                                                  "amount": {"amount_minor": 1, "currency": "DKK"}}]}', NULL);
SELECT ssc.application_create(:'req'::jsonb || '{"cofinancing": [{"funder_id": 999, "amount": {"amount_minor": 1, "currency": "DKK"}}]}', NULL);
-- FINDING (wording): a funder_id that is negative or not a number is
-- refused without naming the line (here line 2).
SELECT ssc.application_create(:'req'::jsonb || '{"cofinancing": [{"funder_name": "EU", "amount": {"amount_minor": 1, "currency": "DKK"}},
                                                 {"funder_id": -1, "amount": {"amount_minor": 1, "currency": "DKK"}}]}', NULL);
SELECT ssc.application_create(:'req'::jsonb || '{"cofinancing": [{"funder_id": "7", "amount": {"amount_minor": 1, "currency": "DKK"}}]}', NULL);
SELECT ssc.application_create(:'req'::jsonb || '{"cofinancing": [{"funder_id": 7, "amount": {"amount_minor": 1, "currency": "DKK"}},
                                                 {"funder_id": 7, "amount": {"amount_minor": 2, "currency": "DKK"}}]}', NULL);
SELECT ssc.application_create(:'req'::jsonb || jsonb_build_object('cofinancing',
         jsonb_build_array(pg_temp.cofin('European Union', 1), pg_temp.cofin(' european union ', 1))), NULL);
SELECT ssc.application_create(:'req'::jsonb || jsonb_build_object('cofinancing', jsonb_build_array(pg_temp.cofin(repeat('f', 201), 1))), NULL);
SELECT ssc.application_create(:'req'::jsonb || jsonb_build_object('cofinancing', jsonb_build_array(pg_temp.cofin(E'EU\nfunds', 1))), NULL);
SELECT ssc.application_create(:'req'::jsonb || jsonb_build_object('cofinancing', jsonb_build_array(pg_temp.cofin('EU', 0))), NULL);
SELECT ssc.application_create(:'req'::jsonb || jsonb_build_object('cofinancing', jsonb_build_array(pg_temp.cofin('EU', 1, 'EUR'))), NULL);
SELECT a->'cofinancing' AS cofinancing, pg_temp.app(a) AS application
  FROM ssc.application_create(:'req'::jsonb || '{"cofinancing": [{"funder_id": 7, "amount": {"amount_minor": 25000, "currency": "DKK"}},
                                                 {"funder_id": 0, "funder_name": " EU ", "amount": {"amount_minor": 25000, "currency": "DKK"}}]}', NULL) a;
SELECT char_length(a#>>'{cofinancing,0,funder_name}') AS funder_name_length
  FROM ssc.application_create(:'req'::jsonb || jsonb_build_object('cofinancing', jsonb_build_array(pg_temp.cofin(repeat('f', 200), 1))), NULL) a;
-- 50 lines, not 51.
SELECT jsonb_array_length(a->'cofinancing') AS lines, pg_temp.app(a) AS application
  FROM ssc.application_create(:'req'::jsonb || jsonb_build_object('cofinancing',
         (SELECT jsonb_agg(pg_temp.cofin('Funder ' || i, 1)) FROM generate_series(1, 50) i)), NULL) a;
SELECT ssc.application_create(:'req'::jsonb || jsonb_build_object('cofinancing',
         (SELECT jsonb_agg(pg_temp.cofin('Funder ' || i, 1)) FROM generate_series(1, 51) i)), NULL);
-- Co-financing up to the whole budget (nothing requested: a draft, not
-- yet a submission), not a minor unit more; nor past the largest amount.
SELECT pg_temp.app(ssc.application_create(:'req'::jsonb || jsonb_build_object('cofinancing',
         jsonb_build_array(pg_temp.cofin('EU', 60000), pg_temp.cofin('World Bank', 40000))), NULL)) AS whole_budget;
SELECT ssc.application_create(:'req'::jsonb || jsonb_build_object('cofinancing',
         jsonb_build_array(pg_temp.cofin('EU', 60000), pg_temp.cofin('World Bank', 40001))), NULL);
SELECT ssc.application_create(:'req'::jsonb || jsonb_build_object(
         'budget', jsonb_build_array(pg_temp.line('travel', 2025, 9223372036854775807)),
         'cofinancing', jsonb_build_array(pg_temp.cofin('EU', 9223372036854775807), pg_temp.cofin('World Bank', 1))), NULL);
SELECT pg_temp.app(ssc.application_create(:'req'::jsonb || jsonb_build_object(
         'budget', jsonb_build_array(pg_temp.line('travel', 2025, 9223372036854775807)),
         'cofinancing', jsonb_build_array(pg_temp.cofin('EU', 9223372036854775806))), NULL)) AS largest;
ROLLBACK;

-- Who may apply: the lead's ministry or a ministry above it (KEFM for
-- DEA's collaboration; the applicant is still the lead), no one else.
SELECT who, pg_temp.try_call(who, format($$SELECT a->>'applicant_id' FROM ssc.application_create('{"collaboration_id": %s, "phase": "inception",
                                            "title": "x", "currency": "DKK"}', NULL) a$$, :c_wind)) AS application_create
  FROM unnest('{CN=dea,CN=kefm,CN=dmi,CN=dur,CN=dst,CN=secretariat,CN=auditor,CN=embassy-vn,CN=embassy-ke,CN=admin,CN=dea-payroll}'::text[]) who;

-- ---- shares -------------------------------------------------------------------------

-- The percentage to two decimals, rounded half up from the exact fraction
-- (floor((n * 20000 + d) / (2 * d)) hundredths): InterLoc's 403,770 of
-- 527,044 EUR is 76.61; 1/3 and 2/3; 1/8 exactly 12.50; 12.345 (exactly
-- half a hundredth) rounds up, a hair less down; 1/20000 is 0.005 % and
-- rounds up to 0.01, 1/20001 down to 0.00; 0 and the whole; the largest
-- amounts; no share of nothing.
SELECT n, d, ssc.share_json(n, d)->>'percent' AS percent
  FROM (VALUES (40377000, 52704400), (12327400, 52704400), (1, 3), (2, 3), (1, 8), (12345, 100000),
               (1234499999, 10000000000), (1, 20000), (1, 20001), (0, 52704400), (52704400, 52704400),
               (9223372036854775806, 9223372036854775807), (9223372036854775807, 9223372036854775807)) v (n, d);
SELECT ssc.share_json(1, 0) AS of_nothing, ssc.share_json(40377000, 52704400) AS interloc;

-- ==== applications: the workflow ================================================

-- The workflow is a table: from, to, and the role that takes the step.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=auditor', '{auditor}', '/funding');
SELECT from_status, to_status, role FROM ssc.application_steps ORDER BY from_status, to_status;
ROLLBACK;

-- The applications of the rest of this test, DEA's for VN-WIND unless
-- said otherwise:
--   a_long   long_term, DKK 25 million requested (two approvals)
--   a_small  inception, DKK 500,000 (one approval)
--   a_big    phase_2, DKK 40 million (two approvals, council, sign-off),
--            submitted once VN-WIND is in long_term
--   a_idle   long_term for VN-IDLE, still in matchmaking
--   s_*      one small application in each status of the workflow
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{ministry}', '/ssc.v1.Applications/Create');
SELECT a->>'id' AS a_long FROM ssc.application_create(jsonb_build_object('collaboration_id', :c_wind, 'phase', 'long_term',
  'title', 'Offshore wind: long-term phase', 'narrative', E'Grid codes,\nauctions and permits.',
  'starts_on', '2025-01-01', 'ends_on', '2026-12-31', 'currency', 'DKK',
  'budget', jsonb_build_array(pg_temp.line('staff_compensation', 2025, 1500000000, 'DKK', 'Advisers, 2025'),
                              pg_temp.line('travel', 2026, 1100000000, 'DKK', 'Missions')),
  'cofinancing', jsonb_build_array(pg_temp.cofin('Nordic Energy Research', 100000000))), NULL) a \gset
SELECT a->>'id' AS a_small FROM ssc.application_create(jsonb_build_object('collaboration_id', :c_wind, 'phase', 'inception',
  'title', 'Offshore wind: inception', 'starts_on', '2024-06-01', 'ends_on', '2024-12-31', 'currency', 'DKK',
  'budget', jsonb_build_array(pg_temp.line('workshops', 2024, 30000000), pg_temp.line('analyses', 2024, 20000000))), NULL) a \gset
SELECT a->>'id' AS a_big FROM ssc.application_create(jsonb_build_object('collaboration_id', :c_wind, 'phase', 'phase_2',
  'title', 'Offshore wind: phase 2', 'starts_on', '2027-01-01', 'ends_on', '2029-12-31', 'currency', 'DKK',
  'budget', jsonb_build_array(pg_temp.line('staff_compensation', 2027, 4000000000))), NULL) a \gset
SELECT a->>'id' AS a_idle FROM ssc.application_create(jsonb_build_object('collaboration_id', :c_idle, 'phase', 'long_term',
  'title', 'Grid codes: long-term', 'starts_on', '2025-01-01', 'ends_on', '2025-12-31', 'currency', 'DKK',
  'budget', jsonb_build_array(pg_temp.line('travel', 2025, 100000))), NULL) a \gset
SELECT jsonb_build_object('collaboration_id', :c_wind, 'phase', 'inception', 'starts_on', '2024-06-01', 'ends_on', '2024-12-31',
                          'currency', 'DKK', 'budget', jsonb_build_array(pg_temp.line('travel', 2024, 100000))) AS sreq \gset
SELECT a->>'id' AS s_draft FROM ssc.application_create(:'sreq'::jsonb || '{"title": "Stays a draft"}', NULL) a \gset
SELECT a->>'id' AS s_sub FROM ssc.application_create(:'sreq'::jsonb || '{"title": "Stays submitted"}', NULL) a \gset
SELECT a->>'id' AS s_rev FROM ssc.application_create(:'sreq'::jsonb || '{"title": "Stays under review"}', NULL) a \gset
SELECT a->>'id' AS s_ret FROM ssc.application_create(:'sreq'::jsonb || '{"title": "Returned"}', NULL) a \gset
SELECT a->>'id' AS s_rej FROM ssc.application_create(:'sreq'::jsonb || '{"title": "Rejected"}', NULL) a \gset
SELECT a->>'id' AS s_wd FROM ssc.application_create(:'sreq'::jsonb || '{"title": "Withdrawn"}', NULL) a \gset
SELECT pg_temp.app(ssc.application_get(jsonb_build_object('id', id))) AS application
  FROM unnest(ARRAY[:a_long, :a_small, :a_big, :a_idle, :s_draft]::bigint[]) id;
COMMIT;

-- A submission needs the period, budget lines and something requested
-- (all undone).
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{ministry}', '/ssc.v1.Applications/Submit');
SELECT a->>'id' AS tmp FROM ssc.application_create(:'sreq'::jsonb || '{"title": "No period", "starts_on": ""}', NULL) a \gset
SELECT ssc.application_submit(jsonb_build_object('id', :tmp), NULL);
SELECT a->>'id' AS tmp FROM ssc.application_create(:'sreq'::jsonb || '{"title": "No end", "ends_on": ""}', NULL) a \gset
SELECT ssc.application_submit(jsonb_build_object('id', :tmp), NULL);
SELECT a->>'id' AS tmp FROM ssc.application_create(:'sreq'::jsonb || '{"title": "No budget", "budget": []}', NULL) a \gset
SELECT ssc.application_submit(jsonb_build_object('id', :tmp), NULL);
SELECT a->>'id' AS tmp FROM ssc.application_create(:'sreq'::jsonb || jsonb_build_object('title', 'Nothing requested',
         'cofinancing', jsonb_build_array(pg_temp.cofin('EU', 100000))), NULL) a \gset
SELECT ssc.application_submit(jsonb_build_object('id', :tmp), NULL);
SELECT ssc.application_submit('{"id": 999}', NULL);
SELECT ssc.application_submit('{}', NULL);
ROLLBACK;

-- Bring each application to its status. Each submission freezes a version.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{ministry}', '/ssc.v1.Applications/Submit');
SELECT pg_temp.app(ssc.application_submit(jsonb_build_object('id', id), NULL)) AS submitted
  FROM unnest(ARRAY[:a_long, :a_small, :s_sub, :s_rev, :s_ret, :s_rej, :s_wd]::bigint[]) id;
SELECT pg_temp.app(ssc.application_withdraw(jsonb_build_object('id', :s_wd, 'reason', 'Merged into another application'), NULL)) AS withdrawn;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Applications/StartReview');
SELECT pg_temp.app(ssc.application_start_review(jsonb_build_object('id', id), NULL)) AS under_review
  FROM unnest(ARRAY[:a_long, :a_small, :s_rev, :s_ret, :s_rej]::bigint[]) id;
-- Returning and rejecting need a reason (kept as a comment of that kind).
SELECT ssc.application_return(jsonb_build_object('id', :s_ret), NULL);
SELECT ssc.application_reject(jsonb_build_object('id', :s_rej, 'reason', ' '), NULL);
SELECT ssc.application_reject(jsonb_build_object('id', :s_rej, 'reason', repeat('r', 4001)), NULL);
SELECT pg_temp.app(ssc.application_return(jsonb_build_object('id', :s_ret, 'reason', 'Split travel by year'), NULL)) AS returned;
SELECT pg_temp.app(ssc.application_reject(jsonb_build_object('id', :s_rej, 'reason', 'Outside the programme'), NULL)) AS rejected;
-- The small one needs one approval: the first completes it.
SELECT pg_temp.app(ssc.application_approve(jsonb_build_object('id', :a_small, 'pool_id', :p_dkk,
         'amount', '{"amount_minor": 50000000, "currency": "DKK"}'::jsonb), NULL)) AS approved;
SELECT pg_temp.figures(:p_dkk) AS pool;
COMMIT;

-- Every step from every status (each undone): submit and withdraw as DEA,
-- the others as the secretariat; "approved (SQL)" is a plain UPDATE of the
-- status. A step the table has not is SC412 naming the steps there are.
CREATE TEMP TABLE step_calls (o int, step text, who text, stmt text);
INSERT INTO step_calls VALUES
  (1, 'submit', 'CN=dea', $$SELECT ssc.application_submit('{"id": %1$s}', NULL)->>'status'$$),
  (2, 'withdraw', 'CN=dea', $$SELECT ssc.application_withdraw('{"id": %1$s, "reason": "not needed"}', NULL)->>'status'$$),
  (3, 'start_review', 'CN=secretariat', $$SELECT ssc.application_start_review('{"id": %1$s}', NULL)->>'status'$$),
  (4, 'return', 'CN=secretariat', $$SELECT ssc.application_return('{"id": %1$s, "reason": "revise"}', NULL)->>'status'$$),
  (5, 'reject', 'CN=secretariat', $$SELECT ssc.application_reject('{"id": %1$s, "reason": "no"}', NULL)->>'status'$$),
  (6, 'approve', 'CN=secretariat', $$SELECT ssc.application_approve('{"id": %1$s, "pool_id": %2$s,
                                      "amount": {"amount_minor": 100000, "currency": "DKK"}}', NULL)->>'status'$$),
  (7, 'approved (SQL)', 'CN=secretariat', $$UPDATE ssc.applications SET status = 'approved' WHERE id = %1$s RETURNING status$$);
CREATE TEMP TABLE by_status (o int, status text, id bigint);
INSERT INTO by_status VALUES (1, 'draft', :s_draft), (2, 'submitted', :s_sub), (3, 'under_review', :s_rev),
  (4, 'returned', :s_ret), (5, 'approved', :a_small), (6, 'rejected', :s_rej), (7, 'withdrawn', :s_wd);
-- A step to the status the application already has is no step either.
-- FINDING: that holds for the API's steps (application_step), not for the
-- table: applications_before_update judges only a change of status, so a
-- plain UPDATE of an approved application to approved (or of any
-- application to its own status) passes without application_steps or its
-- role, and writes a new version of the row and an audit entry.
SELECT b.status AS "from", s.step, pg_temp.try_call(s.who, format(s.stmt, b.id, :p_dkk)) AS result
  FROM by_status b CROSS JOIN step_calls s ORDER BY b.o, s.o;
-- Not by the other role either: DEA "rejecting" its rejected application,
-- the secretariat "submitting" a submitted one.
SELECT pg_temp.try_call('CN=dea', format($$SELECT ssc.application_reject('{"id": %s, "reason": "we reject it too"}', NULL)->>'status'$$, :s_rej)) AS dea_rejects_rejected,
       pg_temp.try_call('CN=secretariat', format($$SELECT ssc.application_submit('{"id": %s}', NULL)->>'status'$$, :s_sub)) AS secretariat_submits_submitted;
-- FINDING (as above): the same in plain SQL passes, by either role.
SELECT pg_temp.try_call('CN=dea', format($$UPDATE ssc.applications SET status = 'rejected' WHERE id = %s RETURNING status || ', version ' || version$$, :s_rej)) AS dea_rejects_rejected_by_sql,
       pg_temp.try_call('CN=secretariat', format($$UPDATE ssc.applications SET status = 'submitted' WHERE id = %s RETURNING status || ', version ' || version$$, :s_sub)) AS secretariat_submits_submitted_by_sql;

-- Each step by every other principal, on an application where the step is
-- allowed: only the step's role, and a ministry only in its scope (KEFM,
-- DEA's parent, may act for DEA; DMI, below DEA, may not see DEA's).
SELECT s.step, p.who, pg_temp.try_call(p.who, format(s.stmt, CASE WHEN s.step IN ('submit') THEN :s_draft
                                                                  WHEN s.step IN ('withdraw', 'start_review') THEN :s_sub
                                                                  ELSE :s_rev END, :p_dkk)) AS result
  FROM step_calls s
  CROSS JOIN unnest('{CN=dea,CN=kefm,CN=dmi,CN=dst,CN=secretariat,CN=auditor,CN=embassy-vn,CN=admin,CN=dea-payroll}'::text[]) WITH ORDINALITY p (who, n)
 WHERE s.step <> 'approved (SQL)'
 ORDER BY s.o, p.n;
-- With no begin_call at all: nothing is visible.
SELECT ssc.application_submit(jsonb_build_object('id', :s_draft), NULL);
UPDATE ssc.applications SET status = 'submitted' WHERE id = :s_draft RETURNING id;

-- ---- editing -------------------------------------------------------------------

-- Only a draft or a returned application is edited, by its applicant;
-- update_mask names the fields (each undone).
SELECT who, s.status, pg_temp.try_call(who, format($$SELECT pg_temp.app(ssc.application_edit('{"id": %s, "update_mask": ["title"], "title": "Edited"}', NULL))$$, s.id)) AS edit
  FROM by_status s CROSS JOIN unnest('{CN=dea,CN=secretariat}'::text[]) who
 ORDER BY who, s.o;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{ministry}', '/ssc.v1.Applications/Edit');
SELECT ssc.application_edit(jsonb_build_object('id', :s_draft, 'title', 'x'), NULL);
SELECT ssc.application_edit(jsonb_build_object('id', :s_draft, 'update_mask', '["title", "status"]'::jsonb, 'title', 'x'), NULL);
SELECT ssc.application_edit(jsonb_build_object('id', :s_draft, 'update_mask', '["title"]'::jsonb, 'title', ''), NULL);
SELECT ssc.application_edit(jsonb_build_object('id', :s_draft, 'update_mask', '["title"]'::jsonb, 'title', 'x', 'expected_version', 2), NULL);
SELECT ssc.application_edit(jsonb_build_object('id', :s_draft, 'update_mask', '["ends_on"]'::jsonb, 'ends_on', '2024-05-31'), NULL);
-- Moving the period so that a line's year falls outside it.
SELECT ssc.application_edit(jsonb_build_object('id', :s_draft, 'update_mask', '["starts_on", "ends_on"]'::jsonb,
                                               'starts_on', '2025-01-01', 'ends_on', '2025-12-31'), NULL);
SELECT ssc.application_edit(jsonb_build_object('id', :s_draft, 'update_mask', '["budget"]'::jsonb,
                                               'budget', jsonb_build_array(pg_temp.line('travel', 2024, 0))), NULL);
SELECT ssc.application_edit(jsonb_build_object('id', :s_draft, 'update_mask', '["currency"]'::jsonb, 'currency', 'EUR'), NULL);
-- Fields left out of the mask stay as they are.
SELECT a->>'version' AS version, a->>'title' AS title, a->>'narrative' AS narrative, pg_temp.app(a) AS application
  FROM ssc.application_edit(jsonb_build_object('id', :s_draft, 'expected_version', 1, 'update_mask', '["phase", "title", "budget"]'::jsonb,
         'phase', 'long_term', 'title', 'Edited', 'narrative', 'not in the mask',
         'budget', jsonb_build_array(pg_temp.line('travel', 2024, 70000), pg_temp.line('contingency', 2024, 30000)),
         'cofinancing', jsonb_build_array(pg_temp.cofin('EU', 1))), NULL) a;
ROLLBACK;

-- ==== decisions =================================================================

-- The tier of an amount: the first of its currency whose up_to is at
-- least the amount. DKK 10 million is still one approval, a minor unit
-- more two; DKK 39 million two, a minor unit more the council and the
-- sign-off too. EUR has no tiers yet.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=auditor', '{auditor}', '/funding');
SELECT amount, t.up_to_minor, t.approvals, t.needs_council, t.needs_signoff
  FROM unnest('{1,1000000000,1000000001,3900000000,3900000001,9223372036854775807}'::bigint[]) amount,
       LATERAL ssc.approval_tier_for('DKK', amount) t;
SELECT (ssc.approval_tier_for('EUR', 1)).id IS NULL AS eur_has_no_tier;
SELECT ssc.approval_tier_list('{}') AS tiers;
SELECT ssc.approval_tier_list('{"currency": "dkk"}');
ROLLBACK;
-- What an application still needs, at the same boundaries (undone).
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{ministry}', '/ssc.v1.Applications/Submit');
SELECT r AS requested, a#>>'{decision,tier,approvals}' AS approvals, a#>'{decision,tier,up_to}' AS up_to,
       a#>>'{decision,missing}' AS missing
  FROM unnest('{1000000000,1000000001,3900000000,3900000001}'::bigint[]) r,
       LATERAL ssc.application_create(jsonb_build_object('collaboration_id', :c_wind, 'phase', 'long_term', 'title', 'Tier ' || r,
         'starts_on', '2025-01-01', 'ends_on', '2025-12-31', 'currency', 'DKK',
         'budget', jsonb_build_array(pg_temp.line('travel', 2025, r))), NULL) c,
       LATERAL ssc.application_submit(jsonb_build_object('id', c->'id'), NULL) a;
ROLLBACK;

-- ---- approvals: who ---------------------------------------------------------------

-- Nobody in the applicant's organisation (DEA) or in any organisation
-- above it (KEFM) may approve; a secretariat principal in an agency below
-- it (DMI) or in no organisation may. Each undone.
SELECT who, pg_temp.try_call(who, format($$SELECT pg_temp.app(ssc.application_approve('{"id": %s, "pool_id": %s,
                                            "amount": {"amount_minor": 2500000000, "currency": "DKK"}}', NULL))$$, :a_long, :p_dkk)) AS approve
  FROM unnest('{CN=sec-dea,CN=sec-kefm,CN=sec-dmi,CN=secretariat-3,CN=secretariat}'::text[]) who;

-- ---- approvals: what ---------------------------------------------------------------

-- An amount above 0 and at most the requested, in the application's
-- currency, from an existing pool in that currency. Each undone.
SELECT what, pg_temp.try_call('CN=secretariat', format($$SELECT pg_temp.app(ssc.application_approve(%L, NULL))$$,
                                 jsonb_build_object('id', :a_long, 'pool_id', :p_dkk,
                                                    'amount', '{"amount_minor": 2500000000, "currency": "DKK"}'::jsonb) || req)) AS approve
  FROM (VALUES ('the requested amount', '{}'::jsonb),
               ('a minor unit more', '{"amount": {"amount_minor": 2500000001, "currency": "DKK"}}'),
               ('1 minor unit', '{"amount": {"amount_minor": 1, "currency": "DKK"}}'),
               ('0', '{"amount": {"amount_minor": 0, "currency": "DKK"}}'),
               ('negative', '{"amount": {"amount_minor": -1, "currency": "DKK"}}'),
               ('in EUR', '{"amount": {"amount_minor": 2500000000, "currency": "EUR"}}'),
               ('no amount', '{"amount": null}'),
               ('from the EUR pool', jsonb_build_object('pool_id', :p_eur)),
               ('from pool 999', '{"pool_id": 999}'),
               ('from no pool', '{"pool_id": 0}'),
               ('of application 999', '{"id": 999}')) v (what, req);

-- The first approval of version 1, lower than requested: one more is
-- needed.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Applications/Approve');
SELECT pg_temp.app(ssc.application_approve(jsonb_build_object('id', :a_long, 'pool_id', :p_dkk,
         'amount', '{"amount_minor": 2400000000, "currency": "DKK"}'::jsonb), NULL)) AS approved_once;
SELECT (a - '{at}'::text[]) AS approval
  FROM jsonb_array_elements(ssc.application_get(jsonb_build_object('id', :a_long))#>'{decision,approvals}') a;
COMMIT;
-- The same principal cannot approve again; another must name the same
-- amount and pool; then it completes (undone here). A tier of one or two
-- approvals takes no recommendation and no sign-off.
SELECT what, pg_temp.try_call(who, format($$SELECT pg_temp.app(ssc.application_approve(%L, NULL))$$,
                                 jsonb_build_object('id', :a_long, 'pool_id', :p_dkk,
                                                    'amount', '{"amount_minor": 2400000000, "currency": "DKK"}'::jsonb) || req)) AS approve
  FROM (VALUES ('the same principal', 'CN=secretariat', '{}'::jsonb),
               ('another amount', 'CN=secretariat-2', '{"amount": {"amount_minor": 2400000001, "currency": "DKK"}}'),
               ('a lower amount', 'CN=secretariat-2', '{"amount": {"amount_minor": 2399999999, "currency": "DKK"}}'),
               ('another pool', 'CN=secretariat-2', jsonb_build_object('pool_id', :p_small)),
               ('the same', 'CN=secretariat-2', '{}')) v (what, who, req);
SELECT pg_temp.try_call('CN=secretariat', format($$SELECT pg_temp.app(ssc.application_recommend('{"id": %s, "on_date": "2025-03-01", "reference": "UPR 2025-3"}', NULL))$$, :a_long)) AS recommend,
       pg_temp.try_call('CN=secretariat', format($$SELECT pg_temp.app(ssc.application_signoff('{"id": %s, "on_date": "2025-03-01", "reference": "M-1", "signed_by": "Minister"}', NULL))$$, :a_long)) AS signoff,
       pg_temp.try_call('CN=secretariat', format($$UPDATE ssc.applications SET status = 'approved' WHERE id = %s RETURNING status$$, :a_long)) AS approved_by_sql;

-- ---- returned, revised, resubmitted: version 2 -----------------------------------

-- Returned with a reason, commented on by both sides, revised (less
-- travel, a workshop line), submitted again: version 2, which no approval
-- of version 1 counts for.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Applications/Return');
SELECT pg_temp.app(ssc.application_return(jsonb_build_object('id', :a_long, 'reason', E'Travel is too high.\nSplit workshops out.'), NULL)) AS returned;
SELECT (c - '{id,at}'::text[]) AS comment
  FROM ssc.application_comment(jsonb_build_object('id', :a_long, 'text', ' Workshops belong on a line of their own. '), NULL) c;
SELECT ssc.application_comment(jsonb_build_object('id', :a_long, 'text', ''), NULL);
SELECT ssc.application_comment(jsonb_build_object('id', :a_long, 'text', repeat('c', 4001)), NULL);
SELECT ssc.application_comment('{"id": 999, "text": "x"}', NULL);
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{ministry}', '/ssc.v1.Applications/Edit');
SELECT (c - '{id,at}'::text[]) AS comment
  FROM ssc.application_comment(jsonb_build_object('id', :a_long, 'text', 'Revised as asked.'), NULL) c;
SELECT pg_temp.app(ssc.application_edit(jsonb_build_object('id', :a_long, 'update_mask', '["budget", "narrative"]'::jsonb,
         'narrative', E'Grid codes,\nauctions, permits and workshops.',
         'budget', jsonb_build_array(pg_temp.line('staff_compensation', 2025, 1500000000, 'DKK', 'Advisers, 2025'),
                                     pg_temp.line('travel', 2026, 900000000, 'DKK', 'Missions'),
                                     pg_temp.line('workshops', 2026, 100000000, 'DKK', 'Two workshops'))), NULL)) AS revised;
SELECT pg_temp.app(ssc.application_submit(jsonb_build_object('id', :a_long), NULL)) AS resubmitted;
COMMIT;
-- Who may comment: the secretariat and the applicant's ministries.
SELECT who, pg_temp.try_call(who, format($$SELECT ssc.application_comment('{"id": %s, "text": "x"}', NULL)->>'principal'$$, :a_long)) AS comment
  FROM unnest('{CN=kefm,CN=dmi,CN=auditor,CN=embassy-vn,CN=admin,CN=dea-payroll}'::text[]) who;
-- The versions, frozen: what each submission held.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{ministry}', '/ssc.v1.Applications/Versions');
SELECT v->>'number' AS number, v->>'submitted_by' AS submitted_by, v->>'narrative' AS narrative,
       v#>>'{figures,budget_total,amount_minor}' AS budget, v#>>'{figures,requested,amount_minor}' AS requested,
       jsonb_array_length(v->'budget') AS lines
  FROM jsonb_array_elements(ssc.application_version_list(jsonb_build_object('application_id', :a_long), '', 100)) v;
SELECT (v - '{submitted_at}'::text[]) AS version_1
  FROM ssc.application_version_get(jsonb_build_object('application_id', :a_long, 'number', 1)) v;
SELECT ssc.application_version_get(jsonb_build_object('application_id', :a_long, 'number', 3));
SELECT ssc.application_version_get(jsonb_build_object('application_id', :a_long, 'number', 0));
SELECT ssc.application_version_list('{"application_id": 999}', '', 100);
-- Compared: the changed line, the removed and added ones, and the figures.
SELECT jsonb_pretty(ssc.application_diff(jsonb_build_object('application_id', :a_long, 'from', 1, 'to', 2))) AS diff;
SELECT ssc.application_diff(jsonb_build_object('application_id', :a_long, 'from', 1, 'to', 3));
-- The comments, who and which version.
SELECT c->>'version' AS version, c->>'kind' AS kind, c->>'principal' AS principal, c->>'text' AS text
  FROM jsonb_array_elements(ssc.application_comment_list(jsonb_build_object('application_id', :a_long), '', 100)) c;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Applications/StartReview');
SELECT pg_temp.app(ssc.application_start_review(jsonb_build_object('id', :a_long), NULL)) AS under_review_again;
COMMIT;

-- ==== allocations and disbursements =============================================

-- The small application's allocation: DKK 500,000 from the pooled fund
-- for VN-WIND's inception phase, which is still going on.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Disbursements/Add');
SELECT a->>'allocation_id' AS al_small FROM ssc.application_get(jsonb_build_object('id', :a_small)) a \gset
SELECT pg_temp.alloc(ssc.allocation_get(jsonb_build_object('id', :al_small))) AS allocation;
SELECT ssc.allocation_get('{"id": 999}');
-- Released only once the phase has closed.
SELECT ssc.allocation_release(jsonb_build_object('id', :al_small), NULL);
SELECT ssc.allocation_release('{"id": 999}', NULL);
-- Disbursements: advance or expense (compensation is payroll's, a
-- reversal Reverse's), more than 0, in the allocation's currency, of an
-- allocation there is, with a reference of at most 200 characters.
SELECT jsonb_build_object('allocation_id', :al_small, 'kind', 'advance', 'paid_on', '2024-07-01', 'reference', 'INV-1',
                          'amount', '{"amount_minor": 30000000, "currency": "DKK"}'::jsonb) AS dreq \gset
SELECT ssc.disbursement_add(:'dreq'::jsonb - 'kind', NULL);
SELECT ssc.disbursement_add(:'dreq'::jsonb || '{"kind": "compensation"}', NULL);
SELECT ssc.disbursement_add(:'dreq'::jsonb || '{"kind": "reversal"}', NULL);
SELECT ssc.disbursement_add(:'dreq'::jsonb || '{"amount": {"amount_minor": 0, "currency": "DKK"}}', NULL);
SELECT ssc.disbursement_add(:'dreq'::jsonb || '{"amount": {"amount_minor": -1, "currency": "DKK"}}', NULL);
SELECT ssc.disbursement_add(:'dreq'::jsonb || '{"amount": {"amount_minor": 1, "currency": "EUR"}}', NULL);
SELECT ssc.disbursement_add(:'dreq'::jsonb || '{"allocation_id": 999}', NULL);
SELECT ssc.disbursement_add(:'dreq'::jsonb - 'allocation_id', NULL);
SELECT ssc.disbursement_add(:'dreq'::jsonb || jsonb_build_object('reference', repeat('r', 201)), NULL);
SELECT ssc.disbursement_add(:'dreq'::jsonb || '{"paid_on": "2024-07-32"}', NULL);
-- An advance, then expenses up to exactly what remains, not a minor unit
-- more; the pool's disbursed follows.
SELECT d->>'id' AS d_advance, pg_temp.disb(d) AS disbursement FROM ssc.disbursement_add(:'dreq'::jsonb, NULL) d \gset
SELECT :'disbursement' AS disbursement, pg_temp.alloc(ssc.allocation_get(jsonb_build_object('id', :al_small))) AS allocation;
SELECT ssc.disbursement_add(:'dreq'::jsonb || '{"kind": "expense", "amount": {"amount_minor": 20000001, "currency": "DKK"}}', NULL);
SELECT d->>'id' AS d_expense, pg_temp.disb(d) AS disbursement
  FROM ssc.disbursement_add(:'dreq'::jsonb || '{"kind": "expense", "reference": "INV-2", "amount": {"amount_minor": 20000000, "currency": "DKK"}}', NULL) d \gset
SELECT :'disbursement' AS disbursement, pg_temp.alloc(ssc.allocation_get(jsonb_build_object('id', :al_small))) AS allocation;
SELECT ssc.disbursement_add(:'dreq'::jsonb || '{"kind": "expense", "amount": {"amount_minor": 1, "currency": "DKK"}}', NULL);
SELECT pg_temp.figures(:p_dkk) AS pool;
-- A reversal references the original and takes back its whole amount,
-- once; a reversal is never reversed; a reason is required.
SELECT ssc.disbursement_reverse(jsonb_build_object('id', :d_advance), NULL);
SELECT d->>'id' AS d_reversal, pg_temp.disb(d) AS disbursement, d->>'reason' AS reason, d->>'reference' AS reference
  FROM ssc.disbursement_reverse(jsonb_build_object('id', :d_advance, 'reason', 'Paid to the wrong account'), NULL) d \gset
SELECT :'disbursement' AS disbursement, :'reason' AS reason, :'reference' AS reference;
SELECT ssc.disbursement_reverse(jsonb_build_object('id', :d_advance, 'reason', 'again'), NULL);
SELECT ssc.disbursement_reverse(jsonb_build_object('id', :d_reversal, 'reason', 'undo the undo'), NULL);
SELECT ssc.disbursement_reverse('{"id": 999, "reason": "x"}', NULL);
SELECT pg_temp.alloc(ssc.allocation_get(jsonb_build_object('id', :al_small))) AS allocation, pg_temp.figures(:p_dkk) AS pool;
COMMIT;
-- Only the secretariat disburses, reverses and releases; the others see
-- the allocation (SC403) or not (SC404). Each undone.
SELECT who, pg_temp.try_call(who, format($$SELECT pg_temp.disb(ssc.disbursement_add(%L, NULL))$$,
                                         :'dreq'::jsonb || '{"amount": {"amount_minor": 1, "currency": "DKK"}}')) AS disburse,
       pg_temp.try_call(who, format($$SELECT pg_temp.disb(ssc.disbursement_reverse('{"id": %s, "reason": "x"}', NULL))$$, :d_expense)) AS reverse,
       pg_temp.try_call(who, format($$SELECT pg_temp.alloc(ssc.allocation_release('{"id": %s}', NULL))$$, :al_small)) AS release
  FROM unnest('{CN=dea,CN=kefm,CN=dmi,CN=auditor,CN=dea-payroll,CN=embassy-vn,CN=admin,CN=secretariat}'::text[]) who;
-- A ministry that may not disburse at all is told SC403, whatever the
-- amount (disbursements_apply checks the role before the figures).
SELECT pg_temp.try_call('CN=dea', format($$SELECT pg_temp.disb(ssc.disbursement_add(%L, NULL))$$,
                                         :'dreq'::jsonb || '{"amount": {"amount_minor": 30000001, "currency": "DKK"}}')) AS dea_disburses_too_much;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Disbursements/Add');
-- What was reversed can be paid again, up to what remains.
SELECT pg_temp.disb(ssc.disbursement_add(:'dreq'::jsonb || '{"reference": "INV-1 again", "amount": {"amount_minor": 10000000, "currency": "DKK"}}', NULL)) AS disbursement;
SELECT ssc.disbursement_add(:'dreq'::jsonb || '{"kind": "expense", "amount": {"amount_minor": 20000001, "currency": "DKK"}}', NULL);
SELECT pg_temp.disb(d) AS disbursement
  FROM jsonb_array_elements(ssc.disbursement_list(jsonb_build_object('allocation_id', :al_small), '', 100)) d;
SELECT jsonb_path_query_array(ssc.disbursement_list('{"kind": "reversal"}', '', 100), '$[*].reverses_id') AS reversals;
SELECT pg_temp.alloc(ssc.allocation_get(jsonb_build_object('id', :al_small))) AS allocation, pg_temp.figures(:p_dkk) AS pool;
COMMIT;

-- ==== the completing decision ====================================================

-- A collaboration's phases, a date of today shown as today.
CREATE FUNCTION pg_temp.phases(cid bigint) RETURNS TABLE (phase text, planned text, started text, ended text)
  LANGUAGE sql
  BEGIN ATOMIC
    SELECT p.phase, p.planned_start || '..' || p.planned_end,
           CASE WHEN p.started_on = current_date THEN 'today' ELSE p.started_on::text END,
           CASE WHEN p.ended_on = current_date THEN 'today' ELSE p.ended_on::text END
      FROM ssc.collaboration_phases p WHERE p.collaboration_id = cid ORDER BY p.started_on, p.phase;
  END;

-- Version 2 of the long-term application: two approvals by different
-- principals (the first approver of version 1 may approve version 2); the
-- second completes it in its transaction: approved, the allocation of the
-- agreed DKK 24 million, and VN-WIND moved from inception into long_term
-- today with the application's period as its plan (the inception phase
-- ends today).
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Applications/Approve');
SELECT pg_temp.app(ssc.application_approve(jsonb_build_object('id', :a_long, 'pool_id', :p_dkk,
         'amount', '{"amount_minor": 2400000000, "currency": "DKK"}'::jsonb), NULL)) AS first_approval;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat-2', '{secretariat}', '/ssc.v1.Applications/Approve');
SELECT pg_temp.app(ssc.application_approve(jsonb_build_object('id', :a_long, 'pool_id', :p_dkk,
         'amount', '{"amount_minor": 2400000000, "currency": "DKK"}'::jsonb), NULL)) AS second_approval;
SELECT a->>'allocation_id' AS al_long, a->>'decided_at' IS NOT NULL AS decided,
       jsonb_path_query_array(a, '$.decision.approvals[*].principal') AS approvers
  FROM ssc.application_get(jsonb_build_object('id', :a_long)) a \gset
SELECT :al_long AS al_long, :'decided' AS decided, :'approvers' AS approvers;
SELECT pg_temp.alloc(ssc.allocation_get(jsonb_build_object('id', :al_long))) AS allocation;
SELECT c->>'phase' AS phase FROM ssc.collab_get(jsonb_build_object('id', :c_wind)) c;
SELECT * FROM pg_temp.phases(:c_wind);
SELECT from_phase, to_phase, on_date = current_date AS today, note FROM ssc.collaboration_transitions
 WHERE collaboration_id = :c_wind ORDER BY id;
SELECT pg_temp.figures(:p_dkk) AS pool;
COMMIT;
-- Approved is final: no more approvals, no step.
SELECT pg_temp.try_call('CN=secretariat-3', format($$SELECT pg_temp.app(ssc.application_approve('{"id": %s, "pool_id": %s,
                          "amount": {"amount_minor": 2400000000, "currency": "DKK"}}', NULL))$$, :a_long, :p_dkk)) AS approve,
       pg_temp.try_call('CN=dea', format($$SELECT pg_temp.app(ssc.application_withdraw('{"id": %s}', NULL))$$, :a_long)) AS withdraw;

-- Now that VN-WIND's inception phase has ended, the small application's
-- allocation gives back what is left of it, once; nothing more is paid
-- out of it.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Allocations/Release');
SELECT pg_temp.alloc(a) AS released, a->>'released_at' IS NOT NULL AS released_at, a->>'version' AS version
  FROM ssc.allocation_release(jsonb_build_object('id', :al_small, 'reason', 'Inception closed'), NULL) a;
SELECT pg_temp.figures(:p_dkk) AS pool;
-- Nothing is left to release a second time, whatever the reason.
SELECT pg_temp.alloc(ssc.allocation_release(jsonb_build_object('id', :al_small, 'reason', 'Inception closed'), NULL)) AS released_again;
SELECT pg_temp.alloc(ssc.allocation_release(jsonb_build_object('id', :al_small), NULL)) AS released_again;
SELECT ssc.allocation_release(jsonb_build_object('id', :al_small, 'reason', repeat('r', 501)), NULL);
SELECT ssc.disbursement_add(:'dreq'::jsonb || '{"amount": {"amount_minor": 1, "currency": "DKK"}}', NULL);
-- Through SQL a release is judged the same: all that is left, once.
UPDATE ssc.allocations SET released_minor = 0 WHERE id = :al_small RETURNING id;
UPDATE ssc.allocations SET released_minor = 40000000 WHERE id = :al_small RETURNING id;
-- A reversal after the release puts money back into the allocation (still
-- committed in the pool), which can be paid again or released.
SELECT pg_temp.disb(ssc.disbursement_reverse(jsonb_build_object('id', :d_expense, 'reason', 'Refunded by the partner'), NULL)) AS reversal;
SELECT pg_temp.alloc(ssc.allocation_get(jsonb_build_object('id', :al_small))) AS allocation, pg_temp.figures(:p_dkk) AS pool;
SELECT pg_temp.alloc(ssc.allocation_release(jsonb_build_object('id', :al_small), NULL)) AS released, pg_temp.figures(:p_dkk) AS pool;
COMMIT;
-- The long-term allocation's phase is going on.
SELECT pg_temp.try_call('CN=secretariat', format($$SELECT pg_temp.alloc(ssc.allocation_release('{"id": %s}', NULL))$$, :al_long)) AS release;

-- ---- the largest tier: council and sign-off ---------------------------------------

-- DKK 40 million for phase 2, submitted now that VN-WIND is in long_term:
-- two approvals, the council's recommendation
-- and the minister's sign-off, in any order, each once per version, each
-- recorded only while the application is under review and only by the
-- secretariat; the last of them completes it.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{ministry}', '/ssc.v1.Applications/Submit');
SELECT pg_temp.app(ssc.application_submit(jsonb_build_object('id', :a_big), NULL)) AS submitted;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Applications/Approve');
SELECT pg_temp.app(ssc.application_start_review(jsonb_build_object('id', :a_big), NULL)) AS under_review;
SELECT pg_temp.app(ssc.application_approve(jsonb_build_object('id', :a_big, 'pool_id', :p_dkk,
         'amount', '{"amount_minor": 4000000000, "currency": "DKK"}'::jsonb), NULL)) AS approved;
SELECT ssc.application_recommend(jsonb_build_object('id', :a_big, 'reference', 'UPR 2025-3'), NULL);
SELECT ssc.application_recommend(jsonb_build_object('id', :a_big, 'on_date', '2025-03-01', 'reference', ' '), NULL);
SELECT ssc.application_recommend(jsonb_build_object('id', :a_big, 'on_date', '2025-03-01', 'reference', repeat('r', 201)), NULL);
SELECT pg_temp.app(ssc.application_recommend(jsonb_build_object('id', :a_big, 'on_date', '2025-03-01', 'reference', 'UPR 2025-3'), NULL)) AS recommended;
SELECT ssc.application_recommend(jsonb_build_object('id', :a_big, 'on_date', '2025-03-02', 'reference', 'UPR 2025-4'), NULL);
SELECT ssc.application_signoff(jsonb_build_object('id', :a_big, 'on_date', '2025-03-10', 'reference', 'M-7'), NULL);
SELECT ssc.application_signoff(jsonb_build_object('id', :a_big, 'signed_by', 'Minister', 'reference', 'M-7'), NULL);
SELECT ssc.application_signoff(jsonb_build_object('id', :a_big, 'signed_by', 'Minister', 'on_date', '2025-03-10'), NULL);
SELECT pg_temp.app(ssc.application_signoff(jsonb_build_object('id', :a_big, 'signed_by', 'Minister for Development', 'on_date', '2025-03-10',
                                                              'reference', 'M-7'), NULL)) AS signed_off;
SELECT ssc.application_signoff(jsonb_build_object('id', :a_big, 'signed_by', 'Minister', 'on_date', '2025-03-11', 'reference', 'M-8'), NULL);
-- Nothing but the second approval is missing: the status cannot be set
-- by hand.
UPDATE ssc.applications SET status = 'approved' WHERE id = :a_big RETURNING status;
SELECT (d->'recommendation') - '{at}'::text[] AS recommendation, (d->'signoff') - '{at}'::text[] AS signoff
  FROM (SELECT ssc.application_get(jsonb_build_object('id', :a_big))->'decision' AS d) x;
COMMIT;
-- Not by a ministry or the auditor; not when the application is not under
-- review.
SELECT who, pg_temp.try_call(who, format($$SELECT pg_temp.app(ssc.application_recommend('{"id": %s, "on_date": "2025-03-01", "reference": "x"}', NULL))$$, id)) AS recommend,
       pg_temp.try_call(who, format($$SELECT pg_temp.app(ssc.application_signoff('{"id": %s, "on_date": "2025-03-01", "reference": "x", "signed_by": "x"}', NULL))$$, id)) AS signoff
  FROM (VALUES ('CN=dea', :a_big), ('CN=auditor', :a_big), ('CN=secretariat', :s_sub), ('CN=secretariat', :a_small)) v (who, id);
-- The second approval completes it: VN-WIND moves on into phase 2.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=sec-dmi', '{secretariat}', '/ssc.v1.Applications/Approve');
SELECT pg_temp.app(ssc.application_approve(jsonb_build_object('id', :a_big, 'pool_id', :p_dkk,
         'amount', '{"amount_minor": 4000000000, "currency": "DKK"}'::jsonb), NULL)) AS approved;
SELECT a->>'allocation_id' AS al_big FROM ssc.application_get(jsonb_build_object('id', :a_big)) a \gset
SELECT pg_temp.alloc(ssc.allocation_get(jsonb_build_object('id', :al_big))) AS allocation;
SELECT * FROM pg_temp.phases(:c_wind);
SELECT pg_temp.figures(:p_dkk) AS pool;
COMMIT;

-- The completing approval moves the collaboration into the application's
-- phase (collab_transition), so the phase must be one the collaboration
-- can step into: a long_term application for VN-IDLE (still in
-- matchmaking) submitted, the inception application under review for
-- VN-WIND (now in phase_2) approved.
SELECT pg_temp.try_call('CN=dea', format($$SELECT pg_temp.app(ssc.application_submit('{"id": %s}', NULL))$$, :a_idle)) AS submit_for_vn_idle,
       pg_temp.try_call('CN=secretariat', format($$SELECT pg_temp.app(ssc.application_approve('{"id": %s, "pool_id": %s,
                          "amount": {"amount_minor": 100000, "currency": "DKK"}}', NULL))$$, :s_rev, :p_dkk)) AS approve_for_vn_wind;

-- ---- over-commitment: the small pool -------------------------------------------------

-- DMI's two applications for VN-MET, DKK 6,000 and DKK 5,000, from the
-- small 2026 pool (DKK 10,000). Nobody in DMI or above it (DEA, KEFM)
-- may approve them.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dmi', '{ministry}', '/ssc.v1.Applications/Create');
SELECT jsonb_build_object('collaboration_id', :c_met, 'phase', 'inception', 'starts_on', '2026-01-01', 'ends_on', '2026-12-31',
                          'currency', 'DKK') AS mreq \gset
SELECT a->>'id' AS a_m1 FROM ssc.application_create(:'mreq'::jsonb || jsonb_build_object('title', 'Forecasting: first',
         'budget', jsonb_build_array(pg_temp.line('analyses', 2026, 600000))), NULL) a \gset
SELECT a->>'id' AS a_m2 FROM ssc.application_create(:'mreq'::jsonb || jsonb_build_object('title', 'Forecasting: second',
         'budget', jsonb_build_array(pg_temp.line('analyses', 2026, 500000))), NULL) a \gset
SELECT pg_temp.app(ssc.application_submit(jsonb_build_object('id', id), NULL)) AS submitted FROM unnest(ARRAY[:a_m1, :a_m2]::bigint[]) id;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Applications/StartReview');
SELECT pg_temp.app(ssc.application_start_review(jsonb_build_object('id', id), NULL)) AS under_review FROM unnest(ARRAY[:a_m1, :a_m2]::bigint[]) id;
COMMIT;
SELECT who, pg_temp.try_call(who, format($$SELECT pg_temp.app(ssc.application_approve('{"id": %s, "pool_id": %s,
                                            "amount": {"amount_minor": 600000, "currency": "DKK"}}', NULL))$$, :a_m1, :p_small)) AS approve
  FROM unnest('{CN=sec-dmi,CN=sec-dea,CN=sec-kefm,CN=secretariat-3}'::text[]) who;
-- The first: DKK 6,000 committed, DKK 4,000 available. The pool may be
-- reduced to exactly what is committed, not a minor unit below.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat-3', '{secretariat}', '/ssc.v1.Applications/Approve');
SELECT pg_temp.app(ssc.application_approve(jsonb_build_object('id', :a_m1, 'pool_id', :p_small,
         'amount', '{"amount_minor": 600000, "currency": "DKK"}'::jsonb), NULL)) AS approved;
SELECT pg_temp.figures(:p_small) AS pool;
SELECT jsonb_build_object('pool_id', :p_small, 'kind', 'reduction', 'reason', 'Savings') AS red \gset
SELECT pg_temp.pool(ssc.pool_adjust(:'red'::jsonb || '{"amount": {"amount_minor": 400000, "currency": "DKK"}}', NULL)->'pool') AS reduced;
SELECT ssc.pool_adjust(:'red'::jsonb || '{"amount": {"amount_minor": 1, "currency": "DKK"}}', NULL);
SELECT pg_temp.pool(ssc.pool_adjust(:'red'::jsonb || '{"kind": "top_up", "amount": {"amount_minor": 400000, "currency": "DKK"}}', NULL)->'pool') AS topped_up;
SELECT pg_temp.figures(:p_small) AS pool;
COMMIT;
-- The second: DKK 4,000.01 would over-commit the pool by a minor unit,
-- and nothing of that approval stays; DKK 4,000.00, exactly what is
-- available, is fine (an approval may be lower than requested). Then
-- nothing is available, and the pool cannot be reduced at all.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Applications/Approve');
SELECT ssc.application_approve(jsonb_build_object('id', :a_m2, 'pool_id', :p_small,
         'amount', '{"amount_minor": 400001, "currency": "DKK"}'::jsonb), NULL);
SELECT pg_temp.app(ssc.application_get(jsonb_build_object('id', :a_m2))) AS still;
SELECT pg_temp.app(ssc.application_approve(jsonb_build_object('id', :a_m2, 'pool_id', :p_small,
         'amount', '{"amount_minor": 400000, "currency": "DKK"}'::jsonb), NULL)) AS approved;
SELECT pg_temp.figures(:p_small) AS pool;
SELECT ssc.pool_adjust(:'red'::jsonb || '{"amount": {"amount_minor": 1, "currency": "DKK"}}', NULL);
SELECT pg_temp.alloc(a) AS allocation FROM jsonb_array_elements(ssc.allocation_list(jsonb_build_object('pool_id', :p_small), '', 100)) a;
COMMIT;

-- ---- a currency without tiers; the admin's tiers ----------------------------------------

-- The InterLoc case: DUR's EUR application for KE-REG, EUR 527,044 of
-- which the EU co-finances EUR 403,770: 76.61 %, and EUR 123,274 (23.39 %)
-- is requested. EUR has no approval tiers yet.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dur', '{ministry}', '/ssc.v1.Applications/Create');
SELECT a->>'id' AS a_eur, (a->'cofinancing') AS cofinancing, a->'figures' AS figures
  FROM ssc.application_create(jsonb_build_object('collaboration_id', :c_reg, 'phase', 'inception', 'title', 'InterLoc',
         'starts_on', '2025-01-01', 'ends_on', '2025-12-31', 'currency', 'EUR',
         'budget', jsonb_build_array(pg_temp.line('partner_activities', 2025, 30000000, 'EUR'),
                                     pg_temp.line('staff_compensation', 2025, 22704400, 'EUR')),
         'cofinancing', jsonb_build_array(pg_temp.cofin('European Union', 40377000, 'EUR'))), NULL) a \gset
SELECT :a_eur AS a_eur, :'cofinancing'::jsonb AS cofinancing, :'figures'::jsonb AS figures;
SELECT pg_temp.app(ssc.application_submit(jsonb_build_object('id', :a_eur), NULL)) AS submitted;
COMMIT;
-- KEFM is above DUR, DEA is not; with no tier, the approval is recorded
-- and the tier is what is missing.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Applications/StartReview');
SELECT pg_temp.app(ssc.application_start_review(jsonb_build_object('id', :a_eur), NULL)) AS under_review;
COMMIT;
SELECT pg_temp.try_call('CN=sec-kefm', format($$SELECT pg_temp.app(ssc.application_approve('{"id": %s, "pool_id": %s,
                          "amount": {"amount_minor": 12327400, "currency": "EUR"}}', NULL))$$, :a_eur, :p_eur)) AS approve;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=sec-dea', '{secretariat}', '/ssc.v1.Applications/Approve');
SELECT pg_temp.app(ssc.application_approve(jsonb_build_object('id', :a_eur, 'pool_id', :p_eur,
         'amount', '{"amount_minor": 12327400, "currency": "EUR"}'::jsonb), NULL)) AS approved_once;
COMMIT;

-- approval_tier_set: every rule (as the admin, undone), and only the admin.
SELECT who, pg_temp.try_call(who, $$SELECT ssc.approval_tier_set('{"currency": "EUR", "tiers": [{"approvals": 1}]}', NULL)$$) AS tier_set
  FROM unnest('{CN=secretariat,CN=kefm,CN=auditor,CN=admin}'::text[]) who;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=admin', '{admin}', '/ssc.v1.ApprovalTiers/Set');
SELECT ssc.approval_tier_set('{"currency": "eur", "tiers": [{"approvals": 1}]}', NULL);
SELECT ssc.approval_tier_set('{"currency": "EUR", "tiers": []}', NULL);
SELECT ssc.approval_tier_set('{"currency": "EUR"}', NULL);
SELECT ssc.approval_tier_set('{"currency": "EUR", "tiers": {"approvals": 1}}', NULL);
SELECT ssc.approval_tier_set(jsonb_build_object('currency', 'EUR', 'tiers',
         (SELECT jsonb_agg(jsonb_build_object('up_to', jsonb_build_object('amount_minor', i, 'currency', 'EUR'), 'approvals', 1))
            FROM generate_series(1, 10) i) || '[{"approvals": 1}]'), NULL);
SELECT ssc.approval_tier_set('{"currency": "EUR", "tiers": [{"approvals": 1}, {"approvals": 2}]}', NULL);
SELECT ssc.approval_tier_set('{"currency": "EUR", "tiers": [{"up_to": {"amount_minor": 100, "currency": "EUR"}, "approvals": 1}]}', NULL);
SELECT ssc.approval_tier_set('{"currency": "EUR", "tiers": [{"up_to": {"amount_minor": 100, "currency": "DKK"}, "approvals": 1}, {"approvals": 2}]}', NULL);
SELECT ssc.approval_tier_set('{"currency": "EUR", "tiers": [{"up_to": {"amount_minor": 100, "currency": "EUR"}, "approvals": 1},
                                                           {"up_to": {"amount_minor": 100, "currency": "EUR"}, "approvals": 2}, {"approvals": 2}]}', NULL);
-- FINDING (wording): an up_to of 0 on the first tier is refused as
-- "must be more than the tier before's (EUR 0.00)"; there is no tier
-- before.
SELECT ssc.approval_tier_set('{"currency": "EUR", "tiers": [{"up_to": {"amount_minor": 0, "currency": "EUR"}, "approvals": 1}, {"approvals": 2}]}', NULL);
SELECT ssc.approval_tier_set('{"currency": "EUR", "tiers": [{"approvals": 0}]}', NULL);
SELECT ssc.approval_tier_set('{"currency": "EUR", "tiers": [{"approvals": 6}]}', NULL);
SELECT ssc.approval_tier_set('{"currency": "EUR", "tiers": [{"approvals": 1, "needs_council": "yes"}]}', NULL);
-- At the limits: 10 tiers, 5 approvals, one tier for every amount.
SELECT jsonb_array_length(t->'tiers') AS tiers
  FROM ssc.approval_tier_set(jsonb_build_object('currency', 'EUR', 'tiers',
         (SELECT jsonb_agg(jsonb_build_object('up_to', jsonb_build_object('amount_minor', i, 'currency', 'EUR'), 'approvals', 1))
            FROM generate_series(1, 9) i) || '[{"approvals": 5}]'), NULL) t;
SELECT ssc.approval_tier_set('{"currency": "EUR", "tiers": [{"approvals": 5, "needs_council": true}]}', NULL) AS one_tier;
ROLLBACK;
-- The EUR tiers: one approval up to EUR 1,000,000.00, else two and the
-- council. Every tier written is audited.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=admin', '{admin}', '/ssc.v1.ApprovalTiers/Set');
SELECT ssc.approval_tier_set('{"currency": "EUR", "tiers": [{"up_to": {"amount_minor": 100000000, "currency": "EUR"}, "approvals": 1},
                                                           {"approvals": 2, "needs_council": true}]}', NULL) AS eur;
SELECT ssc.approval_tier_set('{"currency": "EUR", "tiers": [{"up_to": {"amount_minor": 100000000, "currency": "EUR"}, "approvals": 1},
                                                           {"approvals": 2, "needs_council": true}]}', NULL) IS NOT NULL AS set_twice;
SELECT e->>'entity_id' AS tier, e->>'before' <> '' AS had_before, e->>'after' <> '' AS has_after
  FROM jsonb_array_elements(ssc.audit_list('{"entity": "approval_tier"}'::jsonb, '', 100)) e
 WHERE e->>'principal' = 'CN=admin' ORDER BY (e->>'seq')::bigint;
COMMIT;
-- The InterLoc application's approval was refused while EUR had no tiers
-- (nothing was recorded): it still waits for one.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Applications/Get');
SELECT pg_temp.app(ssc.application_get(jsonb_build_object('id', :a_eur))) AS waiting;
COMMIT;
-- A plain UPDATE of the status to approved is refused: it needs its
-- approval (and with nothing missing, an allocation: see the end).
SELECT pg_temp.try_call('CN=secretariat', format($$UPDATE ssc.applications SET status = 'approved' WHERE id = %s
                                                   RETURNING status || ', allocation ' || coalesce(ssc.application_allocation_id(applications)::text, 'none')$$, :a_eur)) AS approved_by_sql;
-- Through the API its approval completes it: the allocation in EUR from
-- the EUR pool.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Applications/Approve');
SELECT pg_temp.app(ssc.application_approve(jsonb_build_object('id', :a_eur, 'pool_id', :p_eur,
         'amount', '{"amount_minor": 12327400, "currency": "EUR"}'::jsonb), NULL)) AS approved;
SELECT a->>'allocation_id' AS al_eur FROM ssc.application_get(jsonb_build_object('id', :a_eur)) a \gset
SELECT pg_temp.alloc(ssc.allocation_get(jsonb_build_object('id', :al_eur))) AS allocation;
-- Currencies are not mixed in a disbursement either.
SELECT ssc.disbursement_add(jsonb_build_object('allocation_id', :al_eur, 'kind', 'advance', 'paid_on', '2025-02-01',
         'amount', '{"amount_minor": 100, "currency": "DKK"}'::jsonb), NULL);
SELECT pg_temp.disb(ssc.disbursement_add(jsonb_build_object('allocation_id', :al_eur, 'kind', 'advance', 'paid_on', '2025-02-01',
         'amount', '{"amount_minor": 5000000, "currency": "EUR"}'::jsonb), NULL)) AS disbursement;
SELECT pg_temp.figures(:p_eur) AS pool;
COMMIT;

-- ==== what ssc_app may not do in plain SQL ========================================

-- As the secretariat, the role with the most rights here: no privilege on
-- the figures (42501), and every rule in the tables' triggers. Each
-- statement on its own (ON_ERROR_ROLLBACK), all undone.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/funding');
-- Pools: only the name; the figures move through adjustments and
-- allocations.
UPDATE ssc.pools SET total_minor = total_minor + 1 WHERE id = :p_dkk;
UPDATE ssc.pools SET committed_minor = 0 WHERE id = :p_dkk;
UPDATE ssc.pools SET disbursed_minor = 0 WHERE id = :p_dkk;
UPDATE ssc.pools SET allocations = 0 WHERE id = :p_dkk;
UPDATE ssc.pools SET fiscal_year = 2027 WHERE id = :p_small;
DELETE FROM ssc.pools WHERE id = :p_small;
INSERT INTO ssc.pools (name, fiscal_year, currency, total_minor) VALUES ('Direct', 2040, 'DKK', 100);
UPDATE ssc.pools SET name = 'Small pool 2026 (renamed)' WHERE id = :p_small RETURNING name, version, total_minor;
-- A pool inserted in SQL starts at 0, and its first adjustment must be
-- the initial one.
INSERT INTO ssc.pools (name, fiscal_year, currency) VALUES ('Direct', 2040, 'DKK') RETURNING id AS p_direct \gset
INSERT INTO ssc.pool_adjustments (pool_id, kind, amount_minor, currency, reason) VALUES (:p_direct, 'top_up', 100, 'DKK', 'x');
INSERT INTO ssc.pool_adjustments (pool_id, kind, amount_minor, currency, reason) VALUES (:p_direct, 'initial', 100, 'DKK', 'x') RETURNING total_after;
INSERT INTO ssc.pool_adjustments (pool_id, kind, amount_minor, currency, reason) VALUES (:p_direct, 'initial', 100, 'DKK', 'x');
INSERT INTO ssc.pool_adjustments (pool_id, kind, amount_minor, currency, reason) VALUES (:p_small, 'reduction', 1, 'DKK', 'x');
INSERT INTO ssc.pool_adjustments (pool_id, kind, amount_minor, currency, reason) VALUES (:p_dkk, 'top_up', 0, 'DKK', 'x');
INSERT INTO ssc.pool_adjustments (pool_id, kind, amount_minor, currency, reason) VALUES (:p_dkk, 'top_up', 1, 'EUR', 'x');
INSERT INTO ssc.pool_adjustments (pool_id, kind, amount_minor, currency, reason, total_after) VALUES (:p_dkk, 'top_up', 1, 'DKK', 'x', 1);
UPDATE ssc.pool_adjustments SET amount_minor = 1;
DELETE FROM ssc.pool_adjustments;
-- Applications: the status only along the steps and never straight to
-- approved while something is missing; the figures are derived.
UPDATE ssc.applications SET status = 'approved' WHERE id = :s_rev;
UPDATE ssc.applications SET status = 'draft' WHERE id = :a_long;
UPDATE ssc.applications SET requested = 1 WHERE id = :a_long;
UPDATE ssc.applications SET submitted_version = 5 WHERE id = :a_long;
UPDATE ssc.applications SET applicant_id = 4 WHERE id = :a_long;
UPDATE ssc.applications SET title = 'Renamed' WHERE id = :a_long;
DELETE FROM ssc.applications WHERE id = :s_draft;
INSERT INTO ssc.applications (collaboration_id, applicant_id, phase, title, currency) VALUES (:c_wind, 2, 'inception', 'x', 'DKK');
-- Versions: no privilege at all.
UPDATE ssc.application_versions SET title = 'Rewritten' WHERE application_id = :a_long;
DELETE FROM ssc.application_versions WHERE application_id = :a_long;
TRUNCATE ssc.application_versions;
INSERT INTO ssc.application_versions (application_id, number, phase, title, narrative, starts_on, ends_on, currency, budget,
                                      cofinancing, budget_total, cofinancing_total, requested, submitted_by, submitted_at)
  VALUES (:a_long, 3, 'long_term', 'x', '', '2025-01-01', '2025-12-31', 'DKK', '[]', '[]', 0, 0, 0, 'x', now());
-- Comments, approvals, recommendations, sign-offs: insert only; an
-- approval's principal is the session's.
UPDATE ssc.application_comments SET text = 'rewritten';
DELETE FROM ssc.application_comments;
UPDATE ssc.application_approvals SET amount_minor = 1;
DELETE FROM ssc.application_approvals;
UPDATE ssc.application_recommendations SET reference = 'x';
DELETE FROM ssc.application_signoffs;
INSERT INTO ssc.application_approvals (application_id, pool_id, amount_minor, currency, principal_id)
  VALUES (:s_rev, :p_dkk, 100000, 'DKK', 13);
INSERT INTO ssc.application_approvals (application_id, pool_id, amount_minor, currency)
  VALUES (:a_m2, :p_small, 400000, 'DKK');
WITH x AS (INSERT INTO ssc.application_approvals (application_id, pool_id, amount_minor, currency)
             VALUES (:s_rev, :p_dkk, 100000, 'DKK') RETURNING *)
SELECT principal, principal_id, organisation_id, version, amount_minor FROM x;
-- The workflow and the tiers are not the secretariat's.
INSERT INTO ssc.application_steps VALUES ('approved', 'draft', 'secretariat');
UPDATE ssc.application_steps SET role = 'secretariat';
UPDATE ssc.approval_tiers SET approvals = 1;
DELETE FROM ssc.approval_tiers RETURNING id;
-- Allocations: only released_minor (and the release's reason); inserted
-- only for an approved application, with what its approvals agreed.
UPDATE ssc.allocations SET amount_minor = 1 WHERE id = :al_long;
UPDATE ssc.allocations SET disbursed_minor = 0 WHERE id = :al_small;
UPDATE ssc.allocations SET pool_id = :p_small WHERE id = :al_long;
DELETE FROM ssc.allocations WHERE id = :al_long;
INSERT INTO ssc.allocations (pool_id, application_id, amount_minor, currency) VALUES (:p_dkk, :s_rev, 100000, 'DKK');
INSERT INTO ssc.allocations (pool_id, application_id, amount_minor, currency) VALUES (:p_dkk, :a_long, 2400000001, 'DKK');
INSERT INTO ssc.allocations (pool_id, application_id, amount_minor, currency) VALUES (:p_small, :a_long, 2400000000, 'DKK');
INSERT INTO ssc.allocations (pool_id, application_id, amount_minor, currency) VALUES (:p_dkk, :a_long, 2400000000, 'EUR');
INSERT INTO ssc.allocations (pool_id, application_id, amount_minor, currency) VALUES (:p_dkk, :a_long, 2400000000, 'DKK');
SELECT pg_temp.figures(:p_dkk) AS pool_unchanged;
-- Disbursements: insert only, judged by their trigger.
UPDATE ssc.disbursements SET amount_minor = 1;
DELETE FROM ssc.disbursements;
INSERT INTO ssc.disbursements (allocation_id, kind, amount_minor, currency, paid_on) VALUES (:al_long, 'advance', 2400000001, 'DKK', '2025-01-01');
INSERT INTO ssc.disbursements (allocation_id, kind, amount_minor, currency, paid_on) VALUES (:al_long, 'advance', 1, 'EUR', '2025-01-01');
INSERT INTO ssc.disbursements (allocation_id, kind, amount_minor, currency, paid_on, reverses_id) VALUES (:al_long, 'advance', 1, 'DKK', '2025-01-01', :d_expense);
INSERT INTO ssc.disbursements (allocation_id, kind, amount_minor, currency, paid_on, reverses_id) VALUES (:al_long, 'reversal', 1, 'DKK', '2025-01-01', :d_advance);
INSERT INTO ssc.disbursements (allocation_id, kind, amount_minor, currency, paid_on) VALUES (999, 'advance', 1, 'DKK', '2025-01-01');
INSERT INTO ssc.disbursements (allocation_id, kind, amount_minor, currency, paid_on, principal) VALUES (:al_long, 'advance', 1, 'DKK', '2025-01-01', 'someone');
INSERT INTO ssc.disbursements (allocation_id, kind, amount_minor, currency, paid_on)
  VALUES (:al_long, 'expense', 2400000000, 'DKK', '2025-01-01') RETURNING kind, amount_minor, principal;
SELECT pg_temp.figures(:p_dkk) AS pool;
ROLLBACK;

-- ==== row-level security ===========================================================

-- Statistics Denmark's own application, a draft for CN-STAT: outside
-- everyone else's scope.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dst', '{ministry}', '/ssc.v1.Applications/Create');
SELECT a->>'id' AS a_dst FROM ssc.application_create(jsonb_build_object('collaboration_id', :c_stat, 'phase', 'long_term',
  'title', 'Energy statistics: long-term', 'currency', 'DKK'), NULL) a \gset
COMMIT;

-- The whole record as the owner sees it.
\c - ssc_owner
SELECT a.id, a.applicant_id AS applicant, a.phase, a.status, a.submitted_version AS versions,
       (SELECT count(*) FROM ssc.application_comments c WHERE c.application_id = a.id) AS comments,
       (SELECT count(*) FROM ssc.application_approvals x WHERE x.application_id = a.id) AS approvals,
       (SELECT count(*) FROM ssc.application_recommendations x WHERE x.application_id = a.id) AS recs,
       (SELECT count(*) FROM ssc.application_signoffs x WHERE x.application_id = a.id) AS signoffs,
       (SELECT x.id FROM ssc.allocations x WHERE x.application_id = a.id) AS allocation,
       (SELECT count(*) FROM ssc.disbursements d JOIN ssc.allocations x ON x.id = d.allocation_id WHERE x.application_id = a.id) AS disbursements
  FROM ssc.applications a ORDER BY a.id;
SELECT p.id, p.fiscal_year, p.currency, p.total_minor, p.committed_minor, p.disbursed_minor, p.allocations,
       (SELECT count(*) FROM ssc.pool_adjustments x WHERE x.pool_id = p.id) AS adjustments
  FROM ssc.pools p ORDER BY p.id;
SELECT currency, count(*) AS tiers FROM ssc.approval_tiers GROUP BY currency ORDER BY currency;
\c - ssc_app

-- What each role sees of each table (counts), each in its own call; and
-- whose applications.
CREATE FUNCTION pg_temp.seen(who text)
  RETURNS TABLE (pools bigint, adjs bigint, apps bigint, applicants text, versions bigint, comments bigint,
                 approvals bigint, recs bigint, signoffs bigint, tiers bigint, steps bigint, allocs bigint, disbs bigint)
  LANGUAGE plpgsql
AS $$
BEGIN
  IF who <> '' THEN
    PERFORM ssc.begin_call('', who, '{ministry,secretariat,reconciler,auditor,admin,embassy}', '/funding');
  END IF;
  RETURN QUERY SELECT
    (SELECT count(*) FROM ssc.pools), (SELECT count(*) FROM ssc.pool_adjustments),
    (SELECT count(*) FROM ssc.applications),
    (SELECT string_agg(DISTINCT x.applicant_id::text, ',') FROM ssc.applications x),
    (SELECT count(*) FROM ssc.application_versions), (SELECT count(*) FROM ssc.application_comments),
    (SELECT count(*) FROM ssc.application_approvals), (SELECT count(*) FROM ssc.application_recommendations),
    (SELECT count(*) FROM ssc.application_signoffs), (SELECT count(*) FROM ssc.approval_tiers),
    (SELECT count(*) FROM ssc.application_steps), (SELECT count(*) FROM ssc.allocations),
    (SELECT count(*) FROM ssc.disbursements);
END
$$;
-- KEFM (scope 1, 2, 7, 8): DEA's, DMI's and DUR's; DEA (2, 7): its own
-- and DMI's; DMI (7): its own only, not its parent's; DUR (8): its own;
-- Statistics Denmark (3): its own; the secretariat and the auditor:
-- everything; the embassy, the reconciler (allocations and their
-- disbursements only) and the admin: pools, tiers and steps.
BEGIN;
SELECT who, s.* FROM unnest('{CN=kefm,CN=dea,CN=dmi,CN=dur,CN=dst,CN=secretariat,CN=auditor,CN=embassy-vn,CN=dea-payroll,CN=admin}'::text[])
                     WITH ORDINALITY w (who, n),
                     LATERAL pg_temp.seen(who) s ORDER BY n;
ROLLBACK;
-- Without begin_call: nothing.
SELECT * FROM pg_temp.seen('');

-- Plain writes, each tried as each role and undone: the row count, or the
-- SQLSTATE of the refusal (42501: no privilege, or a row the policy
-- refuses; SC4xx: a trigger's rule). An UPDATE or DELETE the policy hides
-- rows from touches 0 of them.
CREATE TEMP TABLE writes (n int, what text, stmt text);
INSERT INTO writes VALUES
  (1, 'insert pool', $$INSERT INTO ssc.pools (name, fiscal_year, currency) VALUES ('x', 2041, 'DKK')$$),
  (2, 'rename every pool', $$UPDATE ssc.pools SET name = name$$),
  (3, 'raise a total', format($$UPDATE ssc.pools SET total_minor = total_minor + 1 WHERE id = %s$$, :p_dkk)),
  (4, 'insert top-up', format($$INSERT INTO ssc.pool_adjustments (pool_id, kind, amount_minor, currency, reason) VALUES (%s, 'top_up', 1, 'DKK', 'x')$$, :p_dkk)),
  (5, 'delete adjustments', $$DELETE FROM ssc.pool_adjustments$$),
  (6, 'insert app of DEA', format($$INSERT INTO ssc.applications (collaboration_id, applicant_id, phase, title, currency) VALUES (%s, 2, 'inception', 'x', 'DKK')$$, :c_wind)),
  (7, 'insert app of DMI', format($$INSERT INTO ssc.applications (collaboration_id, applicant_id, phase, title, currency) VALUES (%s, 7, 'inception', 'x', 'DKK')$$, :c_met)),
  (8, 'touch every app', $$UPDATE ssc.applications SET title = title$$),
  (9, 'approve by SQL', format($$UPDATE ssc.applications SET status = 'approved' WHERE id = %s$$, :s_rev)),
  (10, 'update every version', $$UPDATE ssc.application_versions SET title = title$$),
  (11, 'delete every version', $$DELETE FROM ssc.application_versions$$),
  (12, 'comment on a_long', format($$INSERT INTO ssc.application_comments (application_id, text) VALUES (%s, 'x')$$, :a_long)),
  (13, 'update every comment', $$UPDATE ssc.application_comments SET text = text$$),
  (14, 'approve s_rev', format($$INSERT INTO ssc.application_approvals (application_id, pool_id, amount_minor, currency) VALUES (%s, %s, 100000, 'DKK')$$, :s_rev, :p_dkk)),
  (15, 'delete approvals', $$DELETE FROM ssc.application_approvals$$),
  (16, 'recommend s_rev', format($$INSERT INTO ssc.application_recommendations (application_id, on_date, reference) VALUES (%s, '2025-01-01', 'x')$$, :s_rev)),
  (17, 'sign off s_rev', format($$INSERT INTO ssc.application_signoffs (application_id, signed_by, on_date, reference) VALUES (%s, 'x', '2025-01-01', 'x')$$, :s_rev)),
  (18, 'update every signoff', $$UPDATE ssc.application_signoffs SET reference = reference$$),
  (19, 'insert tier', $$INSERT INTO ssc.approval_tiers (currency, up_to_minor, approvals) VALUES ('SEK', 100, 1)$$),
  (20, 'delete every tier', $$DELETE FROM ssc.approval_tiers$$),
  (21, 'insert step', $$INSERT INTO ssc.application_steps VALUES ('approved', 'draft', 'admin')$$),
  (22, 'allocate to s_rev', format($$INSERT INTO ssc.allocations (pool_id, application_id, amount_minor, currency) VALUES (%s, %s, 100000, 'DKK')$$, :p_dkk, :s_rev)),
  (23, 'touch every alloc', $$UPDATE ssc.allocations SET released_minor = released_minor$$),
  (24, 'shrink an alloc', format($$UPDATE ssc.allocations SET amount_minor = 1 WHERE id = %s$$, :al_long)),
  (25, 'disburse from al_long', format($$INSERT INTO ssc.disbursements (allocation_id, kind, amount_minor, currency, paid_on) VALUES (%s, 'advance', 1, 'DKK', '2025-01-01')$$, :al_long)),
  (26, 'delete disbursements', $$DELETE FROM ssc.disbursements$$);
CREATE FUNCTION pg_temp.try_as(who text, stmt text) RETURNS text
  LANGUAGE plpgsql
AS $$
DECLARE
  n bigint;
BEGIN
  PERFORM ssc.begin_call('', who, '{ministry,secretariat,reconciler,auditor,admin,embassy}', '/funding');
  EXECUTE stmt;
  GET DIAGNOSTICS n = ROW_COUNT;
  RAISE EXCEPTION USING ERRCODE = 'SC999', MESSAGE = n;  -- undo it, and the call's settings
EXCEPTION WHEN others THEN
  RETURN CASE WHEN SQLSTATE = 'SC999' THEN SQLERRM ELSE SQLSTATE END;
END
$$;
BEGIN;
SELECT what, pg_temp.try_as('CN=kefm', stmt) AS kefm, pg_temp.try_as('CN=dea', stmt) AS dea,
       pg_temp.try_as('CN=dmi', stmt) AS dmi, pg_temp.try_as('CN=dst', stmt) AS dst,
       pg_temp.try_as('CN=secretariat', stmt) AS secr, pg_temp.try_as('CN=auditor', stmt) AS auditor,
       pg_temp.try_as('CN=embassy-vn', stmt) AS embassy, pg_temp.try_as('CN=dea-payroll', stmt) AS reconc,
       pg_temp.try_as('CN=admin', stmt) AS admin
  FROM writes ORDER BY n;
-- Nothing was written, and no call's settings outlived it.
SELECT current_setting('ssc.role', true) AS role, current_setting('ssc.org_scope', true) AS scope;
ROLLBACK;

-- ==== the owner too ==================================================================

-- What is recorded is never changed or deleted, not even by the owner
-- (the triggers refuse; only the owner could disable them); the pool's
-- CHECK is the backstop of its figures.
\c - ssc_owner
-- A refusal without its DETAIL (which would show the row's timestamps).
CREATE FUNCTION pg_temp.try(stmt text) RETURNS text
  LANGUAGE plpgsql
AS $$
BEGIN
  EXECUTE stmt;
  RETURN 'ok';
EXCEPTION WHEN others THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
BEGIN;
UPDATE ssc.application_versions SET title = 'Rewritten' WHERE application_id = :a_long;
DELETE FROM ssc.application_versions WHERE application_id = :a_long;
-- TRUNCATE is refused by the statement-level trigger, in its own words.
TRUNCATE ssc.application_versions CASCADE;
UPDATE ssc.application_approvals SET amount_minor = 1;
DELETE FROM ssc.application_recommendations;
UPDATE ssc.application_signoffs SET reference = 'x';
DELETE FROM ssc.application_comments;
UPDATE ssc.pool_adjustments SET amount_minor = 1;
-- FINDING (wording): a disbursement or an allocation is refused as "a
-- recorded decision" (they share decisions_frozen).
DELETE FROM ssc.disbursements;
DELETE FROM ssc.allocations;
UPDATE ssc.allocations SET amount_minor = 1 WHERE id = :al_long;
SELECT pg_temp.try(format('UPDATE ssc.pools SET committed_minor = total_minor + 1 WHERE id = %s', :p_dkk)) AS over_committed,
       pg_temp.try(format('UPDATE ssc.pools SET disbursed_minor = committed_minor + 1 WHERE id = %s', :p_dkk)) AS over_disbursed,
       pg_temp.try(format('UPDATE ssc.allocations SET disbursed_minor = amount_minor + 1 WHERE id = %s', :al_long)) AS alloc_over_disbursed;
UPDATE ssc.pools SET currency = 'EUR' WHERE id = :p_dkk;
ROLLBACK;
-- An approved application has its allocation (0031 applications_allocated,
-- judged at commit). When the admin lowers a tier under an application so
-- that nothing is missing any more, the next decision would complete it;
-- a status set to approved in SQL instead fails, here at once with the
-- constraint made immediate.
\c - ssc_app
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=admin', '{admin}', '/ssc.v1.Applications/SetTiers');
SELECT ssc.approval_tier_set('{"currency": "NOK", "tiers": [{"approvals": 2}]}', NULL) IS NOT NULL AS nok_two;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Pools/Create');
SELECT ssc.pool_create('{"name": "NOK 2025", "fiscal_year": 2025,
         "total": {"amount_minor": 100000000, "currency": "NOK"}}', NULL) ->> 'id' AS p_nok \gset
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{ministry}', '/ssc.v1.Applications/Create');
SELECT c->>'id' AS c_nok FROM ssc.collab_create('{"reference": "VN-NOK", "title": "In kroner", "country": "VN",
  "partner_ids": [9], "sectors": [{"code": "23240", "percentage": 100}], "started_on": "2024-01-01"}'::jsonb, NULL) c \gset
SELECT a->>'id' AS a_nok FROM ssc.application_create(jsonb_build_object('collaboration_id', :c_nok,
         'phase', 'inception', 'title', 'In kroner', 'starts_on', '2025-01-01', 'ends_on', '2025-12-31',
         'currency', 'NOK', 'budget', '[{"category": "travel", "year": 2025,
                                          "amount": {"amount_minor": 5000000, "currency": "NOK"}}]'::jsonb), NULL) a \gset
SELECT ssc.application_submit(jsonb_build_object('id', :a_nok), NULL) ->> 'status' AS status;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Applications/Approve');
SELECT ssc.application_start_review(jsonb_build_object('id', :a_nok), NULL) ->> 'status' AS status;
SELECT ssc.application_approve(jsonb_build_object('id', :a_nok, 'pool_id', :p_nok,
         'amount', '{"amount_minor": 5000000, "currency": "NOK"}'::jsonb), NULL) -> 'decision' -> 'missing' AS missing;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=admin', '{admin}', '/ssc.v1.Applications/SetTiers');
SELECT ssc.approval_tier_set('{"currency": "NOK", "tiers": [{"approvals": 1}]}', NULL) IS NOT NULL AS nok_one;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Applications/Get');
SELECT ssc.application_get(jsonb_build_object('id', :a_nok)) -> 'decision' -> 'missing' AS missing_now;
SET CONSTRAINTS ssc.applications_allocated IMMEDIATE;
UPDATE ssc.applications SET status = 'approved' WHERE id = :a_nok;
ROLLBACK;
-- The next decision completes it: a second approval by another principal.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat-2', '{secretariat}', '/ssc.v1.Applications/Approve');
SELECT a ->> 'status' AS status, a ->> 'allocation_id' IS NOT NULL AS allocated
  FROM ssc.application_approve(jsonb_build_object('id', :a_nok, 'pool_id', :p_nok,
         'amount', '{"amount_minor": 5000000, "currency": "NOK"}'::jsonb), NULL) a;
COMMIT;

-- The largest amount end to end, in CHF: a pool, an application, its
-- allocation, paid in full and reversed, without an overflow anywhere.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=admin', '{admin}', '/ssc.v1.Applications/SetTiers');
SELECT ssc.approval_tier_set('{"currency": "CHF", "tiers": [{"approvals": 1}]}', NULL) IS NOT NULL AS chf_tier;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Pools/Create');
SELECT ssc.pool_create('{"name": "CHF 2025", "fiscal_year": 2025,
         "total": {"amount_minor": 9223372036854775807, "currency": "CHF"}}', NULL) ->> 'id' AS p_chf \gset
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{ministry}', '/ssc.v1.Applications/Create');
SELECT c->>'id' AS c_chf FROM ssc.collab_create('{"reference": "VN-CHF", "title": "In francs", "country": "VN",
  "partner_ids": [9], "sectors": [{"code": "23240", "percentage": 100}], "started_on": "2024-01-01"}'::jsonb, NULL) c \gset
SELECT a->>'id' AS a_chf FROM ssc.application_create(jsonb_build_object('collaboration_id', :c_chf,
         'phase', 'inception', 'title', 'In francs', 'starts_on', '2025-01-01', 'ends_on', '2025-12-31',
         'currency', 'CHF', 'budget', '[{"category": "travel", "year": 2025,
                                          "amount": {"amount_minor": 9223372036854775807, "currency": "CHF"}}]'::jsonb), NULL) a \gset
SELECT ssc.application_submit(jsonb_build_object('id', :a_chf), NULL) ->> 'status' AS status;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Applications/Approve');
SELECT ssc.application_start_review(jsonb_build_object('id', :a_chf), NULL) ->> 'status' AS status;
SELECT a ->> 'allocation_id' AS al_chf FROM ssc.application_approve(jsonb_build_object('id', :a_chf, 'pool_id', :p_chf,
         'amount', '{"amount_minor": 9223372036854775807, "currency": "CHF"}'::jsonb), NULL) a \gset
SELECT d ->> 'id' AS d_chf FROM ssc.disbursement_add(jsonb_build_object('allocation_id', :al_chf, 'kind', 'advance',
         'amount', '{"amount_minor": 9223372036854775807, "currency": "CHF"}'::jsonb), NULL) d \gset
SELECT ssc.disbursement_add(jsonb_build_object('allocation_id', :al_chf, 'kind', 'advance',
         'amount', '{"amount_minor": 1, "currency": "CHF"}'::jsonb), NULL);
SELECT ssc.disbursement_reverse(jsonb_build_object('id', :d_chf, 'reason', 'All of it back'), NULL) ->> 'kind' AS reversed;
SELECT x - '{created_at,updated_at}'::text[] AS pool_chf FROM ssc.pool_get(jsonb_build_object('id', :p_chf)) x;
COMMIT;

-- In plain SQL too an application is its collaboration's lead's: Statistics
-- Denmark may not apply for DEA's collaboration, under its own name or DEA's.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dst', '{ministry}', '/sql');
INSERT INTO ssc.applications (collaboration_id, applicant_id, phase, title, currency)
  VALUES (:c_chf, 3, 'long_term', 'Not ours', 'CHF');
INSERT INTO ssc.applications (collaboration_id, applicant_id, phase, title, currency)
  VALUES (:c_chf, 2, 'long_term', 'Not ours', 'CHF');
ROLLBACK;
-- A submission is judged on the figures of the lines written with it: lines
-- that leave nothing requested cannot be submitted in the same UPDATE.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{ministry}', '/sql');
SELECT a->>'id' AS a_zero FROM ssc.application_create(jsonb_build_object('collaboration_id', :c_chf,
         'phase', 'long_term', 'title', 'Zero', 'starts_on', '2025-01-01', 'ends_on', '2025-12-31',
         'currency', 'CHF', 'budget', '[{"category": "travel", "year": 2025,
                                          "amount": {"amount_minor": 100, "currency": "CHF"}}]'::jsonb), NULL) a \gset
UPDATE ssc.applications SET status = 'submitted',
       cofinancing = '[{"funder_id": null, "funder_name": "EU", "amount": {"amount_minor": 100, "currency": "CHF"}}]'
 WHERE id = :a_zero;
ROLLBACK;
\c - ssc_owner

-- Every change above was audited, by entity.
SELECT entity, count(*) AS entries FROM ssc.audit
 WHERE entity IN ('pool', 'pool_adjustment', 'application', 'application_version', 'application_comment',
                  'application_approval', 'application_recommendation', 'application_signoff', 'approval_tier',
                  'allocation', 'disbursement')
 GROUP BY entity ORDER BY entity;
SELECT ssc.audit_verify() - 'checked' AS audit;
