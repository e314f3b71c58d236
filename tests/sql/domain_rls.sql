-- Row-level security of the domain tables (0018-0021), seen with plain SQL
-- as ssc_app in the session begin_call makes: which rows each role sees in
-- demand_signals, interests, collaborations, collaboration_phases,
-- collaboration_transitions, agreements, agreement_versions and
-- secondments, and which plain INSERTs and UPDATEs the policies refuse.
-- The roles: a ministry (KEFM, 1), its agency DEA (2) as the parent of
-- DMI (7), DMI the agency child, DUR (8) DEA's sibling, Statistics Denmark
-- (3) apart, the embassies in Viet Nam and Kenya, the secretariat, the
-- auditor, the admin and the reconciler (CN=dea-payroll, of DEA).
\ir domain_fixtures.psql

-- ---- the rows ---------------------------------------------------------------

-- Each made by whoever may make it, through the API.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=embassy-vn', '{embassy}', '/domain_rls');
SELECT count(*) AS signals FROM (VALUES
  (ssc.demand_create('{"sectors": ["23110"], "partner_id": 9, "title": "VN open", "priority": 1, "screened_on": "2024-03-01"}'::jsonb, NULL)),
  (ssc.demand_create('{"sectors": ["41010"], "title": "VN withdrawn", "priority": 2, "screened_on": "2024-03-01"}'::jsonb, NULL))) v (d);
SELECT d->>'status' AS status FROM ssc.demand_withdraw('{"id": 2}'::jsonb, NULL) d;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=embassy-ke', '{embassy}', '/domain_rls');
SELECT d->>'id' AS id FROM ssc.demand_create('{"sectors": ["23112"], "title": "KE open", "priority": 1, "screened_on": "2024-03-01"}'::jsonb, NULL) d;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{ministry}', '/domain_rls');
SELECT i->>'id' AS interest FROM ssc.interest_create('{"sectors": ["23110"], "countries": ["VN"], "capacity_months": 6}'::jsonb, NULL) i;
SELECT c->>'id' AS collaboration FROM ssc.collab_create('{"reference": "RLS-DEA", "title": "DEA in VN", "country": "VN", "partner_ids": [9],
  "sectors": [{"code": "23110", "percentage": 100}], "started_on": "2024-01-01"}'::jsonb, NULL) c;
SELECT c->>'phase' AS phase FROM ssc.collab_transition('{"id": 1, "to_phase": "inception", "on_date": "2024-02-01"}'::jsonb, NULL) c;
SELECT a->>'id' AS agreement FROM ssc.agreement_create('{"kind": "mou", "title": "DEA MoU", "party_ids": [2, 9],
  "effective_from": "2024-01-01"}'::jsonb, NULL) a;
SELECT a->>'versions' AS versions FROM ssc.agreement_sign('{"id": 1, "signed_on": "2024-01-01"}'::jsonb, NULL),
       ssc.agreement_amend('{"id": 1, "update_mask": ["scope"], "scope": "more", "effective_from": "2025-01-01"}'::jsonb, NULL) a;
