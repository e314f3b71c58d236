-- The list functions of 0019-0021 on big tables: 100,000 agreements (with
-- versions) and 100,000 secondments, 20,000 collaborations, demand signals
-- and interests. For each list (agreement_list, secondment_list,
-- collab_list, demand_list, interest_list), its query exactly as the
-- function runs it (PREPAREd with the function's variables as parameters,
-- planned with their values as PL/pgSQL plans it, see below), first page
-- and a later page and with each filter, EXPLAINed as the secretariat, as a
-- ministry and as an embassy (the row-level-security predicates are part of
-- every plan): index scans, no Seq Scan on the big tables. Then the real
-- functions are called and the rows they read counted, which is what the
-- plans cost in fact.
\ir domain_fixtures.psql

-- ---- the load ------------------------------------------------------------------

-- As the owner, with the tables' own triggers (version, audit, phase and
-- match rules, the 100 % rule) off for the bulk load and on again after:
-- 330,000 audit entries would take minutes, and these rows are for the
-- planner only. Constraints and foreign keys stay on. Distributions:
--   collaborations  lead 2, 7, 8 a third each, 3 (DST) 1 %; VN 69 %, KE 30 %, CN 1 %
--   agreements      a party of 2, 7 or 8 (3: 1 %) and a partner; every other
--                   one of a collaboration (5 each); version 2 for one in ten
--   secondments     5 per collaboration, employer 2, 7, 8 (3: 1 %), 25,000
--                   employee references of 4 non-overlapping secondments each
\c - ssc_owner
-- No autovacuum on them either: an automatic ANALYZE from a sample could
-- change the plans below between runs.
ALTER TABLE ssc.collaborations SET (autovacuum_enabled = off);
ALTER TABLE ssc.demand_signals SET (autovacuum_enabled = off);
ALTER TABLE ssc.interests SET (autovacuum_enabled = off);
ALTER TABLE ssc.agreements SET (autovacuum_enabled = off);
ALTER TABLE ssc.agreement_versions SET (autovacuum_enabled = off);
ALTER TABLE ssc.secondments SET (autovacuum_enabled = off);
ALTER TABLE ssc.collaborations DISABLE TRIGGER USER;
ALTER TABLE ssc.demand_signals DISABLE TRIGGER USER;
ALTER TABLE ssc.interests DISABLE TRIGGER USER;
ALTER TABLE ssc.agreements DISABLE TRIGGER USER;
ALTER TABLE ssc.agreement_versions DISABLE TRIGGER USER;
ALTER TABLE ssc.secondments DISABLE TRIGGER USER;
INSERT INTO ssc.collaborations (reference, title, lead_id, country, partner_ids, sectors, phase, phase_since)
SELECT 'BULK-' || i, 'Bulk ' || i,
       CASE WHEN i % 100 = 0 THEN 3 ELSE (ARRAY[2, 7, 8])[i % 3 + 1] END,
       c, ARRAY[CASE c WHEN 'VN' THEN 9 WHEN 'KE' THEN 12 ELSE 5 END]::bigint[],
       '[{"code": "23110", "percentage": 100}]', (ARRAY['matchmaking', 'inception', 'long_term', 'closed'])[i % 4 + 1],
       '2024-01-01'
  FROM generate_series(1, 20000) i,
       LATERAL (SELECT CASE WHEN i % 100 = 1 THEN 'CN' WHEN i % 10 < 3 THEN 'KE' ELSE 'VN' END) x (c);
INSERT INTO ssc.demand_signals (embassy_id, country, sectors, title, priority, screened_on, status)
SELECT CASE WHEN i % 3 = 0 THEN 11 ELSE 6 END, CASE WHEN i % 3 = 0 THEN 'KE' ELSE 'VN' END, '{23110}', 'Bulk ' || i,
       i % 3 + 1, '2024-01-01', CASE WHEN i % 10 = 0 THEN 'withdrawn' ELSE 'open' END
  FROM generate_series(1, 20000) i;
