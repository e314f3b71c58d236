-- The rules of the record that the tables hold (0024), tried the way an
-- attacker holding ssc_app would: plain SQL inside a call, begin_call set
-- and row-level security applying, against the columns ssc_app may write.
\ir domain_fixtures.psql

-- A collaboration of DEA in Viet Nam, in inception; a demand signal of the
-- embassy in Viet Nam.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{ministry}', '/record_rules');
SELECT c->>'id' AS collaboration FROM ssc.collab_create('{"reference": "RULES-VN", "title": "DEA in VN", "country": "VN",
  "partner_ids": [9], "sectors": [{"code": "23110", "percentage": 100}], "started_on": "2024-01-01"}'::jsonb, NULL) c;
SELECT c->>'phase' AS phase FROM ssc.collab_transition('{"id": 1, "to_phase": "inception", "on_date": "2024-02-01"}'::jsonb, NULL) c;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=embassy-vn', '{embassy}', '/record_rules');
SELECT d->>'id' AS signal FROM ssc.demand_create('{"sectors": ["23110"], "title": "VN grid", "priority": 1,
  "screened_on": "2024-03-01"}'::jsonb, NULL) d;
COMMIT;

-- ---- the phase moves only by a recorded transition ----------------------------

BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/record_rules');
-- Writing the phase itself: no privilege, not even for the secretariat.
UPDATE ssc.collaborations SET phase = 'closed' WHERE id = 1;
UPDATE ssc.collaborations SET suspended_from = 'inception' WHERE id = 1;
UPDATE ssc.collaborations SET phase_since = '2020-01-01' WHERE id = 1;
-- A step the machine does not have; a transition from a phase it is not in;
-- a date before the phase began.
INSERT INTO ssc.collaboration_transitions (collaboration_id, from_phase, to_phase, on_date)
  VALUES (1, 'inception', 'closed', '2024-06-01');
INSERT INTO ssc.collaboration_transitions (collaboration_id, from_phase, to_phase, on_date)
  VALUES (1, 'long_term', 'phase_2', '2024-06-01');
INSERT INTO ssc.collaboration_transitions (collaboration_id, from_phase, to_phase, on_date)
  VALUES (1, 'inception', 'long_term', '2024-01-15');
SELECT phase, suspended_from, phase_since FROM ssc.collaborations WHERE id = 1;
-- An allowed step, written as plain SQL, moves the collaboration with it.
INSERT INTO ssc.collaboration_transitions (collaboration_id, from_phase, to_phase, on_date, note)
  VALUES (1, 'inception', 'suspended', '2024-06-01', 'by hand');
SELECT phase, suspended_from, phase_since FROM ssc.collaborations WHERE id = 1;
-- Resume goes back to the phase suspended from, and only there.
INSERT INTO ssc.collaboration_transitions (collaboration_id, from_phase, to_phase, on_date)
  VALUES (1, 'suspended', 'long_term', '2024-07-01');
INSERT INTO ssc.collaboration_transitions (collaboration_id, from_phase, to_phase, on_date)
  VALUES (1, 'suspended', 'inception', '2024-07-01');
SELECT phase, suspended_from, phase_since FROM ssc.collaborations WHERE id = 1;
SELECT from_phase, to_phase, on_date, note FROM ssc.collaboration_transitions
 WHERE collaboration_id = 1 ORDER BY id;