SELECT s->>'id' AS secondment FROM (VALUES
  (ssc.secondment_create('{"collaboration_id": 1, "employee_ref": "DEA-1", "expert_name": "DEA expert", "host_id": 9,
    "starts_on": "2024-03-01", "ends_on": "2024-12-31", "share_bp": 10000,
    "monthly_compensation": {"amount_minor": 100, "currency": "DKK"}}'::jsonb, NULL)),
  (ssc.secondment_create('{"collaboration_id": 1, "employer_id": 7, "employee_ref": "DMI-1", "expert_name": "DMI expert",
    "host_id": 9, "starts_on": "2024-03-01", "ends_on": "2024-12-31", "share_bp": 5000,
    "monthly_compensation": {"amount_minor": 100, "currency": "DKK"}}'::jsonb, NULL))) v (s);
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dmi', '{ministry}', '/domain_rls');
SELECT i->>'id' AS interest FROM ssc.interest_create('{"sectors": ["15143"], "countries": ["VN", "KE"], "capacity_months": 6}'::jsonb, NULL) i;
SELECT c->>'id' AS collaboration FROM ssc.collab_create('{"reference": "RLS-DMI", "title": "DMI in VN", "country": "VN", "partner_ids": [10],
  "sectors": [{"code": "15143", "percentage": 100}], "started_on": "2024-01-01"}'::jsonb, NULL) c;
SELECT c->>'phase' AS phase FROM ssc.collab_transition('{"id": 2, "to_phase": "cancelled", "on_date": "2024-02-01"}'::jsonb, NULL) c;
SELECT a->>'id' AS agreement FROM ssc.agreement_create('{"kind": "cooperation", "title": "DMI with VNMHA", "party_ids": [7, 10],
  "collaboration_id": 2, "effective_from": "2024-01-01"}'::jsonb, NULL) a;
SELECT s->>'id' AS secondment FROM ssc.secondment_create('{"collaboration_id": 2, "employee_ref": "DMI-2", "expert_name": "DMI expert",
  "host_id": 10, "starts_on": "2024-03-01", "ends_on": "2024-12-31", "share_bp": 5000,
  "monthly_compensation": {"amount_minor": 100, "currency": "DKK"}}'::jsonb, NULL) s;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dur', '{ministry}', '/domain_rls');
SELECT i->>'id' AS interest FROM ssc.interest_create('{"sectors": ["23112"], "countries": ["KE"], "capacity_months": 6}'::jsonb, NULL) i;
SELECT c->>'id' AS collaboration FROM ssc.collab_create('{"reference": "RLS-DUR", "title": "DUR in KE", "country": "KE", "partner_ids": [12],
  "embassy_id": 11, "sectors": [{"code": "23112", "percentage": 100}], "started_on": "2024-01-01"}'::jsonb, NULL) c;
SELECT a->>'id' AS agreement FROM ssc.agreement_create('{"kind": "cooperation", "title": "Partners only", "party_ids": [12, 10],
  "collaboration_id": 3, "effective_from": "2024-01-01"}'::jsonb, NULL) a;
SELECT s->>'id' AS secondment FROM ssc.secondment_create('{"collaboration_id": 3, "employee_ref": "DUR-1", "expert_name": "DUR expert",
  "host_id": 12, "starts_on": "2024-03-01", "ends_on": "2024-12-31", "share_bp": 5000,
  "monthly_compensation": {"amount_minor": 100, "currency": "DKK"}}'::jsonb, NULL) s;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/domain_rls');
-- DUR's expert in DEA's collaboration: the secretariat writes any row.
SELECT s->>'id' AS secondment FROM ssc.secondment_create('{"collaboration_id": 1, "employer_id": 8, "employee_ref": "DUR-2",
  "expert_name": "DUR expert", "host_id": 9, "starts_on": "2024-03-01", "ends_on": "2024-12-31", "share_bp": 5000,
  "monthly_compensation": {"amount_minor": 100, "currency": "DKK"}}'::jsonb, NULL) s;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dst', '{ministry}', '/domain_rls');
SELECT i->>'id' AS interest FROM ssc.interest_create('{"sectors": ["16062"], "countries": ["CN"], "capacity_months": 6}'::jsonb, NULL) i;
SELECT c->>'id' AS collaboration FROM ssc.collab_create('{"reference": "RLS-DST", "title": "DST in CN", "country": "CN", "partner_ids": [5],
  "sectors": [{"code": "16062", "percentage": 100}], "started_on": "2024-01-01"}'::jsonb, NULL) c;
SELECT a->>'id' AS agreement FROM ssc.agreement_create('{"kind": "mou", "title": "DST MoU", "party_ids": [3, 5],
  "effective_from": "2024-01-01"}'::jsonb, NULL) a;