INSERT INTO ssc.interests (organisation_id, sectors, countries, capacity_months, status)
SELECT CASE WHEN i % 100 = 0 THEN 3 ELSE (ARRAY[2, 7, 8])[i % 3 + 1] END, '{23110}', '{VN}', 12,
       CASE WHEN i % 10 = 0 THEN 'withdrawn' ELSE 'open' END
  FROM generate_series(1, 20000) i;
INSERT INTO ssc.agreements (kind, title, collaboration_id, party_ids)
SELECT (ARRAY['mou', 'cooperation', 'framework', 'contract'])[i % 4 + 1], 'Bulk ' || i,
       CASE WHEN i % 2 = 0 THEN i / 2 % 20000 + 1 END,
       ARRAY[CASE WHEN i % 100 = 0 THEN 3 ELSE (ARRAY[2, 7, 8])[i % 3 + 1] END, (ARRAY[9, 10, 12, 5])[i % 4 + 1]]::bigint[]
  FROM generate_series(1, 100000) i;
INSERT INTO ssc.agreement_versions (agreement_id, number, signed_on, effective_from, notice_months)
SELECT id, 1, CASE WHEN id % 10 <> 0 THEN '2019-12-01'::date END, '2020-01-01'::date + (id % 1000)::int, 6
  FROM ssc.agreements;
INSERT INTO ssc.agreement_versions (agreement_id, number, signed_on, effective_from, effective_to, notice_months)
SELECT id, 2, '2024-12-01', '2025-01-01', '2030-12-31', 3 FROM ssc.agreements WHERE id % 10 = 5;
INSERT INTO ssc.secondments (collaboration_id, employer_id, employee_ref, expert_name, host_id, country, lead_id,
                             starts_on, ends_on, share_bp, monthly_minor, currency)
SELECT c.id, CASE WHEN i % 100 = 0 THEN 3 ELSE (ARRAY[2, 7, 8])[i % 3 + 1] END, 'E-' || (i % 25000),
       'Expert ' || (i % 25000), c.partner_ids[1], c.country, c.lead_id,
       '2020-01-01'::date + (i / 25000) * 200, '2020-01-01'::date + (i / 25000) * 200 + 180, 5000, 100, 'DKK'
  FROM generate_series(1, 100000) i
  JOIN ssc.collaborations c ON c.id = i % 20000 + 1;
ALTER TABLE ssc.collaborations ENABLE TRIGGER USER;
ALTER TABLE ssc.demand_signals ENABLE TRIGGER USER;
ALTER TABLE ssc.interests ENABLE TRIGGER USER;
ALTER TABLE ssc.agreements ENABLE TRIGGER USER;
ALTER TABLE ssc.agreement_versions ENABLE TRIGGER USER;
ALTER TABLE ssc.secondments ENABLE TRIGGER USER;
-- Statistics from every row (a sample of 300 x 1000 rows covers each
-- table), so that the plans below are the same on every run.
SET default_statistics_target = 1000;
ANALYZE ssc.collaborations, ssc.demand_signals, ssc.interests, ssc.agreements, ssc.agreement_versions,
        ssc.secondments;
RESET default_statistics_target;
SELECT relname, reltuples::bigint AS rows FROM pg_class
 WHERE oid IN ('ssc.collaborations'::regclass, 'ssc.demand_signals'::regclass, 'ssc.interests'::regclass,
               'ssc.agreements'::regclass, 'ssc.agreement_versions'::regclass, 'ssc.secondments'::regclass)
 ORDER BY relname;
-- The triggers are all on again.
SELECT tgrelid::regclass AS "table", count(*) FILTER (WHERE tgenabled = 'O') AS enabled,
       count(*) FILTER (WHERE tgenabled <> 'O') AS disabled
  FROM pg_trigger
 WHERE tgrelid IN ('ssc.collaborations'::regclass, 'ssc.demand_signals'::regclass, 'ssc.interests'::regclass,
                   'ssc.agreements'::regclass, 'ssc.agreement_versions'::regclass, 'ssc.secondments'::regclass)
   AND NOT tgisinternal
 GROUP BY tgrelid ORDER BY tgrelid::regclass::text;

