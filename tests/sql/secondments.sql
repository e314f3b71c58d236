-- Secondments (0021): the rules of a secondment and the messages at and
-- just past every limit, the derived stay (long from long_stay_months, at
-- exactly the threshold) and status as of a date, amendments and
-- cancellation, the 100 % rule over an expert's secondments, and the cap
-- of a contract's staff category. A mutation answers as of today, which
-- moves, so the status is read with secondment_get and a given as_of.
\ir domain_fixtures.psql

-- A secondment in one line.
CREATE FUNCTION pg_temp.sec(s jsonb) RETURNS text
  LANGUAGE sql
  RETURN format('%s/%s %s..%s %s bp %s %s, %s', s->>'employer_id', s->>'employee_ref', s->>'starts_on',
                s->>'ends_on', s->>'share_bp', s->'monthly_compensation'->>'amount_minor',
                s->'monthly_compensation'->>'currency', s->>'stay');

-- The world: DEA's collaborations in Viet Nam and Kenya, and a contract
-- between DEA and DMI whose staff categories cap compensation (version 2,
-- from 2025-01-01, raises the senior rate and drops "Adviser").
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/fixtures');
SELECT c->>'id' AS vn FROM ssc.collab_create('{"reference": "VN-WIND", "title": "Offshore wind", "country": "VN",
                                              "partner_ids": [9, 10], "sectors": [{"code": "23240", "percentage": 100}],
                                              "started_on": "2024-01-01"}'::jsonb, NULL) c \gset
SELECT c->>'id' AS ke FROM ssc.collab_create('{"reference": "KE-REG", "title": "Energy regulation", "country": "KE",
                                              "partner_ids": [12], "sectors": [{"code": "23112", "percentage": 100}],
                                              "started_on": "2024-01-01"}'::jsonb, NULL) c \gset
SELECT c->>'id' AS contract
  FROM ssc.agreement_create('{"kind": "contract", "title": "Expert services", "party_ids": [2, 7],
                              "effective_from": "2024-01-01", "effective_to": "2027-12-31",
                              "contract": {"ceiling": {"amount_minor": 500000000, "currency": "DKK"},
                                           "staff_categories": [
                                             {"name": "Senior adviser", "max_monthly_rate": {"amount_minor": 9500000, "currency": "DKK"}},
                                             {"name": "Adviser", "max_monthly_rate": {"amount_minor": 7000000, "currency": "DKK"}}]}}'::jsonb,
                            NULL) c \gset
SELECT ssc.agreement_sign(jsonb_build_object('id', :contract, 'signed_on', '2023-12-01'), NULL) IS NOT NULL AS signed;
SELECT ssc.agreement_amend(jsonb_build_object('id', :contract, 'update_mask', '["contract"]'::jsonb, 'effective_from', '2025-01-01',
         'contract', '{"ceiling": {"amount_minor": 600000000, "currency": "DKK"},
                       "staff_categories": [{"name": "Senior adviser", "max_monthly_rate": {"amount_minor": 10000000, "currency": "DKK"}}]}'::jsonb),
         NULL) IS NOT NULL AS amended;
SELECT c->>'id' AS mou FROM ssc.agreement_create('{"kind": "mou", "title": "MoU", "party_ids": [2, 9],
                                                  "effective_from": "2024-01-01"}'::jsonb, NULL) c \gset
COMMIT;
SELECT :vn AS vn, :ke AS ke, :contract AS contract, :mou AS mou;

-- ---- create --------------------------------------------------------------------

-- DEA seconds its expert to the Vietnamese authority for exactly six
-- months, full time: the employer is DEA's own by default; country and
-- lead come from the collaboration.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Secondments/Create');
SELECT ssc.secondment_create(jsonb_build_object('collaboration_id', :vn, 'employee_ref', 'DEA-0042',
         'expert_name', ' Mette Hansen ', 'host_id', 9, 'starts_on', '2024-03-01', 'ends_on', '2024-08-31',
         'share_bp', 10000, 'monthly_compensation', '{"amount_minor": 6500000, "currency": "DKK"}'::jsonb), NULL)
       - '{as_of,status,created_at,updated_at}'::text[] AS secondment;
