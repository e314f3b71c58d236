-- Collaborations and matchmaking (0019): demand signals and interests,
-- match_list's ranking and paging, collaborations made from a match and
-- from nothing with every input rule, the phase machine of
-- collaboration_phase_steps pair by pair, suspension, cancellation, the
-- transition history, and the IATI activity status as of a date.
-- Instants differ from run to run and "today" moves, so rows are shown by
-- their fields and every date that matters is given.
\ir domain_fixtures.psql

-- A collaboration's phases in one line: phase started..ended (planned
-- start..end), for reading, not for the API.
CREATE FUNCTION pg_temp.phases(c jsonb) RETURNS text
  LANGUAGE sql
  RETURN (SELECT string_agg(format('%s %s..%s (%s..%s)', ph->>'phase', ph->>'started_on', ph->>'ended_on',
                                   ph->>'planned_start', ph->>'planned_end'), '; ')
            FROM jsonb_array_elements(c->'phases') ph);

-- ---- demand signals and interests -----------------------------------------

-- Demand signals, screened by the two embassies (an embassy's own by
-- default; sectors are sorted, the partner must be in the embassy's country).
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=embassy-vn', '{secretariat,embassy}', '/ssc.v1.Matchmaking/CreateDemandSignal');
SELECT d->>'id' AS id, d->>'embassy_id' AS embassy, d->>'country' AS country, d->'sectors' AS sectors,
       d->>'partner_id' AS partner, d->>'priority' AS priority, d->>'status' AS status
  FROM (VALUES
    (ssc.demand_create('{"sectors": ["23240", "23110"], "partner_id": 9, "title": "Offshore wind roadmap",
                         "priority": 2, "screened_on": "2024-03-01"}'::jsonb, NULL)),
    (ssc.demand_create('{"sectors": ["23630", "23110", "23240"], "partner_id": 9,
                         "title": "Grid integration of renewables", "priority": 3,
                         "screened_on": "2024-03-01"}'::jsonb, NULL)),
    (ssc.demand_create('{"sectors": ["15143"], "partner_id": 10, "title": "Hydro-meteorological forecasting",
                         "priority": 1, "screened_on": "2024-03-02"}'::jsonb, NULL))) v (d);
-- The partner must be a partner authority in the embassy's country.
SELECT ssc.demand_create('{"sectors": ["23110"], "partner_id": 12, "title": "X", "priority": 1,
                           "screened_on": "2024-03-02"}'::jsonb, NULL);
SELECT ssc.demand_create('{"sectors": ["23110"], "partner_id": 2, "title": "X", "priority": 1,
                           "screened_on": "2024-03-02"}'::jsonb, NULL);
SELECT ssc.demand_create('{"sectors": ["23110"], "title": "X", "priority": 4, "screened_on": "2024-03-02"}'::jsonb, NULL);
SELECT ssc.demand_create('{"sectors": ["23110"], "title": "X", "priority": 1, "screened_on": "1/3"}'::jsonb, NULL);
-- Another embassy's signal is not its to write (the insert policy).
SELECT ssc.demand_create('{"embassy_id": 11, "sectors": ["23110"], "title": "X", "priority": 1,
                           "screened_on": "2024-03-02"}'::jsonb, NULL);
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=embassy-ke', '{secretariat,embassy}', '/ssc.v1.Matchmaking/CreateDemandSignal');
SELECT d->>'id' AS id, d->>'embassy_id' AS embassy, d->>'country' AS country, d->'sectors' AS sectors
  FROM ssc.demand_create('{"sectors": ["23110"], "partner_id": 12, "title": "Energy regulation",
                           "priority": 1, "screened_on": "2024-03-05"}'::jsonb, NULL) d;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=embassy-vn', '{secretariat,embassy}', '/ssc.v1.Matchmaking/CreateDemandSignal');
SELECT d->>'id' AS id, d->>'country' AS country, d->'sectors' AS sectors, d->>'partner_id' AS partner
  FROM ssc.demand_create('{"sectors": ["23110"], "title": "Energy efficiency policy", "priority": 1,
                           "screened_on": "2024-03-06"}'::jsonb, NULL) d;
COMMIT;

-- Interests: DEA (VN and KE), DMI (by DMI itself), DUR, Statistics Denmark.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Matchmaking/CreateInterest');
SELECT i->>'id' AS id, i->>'organisation_id' AS org, i->'sectors' AS sectors, i->'countries' AS countries
  FROM ssc.interest_create('{"sectors": ["23630", "23110", "23240"], "countries": ["VN", "KE", "VN"],
                             "capacity_months": 24}'::jsonb, NULL) i;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dmi', '{secretariat,ministry}', '/ssc.v1.Matchmaking/CreateInterest');
SELECT i->>'id' AS id, i->>'organisation_id' AS org, i->'sectors' AS sectors, i->'countries' AS countries
  FROM ssc.interest_create('{"sectors": ["41010", "15143"], "countries": ["VN"], "capacity_months": 12}'::jsonb, NULL) i;
-- Not for its parent: DMI's scope is DMI.
SELECT ssc.interest_create('{"organisation_id": 2, "sectors": ["15143"], "countries": ["VN"]}'::jsonb, NULL);
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dur', '{secretariat,ministry}', '/ssc.v1.Matchmaking/CreateInterest');
SELECT i->>'id' AS id, i->>'organisation_id' AS org, i->'sectors' AS sectors, i->'countries' AS countries
  FROM ssc.interest_create('{"sectors": ["23110"], "countries": ["VN"], "capacity_months": 6}'::jsonb, NULL) i;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dst', '{secretariat,ministry}', '/ssc.v1.Matchmaking/CreateInterest');
SELECT i->>'id' AS id, i->>'organisation_id' AS org, i->'sectors' AS sectors, i->'countries' AS countries
  FROM ssc.interest_create('{"sectors": ["16062"], "countries": ["VN"], "capacity_months": 3}'::jsonb, NULL) i;
SELECT ssc.interest_create('{"sectors": ["16062"], "countries": ["Viet Nam"]}'::jsonb, NULL);
SELECT ssc.interest_create('{"sectors": ["16062"], "countries": []}'::jsonb, NULL);
SELECT ssc.interest_create('{"sectors": ["16062"], "countries": ["VN"], "capacity_months": 1201}'::jsonb, NULL);
COMMIT;

-- DUR already leads an open collaboration in VN (made from nothing), so its
-- matches there rank above equal ones of authorities that do not.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dur', '{secretariat,ministry}', '/ssc.v1.Collaborations/Create');
SELECT c->>'id' AS id, c->>'reference' AS reference, c->>'lead_id' AS lead, c->>'phase' AS phase
  FROM ssc.collab_create('{"title": "Utility regulation", "country": "VN", "partner_ids": [9],
                           "sectors": [{"code": "23110", "percentage": 100}],
                           "started_on": "2024-01-10"}'::jsonb, NULL) c;
COMMIT;

-- ---- match_list -----------------------------------------------------------

-- Every pair, as the secretariat sees them: more shared sectors first, then
-- priority 1 before 3, then an authority already working in the country
-- (DUR's pair with signal 6 before DMI's with signal 3 and DEA's with 5
-- and 6), then signal and interest id. DST's interest (16062) meets
-- nothing. The refused inserts above used up ids 4 (signal) and 3
-- (interest): signals are 1, 2, 3, 5 (KE), 6; interests 1 (DEA), 2 (DMI),
-- 4 (DUR), 5 (DST).
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Matchmaking/ListMatches');
SELECT m->>'demand_signal_id' AS signal, m->>'interest_id' AS interest, m->>'country' AS country,
       m->>'overlap' AS overlap, m->>'priority' AS priority, m->>'works_in_country' AS works,
       m->>'organisation_id' AS org, m->'shared_sectors' AS shared, m->>'cursor' AS cursor
  FROM jsonb_array_elements(ssc.match_list('{}'::jsonb, '', 100)) m;
-- Paging: each page goes on after the last cursor of the one before.
SELECT jsonb_path_query_array(ssc.match_list('{}'::jsonb, '', 3), '$[*].cursor') AS page_1,
       ssc.match_list('{}'::jsonb, '', 3)->2->>'cursor' AS last_1 \gset
SELECT :'page_1' AS page_1;
SELECT jsonb_path_query_array(ssc.match_list('{}'::jsonb, :'last_1', 3), '$[*].cursor') AS page_2,
       ssc.match_list('{}'::jsonb, :'last_1', 3)->2->>'cursor' AS last_2 \gset
SELECT :'page_2' AS page_2;
SELECT jsonb_path_query_array(ssc.match_list('{}'::jsonb, :'last_2', 3), '$[*].cursor') AS page_3,
       ssc.match_list('{}'::jsonb, '99.3.0.2.4', 3) AS after_the_last;
-- Filters: by country, by sector (both sides must have it), both.
SELECT jsonb_path_query_array(ssc.match_list('{"country": "KE"}'::jsonb, '', 100), '$[*].cursor') AS in_ke,
       jsonb_path_query_array(ssc.match_list('{"sector": "15143"}'::jsonb, '', 100), '$[*].cursor') AS met,
       jsonb_path_query_array(ssc.match_list('{"sector": "23240"}'::jsonb, '', 100), '$[*].cursor') AS wind,
       jsonb_path_query_array(ssc.match_list('{"country": "KE", "sector": "23240"}'::jsonb, '', 100),
                              '$[*].cursor') AS wind_in_ke,
       ssc.match_list('{"sector": "16062"}'::jsonb, '', 100) AS statistics;
SELECT ssc.match_list('{"country": "vn"}'::jsonb, '', 10);
SELECT ssc.match_list('{"sector": "99999"}'::jsonb, '', 10);
SELECT ssc.match_list('{}'::jsonb, '1.2.3', 10);
SELECT ssc.match_list('{}'::jsonb, '99.1.0.5.x', 10);
SELECT ssc.match_list('{}'::jsonb, '', 0);
COMMIT;

-- Each caller sees the pairs of which it may read both sides: DEA its
-- scope's interests (DEA's and DMI's), DUR its own, an embassy those in its
-- country.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,auditor,ministry,embassy}', '/ssc.v1.Matchmaking/ListMatches');
SELECT jsonb_path_query_array(ssc.match_list('{}'::jsonb, '', 100), '$[*].cursor') AS pairs;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dmi', '{secretariat,auditor,ministry,embassy}', '/ssc.v1.Matchmaking/ListMatches');
SELECT jsonb_path_query_array(ssc.match_list('{}'::jsonb, '', 100), '$[*].cursor') AS pairs;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dur', '{secretariat,auditor,ministry,embassy}', '/ssc.v1.Matchmaking/ListMatches');
SELECT jsonb_path_query_array(ssc.match_list('{}'::jsonb, '', 100), '$[*].cursor') AS pairs;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dst', '{secretariat,auditor,ministry,embassy}', '/ssc.v1.Matchmaking/ListMatches');
SELECT jsonb_path_query_array(ssc.match_list('{}'::jsonb, '', 100), '$[*].cursor') AS pairs;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=embassy-vn', '{secretariat,auditor,ministry,embassy}', '/ssc.v1.Matchmaking/ListMatches');
SELECT jsonb_path_query_array(ssc.match_list('{}'::jsonb, '', 100), '$[*].cursor') AS pairs;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=embassy-ke', '{secretariat,auditor,ministry,embassy}', '/ssc.v1.Matchmaking/ListMatches');
SELECT jsonb_path_query_array(ssc.match_list('{}'::jsonb, '', 100), '$[*].cursor') AS pairs;
COMMIT;

-- ---- a collaboration from a match -----------------------------------------

-- DEA makes a collaboration of signal 2 and its interest 1: lead, country,
-- embassy, partner and sectors come from the match (three shared sectors:
-- 34, 33, 33), and both sides become matched in the same transaction,
-- although DEA may not write the embassy's signal itself.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Collaborations/Create');
SELECT c->>'id' AS id, c->>'reference' AS reference, c->>'lead_id' AS lead, c->>'country' AS country,
       c->>'embassy_id' AS embassy, c->'partner_ids' AS partners, c->'sectors' AS sectors,
       c->>'demand_signal_id' AS signal, c->>'interest_id' AS interest, c->>'iati_status_name' AS iati
  FROM ssc.collab_create('{"demand_signal_id": 2, "interest_id": 1, "title": "Grid integration",
                           "started_on": "2024-04-01"}'::jsonb, NULL) c;
-- With plain SQL DEA cannot write the signal: the update policy hides it.
UPDATE ssc.demand_signals SET status = 'open' WHERE id = 2 RETURNING id;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Matchmaking/GetDemandSignal');
SELECT d->>'status' AS signal_2, d->>'version' AS version FROM ssc.demand_get('{"id": 2}'::jsonb) d;
SELECT i->>'status' AS interest_1, i->>'version' AS version FROM ssc.interest_get('{"id": 1}'::jsonb) i;
-- Every pair of either side is gone from the matches.
SELECT jsonb_path_query_array(ssc.match_list('{}'::jsonb, '', 100), '$[*].cursor') AS pairs;
-- The same match again (SC412: neither side is open), or the interest with
-- another signal; a match that does not meet in sector or in country.
SELECT ssc.collab_create('{"demand_signal_id": 2, "interest_id": 1, "title": "Again"}'::jsonb, NULL);
SELECT ssc.collab_create('{"demand_signal_id": 5, "interest_id": 1, "title": "Kenya too"}'::jsonb, NULL);
SELECT ssc.collab_create('{"demand_signal_id": 3, "interest_id": 4, "title": "No shared sector",
                           "sectors": [{"code": "15143", "percentage": 100}]}'::jsonb, NULL);
SELECT ssc.collab_create('{"demand_signal_id": 3, "interest_id": 4, "title": "No shared sector"}'::jsonb, NULL);
SELECT ssc.collab_create('{"demand_signal_id": 5, "interest_id": 4, "title": "Not in Kenya",
                           "sectors": [{"code": "23110", "percentage": 100}]}'::jsonb, NULL);
-- A match is both sides or neither; its country is the signal's.
SELECT ssc.collab_create('{"demand_signal_id": 6, "title": "Half a match"}'::jsonb, NULL);
SELECT ssc.collab_create('{"demand_signal_id": 6, "interest_id": 4, "country": "KE", "title": "Elsewhere"}'::jsonb, NULL);
SELECT ssc.collab_create('{"demand_signal_id": 99, "interest_id": 4, "title": "Nothing"}'::jsonb, NULL);
COMMIT;
-- To a ministry a matched signal is no longer published demand: not found.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Collaborations/Create');
SELECT ssc.collab_create('{"demand_signal_id": 2, "interest_id": 1, "title": "Again"}'::jsonb, NULL);
-- Nor may a ministry use an interest outside its scope (DUR's, 4).
SELECT ssc.collab_create('{"demand_signal_id": 6, "interest_id": 4, "title": "Theirs"}'::jsonb, NULL);
ROLLBACK;
-- Signal 6 with DUR's interest 4, taken by DUR: the signal names no
-- partner to default to, so partners must be given.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dur', '{secretariat,ministry}', '/ssc.v1.Collaborations/Create');
SELECT ssc.collab_create('{"demand_signal_id": 6, "interest_id": 4, "title": "Energy efficiency"}'::jsonb, NULL);
SELECT c->>'id' AS id, c->>'lead_id' AS lead, c->'partner_ids' AS partners, c->'sectors' AS sectors,
       c->>'embassy_id' AS embassy
  FROM ssc.collab_create('{"demand_signal_id": 6, "interest_id": 4, "title": "Energy efficiency",
                           "partner_ids": [10], "started_on": "2024-04-02"}'::jsonb, NULL) c;
COMMIT;
-- ssc_app cannot take a match by itself: the trigger function is the owner's.
SELECT ssc.collaborations_take_match();

-- ---- collab_create from nothing: every rule --------------------------------

-- The reference is upper-cased; partners in the country, the embassy of the
-- country, sectors sorted by code.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Collaborations/Create');
SELECT c->>'id' AS id, c->>'reference' AS reference, c->>'title' AS title, c->>'lead_id' AS lead,
       c->'partner_ids' AS partners, c->>'embassy_id' AS embassy, c->'sectors' AS sectors,
       c->>'phase' AS phase, c->>'phase_since' AS since, pg_temp.phases(c) AS phases
  FROM ssc.collab_create('{"reference": "vn-met-01", "title": " Early warning ", "lead_id": 7,
                           "country": "VN", "partner_ids": [10, 9], "embassy_id": 6,
                           "sectors": [{"code": "43060", "percentage": 40},
                                       {"code": "15143", "percentage": 60}],
                           "started_on": "2024-05-01", "planned_start": "2024-05-01",
                           "planned_end": "2024-07-31"}'::jsonb, NULL) c;
COMMIT;

-- Sectors: percentages 1..100 each, whole numbers, distinct known codes,
-- summing to 100; at least one, at most 20.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Collaborations/Create');
\set req '{"title": "Sectors", "country": "VN", "partner_ids": [9], "started_on": "2024-06-01"}'
SELECT ssc.collab_create(:'req'::jsonb || '{"sectors": [{"code": "23110", "percentage": 60}, {"code": "23240", "percentage": 30}]}', NULL);
SELECT ssc.collab_create(:'req'::jsonb || '{"sectors": [{"code": "23110", "percentage": 60}, {"code": "23240", "percentage": 41}]}', NULL);
SELECT ssc.collab_create(:'req'::jsonb || '{"sectors": [{"code": "23110", "percentage": 50}, {"code": "23110", "percentage": 50}]}', NULL);
SELECT ssc.collab_create(:'req'::jsonb || '{"sectors": [{"code": "99999", "percentage": 100}]}', NULL);
SELECT ssc.collab_create(:'req'::jsonb || '{"sectors": [{"code": "2311", "percentage": 100}]}', NULL);
SELECT ssc.collab_create(:'req'::jsonb || '{"sectors": [{"percentage": 100}]}', NULL);
SELECT ssc.collab_create(:'req'::jsonb || '{"sectors": [{"code": "23110", "percentage": 0}, {"code": "23240", "percentage": 100}]}', NULL);
SELECT ssc.collab_create(:'req'::jsonb || '{"sectors": [{"code": "23110", "percentage": 101}]}', NULL);
SELECT ssc.collab_create(:'req'::jsonb || '{"sectors": [{"code": "23110", "percentage": -1}, {"code": "23240", "percentage": 101}]}', NULL);
SELECT ssc.collab_create(:'req'::jsonb || '{"sectors": [{"code": "23110", "percentage": 50.5}, {"code": "23240", "percentage": 49.5}]}', NULL);
SELECT ssc.collab_create(:'req'::jsonb || '{"sectors": [{"code": "23110", "percentage": "100"}]}', NULL);
SELECT ssc.collab_create(:'req'::jsonb || '{"sectors": [{"code": "23110"}]}', NULL);
SELECT ssc.collab_create(:'req'::jsonb || '{"sectors": []}', NULL);
SELECT ssc.collab_create(:'req'::jsonb, NULL);
SELECT ssc.collab_create(:'req'::jsonb || '{"sectors": {"code": "23110", "percentage": 100}}', NULL);
SELECT ssc.collab_create(:'req'::jsonb || jsonb_build_object('sectors',
         (SELECT jsonb_agg(jsonb_build_object('code', code, 'percentage', 5))
            FROM (SELECT code FROM ssc.sectors ORDER BY code LIMIT 21) s)), NULL);
-- At the bounds: 100 alone, 1 and 99, twenty sectors of 5.
SELECT c->'sectors' AS sectors
  FROM (VALUES
    (ssc.collab_create(:'req'::jsonb || '{"sectors": [{"code": "23110", "percentage": 100}]}', NULL)),
    (ssc.collab_create(:'req'::jsonb || '{"sectors": [{"code": "23240", "percentage": 1}, {"code": "23110", "percentage": 99}]}', NULL))) v (c);
SELECT jsonb_array_length(c->'sectors') AS sectors,
       (SELECT sum((e->>'percentage')::int) FROM jsonb_array_elements(c->'sectors') e) AS total
  FROM ssc.collab_create(:'req'::jsonb || jsonb_build_object('sectors',
         (SELECT jsonb_agg(jsonb_build_object('code', code, 'percentage', 5))
            FROM (SELECT code FROM ssc.sectors ORDER BY code LIMIT 20) s)), NULL) c;
ROLLBACK;

-- Partners: partner authorities in the collaboration's country, 1..20,
-- none twice. The embassy: an embassy in the country. The lead: a Danish
-- authority in the caller's scope. The country: ISO 3166-1 alpha-2.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Collaborations/Create');
\set req '{"title": "Partners", "country": "VN", "sectors": [{"code": "23110", "percentage": 100}], "started_on": "2024-06-01"}'
SELECT ssc.collab_create(:'req'::jsonb || '{"partner_ids": [9, 12]}', NULL);
SELECT ssc.collab_create(:'req'::jsonb || '{"partner_ids": [5]}', NULL);
SELECT ssc.collab_create(:'req'::jsonb || '{"partner_ids": [2]}', NULL);
SELECT ssc.collab_create(:'req'::jsonb || '{"partner_ids": [999]}', NULL);
SELECT ssc.collab_create(:'req'::jsonb || '{"partner_ids": []}', NULL);
SELECT ssc.collab_create(:'req'::jsonb || '{"partner_ids": [9, 9]}', NULL);
SELECT ssc.collab_create(:'req'::jsonb || '{"partner_ids": [9, 0]}', NULL);
SELECT ssc.collab_create(:'req'::jsonb || '{"partner_ids": [9], "embassy_id": 11}', NULL);
SELECT ssc.collab_create(:'req'::jsonb || '{"partner_ids": [9], "embassy_id": 9}', NULL);
SELECT ssc.collab_create(:'req'::jsonb || '{"partner_ids": [9], "lead_id": 9}', NULL);
SELECT ssc.collab_create(:'req'::jsonb || '{"partner_ids": [9], "lead_id": 999}', NULL);
SELECT ssc.collab_create(:'req'::jsonb || '{"partner_ids": [9], "lead_id": 8}', NULL);
SELECT ssc.collab_create(:'req'::jsonb || '{"partner_ids": [9], "country": "Viet Nam"}', NULL);
SELECT ssc.collab_create(:'req'::jsonb || '{"partner_ids": [9], "planned_start": "2024-06-01", "planned_end": "2024-05-31"}', NULL);
SELECT ssc.collab_create(:'req'::jsonb || '{"partner_ids": [9], "title": "  "}', NULL);
SELECT ssc.collab_create(:'req'::jsonb || '{"partner_ids": [9], "started_on": "2024-02-30"}', NULL);
ROLLBACK;

-- The reference: 3..40 of A-Z, 0-9 and dashes, not starting with a dash,
-- upper-cased, unique (SC409); none given: SSC-<country>-<id>.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Collaborations/Create');
\set req '{"title": "References", "country": "VN", "partner_ids": [9], "sectors": [{"code": "23110", "percentage": 100}], "started_on": "2024-06-01"}'
SELECT ssc.collab_create(:'req'::jsonb || '{"reference": "AB"}', NULL);
SELECT ssc.collab_create(:'req'::jsonb || jsonb_build_object('reference', repeat('A', 41)), NULL);
SELECT ssc.collab_create(:'req'::jsonb || '{"reference": "-ABC"}', NULL);
SELECT ssc.collab_create(:'req'::jsonb || '{"reference": "VN_MET"}', NULL);
SELECT ssc.collab_create(:'req'::jsonb || '{"reference": "VN MET"}', NULL);
SELECT ssc.collab_create(:'req'::jsonb || '{"reference": "VN-MÉT"}', NULL);
SELECT ssc.collab_create(:'req'::jsonb || '{"reference": "VN-MET-01"}', NULL);
SELECT ssc.collab_create(:'req'::jsonb || '{"reference": "Vn-Met-01"}', NULL);
SELECT c->>'reference' AS reference
  FROM (VALUES (ssc.collab_create(:'req'::jsonb || '{"reference": "abc"}', NULL)),
               (ssc.collab_create(:'req'::jsonb || jsonb_build_object('reference', repeat('z', 40)), NULL)),
               (ssc.collab_create(:'req'::jsonb || '{"reference": "0--"}', NULL)),
               (ssc.collab_create(:'req'::jsonb, NULL))) v (c);
-- A chosen reference may take the form of a default one: the default of
-- the collaboration whose id it names then collides, and that create fails
-- (SC409, naming no reference, its id used up); the next one succeeds.
SELECT (c->>'id')::int AS last_id, (c->>'id')::int + 2 AS squatted FROM ssc.collab_create(:'req'::jsonb, NULL) c \gset
SELECT :last_id AS last_id;
SELECT c->>'id' AS id, c->>'reference' AS reference
  FROM ssc.collab_create(:'req'::jsonb || jsonb_build_object('reference', 'SSC-VN-' || lpad(:'squatted', 4, '0')), NULL) c;
SELECT ssc.collab_create(:'req'::jsonb, NULL);
SELECT c->>'id' AS id, c->>'reference' AS reference FROM ssc.collab_create(:'req'::jsonb, NULL) c;
-- Found by reference whatever its case.
SELECT c->>'id' AS id, c->>'title' AS title FROM ssc.collab_get('{"reference": "vn-met-01"}'::jsonb) c;
SELECT ssc.collab_get('{"reference": "VN-MET-02"}'::jsonb);
SELECT ssc.collab_get('{}'::jsonb);
ROLLBACK;

-- ---- the phase machine -------------------------------------------------------

-- One collaboration in each phase, driven there along the allowed steps
-- with dates and plans (DEA, partner 9, references M-<phase>).
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Collaborations/Create');
SELECT c->>'reference' AS reference, c->>'phase' AS phase
  FROM unnest('{M-MATCHMAKING,M-INCEPTION,M-LONG-TERM,M-PHASE-2,M-SUSPENDED,M-CLOSED,M-CANCELLED}'::text[]) r,
       LATERAL ssc.collab_create(jsonb_build_object('reference', r, 'title', 'Phase machine', 'country', 'VN',
                                                    'partner_ids', '[9]'::jsonb, 'started_on', '2024-01-01',
                                                    'sectors', '[{"code": "23110", "percentage": 100}]'::jsonb),
                                 NULL) c;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Collaborations/Transition');
SELECT s.reference, c->>'phase' AS phase, c->>'phase_since' AS since, c->>'suspended_from' AS suspended_from,
       c->>'iati_status' AS iati
  FROM (VALUES
    ('M-INCEPTION', '{"to_phase": "inception", "on_date": "2024-02-01", "planned_start": "2024-02-01", "planned_end": "2024-07-31"}'::jsonb),
    ('M-LONG-TERM', '{"to_phase": "inception", "on_date": "2024-02-01", "planned_start": "2024-02-01", "planned_end": "2024-07-31"}'),
    ('M-LONG-TERM', '{"to_phase": "long_term", "on_date": "2024-08-01", "planned_start": "2024-08-01", "planned_end": "2027-07-31"}'),
    ('M-PHASE-2', '{"to_phase": "inception", "on_date": "2024-02-01"}'),
    ('M-PHASE-2', '{"to_phase": "long_term", "on_date": "2024-08-01"}'),
    ('M-PHASE-2', '{"to_phase": "phase_2", "on_date": "2027-08-01", "planned_end": "2029-07-31"}'),
    ('M-SUSPENDED', '{"to_phase": "inception", "on_date": "2024-02-01"}'),
    ('M-SUSPENDED', '{"to_phase": "long_term", "on_date": "2024-08-01"}'),
    ('M-SUSPENDED', '{"to_phase": "suspended", "on_date": "2025-01-15"}'),
    ('M-CLOSED', '{"to_phase": "inception", "on_date": "2024-02-01"}'),
    ('M-CLOSED', '{"to_phase": "long_term", "on_date": "2024-08-01"}'),
    ('M-CLOSED', '{"to_phase": "closed", "on_date": "2027-07-31"}'),
    ('M-CANCELLED', '{"to_phase": "cancelled", "on_date": "2024-03-01", "note": "no partner capacity"}')) s (reference, step),
    LATERAL ssc.collab_transition(step || jsonb_build_object(
      'id', (SELECT x.id FROM ssc.collaborations x WHERE x.reference = s.reference)), NULL) c;
COMMIT;

-- Every pair of phases named in collaboration_phase_steps, from each phase
-- (the collaboration M-<phase>) to each phase or resume, tried and undone:
-- exactly the steps in the table succeed; every other is SC412 naming the
-- steps allowed from there (and to what a resume returns).
CREATE FUNCTION pg_temp.try_step(p jsonb) RETURNS text
  LANGUAGE plpgsql
AS $$
DECLARE
  r jsonb;
BEGIN
  r := ssc.collab_transition(p, NULL);
  RAISE EXCEPTION USING ERRCODE = 'SC999', MESSAGE = 'moved to ' || (r->>'phase');  -- undo it
EXCEPTION WHEN others THEN
  RETURN CASE WHEN SQLSTATE = 'SC999' THEN SQLERRM ELSE SQLSTATE || ': ' || SQLERRM END;
END
$$;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Collaborations/Transition');
CREATE TEMP TABLE step_tries AS
  WITH phases AS (
    SELECT p, array_position('{matchmaking,inception,long_term,phase_2,closed,suspended,cancelled,resume}'::text[], p) AS n
      FROM (SELECT from_phase FROM ssc.collaboration_phase_steps
            UNION SELECT to_phase FROM ssc.collaboration_phase_steps) x (p))
  SELECT f.p AS "from", t.p AS "to",
         EXISTS (SELECT FROM ssc.collaboration_phase_steps s WHERE s.from_phase = f.p AND s.to_phase = t.p) AS allowed,
         pg_temp.try_step(jsonb_build_object(
           'id', (SELECT c.id FROM ssc.collaborations c
                   WHERE c.reference = 'M-' || upper(replace(f.p, '_', '-'))),
           'on_date', '2029-12-31')
           || CASE WHEN t.p = 'resume' THEN '{"resume": true}'::jsonb
                   ELSE jsonb_build_object('to_phase', t.p) END) AS result,
         f.n AS fn, t.n AS tn
    FROM phases f, phases t
   WHERE f.p <> 'resume';
SELECT "from", "to", allowed, result FROM step_tries ORDER BY fn, tn;
SELECT count(*) AS pairs, count(*) FILTER (WHERE allowed) AS allowed,
       count(*) FILTER (WHERE allowed = (result LIKE 'moved to %')) AS as_the_table_says
  FROM step_tries;
-- Nothing moved.
SELECT reference, phase, suspended_from, phase_since FROM ssc.collaborations
 WHERE reference LIKE 'M-%' ORDER BY id;
ROLLBACK;

-- ---- suspension, resumption, cancellation, history -------------------------

-- Suspended from long_term and resumed: back in long_term, which goes on
-- (started_on stays), and the suspension is over. Then phase 2, suspended
-- again, and cancelled while suspended: the phase it was suspended from
-- ends on the cancellation date.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Collaborations/Create');
SELECT c->>'reference' AS reference
  FROM ssc.collab_create('{"reference": "VN-SUSPEND", "title": "Suspended and resumed", "country": "VN",
                           "partner_ids": [9], "sectors": [{"code": "23110", "percentage": 100}],
                           "started_on": "2024-01-01"}'::jsonb, NULL) c;
SELECT id AS suspend_id FROM ssc.collaborations WHERE reference = 'VN-SUSPEND' \gset
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Collaborations/Transition');
SELECT c->>'phase' AS phase, c->>'phase_since' AS since, c->>'suspended_from' AS suspended_from,
       c->>'iati_status_name' AS iati, pg_temp.phases(c) AS phases
  FROM (VALUES
    ('{"to_phase": "inception", "on_date": "2024-02-01", "planned_start": "2024-02-01", "planned_end": "2024-07-31"}'::jsonb),
    ('{"to_phase": "long_term", "on_date": "2024-08-01", "planned_start": "2024-08-01", "planned_end": "2026-07-31"}'),
    ('{"to_phase": "suspended", "on_date": "2025-01-15", "note": "elections"}')) s (step),
    LATERAL ssc.collab_transition(step || jsonb_build_object('id', :suspend_id), NULL) c;
-- A resume names no phase; the date may not be before the suspension.
SELECT ssc.collab_transition(jsonb_build_object('id', :suspend_id, 'resume', true, 'to_phase', 'long_term'), NULL);
SELECT ssc.collab_transition(jsonb_build_object('id', :suspend_id), NULL);
SELECT ssc.collab_transition(jsonb_build_object('id', :suspend_id, 'resume', 'yes'), NULL);
SELECT ssc.collab_transition(jsonb_build_object('id', :suspend_id, 'resume', true, 'on_date', '2025-01-14'), NULL);
SELECT ssc.collab_transition(jsonb_build_object('id', :suspend_id, 'to_phase', 'closed', 'on_date', '2025-02-01'), NULL);
SELECT c->>'phase' AS phase, c->>'phase_since' AS since, c->>'suspended_from' AS suspended_from,
       c->>'iati_status_name' AS iati, pg_temp.phases(c) AS phases
  FROM ssc.collab_transition(jsonb_build_object('id', :suspend_id, 'resume', true, 'on_date', '2025-04-01',
                                                'note', E'new government\nresumed'), NULL) c;
SELECT c->>'phase' AS phase, c->>'phase_since' AS since, c->>'suspended_from' AS suspended_from,
       c->>'iati_status_name' AS iati, pg_temp.phases(c) AS phases
  FROM (VALUES
    ('{"to_phase": "phase_2", "on_date": "2026-08-01", "planned_end": "2028-07-31"}'::jsonb),
    ('{"to_phase": "suspended", "on_date": "2026-10-01"}'),
    ('{"to_phase": "cancelled", "on_date": "2026-12-01", "note": "funding ended"}')) s (step),
    LATERAL ssc.collab_transition(step || jsonb_build_object('id', :suspend_id), NULL) c;
-- Cancelled is final.
SELECT ssc.collab_transition(jsonb_build_object('id', :suspend_id, 'to_phase', 'inception', 'on_date', '2027-01-01'), NULL);
-- Other refusals: an unknown id, a transition's own fields.
SELECT ssc.collab_transition('{"id": 99999, "to_phase": "inception"}'::jsonb, NULL);
SELECT ssc.collab_transition('{"to_phase": "inception"}'::jsonb, NULL);
SELECT ssc.collab_transition(jsonb_build_object('id', :suspend_id, 'to_phase', 'inception', 'planned_start', '2027-01-02', 'planned_end', '2027-01-01'), NULL);
SELECT ssc.collab_transition(jsonb_build_object('id', :suspend_id, 'to_phase', 'inception', 'note', repeat('n', 2001)), NULL);
COMMIT;

-- The history: every transition, oldest first, with its date, principal
-- (DEA's desk, 2) and note; in pages after the last id seen.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=embassy-vn', '{secretariat,auditor,ministry,embassy}', '/ssc.v1.Collaborations/ListTransitions');
SELECT t->>'from_phase' AS "from", t->>'to_phase' AS "to", t->>'on_date' AS on_date,
       t->>'principal_id' AS principal, t->>'note' AS note
  FROM jsonb_array_elements(ssc.collab_history(jsonb_build_object('id', :suspend_id), '', 100)) t;
SELECT (ssc.collab_history(jsonb_build_object('id', :suspend_id), '', 3)->2->>'id') AS after_3 \gset
SELECT jsonb_path_query_array(ssc.collab_history(jsonb_build_object('id', :suspend_id), '', 3), '$[*].to_phase') AS page_1,
       jsonb_path_query_array(ssc.collab_history(jsonb_build_object('id', :suspend_id), :'after_3', 3), '$[*].to_phase') AS page_2,
       jsonb_array_length(ssc.collab_history(jsonb_build_object('id', :suspend_id), :'after_3', 100)) AS rest;
SELECT ssc.collab_history('{"id": 99999}'::jsonb, '', 10);
SELECT ssc.collab_history('{}'::jsonb, '', 10);
COMMIT;
-- DUR does not see DEA's collaboration: its history is not found.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dur', '{secretariat,auditor,ministry,embassy}', '/ssc.v1.Collaborations/ListTransitions');
SELECT ssc.collab_history(jsonb_build_object('id', :suspend_id), '', 10);
COMMIT;