-- ---- the queries, as the functions run them --------------------------------------

-- Each list function's query, word for word, its PL/pgSQL variables as
-- parameters. PL/pgSQL plans such a statement with the values of the call
-- (a custom plan) for the first calls and keeps doing so while a generic
-- plan would cost more, which for these it does: plan_cache_mode =
-- force_custom_plan shows the plan a call gets (the counts at the end
-- confirm it over many calls). The predicates of row-level security join
-- each plan as the filter or condition they become for the caller.
\c - ssc_app
PREPARE agreement_list (bigint, text, bigint, bigint, text, date, int) AS
  SELECT coalesce(jsonb_agg(j ORDER BY id), '[]')
    FROM (SELECT x.id, ssc.agreement_json(x, $6) AS j
            FROM ssc.agreements x
           WHERE x.id > $1
             AND ($2 = '' OR x.kind = $2)
             AND ($3 = 0 OR x.collaboration_id = $3)
             AND ($4 = 0 OR x.party_ids @> ARRAY[$4])
             AND ($5 = ''
                  OR ssc.agreement_status(x, ssc.agreement_version_on(x.id, $6),
                                          $6) = $5)
           ORDER BY x.id LIMIT $7) page;
PREPARE secondment_list (bigint, bigint, bigint, text, text, date, int) AS
  SELECT coalesce(jsonb_agg(ssc.secondment_json(s, $6) ORDER BY s.id), '[]')
    FROM (SELECT * FROM ssc.secondments x
           WHERE x.id > $1
             AND ($2 = 0 OR x.collaboration_id = $2)
             AND ($3 = 0 OR x.employer_id = $3)
             AND ($4 = '' OR x.employee_ref = $4)
             AND ($5 = '' OR ssc.secondment_status(x, $6) = $5)
           ORDER BY x.id LIMIT $7) s;
PREPARE collab_list (bigint, text, text, bigint, date, int) AS
  SELECT coalesce(jsonb_agg(ssc.collab_json(c, $5) ORDER BY c.id), '[]')
    FROM (SELECT * FROM ssc.collaborations x
           WHERE x.id > $1
             AND ($2 = '' OR x.country = $2)
             AND ($3 = '' OR x.phase = $3)
             AND ($4 = 0 OR x.lead_id = $4)
           ORDER BY x.id LIMIT $6) c;
PREPARE demand_list (bigint, text, text, int) AS
  SELECT coalesce(jsonb_agg(ssc.demand_json(d) ORDER BY d.id), '[]')
    FROM (SELECT * FROM ssc.demand_signals x
           WHERE x.id > $1
             AND ($2 = '' OR x.country = $2)
             AND ($3 = '' OR x.status = $3)
           ORDER BY x.id LIMIT $4) d;
PREPARE interest_list (bigint, bigint, text, int) AS
  SELECT coalesce(jsonb_agg(ssc.interest_json(i) ORDER BY i.id), '[]')
    FROM (SELECT * FROM ssc.interests x
           WHERE x.id > $1
             AND ($2 = 0 OR x.organisation_id = $2)
             AND ($3 = '' OR x.status = $3)
           ORDER BY x.id LIMIT $4) i;
SET plan_cache_mode = force_custom_plan;
-- The plans alone, one line per line of plan.
\pset format unaligned
\pset tuples_only on