COMMIT;

-- Every rule, at and just past its limit; each refusal SC400 naming the field.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Secondments/Create');
SELECT jsonb_build_object('collaboration_id', :vn, 'employee_ref', 'LIMITS', 'expert_name', 'Limits',
                          'host_id', 9, 'starts_on', '2030-01-01', 'ends_on', '2030-01-31', 'share_bp', 100,
                          'monthly_compensation', '{"amount_minor": 100, "currency": "DKK"}'::jsonb) AS req \gset
-- share_bp: 1..10000 (each its own expert, so the 100 % rule stays out of it).
SELECT ssc.secondment_create(:'req'::jsonb || '{"share_bp": 0}', NULL);
SELECT ssc.secondment_create(:'req'::jsonb || '{"share_bp": 10001}', NULL);
SELECT ssc.secondment_create(:'req'::jsonb || '{"share_bp": -1}', NULL);
SELECT ssc.secondment_create(:'req'::jsonb - 'share_bp', NULL);
SELECT ssc.secondment_create(:'req'::jsonb || '{"share_bp": 50.5}', NULL);
SELECT s->>'share_bp' AS share_bp
  FROM (VALUES (ssc.secondment_create(:'req'::jsonb || '{"share_bp": 1, "employee_ref": "ONE-BP"}', NULL)),
               (ssc.secondment_create(:'req'::jsonb || '{"share_bp": 10000, "employee_ref": "FULL"}', NULL))) v (s);
-- employee_ref: 1..64 characters, no spaces or control characters.
SELECT ssc.secondment_create(:'req'::jsonb || jsonb_build_object('employee_ref', repeat('r', 65)), NULL);
SELECT ssc.secondment_create(:'req'::jsonb || '{"employee_ref": ""}', NULL);
SELECT ssc.secondment_create(:'req'::jsonb || '{"employee_ref": "DEA 42"}', NULL);
SELECT ssc.secondment_create(:'req'::jsonb || '{"employee_ref": " DEA-42"}', NULL);
SELECT ssc.secondment_create(:'req'::jsonb || '{"employee_ref": "DEA\t42"}', NULL);
SELECT char_length(s->>'employee_ref') AS employee_ref_length
  FROM ssc.secondment_create(:'req'::jsonb || jsonb_build_object('employee_ref', repeat('r', 64)), NULL) s;
SELECT s->>'employee_ref' AS employee_ref
  FROM ssc.secondment_create(:'req'::jsonb || '{"employee_ref": "Ø"}', NULL) s;
-- expert_name: 1..200 characters, trimmed.
SELECT ssc.secondment_create(:'req'::jsonb || jsonb_build_object('expert_name', repeat('n', 201)), NULL);
SELECT ssc.secondment_create(:'req'::jsonb || '{"expert_name": "  "}', NULL);
SELECT ssc.secondment_create(:'req'::jsonb || '{"expert_name": "Two\nlines"}', NULL);
SELECT char_length(s->>'expert_name') AS expert_name_length
  FROM ssc.secondment_create(:'req'::jsonb || jsonb_build_object('expert_name', repeat('n', 200), 'employee_ref', 'NAME-200'), NULL) s;
-- Dates: both required, the end not before the start (one day is fine).
SELECT ssc.secondment_create(:'req'::jsonb || '{"ends_on": "2029-12-31"}', NULL);
SELECT ssc.secondment_create(:'req'::jsonb - 'starts_on', NULL);
SELECT ssc.secondment_create(:'req'::jsonb || '{"ends_on": "2030-02-29"}', NULL);
SELECT s->>'starts_on' AS starts_on, s->>'ends_on' AS ends_on, s->>'stay' AS stay
  FROM ssc.secondment_create(:'req'::jsonb || '{"ends_on": "2030-01-01", "employee_ref": "ONE-DAY"}', NULL) s;