-- ---- IATI activity status as of a date --------------------------------------

-- The mapping itself: phase, start of the current phase, its planned end,
-- the date.
SELECT phase, started_on, planned_end, as_of, ssc.iati_status(phase, started_on, planned_end, as_of) AS code,
       ssc.iati_status_name(ssc.iati_status(phase, started_on, planned_end, as_of)) AS name
  FROM (VALUES
    ('matchmaking', '2024-01-01'::date, NULL::date, '2030-01-01'::date),
    ('inception', '2024-02-01', '2024-07-31', '2024-01-31'),   -- not started by the date
    ('inception', NULL, '2024-07-31', '2024-03-01'),           -- not started at all
    ('inception', '2024-02-01', '2024-07-31', '2024-02-01'),   -- the first day
    ('inception', '2024-02-01', '2024-07-31', '2024-07-31'),   -- the planned last day
    ('inception', '2024-02-01', '2024-07-31', '2024-08-01'),   -- past it
    ('long_term', '2024-08-01', NULL, '2099-12-31'),           -- no planned end
    ('phase_2', '2027-08-01', '2029-07-31', '2029-08-01'),
    ('closed', '2024-08-01', '2027-07-31', '2020-01-01'),
    ('cancelled', NULL, NULL, '2024-01-01'),
    ('suspended', NULL, NULL, '2024-01-01')) v (phase, started_on, planned_end, as_of);