-- As the secretariat (reads everything): agreements (after, kind,
-- collaboration, party, status, as_of, page size + 1).
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat,ministry,embassy}', '/ssc.v1.Agreements/List');
EXPLAIN (COSTS OFF) EXECUTE agreement_list(0, '', 0, 0, '', '2025-01-01', 51);
EXPLAIN (COSTS OFF) EXECUTE agreement_list(60000, '', 0, 0, '', '2025-01-01', 51);
EXPLAIN (COSTS OFF) EXECUTE agreement_list(0, '', 1234, 0, '', '2025-01-01', 51);
EXPLAIN (COSTS OFF) EXECUTE agreement_list(2000, '', 1234, 0, '', '2025-01-01', 51);
EXPLAIN (COSTS OFF) EXECUTE agreement_list(0, '', 0, 3, '', '2025-01-01', 51);
EXPLAIN (COSTS OFF) EXECUTE agreement_list(60000, '', 0, 9, '', '2025-01-01', 51);
EXPLAIN (COSTS OFF) EXECUTE agreement_list(0, 'contract', 0, 0, '', '2025-01-01', 51);
EXPLAIN (COSTS OFF) EXECUTE agreement_list(60000, 'contract', 0, 0, '', '2025-01-01', 51);
-- The status is derived row by row: filtered on, it is a filter on the scan.
EXPLAIN (COSTS OFF) EXECUTE agreement_list(0, '', 0, 0, 'active', '2025-01-01', 51);
EXPLAIN (COSTS OFF) EXECUTE agreement_list(0, 'contract', 0, 0, 'active', '2025-01-01', 51);
-- Secondments (after, collaboration, employer, employee_ref, status, as_of,
-- page size + 1).
EXPLAIN (COSTS OFF) EXECUTE secondment_list(0, 0, 0, '', '', '2025-01-01', 51);
EXPLAIN (COSTS OFF) EXECUTE secondment_list(60000, 0, 0, '', '', '2025-01-01', 51);
EXPLAIN (COSTS OFF) EXECUTE secondment_list(0, 1234, 0, '', '', '2025-01-01', 51);
EXPLAIN (COSTS OFF) EXECUTE secondment_list(0, 0, 2, 'E-42', '', '2025-01-01', 51);
EXPLAIN (COSTS OFF) EXECUTE secondment_list(60000, 0, 2, 'E-42', '', '2025-01-01', 51);
EXPLAIN (COSTS OFF) EXECUTE secondment_list(0, 0, 3, '', '', '2025-01-01', 51);
EXPLAIN (COSTS OFF) EXECUTE secondment_list(0, 0, 0, '', 'active', '2020-03-01', 51);
-- Collaborations (after, country, phase, lead, as_of, page size + 1),
-- demand signals (after, country, status, page size + 1), interests
-- (after, organisation, status, page size + 1).
EXPLAIN (COSTS OFF) EXECUTE collab_list(0, '', '', 0, '2025-01-01', 51);
EXPLAIN (COSTS OFF) EXECUTE collab_list(12000, '', '', 0, '2025-01-01', 51);
EXPLAIN (COSTS OFF) EXECUTE collab_list(0, 'CN', '', 0, '2025-01-01', 51);
EXPLAIN (COSTS OFF) EXECUTE collab_list(12000, 'KE', '', 0, '2025-01-01', 51);
EXPLAIN (COSTS OFF) EXECUTE collab_list(0, '', '', 3, '2025-01-01', 51);
EXPLAIN (COSTS OFF) EXECUTE collab_list(0, '', 'closed', 0, '2025-01-01', 51);
EXPLAIN (COSTS OFF) EXECUTE demand_list(0, '', '', 51);
EXPLAIN (COSTS OFF) EXECUTE demand_list(12000, 'KE', '', 51);
EXPLAIN (COSTS OFF) EXECUTE demand_list(0, 'VN', 'withdrawn', 51);
EXPLAIN (COSTS OFF) EXECUTE interest_list(0, 0, '', 51);
EXPLAIN (COSTS OFF) EXECUTE interest_list(0, 3, '', 51);
EXPLAIN (COSTS OFF) EXECUTE interest_list(12000, 3, 'open', 51);
ROLLBACK;