-- Compensation: required, not negative, an ISO 4217 currency; 0 is fine.
SELECT ssc.secondment_create(:'req'::jsonb - 'monthly_compensation', NULL);
SELECT ssc.secondment_create(:'req'::jsonb || '{"monthly_compensation": {"amount_minor": -1, "currency": "DKK"}}', NULL);
SELECT ssc.secondment_create(:'req'::jsonb || '{"monthly_compensation": {"amount_minor": 1, "currency": "kr."}}', NULL);
SELECT s->'monthly_compensation' AS compensation
  FROM ssc.secondment_create(:'req'::jsonb || '{"monthly_compensation": {"amount_minor": 0, "currency": "EUR"}, "employee_ref": "UNPAID"}', NULL) s;
-- The host: a partner authority in the collaboration's country.
SELECT ssc.secondment_create(:'req'::jsonb || '{"host_id": 12}', NULL);
SELECT ssc.secondment_create(:'req'::jsonb || '{"host_id": 5}', NULL);
SELECT ssc.secondment_create(:'req'::jsonb || '{"host_id": 2}', NULL);
SELECT ssc.secondment_create(:'req'::jsonb || '{"host_id": 999}', NULL);
SELECT ssc.secondment_create(:'req'::jsonb - 'host_id', NULL);
SELECT ssc.secondment_create(:'req'::jsonb || jsonb_build_object('collaboration_id', :ke), NULL);
-- The collaboration and the employer: they exist, the employer is a Danish
-- authority in the caller's scope (DMI's expert may be DEA's to second;
-- DUR's is not).
SELECT ssc.secondment_create(:'req'::jsonb || '{"collaboration_id": 999}', NULL);
SELECT ssc.secondment_create(:'req'::jsonb - 'collaboration_id', NULL);
SELECT ssc.secondment_create(:'req'::jsonb || '{"employer_id": 9}', NULL);
SELECT ssc.secondment_create(:'req'::jsonb || '{"employer_id": 999}', NULL);
SELECT ssc.secondment_create(:'req'::jsonb || '{"employer_id": 8}', NULL);
SELECT s->>'employer_id' AS employer, s->>'country' AS country
  FROM ssc.secondment_create(:'req'::jsonb || '{"employer_id": 7}', NULL) s;
ROLLBACK;
-- DUR cannot second its own expert to DEA's collaboration: it cannot see it.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dur', '{secretariat,ministry}', '/ssc.v1.Secondments/Create');
SELECT ssc.secondment_create(jsonb_build_object('collaboration_id', :vn, 'employee_ref', 'DUR-1', 'expert_name', 'X',
         'host_id', 9, 'starts_on', '2030-01-01', 'ends_on', '2030-01-31', 'share_bp', 100,
         'monthly_compensation', '{"amount_minor": 100, "currency": "DKK"}'::jsonb), NULL);
ROLLBACK;

-- ---- stay and status ---------------------------------------------------------

-- Long when the secondment lasts at least long_stay_months months (the
-- inclusive period reaches the day before start + n months): 1 March to 31
-- August is 6 months, to 30 August is not; 31 August 2024 + 6 months is
-- 28 February 2025 (ssc.add_months), so 31 August to 27 February is 6
-- months, to 26 February is not; 3 months from 1 March end on 31 May.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Secondments/Create');
SELECT pg_temp.sec(s) AS secondment
  FROM (VALUES ('STAY-1', '2024-03-01', '2024-08-31'), ('STAY-2', '2024-03-01', '2024-08-30'),
               ('STAY-3', '2024-08-31', '2025-02-27'), ('STAY-4', '2024-08-31', '2025-02-26'),
               ('STAY-5', '2024-03-01', '2024-05-31'), ('STAY-6', '2024-03-01', '2024-05-30'),
               ('STAY-7', '2024-01-01', '2024-12-31')) v (ref, starts_on, ends_on),
       LATERAL ssc.secondment_create(jsonb_build_object('collaboration_id', :vn, 'employee_ref', ref, 'expert_name', ref,
         'host_id', 9, 'starts_on', starts_on, 'ends_on', ends_on, 'share_bp', 5000,
         'monthly_compensation', '{"amount_minor": 100, "currency": "DKK"}'::jsonb), NULL) s;
