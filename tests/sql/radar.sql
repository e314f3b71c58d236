-- The deadline radar (0025): every kind of event and when it is left out
-- (a draft, notice not yet given, terminated, cancelled, suspended), every
-- band (180, 90, 30, due, later) at its edges, the notice-deadline month
-- arithmetic (month ends, a leap year, the version in force), the horizon
-- at its edge, the filters, paging with its cursor and bad cursors, a
-- configured list of lead values, the refusals, and what each role sees:
-- the events come from tables read under row-level security. Every date
-- is fixed: as_of is always given.
\ir domain_fixtures.psql

-- A page of events, one line each: date, days, band, kind, entity:id,
-- title, organisations.
CREATE FUNCTION pg_temp.radar(p jsonb, lim int DEFAULT 500) RETURNS SETOF text
  LANGUAGE sql
AS $$
  SELECT format('%s %4s %-5s %-15s %s:%s %s %s', e->>'date', e->>'days_left', e->>'band',
                e->>'kind', e->>'entity', e->>'entity_id', e->>'title', e->'organisation_ids')
    FROM jsonb_array_elements(ssc.radar_list(p, '', lim)) e
$$;

-- ---- the record ----------------------------------------------------------------

-- Collaborations: DEA's in Viet Nam, in inception to 2026-03-31; DUR's in
-- Kenya, in matchmaking planned to 2026-02-01; DMI's in Viet Nam,
-- suspended (no current phase, so no phase end).
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/fixtures');
SELECT c->>'id' AS c_vn FROM ssc.collab_create('{"reference": "VN-WIND", "title": "Offshore wind", "lead_id": 2,
         "country": "VN", "partner_ids": [9], "embassy_id": 6, "sectors": [{"code": "23240", "percentage": 100}],
         "started_on": "2024-01-01"}'::jsonb, NULL) c \gset
SELECT ssc.collab_transition(jsonb_build_object('id', :c_vn, 'to_phase', 'inception', 'on_date', '2024-06-01',
         'planned_end', '2026-03-31'), NULL) ->> 'phase' AS phase;
SELECT c->>'id' AS c_ke FROM ssc.collab_create('{"reference": "KE-REG", "title": "Energy regulation", "lead_id": 8,
         "country": "KE", "partner_ids": [12], "embassy_id": 11, "sectors": [{"code": "23112", "percentage": 100}],
         "started_on": "2025-06-01", "planned_start": "2025-06-01", "planned_end": "2026-02-01"}'::jsonb, NULL) c \gset
SELECT c->>'id' AS c_met FROM ssc.collab_create('{"reference": "VN-MET", "title": "Weather services", "lead_id": 7,
         "country": "VN", "partner_ids": [10], "sectors": [{"code": "41010", "percentage": 100}],
         "started_on": "2024-01-01"}'::jsonb, NULL) c \gset
SELECT ssc.collab_transition(jsonb_build_object('id', :c_met, 'to_phase', 'inception', 'on_date', '2024-02-01',
         'planned_end', '2026-02-15'), NULL) ->> 'phase' AS phase;
SELECT ssc.collab_transition(jsonb_build_object('id', :c_met, 'to_phase', 'suspended', 'on_date', '2025-03-01'),
         NULL) ->> 'phase' AS phase;
COMMIT;