-- As a ministry (DST, scope {3}: 1 % of the rows), where the policies'
-- predicates become filters on the scan.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dst', '{secretariat,ministry,embassy}', '/ssc.v1.Agreements/List');
EXPLAIN (COSTS OFF) EXECUTE agreement_list(0, '', 0, 0, '', '2025-01-01', 51);
EXPLAIN (COSTS OFF) EXECUTE agreement_list(60000, '', 0, 0, '', '2025-01-01', 51);
EXPLAIN (COSTS OFF) EXECUTE agreement_list(0, '', 100, 0, '', '2025-01-01', 51);
EXPLAIN (COSTS OFF) EXECUTE agreement_list(0, '', 0, 3, '', '2025-01-01', 51);
EXPLAIN (COSTS OFF) EXECUTE secondment_list(0, 0, 0, '', '', '2025-01-01', 51);
EXPLAIN (COSTS OFF) EXECUTE secondment_list(60000, 0, 0, '', '', '2025-01-01', 51);
EXPLAIN (COSTS OFF) EXECUTE secondment_list(0, 100, 0, '', '', '2025-01-01', 51);
EXPLAIN (COSTS OFF) EXECUTE secondment_list(0, 0, 3, 'E-100', '', '2025-01-01', 51);
EXPLAIN (COSTS OFF) EXECUTE collab_list(0, '', '', 0, '2025-01-01', 51);
EXPLAIN (COSTS OFF) EXECUTE collab_list(0, 'VN', '', 0, '2025-01-01', 51);
EXPLAIN (COSTS OFF) EXECUTE demand_list(0, '', '', 51);
EXPLAIN (COSTS OFF) EXECUTE interest_list(0, 3, '', 51);
ROLLBACK;

-- As the embassy in Kenya (its country's rows; no agreements).
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=embassy-ke', '{secretariat,ministry,embassy}', '/ssc.v1.Agreements/List');
EXPLAIN (COSTS OFF) EXECUTE agreement_list(0, '', 0, 0, '', '2025-01-01', 51);
EXPLAIN (COSTS OFF) EXECUTE secondment_list(0, 0, 0, '', '', '2025-01-01', 51);
EXPLAIN (COSTS OFF) EXECUTE secondment_list(0, 1234, 0, '', '', '2025-01-01', 51);
EXPLAIN (COSTS OFF) EXECUTE collab_list(0, '', '', 0, '2025-01-01', 51);
EXPLAIN (COSTS OFF) EXECUTE collab_list(0, 'KE', '', 0, '2025-01-01', 51);
EXPLAIN (COSTS OFF) EXECUTE demand_list(0, 'KE', '', 51);
EXPLAIN (COSTS OFF) EXECUTE interest_list(0, 0, '', 51);
ROLLBACK;
RESET plan_cache_mode;
\pset format aligned
\pset tuples_only off

-- ---- what the functions read -----------------------------------------------------

-- The real functions, called as sscd calls them (page size 50 + 1), each
-- in its own call, counting from the statistics of this transaction the
-- sequential scans of the listed table and the rows fetched from it (by
-- the list's scan, and for agreements also by the policies of
-- agreement_versions, which look their agreement up: about 4 a row shown).
-- A page reads about as many rows as it returns, more where a filter or
-- the caller's policy keeps few rows in id order: DST sees 1 % of the
-- rows; a party (1) with no agreements, the embassy in Kenya, which sees
-- no agreement, and the same embassy's interests (every one names VN
-- only) read the whole table through the primary key to return nothing.
CREATE FUNCTION pg_temp.reads(who text, fn text, p jsonb, after text,
                              OUT got int, OUT seq_scans bigint, OUT rows_read bigint)
  LANGUAGE plpgsql
AS $$
DECLARE
  t regclass := CASE fn WHEN 'agreement_list' THEN 'ssc.agreements' WHEN 'secondment_list' THEN 'ssc.secondments'
                        WHEN 'collab_list' THEN 'ssc.collaborations' WHEN 'demand_list' THEN 'ssc.demand_signals'
                        ELSE 'ssc.interests' END;
  s0 bigint;
  r0 bigint;
  v jsonb;
BEGIN
  PERFORM ssc.begin_call('', who, '{secretariat,ministry,embassy}', '/domain_indexes');
  SELECT x.seq_scan, x.seq_tup_read + x.idx_tup_fetch INTO s0, r0 FROM pg_stat_xact_user_tables x WHERE x.relid = t;
  EXECUTE format('SELECT ssc.%I($1, $2, 51)', fn) INTO v USING p, after;
  got := jsonb_array_length(v);
  SELECT x.seq_scan - s0, x.seq_tup_read + x.idx_tup_fetch - r0 INTO seq_scans, rows_read
    FROM pg_stat_xact_user_tables x WHERE x.relid = t;