SELECT s->>'id' AS secondment FROM ssc.secondment_create('{"collaboration_id": 4, "employee_ref": "DST-1", "expert_name": "DST expert",
  "host_id": 5, "starts_on": "2024-03-01", "ends_on": "2024-12-31", "share_bp": 5000,
  "monthly_compensation": {"amount_minor": 100, "currency": "DKK"}}'::jsonb, NULL) s;
COMMIT;

-- All of it, as the owner sees it.
\c - ssc_owner
SELECT id, country, status, embassy_id FROM ssc.demand_signals ORDER BY id;
SELECT id, organisation_id, countries, status FROM ssc.interests ORDER BY id;
SELECT id, reference, lead_id, country, phase,
       (SELECT count(*) FROM ssc.collaboration_phases p WHERE p.collaboration_id = c.id) AS phases,
       (SELECT count(*) FROM ssc.collaboration_transitions t WHERE t.collaboration_id = c.id) AS transitions
  FROM ssc.collaborations c ORDER BY id;
SELECT id, party_ids, collaboration_id,
       (SELECT count(*) FROM ssc.agreement_versions v WHERE v.agreement_id = a.id) AS versions
  FROM ssc.agreements a ORDER BY id;
SELECT id, employee_ref, employer_id, collaboration_id, lead_id, country FROM ssc.secondments ORDER BY id;
\c - ssc_app

-- ---- what each role sees ------------------------------------------------------

-- Plain SELECTs, each role in its own call: the ids visible in each table
-- (phases and versions as collaboration:phase and agreement.number).
\set seen 'SELECT (SELECT array_agg(id ORDER BY id) FROM ssc.demand_signals) AS signals, (SELECT array_agg(id ORDER BY id) FROM ssc.interests) AS interests, (SELECT array_agg(id ORDER BY id) FROM ssc.collaborations) AS collabs, (SELECT array_agg(collaboration_id || '':'' || left(phase, 2) ORDER BY collaboration_id, phase) FROM ssc.collaboration_phases) AS phases, (SELECT array_agg(collaboration_id ORDER BY id) FROM ssc.collaboration_transitions) AS transitions, (SELECT array_agg(id ORDER BY id) FROM ssc.agreements) AS agreements, (SELECT array_agg(agreement_id || ''.'' || number ORDER BY agreement_id, number) FROM ssc.agreement_versions) AS versions, (SELECT array_agg(id ORDER BY id) FROM ssc.secondments) AS secondments;'
\set roles '{ministry,secretariat,reconciler,auditor,admin,embassy}'
-- KEFM, the ministry: everything led by, party to or employed in 1, 2, 7, 8.
BEGIN;
SELECT role, current_setting('ssc.org_scope') AS scope FROM ssc.begin_call('', 'CN=kefm', :'roles', '/domain_rls');
:seen
ROLLBACK;
-- DEA, the parent: its own rows and its agency DMI's (collaboration 2,
-- agreement 2, secondments 2 and 3), and DUR's expert in its collaboration
-- (secondment 5, by the lead); the open demand signals of any country.
BEGIN;
SELECT role, current_setting('ssc.org_scope') AS scope FROM ssc.begin_call('', 'CN=dea', :'roles', '/domain_rls');
:seen
ROLLBACK;
-- DMI, the agency child: its own only, not its parent's.
BEGIN;
SELECT role, current_setting('ssc.org_scope') AS scope FROM ssc.begin_call('', 'CN=dmi', :'roles', '/domain_rls');
:seen
ROLLBACK;
-- DUR, the sibling: its own, and its expert in DEA's collaboration; none of
-- DEA's or DMI's.
BEGIN;
SELECT role, current_setting('ssc.org_scope') AS scope FROM ssc.begin_call('', 'CN=dur', :'roles', '/domain_rls');
:seen
ROLLBACK;
-- Statistics Denmark, outside KEFM: its own.
BEGIN;
SELECT role, current_setting('ssc.org_scope') AS scope FROM ssc.begin_call('', 'CN=dst', :'roles', '/domain_rls');
:seen
ROLLBACK;
-- The embassy in Viet Nam: its country's demand signals (withdrawn too),
-- interests naming VN, collaborations and secondments in VN, no agreements.
BEGIN;
SELECT role, current_setting('ssc.country') AS country FROM ssc.begin_call('', 'CN=embassy-vn', :'roles', '/domain_rls');
:seen
ROLLBACK;
-- The embassy in Kenya: the same for KE.
BEGIN;
SELECT role, current_setting('ssc.country') AS country FROM ssc.begin_call('', 'CN=embassy-ke', :'roles', '/domain_rls');
:seen
ROLLBACK;
-- The secretariat and the auditor: everything.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', :'roles', '/domain_rls');
:seen
ROLLBACK;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=auditor', :'roles', '/domain_rls');
:seen
ROLLBACK;
-- The admin and the reconciler: nothing (sscd does not let them call the
-- domain methods at all).
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=admin', :'roles', '/domain_rls');
:seen
ROLLBACK;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea-payroll', :'roles', '/domain_rls');
:seen
ROLLBACK;
-- Without begin_call: nothing.
:seen