-- Agreements (signed unless said):
--   wind    DEA + EREA, of VN-WIND, 2024-01-01..2026-02-28, 6 months' notice,
--           review 2026-01-01
--   met     DMI + VNMHA, 2025-01-01..2026-08-31, 6 months' notice
--   reg     DUR + EPRA, of KE-REG, open-ended, 3 months' notice; EPRA gives
--           notice on 2025-12-15 (ends 2026-03-15)
--   draft   DEA + EREA, a draft contract to 2026-01-31, review 2026-01-20
--   ended   DEA + VNMHA, to 2026-06-30, terminated on 2025-11-30
--   leap    DST + NEA, 2025-01-01..2028-08-31, 6 months' notice
--   stats   DST + NEA, 2025-01-01..2026-02-27, 6 months' notice; version 2
--           from 2026-01-01 runs to 2027-12-31
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/fixtures');
SELECT a->>'id' AS a_wind FROM ssc.agreement_create(jsonb_build_object('kind', 'mou', 'title', 'Wind MoU',
         'party_ids', '[2, 9]'::jsonb, 'collaboration_id', :c_vn, 'effective_from', '2024-01-01',
         'effective_to', '2026-02-28', 'notice_months', 6, 'review_on', '2026-01-01'), NULL) a \gset
SELECT a->>'id' AS a_met FROM ssc.agreement_create('{"kind": "framework", "title": "Met data framework",
         "party_ids": [7, 10], "effective_from": "2025-01-01", "effective_to": "2026-08-31",
         "notice_months": 6}'::jsonb, NULL) a \gset
SELECT a->>'id' AS a_reg FROM ssc.agreement_create(jsonb_build_object('kind', 'mou', 'title', 'Regulation MoU',
         'party_ids', '[8, 12]'::jsonb, 'collaboration_id', :c_ke, 'effective_from', '2025-01-01',
         'notice_months', 3), NULL) a \gset
SELECT a->>'id' AS a_draft FROM ssc.agreement_create('{"kind": "contract", "title": "Draft contract",
         "party_ids": [2, 9], "effective_from": "2026-01-01", "effective_to": "2026-01-31",
         "notice_months": 1, "review_on": "2026-01-20",
         "contract": {"ceiling": {"amount_minor": 100000, "currency": "DKK"}}}'::jsonb, NULL) a \gset
SELECT a->>'id' AS a_ended FROM ssc.agreement_create('{"kind": "mou", "title": "Ended MoU",
         "party_ids": [2, 10], "effective_from": "2024-01-01", "effective_to": "2026-06-30",
         "notice_months": 1, "review_on": "2026-03-01"}'::jsonb, NULL) a \gset
SELECT a->>'id' AS a_leap FROM ssc.agreement_create('{"kind": "cooperation", "title": "Leap cooperation",
         "party_ids": [3, 5], "effective_from": "2025-01-01", "effective_to": "2028-08-31",
         "notice_months": 6}'::jsonb, NULL) a \gset
SELECT a->>'id' AS a_stats FROM ssc.agreement_create('{"kind": "mou", "title": "Statistics MoU",
         "party_ids": [3, 5], "effective_from": "2025-01-01", "effective_to": "2026-02-27",
         "notice_months": 6}'::jsonb, NULL) a \gset
SELECT count(ssc.agreement_sign(jsonb_build_object('id', id, 'signed_on', '2023-12-15'), NULL)) AS signed
  FROM unnest(ARRAY[:a_wind, :a_met, :a_reg, :a_ended, :a_leap, :a_stats]) id;
SELECT ssc.agreement_notice(jsonb_build_object('id', :a_reg, 'by_party_id', 12, 'on_date', '2025-12-15'), NULL)
       ->> 'ends_on' AS reg_ends_on;
SELECT ssc.agreement_terminate(jsonb_build_object('id', :a_ended, 'on_date', '2025-11-30'), NULL)
       ->> 'terminated_on' AS ended_on;
SELECT ssc.agreement_amend(jsonb_build_object('id', :a_stats, 'update_mask', '["effective_to"]'::jsonb,
         'effective_from', '2026-01-01', 'effective_to', '2027-12-31', 'signed_on', '2025-12-01'), NULL)
       ->> 'versions' AS stats_versions;
COMMIT;