COMMIT;
-- The threshold is the connection's setting (sscd passes [domain]
-- long_stay_months): 6 like the default, then 3, then 12.
SELECT set_config('ssc.long_stay_months', '6', false);
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Secondments/List');
SELECT ssc.long_stay_months() AS months, jsonb_path_query_array(ssc.secondment_list('{"employer_id": 2}'::jsonb, '', 100),
                                                                 '$[*] ? (@.employee_ref like_regex "^STAY").stay') AS stays;
SELECT set_config('ssc.long_stay_months', '3', false);
SELECT ssc.long_stay_months() AS months, jsonb_path_query_array(ssc.secondment_list('{"employer_id": 2}'::jsonb, '', 100),
                                                                 '$[*] ? (@.employee_ref like_regex "^STAY").stay') AS stays;
SELECT set_config('ssc.long_stay_months', '12', false);
SELECT ssc.long_stay_months() AS months, jsonb_path_query_array(ssc.secondment_list('{"employer_id": 2}'::jsonb, '', 100),
                                                                 '$[*] ? (@.employee_ref like_regex "^STAY").stay') AS stays;
COMMIT;
RESET ssc.long_stay_months;
SELECT ssc.long_stay_months() AS default_months;

-- The status as of a date: planned before the start, active from the first
-- through the last day, completed after; cancelled whatever the date.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Secondments/Get');
SELECT id AS stay1 FROM ssc.secondments WHERE employee_ref = 'STAY-1' \gset
SELECT d AS as_of, ssc.secondment_get(jsonb_build_object('id', :stay1, 'as_of', d))->>'status' AS status
  FROM unnest('{2024-02-29,2024-03-01,2024-08-31,2024-09-01}'::text[]) d;
COMMIT;

-- ---- amend and cancel ------------------------------------------------------------

BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Secondments/Amend');
SELECT id AS stay2 FROM ssc.secondments WHERE employee_ref = 'STAY-2' \gset
-- Extended by a day it becomes a long stay; shortened, short again; a new
-- share and compensation; each a new version.
SELECT s->>'version' AS version, pg_temp.sec(s) AS secondment
  FROM (VALUES
    (ssc.secondment_amend(jsonb_build_object('id', :stay2, 'expected_version', 1, 'update_mask', '["ends_on"]'::jsonb,
                                             'ends_on', '2024-08-31'), NULL)),
    (ssc.secondment_amend(jsonb_build_object('id', :stay2, 'expected_version', 2, 'update_mask', '["starts_on", "ends_on"]'::jsonb,
                                             'starts_on', '2024-04-01', 'ends_on', '2024-06-30'), NULL)),
    (ssc.secondment_amend(jsonb_build_object('id', :stay2, 'update_mask', '["share_bp", "monthly_compensation", "expert_name"]'::jsonb,
                                             'share_bp', 2500, 'monthly_compensation', '{"amount_minor": 200, "currency": "EUR"}'::jsonb,
                                             'expert_name', 'Stay Two'), NULL))) v (s);
SELECT ssc.secondment_amend(jsonb_build_object('id', :stay2, 'expected_version', 2, 'update_mask', '["share_bp"]'::jsonb,
                                               'share_bp', 100), NULL);