END
$$;
BEGIN;
SELECT who, fn, p, after, r.*
  FROM (VALUES
    (1, 'CN=secretariat', 'agreement_list', '{}', ''), (2, 'CN=secretariat', 'agreement_list', '{}', '60000'),
    (3, 'CN=secretariat', 'agreement_list', '{"collaboration_id": 1234}', ''),
    (4, 'CN=secretariat', 'agreement_list', '{"party_id": 3}', ''),
    (5, 'CN=secretariat', 'agreement_list', '{"party_id": 1}', ''),
    (6, 'CN=secretariat', 'agreement_list', '{"status": "active", "as_of": "2025-01-01"}', ''),
    (7, 'CN=dst', 'agreement_list', '{}', ''), (8, 'CN=dst', 'agreement_list', '{}', '60000'),
    (9, 'CN=dst', 'agreement_list', '{"collaboration_id": 100}', ''),
    (10, 'CN=embassy-ke', 'agreement_list', '{}', ''),
    (11, 'CN=secretariat', 'secondment_list', '{}', ''), (12, 'CN=secretariat', 'secondment_list', '{}', '60000'),
    (13, 'CN=secretariat', 'secondment_list', '{"collaboration_id": 1234}', ''),
    (14, 'CN=secretariat', 'secondment_list', '{"employer_id": 2, "employee_ref": "E-42"}', ''),
    (15, 'CN=secretariat', 'secondment_list', '{"employer_id": 3}', ''),
    (16, 'CN=secretariat', 'secondment_list', '{"employer_id": 1}', ''),
    (17, 'CN=dst', 'secondment_list', '{}', ''), (18, 'CN=dst', 'secondment_list', '{"employer_id": 3, "employee_ref": "E-100"}', ''),
    (19, 'CN=embassy-ke', 'secondment_list', '{}', ''),
    (20, 'CN=secretariat', 'collab_list', '{}', ''), (21, 'CN=secretariat', 'collab_list', '{"country": "CN"}', ''),
    (22, 'CN=secretariat', 'collab_list', '{"lead_id": 3}', '12000'),
    (23, 'CN=dst', 'collab_list', '{}', ''), (24, 'CN=embassy-ke', 'collab_list', '{}', ''),
    (25, 'CN=secretariat', 'demand_list', '{"country": "KE"}', '12000'), (26, 'CN=dst', 'demand_list', '{}', ''),
    (27, 'CN=embassy-ke', 'demand_list', '{}', ''),
    (28, 'CN=secretariat', 'interest_list', '{"organisation_id": 3}', ''), (29, 'CN=dst', 'interest_list', '{}', ''),
    (30, 'CN=embassy-ke', 'interest_list', '{}', '')) v (n, who, fn, p, after),
    LATERAL pg_temp.reads(who, fn, p::jsonb, after) r
 ORDER BY n;
-- The same statement called again and again keeps its custom plans: ten
-- collaborations' agreements, each read through the collaboration index.
SELECT sum(r.got) AS got, sum(r.seq_scans) AS seq_scans, sum(r.rows_read) AS rows_read
  FROM generate_series(101, 110) c,
       LATERAL pg_temp.reads('CN=secretariat', 'agreement_list', jsonb_build_object('collaboration_id', c), '') r;
ROLLBACK;

-- ---- the radar (0025) on the same tables -------------------------------------------

-- Each kind of event reads from an index on its date, so a call costs the
-- events in its window, not the size of the record: a month with no
-- deadline reads next to nothing, as the secretariat, a ministry and an
-- embassy, with no sequential scan of the big tables. (The days of 2030
-- when 10,000 agreements end at once cost those 10,000: see sql/API.md.)
CREATE FUNCTION pg_temp.radar_reads(who text, p jsonb,
                                    OUT got int, OUT seq_scans bigint, OUT rows_read bigint)
  LANGUAGE plpgsql