-- Read through collab_get as of dates before the current phase started,
-- within it, and past its planned end, and in the final and suspended
-- phases (their status holds whatever the date). A running phase without
-- a planned end is never finalisation: Grid integration (from the match)
-- enters inception without plans.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Collaborations/Transition');
SELECT c->>'phase' AS phase, pg_temp.phases(c) AS phases
  FROM ssc.collab_transition('{"id": 2, "to_phase": "inception", "on_date": "2024-05-01"}'::jsonb, NULL) c;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=embassy-vn', '{secretariat,auditor,ministry,embassy}', '/ssc.v1.Collaborations/Get');
SELECT ref, as_of, c->>'phase' AS phase, c->>'as_of' AS read_as_of, c->>'iati_status' AS code,
       c->>'iati_status_name' AS iati
  FROM (VALUES
    ('M-MATCHMAKING', '2023-01-01'), ('M-MATCHMAKING', '2030-01-01'),
    ('M-INCEPTION', '2024-01-31'), ('M-INCEPTION', '2024-02-01'), ('M-INCEPTION', '2024-07-31'),
    ('M-INCEPTION', '2024-08-01'),
    ('M-LONG-TERM', '2024-07-31'), ('M-LONG-TERM', '2025-06-01'), ('M-LONG-TERM', '2027-07-31'),
    ('M-LONG-TERM', '2027-08-01'),
    ('M-PHASE-2', '2027-07-31'), ('M-PHASE-2', '2028-01-01'), ('M-PHASE-2', '2029-08-01'),
    ('SSC-VN-0002', '2024-04-30'), ('SSC-VN-0002', '2024-05-01'), ('SSC-VN-0002', '2099-12-31'),
    ('M-SUSPENDED', '2024-01-01'), ('M-SUSPENDED', '2030-01-01'),
    ('M-CLOSED', '2024-01-01'), ('M-CLOSED', '2030-01-01'),
    ('M-CANCELLED', '2024-01-01'), ('M-CANCELLED', '2030-01-01')) v (ref, as_of),
    LATERAL ssc.collab_get(jsonb_build_object('reference', ref, 'as_of', as_of)) c;