-- ---- what each role may write ---------------------------------------------------

-- Plain INSERTs and UPDATEs, each tried as each role and undone: the row
-- count, or the SQLSTATE of the refusal (42501: a row the policy refuses,
-- or a column or table without a grant; SC412: a signed agreement version).
-- An UPDATE the policy hides rows from updates 0 of them. The rows named
-- are DEA's (collaboration 1, agreement 1) unless said otherwise.
CREATE TEMP TABLE writes (n int, what text, stmt text);
INSERT INTO writes VALUES
  (1, 'insert signal of embassy VN', $$INSERT INTO ssc.demand_signals (embassy_id, country, sectors, title, priority, screened_on)
                                     VALUES (6, 'VN', '{23110}', 'x', 1, '2024-01-01')$$),
  (2, 'insert signal of embassy KE', $$INSERT INTO ssc.demand_signals (embassy_id, country, sectors, title, priority, screened_on)
                                     VALUES (11, 'KE', '{23110}', 'x', 1, '2024-01-01')$$),
  (3, 'update every signal', $$UPDATE ssc.demand_signals SET status = status$$),
  (4, 'insert interest of DEA', $$INSERT INTO ssc.interests (organisation_id, sectors, countries, capacity_months)
                                VALUES (2, '{23110}', '{VN}', 1)$$),
  (5, 'insert interest of DMI', $$INSERT INTO ssc.interests (organisation_id, sectors, countries, capacity_months)
                                VALUES (7, '{23110}', '{VN}', 1)$$),
  (6, 'update every interest', $$UPDATE ssc.interests SET status = status$$),
  (7, 'insert collab led by DEA', $$INSERT INTO ssc.collaborations (title, lead_id, country, partner_ids, sectors, phase_since)
                                  VALUES ('x', 2, 'VN', '{9}', '[{"code": "23110", "percentage": 100}]', '2024-01-01')$$),
  (8, 'insert collab led by DUR', $$INSERT INTO ssc.collaborations (title, lead_id, country, partner_ids, sectors, phase_since)
                                  VALUES ('x', 8, 'KE', '{12}', '[{"code": "23110", "percentage": 100}]', '2024-01-01')$$),
  (9, 'update every collab', $$UPDATE ssc.collaborations SET title = title$$),
  (10, 'move a collab to long_term', $$UPDATE ssc.collaborations SET phase = 'long_term' WHERE id = 1$$),
  (11, 'insert phase of collab 1', $$INSERT INTO ssc.collaboration_phases (collaboration_id, phase) VALUES (1, 'long_term')$$),
  (12, 'update every phase', $$UPDATE ssc.collaboration_phases SET planned_end = planned_end$$),
  (13, 'insert transition of collab 1', $$INSERT INTO ssc.collaboration_transitions (collaboration_id, from_phase, to_phase, on_date)
                                       VALUES (1, 'inception', 'long_term', '2024-06-01')$$),
  (14, 'update every transition', $$UPDATE ssc.collaboration_transitions SET note = note$$),
  (15, 'insert agreement of DEA', $$INSERT INTO ssc.agreements (kind, title, party_ids) VALUES ('mou', 'x', '{2,9}')$$),
  (16, 'insert agreement of DST', $$INSERT INTO ssc.agreements (kind, title, party_ids) VALUES ('mou', 'x', '{3,5}')$$),
  (17, 'update every agreement', $$UPDATE ssc.agreements SET title = title$$),
  (18, 'insert version of agreement 1', $$INSERT INTO ssc.agreement_versions (agreement_id, number, signed_on, effective_from)
                                       VALUES (1, 3, '2026-01-01', '2026-01-01')$$),
  (19, 'sign every version again', $$UPDATE ssc.agreement_versions SET signed_on = signed_on$$),
  (20, 'sign draft agreement 2', $$UPDATE ssc.agreement_versions SET signed_on = '2024-01-01' WHERE agreement_id = 2$$),
  (21, 'insert secondment of DEA', $$INSERT INTO ssc.secondments (collaboration_id, employer_id, employee_ref, expert_name, host_id,
                                    country, lead_id, starts_on, ends_on, share_bp, monthly_minor, currency)
                                  VALUES (1, 2, 'X-1', 'x', 9, 'VN', 2, '2030-01-01', '2030-01-31', 1, 0, 'DKK')$$),
  (22, 'insert secondment of DUR', $$INSERT INTO ssc.secondments (collaboration_id, employer_id, employee_ref, expert_name, host_id,
                                    country, lead_id, starts_on, ends_on, share_bp, monthly_minor, currency)
                                  VALUES (3, 8, 'X-1', 'x', 12, 'KE', 8, '2030-01-01', '2030-01-31', 1, 0, 'DKK')$$),
  (23, 'update every secondment', $$UPDATE ssc.secondments SET expert_name = expert_name$$),
  (24, 'delete a secondment', $$DELETE FROM ssc.secondments WHERE id = 1$$),
  (25, 'delete a demand signal', $$DELETE FROM ssc.demand_signals WHERE id = 1$$);