SELECT ssc.secondment_amend(jsonb_build_object('id', :stay2, 'update_mask', '["ends_on"]'::jsonb, 'ends_on', '2024-03-31'), NULL);
SELECT ssc.secondment_amend(jsonb_build_object('id', :stay2, 'update_mask', '["share_bp"]'::jsonb, 'share_bp', 10001), NULL);
SELECT ssc.secondment_amend(jsonb_build_object('id', :stay2, 'update_mask', '["host_id"]'::jsonb, 'host_id', 10), NULL);
SELECT ssc.secondment_amend(jsonb_build_object('id', :stay2, 'update_mask', '[]'::jsonb), NULL);
SELECT ssc.secondment_amend(jsonb_build_object('id', :stay2, 'update_mask', '["ends_on"]'::jsonb), NULL);
SELECT ssc.secondment_amend('{"id": 99999, "update_mask": ["share_bp"], "share_bp": 1}'::jsonb, NULL);
-- Cancelled on a date: cancelled whatever the date, and changes no more.
SELECT s->>'cancelled_on' AS cancelled_on, s->>'status' AS status, s->>'version' AS version
  FROM ssc.secondment_cancel(jsonb_build_object('id', :stay2, 'on_date', '2024-03-15'), NULL) s;
SELECT d AS as_of, ssc.secondment_get(jsonb_build_object('id', :stay2, 'as_of', d))->>'status' AS status
  FROM unnest('{2024-01-01,2024-05-01,2030-01-01}'::text[]) d;
SELECT ssc.secondment_cancel(jsonb_build_object('id', :stay2, 'on_date', '2024-03-16'), NULL);
SELECT ssc.secondment_amend(jsonb_build_object('id', :stay2, 'update_mask', '["share_bp"]'::jsonb, 'share_bp', 100), NULL);
SELECT ssc.secondment_cancel(jsonb_build_object('id', :stay2, 'on_date', 'soon'), NULL);
-- Nor with plain SQL.
UPDATE ssc.secondments SET expert_name = 'Renamed' WHERE id = :stay2;
UPDATE ssc.secondments SET cancelled_on = NULL WHERE id = :stay2;
COMMIT;

-- ---- 100 % ------------------------------------------------------------------------

-- One expert (DEA, E-1) never works more than 10000 basis points on any
-- day over the secondments not cancelled: 6000 and 4000 overlapping in
-- part make exactly 10000; one basis point more, on any shared day, fails
-- naming the first such day and the sum.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Secondments/Create');
SELECT jsonb_build_object('collaboration_id', :vn, 'employee_ref', 'E-1', 'expert_name', 'Expert One', 'host_id', 9,
                          'monthly_compensation', '{"amount_minor": 100, "currency": "DKK"}'::jsonb) AS e1 \gset
SELECT s->>'id' AS a_id FROM ssc.secondment_create(:'e1'::jsonb || '{"starts_on": "2025-01-01", "ends_on": "2025-06-30", "share_bp": 6000}', NULL) s \gset
SELECT s->>'id' AS b_id FROM ssc.secondment_create(:'e1'::jsonb || '{"starts_on": "2025-03-01", "ends_on": "2025-12-31", "share_bp": 4000}', NULL) s \gset
SELECT pg_temp.sec(ssc.secondment_get(jsonb_build_object('id', id))) AS secondment
  FROM unnest(ARRAY[:a_id, :b_id]) id;
-- One more basis point on the last shared day; on the first day after it
-- (30 June is shared, 1 July is not); within one secondment's period only.
SELECT ssc.secondment_create(:'e1'::jsonb || '{"starts_on": "2025-06-30", "ends_on": "2025-07-31", "share_bp": 1}', NULL);
SELECT pg_temp.sec(s) AS fits
  FROM ssc.secondment_create(:'e1'::jsonb || '{"starts_on": "2025-07-01", "ends_on": "2025-07-31", "share_bp": 6000}', NULL) s;