SELECT ssc.collab_get('{"reference": "M-CLOSED", "as_of": "2024-13-01"}'::jsonb);
SELECT ssc.collab_get('{"reference": "M-CLOSED", "as_of": "20240101"}'::jsonb);
SELECT ssc.collab_get('{"reference": "M-CLOSED", "as_of": 20240101}'::jsonb);
COMMIT;

-- ---- collab_update, collab_plan ----------------------------------------------

BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Collaborations/Update');
SELECT c->>'title' AS title, c->'partner_ids' AS partners, c->>'embassy_id' AS embassy, c->'sectors' AS sectors,
       c->>'version' AS version
  FROM ssc.collab_update('{"id": 2, "expected_version": 2, "update_mask": ["title", "partner_ids", "sectors"],
                           "title": "Grid integration of renewables", "partner_ids": [9, 10],
                           "sectors": [{"code": "23630", "percentage": 70}, {"code": "23110", "percentage": 30}],
                           "embassy_id": 11}'::jsonb, NULL) c;
SELECT ssc.collab_update('{"id": 2, "expected_version": 2, "update_mask": ["title"], "title": "Stale"}'::jsonb, NULL);
SELECT ssc.collab_update('{"id": 2, "update_mask": ["sectors"], "sectors": [{"code": "23630", "percentage": 70}]}'::jsonb, NULL);
SELECT ssc.collab_update('{"id": 2, "update_mask": ["partner_ids"], "partner_ids": [12]}'::jsonb, NULL);
SELECT ssc.collab_update('{"id": 2, "update_mask": ["partner_ids"], "partner_ids": []}'::jsonb, NULL);
SELECT ssc.collab_update('{"id": 2, "update_mask": ["embassy_id"], "embassy_id": 11}'::jsonb, NULL);
SELECT ssc.collab_update('{"id": 2, "update_mask": ["country"], "country": "KE"}'::jsonb, NULL);
SELECT ssc.collab_update('{"id": 2, "update_mask": []}'::jsonb, NULL);
SELECT ssc.collab_update('{"id": 1, "update_mask": ["title"], "title": "Not DEA''s"}'::jsonb, NULL);
-- The embassy may be cleared (0: none).
SELECT c->>'embassy_id' AS embassy, c->>'version' AS version
  FROM ssc.collab_update('{"id": 2, "update_mask": ["embassy_id"], "embassy_id": 0}'::jsonb, NULL) c;