AS $$
DECLARE
  ts regclass[] := ARRAY['ssc.agreements', 'ssc.agreement_versions', 'ssc.secondments',
                         'ssc.collaboration_phases', 'ssc.collaborations']::regclass[];
  s0 bigint;
  r0 bigint;
BEGIN
  PERFORM ssc.begin_call('', who, '{secretariat,ministry,embassy}', '/domain_indexes');
  SELECT sum(x.seq_scan), sum(x.seq_tup_read + coalesce(x.idx_tup_fetch, 0)) INTO s0, r0
    FROM pg_stat_xact_user_tables x WHERE x.relid = ANY (ts);
  got := jsonb_array_length(ssc.radar_list(p, '', 51));
  SELECT sum(x.seq_scan) - s0, sum(x.seq_tup_read + coalesce(x.idx_tup_fetch, 0)) - r0
    INTO seq_scans, rows_read
    FROM pg_stat_xact_user_tables x WHERE x.relid = ANY (ts);
END
$$;
BEGIN;
SELECT who, p, r.*
  FROM (VALUES
    (1, 'CN=secretariat', '{"as_of": "2026-01-01", "horizon_days": 30}'),
    (2, 'CN=secretariat', '{"as_of": "2026-01-01", "horizon_days": 30, "kinds": ["notice_deadline"]}'),
    (3, 'CN=dst', '{"as_of": "2026-01-01", "horizon_days": 30}'),
    (4, 'CN=embassy-ke', '{"as_of": "2026-01-01", "horizon_days": 30}'),
    (5, 'CN=secretariat', '{"as_of": "2020-06-01", "horizon_days": 30, "kinds": ["secondment_end"]}')) v (n, who, p),
    LATERAL pg_temp.radar_reads(who, p::jsonb) r
 ORDER BY n;
ROLLBACK;

-- sscd's connections live long: after five runs PostgreSQL may keep one
-- generic plan for a PL/pgSQL statement instead of planning it with the
-- values of each call, and a generic plan cannot use the index of an
-- optional filter. The lists plan with each call's values whatever the
-- session says (0023: plan_cache_mode = force_custom_plan on each list), so
-- with generic plans forced here the rows read are those above; the
-- radar's date ranges take their indexes in a generic plan too.
BEGIN;
SET LOCAL plan_cache_mode = force_generic_plan;
SELECT n, who, fn, p, r.seq_scans, r.rows_read
  FROM (VALUES
    (1, 'CN=secretariat', 'agreement_list', '{}', ''),
    (3, 'CN=secretariat', 'agreement_list', '{"collaboration_id": 1234}', ''),
    (7, 'CN=dst', 'agreement_list', '{}', ''),
    (11, 'CN=secretariat', 'secondment_list', '{}', ''),
    (13, 'CN=secretariat', 'secondment_list', '{"collaboration_id": 1234}', ''),
    (14, 'CN=secretariat', 'secondment_list', '{"employer_id": 2, "employee_ref": "E-42"}', ''),
    (20, 'CN=secretariat', 'collab_list', '{}', ''), (21, 'CN=secretariat', 'collab_list', '{"country": "CN"}', ''),
    (22, 'CN=secretariat', 'collab_list', '{"lead_id": 3}', '12000'),
    (25, 'CN=secretariat', 'demand_list', '{"country": "KE"}', '12000'),
    (28, 'CN=secretariat', 'interest_list', '{"organisation_id": 3}', '')) v (n, who, fn, p, after),
    LATERAL pg_temp.reads(who, fn, p::jsonb, after) r
 ORDER BY n;
SELECT who, p, r.seq_scans, r.rows_read
  FROM (VALUES
    (1, 'CN=secretariat', '{"as_of": "2026-01-01", "horizon_days": 30}'),
    (3, 'CN=dst', '{"as_of": "2026-01-01", "horizon_days": 30}')) v (n, who, p),
    LATERAL pg_temp.radar_reads(who, p::jsonb) r
 ORDER BY n;
ROLLBACK;