SELECT ssc.secondment_create(:'e1'::jsonb || '{"starts_on": "2025-07-15", "ends_on": "2025-07-15", "share_bp": 1}', NULL);
SELECT ssc.secondment_create(:'e1'::jsonb || '{"starts_on": "2024-12-01", "ends_on": "2026-12-31", "share_bp": 1}', NULL);
SELECT ssc.secondment_create(:'e1'::jsonb || '{"starts_on": "2025-02-01", "ends_on": "2025-02-28", "share_bp": 4001}', NULL);
SELECT pg_temp.sec(s) AS fits
  FROM ssc.secondment_create(:'e1'::jsonb || '{"starts_on": "2025-02-01", "ends_on": "2025-02-28", "share_bp": 4000}', NULL) s;
-- Amendments are held to it too: more share, or a longer period into
-- days already full (A to 1 July meets B and the July one).
SELECT ssc.secondment_amend(jsonb_build_object('id', :b_id, 'update_mask', '["share_bp"]'::jsonb, 'share_bp', 4001), NULL);
SELECT ssc.secondment_amend(jsonb_build_object('id', :a_id, 'update_mask', '["ends_on"]'::jsonb, 'ends_on', '2025-07-01'), NULL);
SELECT pg_temp.sec(s) AS fits
  FROM ssc.secondment_amend(jsonb_build_object('id', :a_id, 'update_mask', '["share_bp"]'::jsonb, 'share_bp', 5999), NULL) s;
-- Another employer's E-1 is another expert.
SELECT pg_temp.sec(s) AS other_expert
  FROM ssc.secondment_create(:'e1'::jsonb || '{"employer_id": 7, "starts_on": "2025-03-01", "ends_on": "2025-03-31", "share_bp": 10000}', NULL) s;
COMMIT;
-- A cancelled secondment does not count: once A is cancelled, B may go to
-- 10000 in March to June (not in July, which the July one shares).
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Secondments/Amend');
SELECT ssc.secondment_amend(jsonb_build_object('id', :b_id, 'update_mask', '["share_bp"]'::jsonb, 'share_bp', 10000), NULL);
SELECT s->>'cancelled_on' AS cancelled_on FROM ssc.secondment_cancel(jsonb_build_object('id', :a_id, 'on_date', '2024-12-15'), NULL) s;
SELECT ssc.secondment_amend(jsonb_build_object('id', :b_id, 'update_mask', '["share_bp"]'::jsonb, 'share_bp', 10000), NULL);
SELECT pg_temp.sec(s) AS fits
  FROM ssc.secondment_amend(jsonb_build_object('id', :b_id, 'update_mask', '["share_bp", "ends_on"]'::jsonb,
                                               'share_bp', 10000, 'ends_on', '2025-06-30'), NULL) s;
COMMIT;
-- What the expert's days add up to now, as the owner sees them.
\c - ssc_owner
SELECT d::date AS day, sum(s.share_bp) AS share_bp, string_agg(s.id::text, ', ' ORDER BY s.id) AS secondments
  FROM generate_series('2025-01-01'::date, '2025-12-31', '1 day') d
  JOIN ssc.secondments s ON s.employer_id = 2 AND s.employee_ref = 'E-1' AND s.cancelled_on IS NULL
                        AND d BETWEEN s.starts_on AND s.ends_on
 GROUP BY d ORDER BY sum(s.share_bp) DESC, d LIMIT 3;
-- The trigger holds for the owner's writes too.
UPDATE ssc.secondments SET ends_on = '2025-07-01' WHERE id = :b_id;
\c - ssc_app
CREATE FUNCTION pg_temp.sec(s jsonb) RETURNS text
  LANGUAGE sql
  RETURN format('%s/%s %s..%s %s bp %s %s, %s', s->>'employer_id', s->>'employee_ref', s->>'starts_on',
                s->>'ends_on', s->>'share_bp', s->'monthly_compensation'->>'amount_minor',
                s->'monthly_compensation'->>'currency', s->>'stay');

-- ---- a contract's staff category ---------------------------------------------