CREATE FUNCTION pg_temp.try_as(who text, stmt text) RETURNS text
  LANGUAGE plpgsql
AS $$
DECLARE
  n bigint;
BEGIN
  PERFORM ssc.begin_call('', who, '{ministry,secretariat,reconciler,auditor,admin,embassy}', '/domain_rls');
  EXECUTE stmt;
  GET DIAGNOSTICS n = ROW_COUNT;
  RAISE EXCEPTION USING ERRCODE = 'SC999', MESSAGE = n;  -- undo it, and the call's settings
EXCEPTION WHEN others THEN
  RETURN CASE WHEN SQLSTATE = 'SC999' THEN SQLERRM ELSE SQLSTATE END;
END
$$;
BEGIN;
SELECT what, pg_temp.try_as('CN=kefm', stmt) AS kefm, pg_temp.try_as('CN=dea', stmt) AS dea,
       pg_temp.try_as('CN=dmi', stmt) AS dmi, pg_temp.try_as('CN=dur', stmt) AS dur,
       pg_temp.try_as('CN=embassy-vn', stmt) AS "emb-vn", pg_temp.try_as('CN=embassy-ke', stmt) AS "emb-ke",
       pg_temp.try_as('CN=secretariat', stmt) AS secr, pg_temp.try_as('CN=auditor', stmt) AS auditor,
       pg_temp.try_as('CN=admin', stmt) AS admin, pg_temp.try_as('CN=dea-payroll', stmt) AS reconc
  FROM writes ORDER BY n;
-- Nothing was written, and no call's settings outlived it.
SELECT current_setting('ssc.role', true) AS role, current_setting('ssc.org_scope', true) AS scope;
ROLLBACK;