-- Plans: any of the four running phases; the version moves.
SELECT c->>'version' AS version, pg_temp.phases(c) AS phases
  FROM ssc.collab_plan('{"id": 2, "phase": "long_term", "planned_start": "2025-01-01", "planned_end": "2027-12-31"}'::jsonb, NULL) c;
SELECT ssc.collab_plan('{"id": 2, "phase": "closed", "planned_start": "2025-01-01", "planned_end": "2027-12-31"}'::jsonb, NULL);
SELECT ssc.collab_plan('{"id": 2, "phase": "long_term", "planned_start": "2025-01-01"}'::jsonb, NULL);
SELECT ssc.collab_plan('{"id": 2, "phase": "long_term", "planned_start": "2025-01-01", "planned_end": "2024-12-31"}'::jsonb, NULL);
COMMIT;
-- Entering a planned phase starts it and keeps the plan unless the
-- transition names a new one.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Collaborations/Transition');
SELECT c->>'phase' AS phase, pg_temp.phases(c) AS phases
  FROM ssc.collab_transition('{"id": 2, "to_phase": "long_term", "on_date": "2025-02-01"}'::jsonb, NULL) c;
COMMIT;

-- ---- collab_list ---------------------------------------------------------------

-- One collaboration in Kenya, led by DEA with the embassy there.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Collaborations/Create');
SELECT c->>'reference' AS reference, c->>'embassy_id' AS embassy
  FROM ssc.collab_create('{"reference": "KE-REG-01", "title": "Energy regulation", "country": "KE",
                           "partner_ids": [12], "embassy_id": 11,
                           "sectors": [{"code": "23112", "percentage": 100}],
                           "started_on": "2024-06-01"}'::jsonb, NULL) c;