-- Naming a staff category caps the compensation at its maximum rate in
-- the contract version in force when the secondment starts: 9500000 DKK
-- for a senior adviser starting in 2024, 10000000 from 2025; "Adviser"
-- only in version 1.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Secondments/Create');
SELECT jsonb_build_object('collaboration_id', :vn, 'expert_name', 'Contracted', 'host_id', 9, 'share_bp', 5000,
                          'contract_id', :contract, 'staff_category', 'Senior adviser') AS c1 \gset
SELECT pg_temp.sec(s) || ' ' || (s->>'staff_category') AS at_the_cap
  FROM (VALUES
    (ssc.secondment_create(:'c1'::jsonb || '{"employee_ref": "C-1", "starts_on": "2024-06-01", "ends_on": "2024-12-31",
                                           "monthly_compensation": {"amount_minor": 9500000, "currency": "DKK"}}', NULL)),
    (ssc.secondment_create(:'c1'::jsonb || '{"employee_ref": "C-2", "starts_on": "2025-01-01", "ends_on": "2025-12-31",
                                           "monthly_compensation": {"amount_minor": 10000000, "currency": "DKK"}}', NULL)),
    (ssc.secondment_create(:'c1'::jsonb || '{"employee_ref": "C-3", "starts_on": "2024-06-01", "ends_on": "2024-12-31",
                                           "staff_category": "Adviser",
                                           "monthly_compensation": {"amount_minor": 7000000, "currency": "DKK"}}', NULL))) v (s);
SELECT ssc.secondment_create(:'c1'::jsonb || '{"employee_ref": "C-4", "starts_on": "2024-06-01", "ends_on": "2024-12-31",
                                             "monthly_compensation": {"amount_minor": 9500001, "currency": "DKK"}}', NULL);
SELECT ssc.secondment_create(:'c1'::jsonb || '{"employee_ref": "C-4", "starts_on": "2024-12-31", "ends_on": "2025-12-31",
                                             "monthly_compensation": {"amount_minor": 10000000, "currency": "DKK"}}', NULL);
SELECT ssc.secondment_create(:'c1'::jsonb || '{"employee_ref": "C-4", "starts_on": "2025-01-01", "ends_on": "2025-12-31",
                                             "monthly_compensation": {"amount_minor": 10000001, "currency": "DKK"}}', NULL);
SELECT ssc.secondment_create(:'c1'::jsonb || '{"employee_ref": "C-4", "starts_on": "2025-01-01", "ends_on": "2025-12-31",
                                             "staff_category": "Adviser",
                                             "monthly_compensation": {"amount_minor": 1, "currency": "DKK"}}', NULL);
SELECT ssc.secondment_create(:'c1'::jsonb || '{"employee_ref": "C-4", "starts_on": "2025-01-01", "ends_on": "2025-12-31",
                                             "monthly_compensation": {"amount_minor": 1000, "currency": "EUR"}}', NULL);
SELECT ssc.secondment_create(:'c1'::jsonb || '{"employee_ref": "C-4", "starts_on": "2025-01-01", "ends_on": "2025-12-31",
                                             "staff_category": "Senior Adviser",
                                             "monthly_compensation": {"amount_minor": 1, "currency": "DKK"}}', NULL);
SELECT ssc.secondment_create((:'c1'::jsonb - 'contract_id') || '{"employee_ref": "C-4", "starts_on": "2025-01-01", "ends_on": "2025-12-31",
                                             "monthly_compensation": {"amount_minor": 1, "currency": "DKK"}}', NULL);
SELECT ssc.secondment_create(:'c1'::jsonb || jsonb_build_object('contract_id', :mou) || '{"employee_ref": "C-4", "starts_on": "2025-01-01",
                                             "ends_on": "2025-12-31", "monthly_compensation": {"amount_minor": 1, "currency": "DKK"}}', NULL);
-- A contract without a category caps nothing.
SELECT pg_temp.sec(s) AS uncapped
  FROM ssc.secondment_create((:'c1'::jsonb - 'staff_category') || '{"employee_ref": "C-5", "starts_on": "2025-01-01", "ends_on": "2025-12-31",
                                             "monthly_compensation": {"amount_minor": 99000000, "currency": "DKK"}}', NULL) s;
COMMIT;
-- The cap holds on amendment too, against the version in force at the
-- (possibly new) start.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Secondments/Amend');
SELECT id AS c1_id FROM ssc.secondments WHERE employee_ref = 'C-1' \gset
SELECT ssc.secondment_amend(jsonb_build_object('id', :c1_id, 'update_mask', '["monthly_compensation"]'::jsonb,
                                               'monthly_compensation', '{"amount_minor": 9600000, "currency": "DKK"}'::jsonb), NULL);
SELECT pg_temp.sec(s) AS moved_into_version_2
  FROM ssc.secondment_amend(jsonb_build_object('id', :c1_id, 'update_mask', '["starts_on", "ends_on", "monthly_compensation"]'::jsonb,
                                               'starts_on', '2025-01-01', 'ends_on', '2025-06-30',
                                               'monthly_compensation', '{"amount_minor": 9600000, "currency": "DKK"}'::jsonb), NULL) s;
COMMIT;

-- ---- lists ------------------------------------------------------------------------

BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Secondments/List');
SELECT jsonb_path_query_array(ssc.secondment_list('{"employer_id": 2, "employee_ref": "E-1"}'::jsonb, '', 100),
                              '$[*].starts_on') AS e1_starts,
       jsonb_path_query_array(ssc.secondment_list('{"employer_id": 7}'::jsonb, '', 100), '$[*].employee_ref') AS of_dmi,
       jsonb_path_query_array(ssc.secondment_list(jsonb_build_object('collaboration_id', :ke), '', 100), '$[*].id') AS in_kenya;
SELECT s AS status,
       jsonb_path_query_array(ssc.secondment_list(jsonb_build_object('status', s, 'as_of', '2024-06-01'), '', 100),
                              '$[*].employee_ref') AS "2024-06-01"
  FROM unnest('{planned,active,completed,cancelled}'::text[]) s;
SELECT (ssc.secondment_list('{}'::jsonb, '', 3)->2->>'id') AS after_3 \gset
SELECT jsonb_path_query_array(ssc.secondment_list('{}'::jsonb, '', 3), '$[*].employee_ref') AS page_1,
       jsonb_path_query_array(ssc.secondment_list('{}'::jsonb, :'after_3', 3), '$[*].employee_ref') AS page_2;
SELECT ssc.secondment_list('{"employee_ref": "E-1"}'::jsonb, '', 10);
SELECT ssc.secondment_list('{"employer_id": -2}'::jsonb, '', 10);
SELECT ssc.secondment_get('{"id": 99999}'::jsonb);
COMMIT;
-- Who lists what: DMI its own experts' (employer in its scope); DUR
-- nothing; the embassy in Viet Nam those in Viet Nam, the one in Kenya none.
\set list 'SELECT count(*) AS visible, count(*) FILTER (WHERE s->>''country'' = ''VN'') AS in_vn, jsonb_agg(DISTINCT s->''employer_id'') AS employers FROM jsonb_array_elements(ssc.secondment_list(''{}''::jsonb, '''', 1000)) s;'
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{ministry,embassy}', '/ssc.v1.Secondments/List');
:list
ROLLBACK;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dmi', '{ministry,embassy}', '/ssc.v1.Secondments/List');
:list
ROLLBACK;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dur', '{ministry,embassy}', '/ssc.v1.Secondments/List');
:list
ROLLBACK;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=embassy-vn', '{ministry,embassy}', '/ssc.v1.Secondments/List');
:list
ROLLBACK;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=embassy-ke', '{ministry,embassy}', '/ssc.v1.Secondments/List');
:list
ROLLBACK;

-- The trail has an entry per secondment row written.
\c - ssc_owner
SELECT count(*) AS secondment_entries FROM ssc.audit WHERE entity = 'secondment';
SELECT ssc.audit_verify() -> 'ok' AS chain_ok;