-- The refusals in full, once each.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=auditor', :'roles', '/domain_rls');
-- The auditor reads everything and writes nothing.
INSERT INTO ssc.demand_signals (embassy_id, country, sectors, title, priority, screened_on)
  VALUES (6, 'VN', '{23110}', 'x', 1, '2024-01-01');
INSERT INTO ssc.interests (organisation_id, sectors, countries, capacity_months) VALUES (2, '{23110}', '{VN}', 1);
INSERT INTO ssc.agreements (kind, title, party_ids) VALUES ('mou', 'x', '{2,9}');
UPDATE ssc.collaborations SET title = 'audited' RETURNING id;
UPDATE ssc.secondments SET expert_name = 'audited' RETURNING id;
ROLLBACK;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=embassy-vn', :'roles', '/domain_rls');
-- An embassy has no agreements, not even of collaborations in its country.
SELECT count(*) AS agreements, (SELECT count(*) FROM ssc.collaborations WHERE id = 2) AS collaboration_2
  FROM ssc.agreements;
INSERT INTO ssc.agreements (kind, title, party_ids, collaboration_id) VALUES ('mou', 'x', '{6,9}', 1);
-- It reads collaborations in its country and writes none of them.
UPDATE ssc.collaborations SET title = 'embassy' RETURNING id;
INSERT INTO ssc.collaborations (title, lead_id, country, partner_ids, sectors, phase_since)
  VALUES ('x', 2, 'VN', '{9}', '[{"code": "23110", "percentage": 100}]', '2024-01-01');
-- Its own signals it writes; another embassy's not, and not in its name.
UPDATE ssc.demand_signals SET status = 'withdrawn' WHERE id = 1 RETURNING id, status;
UPDATE ssc.demand_signals SET status = 'withdrawn' WHERE id = 3 RETURNING id;
INSERT INTO ssc.demand_signals (embassy_id, country, sectors, title, priority, screened_on)
  VALUES (11, 'KE', '{23110}', 'x', 1, '2024-01-01');
ROLLBACK;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dmi', :'roles', '/domain_rls');
-- The agency child writes nothing of its parent's.
INSERT INTO ssc.interests (organisation_id, sectors, countries, capacity_months) VALUES (2, '{23110}', '{VN}', 1);
INSERT INTO ssc.collaborations (title, lead_id, country, partner_ids, sectors, phase_since)
  VALUES ('x', 2, 'VN', '{9}', '[{"code": "23110", "percentage": 100}]', '2024-01-01');
UPDATE ssc.collaborations SET title = 'DMI''s now' WHERE id = 1 RETURNING id;
UPDATE ssc.secondments SET expert_name = 'DMI''s now' RETURNING id, employer_id;
-- Nor moves its own rows out of its scope.
UPDATE ssc.interests SET organisation_id = 2 WHERE id = 2;
ROLLBACK;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dur', :'roles', '/domain_rls');
-- The sibling writes nothing of DEA's.
INSERT INTO ssc.agreements (kind, title, party_ids) VALUES ('mou', 'x', '{2,9}');
INSERT INTO ssc.collaboration_transitions (collaboration_id, from_phase, to_phase, on_date)
  VALUES (1, 'inception', 'long_term', '2024-06-01');
INSERT INTO ssc.collaboration_phases (collaboration_id, phase) VALUES (1, 'long_term');
UPDATE ssc.agreements SET title = 'DUR''s now' WHERE id = 1 RETURNING id;
ROLLBACK;

-- The SECURITY DEFINER trigger functions are the owner's alone: ssc_app
-- cannot run them, nor audit_append, by itself.
SELECT ssc.collaborations_take_match();
SELECT ssc.secondments_full_time();
SELECT p.proname, p.prosecdef AS definer, has_function_privilege('ssc_app', p.oid, 'EXECUTE') AS app_may_execute
  FROM pg_proc p
 WHERE p.pronamespace = 'ssc'::regnamespace
   AND p.proname IN ('collaborations_take_match', 'secondments_full_time', 'audit_row',
                     'agreement_versions_audit', 'audit_append')
 ORDER BY p.proname;