COMMIT;
-- Filters (country, phase, lead) and paging by id, as the secretariat.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat,auditor,ministry,embassy}', '/ssc.v1.Collaborations/List');
SELECT c->>'id' AS id, c->>'reference' AS reference, c->>'lead_id' AS lead, c->>'country' AS country,
       c->>'phase' AS phase, c->>'iati_status' AS iati
  FROM jsonb_array_elements(ssc.collab_list('{"as_of": "2026-01-01"}'::jsonb, '', 100)) c;
SELECT (ssc.collab_list('{}'::jsonb, '', 4)->3->>'id') AS after_4 \gset
SELECT jsonb_path_query_array(ssc.collab_list('{}'::jsonb, '', 4), '$[*].reference') AS page_1,
       jsonb_path_query_array(ssc.collab_list('{}'::jsonb, :'after_4', 4), '$[*].reference') AS page_2;
SELECT jsonb_path_query_array(ssc.collab_list('{"country": "KE"}'::jsonb, '', 100), '$[*].reference') AS in_ke,
       jsonb_path_query_array(ssc.collab_list('{"phase": "long_term"}'::jsonb, '', 100), '$[*].reference') AS long_term,
       jsonb_path_query_array(ssc.collab_list('{"lead_id": 7}'::jsonb, '', 100), '$[*].reference') AS led_by_dmi,
       jsonb_path_query_array(ssc.collab_list('{"lead_id": 8, "country": "VN", "phase": "matchmaking"}'::jsonb, '', 100),
                              '$[*].reference') AS dur_vn_matchmaking;