COMMIT;
-- Every move is in the audit trail as a change of the collaboration, in
-- the name of the caller (read as the owner: the audit is the auditor's).
\c - ssc_owner
SELECT principal, method, before->>'phase' AS before, after->>'phase' AS after
  FROM ssc.audit WHERE entity = 'collaboration' AND entity_id = '1' ORDER BY seq;
\c - ssc_app

-- A ministry that may not write the collaboration learns nothing of it.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dst', '{ministry}', '/record_rules');
INSERT INTO ssc.collaboration_transitions (collaboration_id, from_phase, to_phase, on_date)
  VALUES (1, 'inception', 'long_term', '2024-06-01');
INSERT INTO ssc.collaboration_transitions (collaboration_id, from_phase, to_phase, on_date)
  VALUES (99, 'inception', 'long_term', '2024-06-01');
ROLLBACK;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=embassy-vn', '{embassy}', '/record_rules');
INSERT INTO ssc.collaboration_transitions (collaboration_id, from_phase, to_phase, on_date)
  VALUES (1, 'inception', 'long_term', '2024-06-01');
ROLLBACK;

-- ---- demand signals: the embassy's country; open is left once -------------------

BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=embassy-vn', '{embassy}', '/record_rules');
-- Written with another country, it is the embassy's all the same.
INSERT INTO ssc.demand_signals (embassy_id, country, sectors, title, priority, screened_on)
  VALUES (6, 'KE', '{23110}', 'hand-made', 1, '2024-03-01') RETURNING id, embassy_id, country;
-- A partner of another country; an embassy that is not one.
INSERT INTO ssc.demand_signals (embassy_id, country, sectors, partner_id, title, priority, screened_on)
  VALUES (6, 'VN', '{23110}', 12, 'hand-made', 1, '2024-03-01');
ROLLBACK;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/record_rules');
INSERT INTO ssc.demand_signals (embassy_id, country, sectors, title, priority, screened_on)
  VALUES (2, 'DK', '{23110}', 'hand-made', 1, '2024-03-01');
ROLLBACK;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=embassy-vn', '{embassy}', '/record_rules');
UPDATE ssc.demand_signals SET status = 'withdrawn' WHERE id = 1 RETURNING id, status;
UPDATE ssc.demand_signals SET status = 'open' WHERE id = 1;
UPDATE ssc.demand_signals SET status = 'matched' WHERE id = 1;
ROLLBACK;

-- ---- a collaboration takes a match whole, or nothing ---------------------------

BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{ministry}', '/record_rules');
SELECT i->>'id' AS interest FROM ssc.interest_create('{"sectors": ["23110"], "countries": ["VN"],
  "capacity_months": 6}'::jsonb, NULL) i;
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{ministry}', '/record_rules');
-- Half a match, either half.
INSERT INTO ssc.collaborations (title, lead_id, country, partner_ids, sectors, demand_signal_id, phase_since)
  VALUES ('half', 2, 'VN', '{9}', '[{"code": "23110", "percentage": 100}]', 1, '2024-01-01');
INSERT INTO ssc.collaborations (title, lead_id, country, partner_ids, sectors, interest_id, phase_since)
  VALUES ('half', 2, 'VN', '{9}', '[{"code": "23110", "percentage": 100}]', 1, '2024-01-01');
-- An insert ON CONFLICT DO NOTHING that is skipped (the reference exists)
-- takes nothing.
INSERT INTO ssc.collaborations (reference, title, lead_id, country, partner_ids, sectors,
                                demand_signal_id, interest_id, phase_since)
  VALUES ('RULES-VN', 'skipped', 2, 'VN', '{9}', '[{"code": "23110", "percentage": 100}]', 1, 1, '2024-01-01')
  ON CONFLICT (reference) DO NOTHING;
SELECT (SELECT status FROM ssc.demand_signals WHERE id = 1) AS signal,
       (SELECT status FROM ssc.interests WHERE id = 1) AS interest;
ROLLBACK;
-- A ministry that may not lead it is refused before anything is locked or
-- told: Statistics Denmark for DEA.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dst', '{ministry}', '/record_rules');
INSERT INTO ssc.collaborations (title, lead_id, country, partner_ids, sectors, demand_signal_id,
                                interest_id, phase_since)
  VALUES ('not mine', 2, 'VN', '{9}', '[{"code": "23110", "percentage": 100}]', 1, 1, '2024-01-01');
ROLLBACK;
\c - ssc_owner
SELECT (SELECT status FROM ssc.demand_signals WHERE id = 1) AS signal,
       (SELECT status FROM ssc.interests WHERE id = 1) AS interest;
\c - ssc_app

-- ---- secondments: the collaboration's country and lead ----------------------------

BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{ministry}', '/record_rules');
INSERT INTO ssc.secondments (collaboration_id, employer_id, employee_ref, expert_name, host_id,
                             country, lead_id, starts_on, ends_on, share_bp, monthly_minor, currency)
  VALUES (1, 2, 'X-1', 'x', 9, 'KE', 8, '2030-01-01', '2030-01-31', 1, 0, 'DKK')
  RETURNING collaboration_id, country, lead_id;
-- A host outside the country; an employer that is not a Danish authority.
INSERT INTO ssc.secondments (collaboration_id, employer_id, employee_ref, expert_name, host_id,
                             country, lead_id, starts_on, ends_on, share_bp, monthly_minor, currency)
  VALUES (1, 2, 'X-2', 'x', 12, 'VN', 2, '2030-01-01', '2030-01-31', 1, 0, 'DKK');
ROLLBACK;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}', '/record_rules');
INSERT INTO ssc.secondments (collaboration_id, employer_id, employee_ref, expert_name, host_id,
                             country, lead_id, starts_on, ends_on, share_bp, monthly_minor, currency)
  VALUES (1, 9, 'X-3', 'x', 9, 'VN', 2, '2030-01-01', '2030-01-31', 1, 0, 'DKK');
ROLLBACK;
