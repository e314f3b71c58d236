-- The funding events of the radar (0032): decision_due, an application's
-- wait reaching [radar] decision_due_days (the setting
-- ssc.radar_decision_due_days; default 60), and allocation_end, the end of
-- an allocation not released; when each comes and goes, and who sees it.
-- A submission is dated now, so decision_due is shown by days_left, not by
-- its date; allocation ends are fixed dates.
\ir domain_fixtures.psql

CREATE FUNCTION pg_temp.radar(p jsonb) RETURNS SETOF text
  LANGUAGE sql
AS $$
  SELECT format('%4s %-5s %-14s %s:%s %s %s', e->>'days_left', e->>'band', e->>'kind', e->>'entity',
                e->>'entity_id', e->>'title', e->'organisation_ids')
    FROM jsonb_array_elements(ssc.radar_list(p, '', 500)) e
$$;

-- DEA's collaboration in Viet Nam, a DKK pool, and an inception
-- application submitted today and under review.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/fixtures');
SELECT c->>'id' AS c_vn FROM ssc.collab_create('{"reference": "VN-WIND", "title": "Offshore wind", "lead_id": 2,
         "country": "VN", "partner_ids": [9], "embassy_id": 6, "sectors": [{"code": "23240", "percentage": 100}],
         "started_on": "2024-01-01"}'::jsonb, NULL) c \gset
SELECT ssc.pool_create('{"name": "SSC 2027", "fiscal_year": 2027,
         "total": {"amount_minor": 5000000000, "currency": "DKK"}}', NULL) ->> 'id' AS pool \gset
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{ministry}', '/fixtures');
SELECT ssc.application_create(jsonb_build_object('collaboration_id', :c_vn, 'phase', 'inception',
         'title', 'Wind inception', 'starts_on', '2027-01-01', 'ends_on', '2027-06-30', 'currency', 'DKK',
         'budget', '[{"category": "workshops", "year": 2027,
                      "amount": {"amount_minor": 80000000, "currency": "DKK"}}]'::jsonb), NULL) ->> 'id' AS app \gset
SELECT ssc.application_submit(jsonb_build_object('id', :app), NULL) ->> 'status' AS status;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/fixtures');
SELECT ssc.application_start_review(jsonb_build_object('id', :app), NULL) ->> 'status' AS status;
COMMIT;

-- decision_due: today + decision_due_days, in the band that many days
-- reach; the default is 60 days.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Radar/List');
SELECT pg_temp.radar('{"horizon_days": 365, "kinds": ["decision_due"]}') AS default_60;
SET LOCAL ssc.radar_decision_due_days = '30';
SELECT pg_temp.radar('{"horizon_days": 365, "kinds": ["decision_due"]}') AS due_in_30;
SELECT pg_temp.radar('{"horizon_days": 29, "kinds": ["decision_due"]}') AS horizon_short_of_it;
SELECT pg_temp.radar('{"horizon_days": 30, "kinds": ["decision_due"]}') AS horizon_at_it;
SET LOCAL ssc.radar_decision_due_days = '1';
SELECT pg_temp.radar('{"horizon_days": 1, "kinds": ["decision_due"]}') AS due_tomorrow;
COMMIT;

-- Who sees it: the secretariat, the auditor, DEA and its parent ministry
-- KEFM; not DST, DMI (an agency below DEA) or an embassy.
CREATE FUNCTION pg_temp.seen(subject text) RETURNS text
  LANGUAGE plpgsql
AS $$
DECLARE
  v text;
BEGIN
  PERFORM ssc.begin_call('', subject, '{secretariat,auditor,ministry,embassy}', '/ssc.v1.Radar/List');
  SELECT string_agg(format('%s:%s:%s', e->>'kind', e->>'entity', e->>'entity_id'), ' ')
    INTO v FROM jsonb_array_elements(ssc.radar_list(
      '{"as_of": "2027-06-01", "horizon_days": 3660, "kinds": ["decision_due", "allocation_end"]}', '', 500)) e;
  RETURN coalesce(v, '(none)');
END
$$;

-- Approved: the wait is over, and the allocation's end (the application's
-- period) is on the radar instead.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/fixtures');
SELECT ssc.application_approve(jsonb_build_object('id', :app, 'pool_id', :pool,
         'amount', '{"amount_minor": 80000000, "currency": "DKK"}'::jsonb), NULL) ->> 'status' AS status;
SELECT pg_temp.radar('{"horizon_days": 3660, "kinds": ["decision_due"]}') AS decided;
SELECT pg_temp.radar('{"as_of": "2027-06-01", "horizon_days": 28, "kinds": ["allocation_end"]}') AS short_of_end;
SELECT pg_temp.radar('{"as_of": "2027-06-01", "horizon_days": 29, "kinds": ["allocation_end"]}') AS at_end;
SELECT pg_temp.radar('{"as_of": "2027-06-30", "horizon_days": 1, "kinds": ["allocation_end"]}') AS on_the_day;
SELECT pg_temp.radar('{"as_of": "2027-07-01", "horizon_days": 30, "kinds": ["allocation_end"]}') AS after_it;
COMMIT;
SELECT s AS subject, pg_temp.seen(s) AS events
  FROM unnest(ARRAY['CN=secretariat', 'CN=auditor', 'CN=kefm', 'CN=dea', 'CN=dmi', 'CN=dst',
                    'CN=embassy-vn']) s;

-- Released once the collaboration has left inception: no longer on the radar.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/fixtures');
SELECT ssc.collab_transition(jsonb_build_object('id', :c_vn, 'to_phase', 'long_term'), NULL) ->> 'phase' AS phase;
SELECT ssc.allocation_release('{"id": 1}', NULL) ->> 'status' AS allocation;
SELECT pg_temp.radar('{"as_of": "2027-06-01", "horizon_days": 30, "kinds": ["allocation_end"]}') AS released;
COMMIT;

-- The kinds are known words; an unknown one names them all.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/ssc.v1.Radar/List');
SELECT ssc.radar_list('{"kinds": ["decision"]}', '', 10);
COMMIT;