SELECT ssc.collab_list('{"country": "Kenya"}'::jsonb, '', 10);
SELECT ssc.collab_list('{"lead_id": -1}'::jsonb, '', 10);
COMMIT;
-- What each caller lists: a ministry its scope's (DEA's with DMI's, KEFM
-- everything below it, DMI and DUR their own, DST none), an embassy its
-- country's.
\set list 'SELECT jsonb_path_query_array(ssc.collab_list(''{}''::jsonb, '''', 100), ''$[*].reference'') AS visible;'
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=kefm', '{ministry,embassy}', '/ssc.v1.Collaborations/List');
:list
ROLLBACK;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{ministry,embassy}', '/ssc.v1.Collaborations/List');
:list
ROLLBACK;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dmi', '{ministry,embassy}', '/ssc.v1.Collaborations/List');
:list
ROLLBACK;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dur', '{ministry,embassy}', '/ssc.v1.Collaborations/List');
:list
ROLLBACK;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dst', '{ministry,embassy}', '/ssc.v1.Collaborations/List');
:list
ROLLBACK;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=embassy-vn', '{ministry,embassy}', '/ssc.v1.Collaborations/List');
:list
ROLLBACK;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=embassy-ke', '{ministry,embassy}', '/ssc.v1.Collaborations/List');
:list
-- An embassy reads but does not write collaborations (SC403); what it
-- cannot read is not found (SC404).
SELECT ssc.collab_transition(jsonb_build_object('id', (SELECT id FROM ssc.collaborations WHERE reference = 'KE-REG-01'),
                                                'to_phase', 'inception'), NULL);
SELECT ssc.collab_transition('{"id": 1, "to_phase": "inception"}'::jsonb, NULL);
ROLLBACK;

-- What the trail holds for the collaborations made here: one entry per
-- collaboration row written and per transition.
\c - ssc_owner
SELECT entity, count(*) AS entries FROM ssc.audit
 WHERE entity IN ('demand_signal', 'interest', 'collaboration', 'collaboration_transition')
 GROUP BY entity ORDER BY entity;
SELECT ssc.audit_verify() -> 'ok' AS chain_ok;