-- Secondments: DEA's expert in VN-WIND to 2026-01-31; DUR's in KE-REG to
-- 2026-06-29; DMI's in VN-WIND, cancelled.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/fixtures');
SELECT s->>'id' AS s_dea FROM ssc.secondment_create(jsonb_build_object('collaboration_id', :c_vn,
         'employer_id', 2, 'employee_ref', 'DEA-1', 'expert_name', 'Mette Hansen', 'host_id', 9,
         'starts_on', '2025-06-01', 'ends_on', '2026-01-31', 'share_bp', 10000,
         'monthly_compensation', '{"amount_minor": 100, "currency": "DKK"}'::jsonb), NULL) s \gset
SELECT s->>'id' AS s_dur FROM ssc.secondment_create(jsonb_build_object('collaboration_id', :c_ke,
         'employer_id', 8, 'employee_ref', 'DUR-1', 'expert_name', 'Jonas Berg', 'host_id', 12,
         'starts_on', '2025-09-01', 'ends_on', '2026-06-29', 'share_bp', 5000,
         'monthly_compensation', '{"amount_minor": 100, "currency": "DKK"}'::jsonb), NULL) s \gset
SELECT s->>'id' AS s_gone FROM ssc.secondment_create(jsonb_build_object('collaboration_id', :c_vn,
         'employer_id', 7, 'employee_ref', 'DMI-1', 'expert_name', 'Ulla Vind', 'host_id', 10,
         'starts_on', '2025-06-01', 'ends_on', '2026-01-15', 'share_bp', 5000,
         'monthly_compensation', '{"amount_minor": 100, "currency": "DKK"}'::jsonb), NULL) s \gset
SELECT ssc.secondment_cancel(jsonb_build_object('id', :s_gone, 'on_date', '2025-05-01'), NULL) ->> 'status' AS status;
COMMIT;

-- ---- every kind and band, as the secretariat sees them ----------------------------

BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat,auditor,ministry,embassy}', '/ssc.v1.Radar/List');
-- As of 2026-01-01, a year ahead: the wind MoU's review is due today; the
-- draft's review (19 days) and DEA's secondment end (30 days) are in band
-- 30; KE-REG's phase end (31 days) in band 90, as are the wind MoU's end,
-- the met framework's last notice day (2026-08-31 is a month end, so
-- 6 months before is the end of February, 2026-02-28), the regulation
-- MoU's end under notice and VN-WIND's phase end (89 days); DUR's
-- secondment end (179 days) in band 180; past 180 days "later". Left out:
-- the draft's end and notice deadline, the terminated MoU, the cancelled
-- secondment, the suspended collaboration, the wind MoU's last notice day
-- (2025-08-31, passed) and the stats MoU version 1's end (version 2 is in
-- force: its end is 2027-12-31, past the horizon).
SELECT pg_temp.radar('{"as_of": "2026-01-01", "horizon_days": 365}');
-- The band edges: 30 days is band 30, 31 band 90; 90 days band 90, 91
-- band 180; 180 days band 180, 181 later. 0 is due.
SELECT d AS days_left, ssc.radar_band(d, ssc.radar_lead_days()) AS band,
       ssc.radar_band_name(ssc.radar_band(d, ssc.radar_lead_days())) AS name
  FROM unnest(ARRAY[0, 1, 30, 31, 90, 91, 180, 181, 3660]) d;
-- The whole event as the API answers it.
SELECT jsonb_pretty(e) FROM jsonb_array_elements(ssc.radar_list('{"as_of": "2026-01-01",
         "horizon_days": 365, "kinds": ["secondment_end"], "organisation_id": 12}', '', 10)) e;
COMMIT;

-- ---- notice deadlines: the month arithmetic of ssc.last_notice_day ----------------

BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Radar/List');
-- The wind MoU ends 2026-02-28, a month end: with 6 months' notice the last
-- day is 2025-08-31 (notice on 31 August ends it on 28 February). The stats
-- MoU (version 1 in force) ends 2026-02-27, not a month end: 2025-08-27.
SELECT pg_temp.radar('{"as_of": "2025-06-01", "horizon_days": 120, "kinds": ["notice_deadline"]}');
SELECT ssc.last_notice_day('2026-02-28', 6) AS wind, ssc.last_notice_day('2026-02-27', 6) AS stats,
       ssc.notice_end('2025-08-31', 6) AS notice_on_last_day_ends,
       ssc.notice_end('2025-09-01', 6) AS a_day_later_ends;
-- A leap year: the leap cooperation ends 2028-08-31, so the last day is
-- 29 February 2028.
SELECT pg_temp.radar('{"as_of": "2028-01-01", "horizon_days": 90, "kinds": ["notice_deadline"]}');
-- The version agreed decides: version 2, signed 2025-12-01 and in force
-- from 2026-01-01, runs the stats MoU to 2027-12-31, so from its signing
-- on the last notice day is 2027-06-30 and the end 2027-12-31, even before
-- it takes effect; before its signing, version 1's end 2026-02-27 stands.
SELECT pg_temp.radar(jsonb_build_object('as_of', '2026-01-02', 'horizon_days', 3660,
         'kinds', '["notice_deadline", "agreement_end"]'::jsonb, 'organisation_id', 3));
SELECT pg_temp.radar(jsonb_build_object('as_of', '2025-12-31', 'horizon_days', 3660,
         'kinds', '["notice_deadline", "agreement_end"]'::jsonb, 'organisation_id', 3));
SELECT pg_temp.radar(jsonb_build_object('as_of', '2025-11-30', 'horizon_days', 3660,
         'kinds', '["notice_deadline", "agreement_end"]'::jsonb, 'organisation_id', 3));
-- Notice not yet given on the as-of date: no end under notice (the
-- regulation MoU is open-ended, so nothing at all).
SELECT pg_temp.radar(jsonb_build_object('as_of', '2025-12-14', 'horizon_days', 365,
         'collaboration_id', :c_ke, 'kinds', '["agreement_end", "notice_end", "notice_deadline"]'::jsonb));
SELECT pg_temp.radar(jsonb_build_object('as_of', '2025-12-15', 'horizon_days', 365,
         'collaboration_id', :c_ke, 'kinds', '["agreement_end", "notice_end", "notice_deadline"]'::jsonb));
-- A terminated agreement falls due no more; before its termination date
-- it still did.
SELECT pg_temp.radar('{"as_of": "2025-11-29", "horizon_days": 365, "organisation_id": 10, "kinds": ["review", "agreement_end"]}');
SELECT pg_temp.radar('{"as_of": "2025-11-30", "horizon_days": 365, "organisation_id": 10, "kinds": ["review", "agreement_end"]}');
COMMIT;

-- ---- the horizon, the filters, the default ----------------------------------------

BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Radar/List');
-- 30 days takes 2026-01-31 (exactly at the horizon) and leaves out
-- KE-REG's phase end on 2026-02-01; 31 days takes it. Nothing before
-- as_of: the cancelled expert's 2026-01-15 is not there either way.
SELECT pg_temp.radar('{"as_of": "2026-01-01", "horizon_days": 30}');
SELECT pg_temp.radar('{"as_of": "2026-01-01", "horizon_days": 31, "kinds": ["phase_end"]}');
SELECT pg_temp.radar('{"as_of": "2026-01-02", "horizon_days": 31, "kinds": ["review"]}');
-- No horizon: the largest lead value, 180 days (DUR's secondment end on day
-- 179 is in, nothing later).
SELECT count(*) AS events, max(x) AS last FROM pg_temp.radar('{"as_of": "2026-01-01"}') x;
-- Filters: kinds, a collaboration, an organisation involved, together.
SELECT pg_temp.radar('{"as_of": "2026-01-01", "horizon_days": 365, "kinds": ["review", "phase_end"]}');
SELECT pg_temp.radar(jsonb_build_object('as_of', '2026-01-01', 'horizon_days', 365, 'collaboration_id', :c_vn));
SELECT pg_temp.radar('{"as_of": "2026-01-01", "horizon_days": 365, "organisation_id": 12}');
SELECT pg_temp.radar('{"as_of": "2026-01-01", "horizon_days": 365, "organisation_id": 2, "kinds": ["agreement_end", "secondment_end"]}');
SELECT pg_temp.radar('{"as_of": "2026-01-01", "horizon_days": 365, "organisation_id": 4}');
COMMIT;

-- ---- paging ---------------------------------------------------------------------

BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Radar/List');
-- Pages of 3 (sscd asks for one more, 4): each goes on after the cursor of
-- the last one kept, and the pages together are the whole list. Two events
-- on one date (2026-02-28) are ordered by kind.
SELECT e->>'cursor' AS cursor
  FROM jsonb_array_elements(ssc.radar_list('{"as_of": "2026-01-01", "horizon_days": 365}', '', 4)) e;
SELECT e->>'cursor' AS cursor
  FROM jsonb_array_elements(ssc.radar_list('{"as_of": "2026-01-01", "horizon_days": 365}',
                                           '2026-01-31.secondment_end.' || :s_dea, 4)) e;
SELECT e->>'cursor' AS cursor
  FROM jsonb_array_elements(ssc.radar_list('{"as_of": "2026-01-01", "horizon_days": 365}',
                                           '2026-02-28.agreement_end.' || :a_wind, 4)) e;
-- Walking all pages of 2 gives the one list.
WITH RECURSIVE pages (n, cursor, items) AS (
  SELECT 1, '', ssc.radar_list('{"as_of": "2026-01-01", "horizon_days": 365}', '', 3)
  UNION ALL
  SELECT n + 1, items -> 1 ->> 'cursor',
         ssc.radar_list('{"as_of": "2026-01-01", "horizon_days": 365}', items -> 1 ->> 'cursor', 3)
    FROM pages WHERE jsonb_array_length(items) = 3)
SELECT (SELECT jsonb_agg(e ORDER BY n, i) FROM pages,
                jsonb_array_elements(jsonb_path_query_array(items, '$[0 to 1]')) WITH ORDINALITY x (e, i))
       = ssc.radar_list('{"as_of": "2026-01-01", "horizon_days": 365}', '', 500) AS pages_make_the_list,
       (SELECT count(*) FROM pages) AS pages;
-- A cursor radar_list did not issue: SC400 naming page_token.
SELECT ssc.radar_list('{"as_of": "2026-01-01"}', 'x', 4);
SELECT ssc.radar_list('{"as_of": "2026-01-01"}', '2026-01-31.secondment_end', 4);
SELECT ssc.radar_list('{"as_of": "2026-01-01"}', '2026-02-30.review.1', 4);
SELECT ssc.radar_list('{"as_of": "2026-01-01"}', '2026-01-31.bogus.1', 4);
SELECT ssc.radar_list('{"as_of": "2026-01-01"}', '2026-01-31.review.1234567890123456789', 4);
SELECT ssc.radar_list('{"as_of": "2026-01-01"}', '2026-01-31.review.-1', 4);
SELECT ssc.radar_list('{"as_of": "2026-01-01"}', '2026-01-31.review.1.2', 4);
COMMIT;

-- ---- refusals: SC400 naming the field ------------------------------------------------

BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Radar/List');
SELECT ssc.radar_list('{"as_of": "2026-01-01", "horizon_days": -1}', '', 4);
SELECT ssc.radar_list('{"as_of": "2026-01-01", "horizon_days": 3661}', '', 4);
SELECT ssc.radar_list('{"as_of": "2026-01-01", "horizon_days": "soon"}', '', 4);
SELECT count(*) AS at_the_limit FROM pg_temp.radar('{"as_of": "2026-01-01", "horizon_days": 3660}');
SELECT ssc.radar_list('{"as_of": "2026-02-30"}', '', 4);
SELECT ssc.radar_list('{"as_of": "1/1/2026"}', '', 4);
SELECT ssc.radar_list('{"kinds": ["review", "deadline"]}', '', 4);
SELECT ssc.radar_list('{"kinds": "review"}', '', 4);
SELECT ssc.radar_list('{"collaboration_id": -1}', '', 4);
SELECT ssc.radar_list('{"organisation_id": -5}', '', 4);
COMMIT;

-- ---- lead values from the connection's setting ------------------------------------

-- sscd passes [radar] lead_days ascending as ssc.radar_lead_days; 7 and 60
-- days: bands due, 7, 60 and later, and the default horizon is 60.
SELECT set_config('ssc.radar_lead_days', '7,60', false);
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Radar/List');
SELECT ssc.radar_lead_days();
SELECT pg_temp.radar('{"as_of": "2026-01-25", "horizon_days": 70}');
SELECT count(*) AS events, max(x) AS last FROM pg_temp.radar('{"as_of": "2026-01-25"}') x;
COMMIT;
RESET ssc.radar_lead_days;
SELECT ssc.radar_lead_days() AS default_lead_days;

-- ---- who sees what: the tables' row-level security ----------------------------------

-- One line per role: the events of a year from 2026-01-01 as
-- "kind:entity_id". The secretariat and the auditor see all; DEA its own
-- and DMI's (its agency), not DUR's (a sibling); KEFM all three agencies'
-- (not DST's); DMI only its own; DUR only its own; DST its two MoUs; an
-- embassy its country's collaborations and secondments and no agreement.
CREATE FUNCTION pg_temp.seen(subject text) RETURNS text
  LANGUAGE plpgsql
AS $$
DECLARE
  v text;
BEGIN
  PERFORM ssc.begin_call('', subject, '{secretariat,auditor,ministry,embassy}', '/ssc.v1.Radar/List');
  SELECT string_agg(format('%s:%s:%s', e->>'kind', e->>'entity', e->>'entity_id'), ' ')
    INTO v FROM jsonb_array_elements(ssc.radar_list('{"as_of": "2026-01-01", "horizon_days": 3660}', '', 500)) e;
  RETURN coalesce(v, '(none)');
END
$$;
SELECT s AS subject, pg_temp.seen(s) AS events
  FROM unnest(ARRAY['CN=secretariat', 'CN=auditor', 'CN=kefm', 'CN=dea', 'CN=dmi', 'CN=dur', 'CN=dst',
                    'CN=embassy-vn', 'CN=embassy-ke']) s;
-- The same through the tables directly, as ssc_app in DEA's call: the
-- radar shows exactly the rows DEA can read, never more.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{ministry}', '/ssc.v1.Radar/List');
SELECT array_agg(id ORDER BY id) AS agreements_dea_reads FROM ssc.agreements;
SELECT array_agg(DISTINCT (e->>'entity_id')::bigint ORDER BY (e->>'entity_id')::bigint) AS agreements_on_its_radar
  FROM jsonb_array_elements(ssc.radar_list('{"as_of": "2024-01-01", "horizon_days": 3660}', '', 500)) e
 WHERE e->>'entity' = 'agreement';
COMMIT;
-- Without a call every policy is false: nothing at all.
SELECT ssc.radar_list('{"as_of": "2026-01-01", "horizon_days": 3660}', '', 500) AS no_session;

-- notice_day is stored with each version (0025): it must agree with
-- 0017's last_notice_day for every row, so a migration that changes that
-- function without recomputing the column shows up here.
\c - ssc_owner
SELECT count(*) AS versions,
       count(*) FILTER (WHERE notice_day IS DISTINCT FROM
                        CASE WHEN notice_months > 0
                             THEN ssc.last_notice_day(effective_to, notice_months) END) AS stale
  FROM ssc.agreement_versions;
\c - ssc_app
