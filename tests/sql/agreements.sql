-- Agreements (0020): drafts, signing, amendments in versions (extension,
-- open end, scope, notice period, contract terms), notice and its month
-- arithmetic, termination, the status derived as of a date, lists and
-- versions, every refusal, and that a signed version never changes, even
-- through plain SQL. A mutation answers as of today, which moves, so what
-- depends on the date is read with agreement_get and a given as_of.
\ir domain_fixtures.psql

-- An agreement as of a date, in one line of its derived fields.
CREATE FUNCTION pg_temp.st(a jsonb) RETURNS text
  LANGUAGE sql
  RETURN format('%s v%s %s..%s notice %s%s%s', a->>'status', a->'in_force'->>'number',
                a->'in_force'->>'effective_from', a->'in_force'->>'effective_to',
                a->'in_force'->>'notice_months',
                CASE WHEN a->>'notice_on' IS NOT NULL
                     THEN format(' (given %s by %s, ends %s)', a->>'notice_on', a->>'notice_by', a->>'ends_on') END,
                CASE WHEN a->>'terminated_on' IS NOT NULL
                     THEN format(' (terminated %s, ends %s)', a->>'terminated_on', a->>'ends_on') END);

-- ---- a draft, signed, amended ------------------------------------------------

-- DEA records an MoU with the Vietnamese energy authority: a draft
-- (version 1, unsigned) from 2024-01-01 to 2025-12-31, 6 months' notice.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Agreements/Create');
SELECT a->>'id' AS id, a->>'kind' AS kind, a->>'title' AS title, a->'party_ids' AS parties,
       a->>'status' AS status, a->>'versions' AS versions, a->>'version' AS version,
       (a->'in_force') - 'created_at'::text AS in_force
  FROM ssc.agreement_create('{"kind": "mou", "title": " Energy MoU ", "party_ids": [2, 9],
                              "effective_from": "2024-01-01", "effective_to": "2025-12-31",
                              "notice_months": 6, "review_on": "2024-12-01",
                              "scope": "Offshore wind and grid planning"}'::jsonb, NULL) a;
-- A draft is not amended, and needs no notice.
SELECT ssc.agreement_amend('{"id": 1, "update_mask": ["scope"], "scope": "x", "effective_from": "2024-06-01"}'::jsonb, NULL);
SELECT ssc.agreement_notice('{"id": 1, "by_party_id": 2, "on_date": "2024-06-01"}'::jsonb, NULL);
SELECT ssc.agreement_terminate('{"id": 1, "on_date": "2024-06-01"}'::jsonb, NULL);
COMMIT;

-- Signed on 2023-12-15, once: the agreement's version moves, version 1 is
-- now signed.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Agreements/Sign');
SELECT a->>'version' AS version, a->'in_force'->>'signed_on' AS signed_on
  FROM ssc.agreement_sign('{"id": 1, "signed_on": "2023-12-15"}'::jsonb, NULL) a;
SELECT ssc.agreement_sign('{"id": 1, "signed_on": "2023-12-16"}'::jsonb, NULL);
SELECT ssc.agreement_sign('{"id": 99}'::jsonb, NULL);
SELECT ssc.agreement_sign('{"id": 1, "signed_on": "15/12/2023"}'::jsonb, NULL);
COMMIT;

-- Amendments, each a new version from its own date: an extension to
-- 2027-12-31 from 2025-01-01; open-ended from 2026-01-01; a new scope and
-- 3 months' notice from 2027-01-01 (signed later than it takes effect).
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Agreements/Amend');
SELECT a->>'version' AS version, a->>'versions' AS versions
  FROM (VALUES
    (ssc.agreement_amend('{"id": 1, "update_mask": ["effective_to"], "effective_from": "2025-01-01",
                           "effective_to": "2027-12-31", "signed_on": "2024-11-20"}'::jsonb, NULL)),
    (ssc.agreement_amend('{"id": 1, "update_mask": ["open_ended"], "open_ended": true,
                           "effective_from": "2026-01-01"}'::jsonb, NULL)),
    (ssc.agreement_amend('{"id": 1, "update_mask": ["scope", "notice_months", "review_on"],
                           "scope": "Offshore wind, grid planning and energy efficiency",
                           "notice_months": 3, "review_on": "", "effective_from": "2027-01-01",
                           "signed_on": "2027-02-01"}'::jsonb, NULL))) v (a);
-- Refused: an amendment on or before the last version's date, both an end
-- and open_ended, open_ended false, an end before the start, unknown or no
-- fields, a notice period out of 0..120, contract terms on an MoU.
SELECT ssc.agreement_amend('{"id": 1, "update_mask": ["scope"], "scope": "x", "effective_from": "2027-01-01"}'::jsonb, NULL);
SELECT ssc.agreement_amend('{"id": 1, "update_mask": ["scope"], "scope": "x", "effective_from": "2026-06-01"}'::jsonb, NULL);
SELECT ssc.agreement_amend('{"id": 1, "update_mask": ["scope"], "scope": "x"}'::jsonb, NULL);
SELECT ssc.agreement_amend('{"id": 1, "update_mask": ["effective_to", "open_ended"], "effective_to": "2030-01-01",
                             "open_ended": true, "effective_from": "2028-01-01"}'::jsonb, NULL);
SELECT ssc.agreement_amend('{"id": 1, "update_mask": ["open_ended"], "open_ended": false, "effective_from": "2028-01-01"}'::jsonb, NULL);
SELECT ssc.agreement_amend('{"id": 1, "update_mask": ["effective_to"], "effective_to": "2027-12-31", "effective_from": "2028-01-01"}'::jsonb, NULL);
SELECT ssc.agreement_amend('{"id": 1, "update_mask": ["effective_to"], "effective_from": "2028-01-01"}'::jsonb, NULL);
SELECT ssc.agreement_amend('{"id": 1, "update_mask": ["title"], "title": "x", "effective_from": "2028-01-01"}'::jsonb, NULL);
SELECT ssc.agreement_amend('{"id": 1, "update_mask": [], "effective_from": "2028-01-01"}'::jsonb, NULL);
SELECT ssc.agreement_amend('{"id": 1, "update_mask": ["notice_months"], "notice_months": 121, "effective_from": "2028-01-01"}'::jsonb, NULL);
SELECT ssc.agreement_amend('{"id": 1, "update_mask": ["notice_months"], "notice_months": -1, "effective_from": "2028-01-01"}'::jsonb, NULL);
SELECT ssc.agreement_amend('{"id": 1, "update_mask": ["contract"], "effective_from": "2028-01-01",
                             "contract": {"ceiling": {"amount_minor": 1, "currency": "DKK"}}}'::jsonb, NULL);
COMMIT;

-- As of dates before, within and after each version: the version in force
-- and the status. Before 2024-01-01 it is signed but not yet effective;
-- 2025-12-31 was version 1's last day, but version 2 extended it; version
-- 4 is in force from its effective date, though signed a month later.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Agreements/Get');
SELECT d AS as_of, pg_temp.st(ssc.agreement_get(jsonb_build_object('id', 1, 'as_of', d))) AS state,
       ssc.agreement_get(jsonb_build_object('id', 1, 'as_of', d))->'in_force'->>'scope' AS scope
  FROM unnest('{2023-12-14,2023-12-15,2023-12-31,2024-01-01,2024-12-31,2025-01-01,2025-12-31,
                2026-01-01,2026-12-31,2027-01-01,2099-01-01}'::text[]) d;
-- The whole answer, once (instants left out).
SELECT ssc.agreement_get('{"id": 1, "as_of": "2026-06-01"}'::jsonb) - '{created_at,updated_at}'::text[]
       || jsonb_build_object('in_force', (ssc.agreement_get('{"id": 1, "as_of": "2026-06-01"}'::jsonb)->'in_force') - 'created_at'::text)
       AS agreement;
SELECT ssc.agreement_get('{"id": 1, "as_of": "2026-02-30"}'::jsonb);
SELECT ssc.agreement_get('{}'::jsonb);
SELECT ssc.agreement_get('{"id": 99}'::jsonb);
-- The versions, in pages by number.
SELECT v->>'number' AS number, v->>'signed_on' AS signed_on, v->>'effective_from' AS "from",
       v->>'effective_to' AS "to", v->>'notice_months' AS notice, v->>'review_on' AS review_on,
       v->>'scope' AS scope, v->'contract' AS contract
  FROM jsonb_array_elements(ssc.agreement_versions('{"id": 1}'::jsonb, '', 100)) v;
SELECT jsonb_path_query_array(ssc.agreement_versions('{"id": 1}'::jsonb, '', 3), '$[*].number') AS page_1,
       jsonb_path_query_array(ssc.agreement_versions('{"id": 1}'::jsonb, '3', 3), '$[*].number') AS page_2,
       ssc.agreement_versions('{"id": 1}'::jsonb, '4', 3) AS page_3;
SELECT ssc.agreement_versions('{"id": 99}'::jsonb, '', 3);
COMMIT;

-- ---- a signed version never changes ------------------------------------------

-- ssc_app holds UPDATE on signed_on, and DEA passes the update policy, but
-- the trigger refuses any change to a signed version; other columns and
-- DELETE are not granted at all.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Agreements/Sign');
UPDATE ssc.agreement_versions SET signed_on = '2023-12-01' WHERE agreement_id = 1 AND number = 1;
UPDATE ssc.agreement_versions SET signed_on = NULL WHERE agreement_id = 1 AND number = 2;
UPDATE ssc.agreement_versions SET signed_on = signed_on WHERE agreement_id = 1;
UPDATE ssc.agreement_versions SET effective_to = '2030-12-31' WHERE agreement_id = 1 AND number = 2;
UPDATE ssc.agreement_versions SET scope = 'rewritten' WHERE agreement_id = 1;
DELETE FROM ssc.agreement_versions WHERE agreement_id = 1 AND number = 4;
-- Nor is a version replaced by inserting its number again.
INSERT INTO ssc.agreement_versions (agreement_id, number, signed_on, effective_from)
  VALUES (1, 3, '2026-01-01', '2026-01-01');
ROLLBACK;
-- Nor may the owner change or delete one.
\c - ssc_owner
UPDATE ssc.agreement_versions SET scope = 'rewritten' WHERE agreement_id = 1 AND number = 3;
DELETE FROM ssc.agreement_versions WHERE agreement_id = 1 AND number = 4;
SELECT number, signed_on, effective_from, effective_to, notice_months, scope
  FROM ssc.agreement_versions WHERE agreement_id = 1 ORDER BY number;
\c - ssc_app
CREATE FUNCTION pg_temp.st(a jsonb) RETURNS text
  LANGUAGE sql
  RETURN format('%s v%s %s..%s notice %s%s%s', a->>'status', a->'in_force'->>'number',
                a->'in_force'->>'effective_from', a->'in_force'->>'effective_to',
                a->'in_force'->>'notice_months',
                CASE WHEN a->>'notice_on' IS NOT NULL
                     THEN format(' (given %s by %s, ends %s)', a->>'notice_on', a->>'notice_by', a->>'ends_on') END,
                CASE WHEN a->>'terminated_on' IS NOT NULL
                     THEN format(' (terminated %s, ends %s)', a->>'terminated_on', a->>'ends_on') END);
-- An unsigned draft's version 1 may be signed with plain SQL, as
-- agreement_sign does; then it too is frozen.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Agreements/Create');
SELECT a->>'id' AS draft_id FROM ssc.agreement_create('{"kind": "cooperation", "title": "Draft only", "party_ids": [2, 9],
                                                       "effective_from": "2024-01-01"}'::jsonb, NULL) a \gset
UPDATE ssc.agreement_versions SET signed_on = '2024-01-01' WHERE agreement_id = :draft_id AND number = 1
  RETURNING number, signed_on;
UPDATE ssc.agreement_versions SET signed_on = '2024-01-02' WHERE agreement_id = :draft_id AND number = 1;
ROLLBACK;

-- ---- notice, its arithmetic, termination, every status -----------------------

-- Notice ends an agreement at the notice date plus the notice period of the
-- version in force on that date, the day clamped to the month's end: 31
-- August + 6 months is 29 February in a leap year, 28 February otherwise;
-- a fixed end that comes sooner comes first; 0 months ends it on the day.
-- Each agreement (parties DEA and the Vietnamese authority, signed the day
-- before it takes effect) is made, signed and given notice by the partner.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat,ministry}', '/ssc.v1.Agreements/GiveNotice');
SELECT a->>'id' AS id, a->>'title' AS title, a->'in_force'->>'notice_months' AS months,
       a->>'notice_on' AS notice_on, a->>'notice_by' AS by, a->>'ends_on' AS ends_on, want,
       a->>'ends_on' = want AS ok
  FROM (VALUES
    ('Leap year', '2020-01-01', NULL, 6, '2023-08-31', '2024-02-29'),
    ('Not a leap year', '2020-01-01', NULL, 6, '2022-08-31', '2023-02-28'),
    ('31 December + 2', '2020-01-01', NULL, 2, '2023-12-31', '2024-02-29'),
    ('29 February + 12', '2020-01-01', NULL, 12, '2024-02-29', '2025-02-28'),
    ('Mid-month', '2020-01-01', NULL, 6, '2024-05-15', '2024-11-15'),
    ('Fixed end first', '2020-01-01', '2023-12-31', 6, '2023-08-31', '2023-12-31'),
    ('Notice on the last day', '2020-01-01', '2023-12-31', 6, '2023-12-31', '2023-12-31'),
    ('No notice period', '2020-01-01', NULL, 0, '2024-05-15', '2024-05-15')) v (title, from_d, to_d, months, notice_on, want),
    LATERAL ssc.agreement_create(jsonb_build_object('kind', 'cooperation', 'title', title, 'party_ids', '[2, 9]'::jsonb,
                                                    'effective_from', from_d, 'effective_to', to_d,
                                                    'notice_months', months), NULL) c,
    LATERAL ssc.agreement_sign(jsonb_build_object('id', (c->>'id')::int, 'signed_on', '2019-12-31'), NULL) s,
    LATERAL ssc.agreement_notice(jsonb_build_object('id', (c->>'id')::int, 'by_party_id', 9, 'on_date', notice_on), NULL) a;
-- The status around the notice: notice_given from the notice date through
-- the last day, terminated the day after. (notice_on and ends_on are the
-- record's, whatever date the agreement is read as of.)
SELECT a.id, a.title, pg_temp.st(ssc.agreement_get(jsonb_build_object('id', a.id, 'as_of', a.notice_on - 1))) AS day_before,
       ssc.agreement_get(jsonb_build_object('id', a.id, 'as_of', a.notice_on))->>'status' AS notice_day,
       ssc.agreement_get(jsonb_build_object('id', a.id, 'as_of', a.ends_on))->>'status' AS last_day,
       ssc.agreement_get(jsonb_build_object('id', a.id, 'as_of', a.ends_on + 1))->>'status' AS day_after
  FROM ssc.agreements a WHERE a.notice_on IS NOT NULL ORDER BY a.id;
COMMIT;

-- The notice period is the version's in force on the notice date: 6
-- months before an amendment to 3 takes effect, 3 from its first day.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Agreements/GiveNotice');
SELECT c->>'id' AS amended_id
  FROM ssc.agreement_create('{"kind": "framework", "title": "Amended notice", "party_ids": [2, 9],
                              "effective_from": "2024-01-01", "notice_months": 6}'::jsonb, NULL) c,
       LATERAL ssc.agreement_sign(jsonb_build_object('id', (c->>'id')::int, 'signed_on', '2024-01-01'), NULL) s,
       LATERAL ssc.agreement_amend(jsonb_build_object('id', (c->>'id')::int, 'update_mask', '["notice_months"]'::jsonb,
                                                      'notice_months', 3, 'effective_from', '2025-01-01'), NULL) a \gset
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Agreements/GiveNotice');
SELECT a->>'notice_on' AS notice_on, a->>'ends_on' AS ends_on
  FROM ssc.agreement_notice(jsonb_build_object('id', :amended_id, 'by_party_id', 2, 'on_date', '2024-12-31'), NULL) a;
ROLLBACK;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Agreements/GiveNotice');
SELECT a->>'notice_on' AS notice_on, a->>'ends_on' AS ends_on
  FROM ssc.agreement_notice(jsonb_build_object('id', :amended_id, 'by_party_id', 2, 'on_date', '2025-01-01'), NULL) a;
-- Notice once; only by a party; not before signing, nor after the end; the
-- request's fields.
SELECT ssc.agreement_notice(jsonb_build_object('id', :amended_id, 'by_party_id', 9, 'on_date', '2025-02-01'), NULL);
ROLLBACK;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Agreements/GiveNotice');
SELECT ssc.agreement_notice(jsonb_build_object('id', :amended_id, 'by_party_id', 7, 'on_date', '2025-02-01'), NULL);
SELECT ssc.agreement_notice(jsonb_build_object('id', :amended_id, 'by_party_id', 4, 'on_date', '2025-02-01'), NULL);
SELECT ssc.agreement_notice(jsonb_build_object('id', :amended_id, 'by_party_id', 2, 'on_date', '2023-12-31'), NULL);
SELECT ssc.agreement_notice(jsonb_build_object('id', :amended_id, 'on_date', '2025-02-01'), NULL);
SELECT ssc.agreement_notice(jsonb_build_object('id', :amended_id, 'by_party_id', 2), NULL);
SELECT ssc.agreement_notice(jsonb_build_object('by_party_id', 2, 'on_date', '2025-02-01'), NULL);
ROLLBACK;

-- The other statuses: expired (past the in-force version's end, no notice),
-- terminated on a date (terminated that very day), and an agreement never
-- signed, a draft whatever the date.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Agreements/Terminate');
SELECT c->>'id' AS expired_id
  FROM ssc.agreement_create('{"kind": "mou", "title": "Expired", "party_ids": [2, 9],
                              "effective_from": "2020-01-01", "effective_to": "2022-12-31", "notice_months": 6}'::jsonb, NULL) c,
       LATERAL ssc.agreement_sign(jsonb_build_object('id', (c->>'id')::int, 'signed_on', '2019-11-01'), NULL) s \gset
SELECT c->>'id' AS terminated_id
  FROM ssc.agreement_create('{"kind": "mou", "title": "Terminated", "party_ids": [2, 9],
                              "effective_from": "2020-01-01", "notice_months": 6}'::jsonb, NULL) c,
       LATERAL ssc.agreement_sign(jsonb_build_object('id', (c->>'id')::int, 'signed_on', '2019-11-01'), NULL) s \gset
SELECT c->>'id' AS draft_id
  FROM ssc.agreement_create('{"kind": "mou", "title": "Never signed", "party_ids": [2, 9],
                              "effective_from": "2020-01-01"}'::jsonb, NULL) c \gset
-- Notice after the end, and termination before signing, are refused.
SELECT ssc.agreement_notice(jsonb_build_object('id', :expired_id, 'by_party_id', 2, 'on_date', '2023-01-01'), NULL);
SELECT ssc.agreement_terminate(jsonb_build_object('id', :terminated_id, 'on_date', '2019-10-31'), NULL);
SELECT ssc.agreement_terminate(jsonb_build_object('id', :terminated_id), NULL);
SELECT a->>'terminated_on' AS terminated_on, a->>'ends_on' AS ends_on
  FROM ssc.agreement_terminate(jsonb_build_object('id', :terminated_id, 'on_date', '2024-06-30'), NULL) a;
-- A terminated agreement changes no more.
SELECT ssc.agreement_terminate(jsonb_build_object('id', :terminated_id, 'on_date', '2024-07-31'), NULL);
SELECT ssc.agreement_notice(jsonb_build_object('id', :terminated_id, 'by_party_id', 2, 'on_date', '2024-05-01'), NULL);
SELECT ssc.agreement_amend(jsonb_build_object('id', :terminated_id, 'update_mask', '["scope"]'::jsonb,
                                              'effective_from', '2024-05-01'), NULL);
SELECT ssc.agreement_sign(jsonb_build_object('id', :terminated_id), NULL);
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Agreements/Get');
SELECT title, d AS as_of, pg_temp.st(ssc.agreement_get(jsonb_build_object('id', id, 'as_of', d))) AS state
  FROM (VALUES ('Expired', :expired_id, '2022-12-31'), ('Expired', :expired_id, '2023-01-01'),
               ('Terminated', :terminated_id, '2024-06-29'), ('Terminated', :terminated_id, '2024-06-30'),
               ('Never signed', :draft_id, '2019-01-01'), ('Never signed', :draft_id, '2099-01-01')) v (title, id, d);
COMMIT;
-- Under notice an agreement is not amended; it may still be terminated,
-- which brings its end forward, never later: terminated after the notice's
-- end it still ended then.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Agreements/Amend');
SELECT a->>'notice_on' AS notice_on, a->>'ends_on' AS ends_on
  FROM ssc.agreement_notice('{"id": 1, "by_party_id": 9, "on_date": "2030-03-31"}'::jsonb, NULL) a;
SELECT ssc.agreement_amend('{"id": 1, "update_mask": ["scope"], "scope": "x", "effective_from": "2099-01-01"}'::jsonb, NULL);
SELECT a->>'terminated_on' AS terminated_on, a->>'ends_on' AS ends_on
  FROM ssc.agreement_terminate('{"id": 1, "on_date": "2030-05-01"}'::jsonb, NULL) a;
ROLLBACK;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Agreements/Terminate');
SELECT ssc.agreement_notice('{"id": 1, "by_party_id": 9, "on_date": "2030-03-31"}'::jsonb, NULL) IS NOT NULL AS noticed;
SELECT a->>'terminated_on' AS terminated_on, a->>'ends_on' AS ends_on
  FROM ssc.agreement_terminate('{"id": 1, "on_date": "2031-01-01"}'::jsonb, NULL) a;
ROLLBACK;

-- ---- contract terms ------------------------------------------------------------

-- A contract's terms belong to each version: tasks, a ceiling, staff
-- categories with a maximum monthly rate each, in the ceiling's currency.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Agreements/Create');
SELECT c->>'id' AS contract_id
  FROM ssc.agreement_create('{"kind": "contract", "title": "Expert services", "party_ids": [2, 7],
                              "effective_from": "2024-01-01", "effective_to": "2026-12-31", "notice_months": 1,
                              "contract": {"tasks": "Wind resource mapping\nGrid code review",
                                           "ceiling": {"amount_minor": 500000000, "currency": "DKK"},
                                           "staff_categories": [
                                             {"name": "Senior adviser", "max_monthly_rate": {"amount_minor": 9500000, "currency": "DKK"}},
                                             {"name": " Adviser ", "max_monthly_rate": {"amount_minor": 7000000, "currency": "DKK"}}]}}'::jsonb,
                            NULL) c \gset
SELECT a->'in_force'->'contract' AS contract FROM ssc.agreement_sign(jsonb_build_object('id', :contract_id, 'signed_on', '2023-12-20'), NULL) a;
-- The rules of the terms, at create and at amend.
\set req '{"kind": "contract", "title": "Terms", "party_ids": [2, 7], "effective_from": "2024-01-01"}'
SELECT ssc.agreement_create(:'req'::jsonb || '{"contract": {"ceiling": {"amount_minor": 100, "currency": "DKK"},
  "staff_categories": [{"name": "Adviser", "max_monthly_rate": {"amount_minor": 10, "currency": "EUR"}}]}}', NULL);
SELECT ssc.agreement_create(:'req'::jsonb || '{"contract": {"ceiling": {"amount_minor": 100, "currency": "DKK"},
  "staff_categories": [{"name": "Adviser", "max_monthly_rate": {"amount_minor": 10, "currency": "DKK"}},
                       {"name": "Adviser ", "max_monthly_rate": {"amount_minor": 20, "currency": "DKK"}}]}}', NULL);
SELECT ssc.agreement_create(:'req'::jsonb || '{"contract": {"ceiling": {"amount_minor": 100, "currency": "DKK"},
  "staff_categories": [{"name": "", "max_monthly_rate": {"amount_minor": 10, "currency": "DKK"}}]}}', NULL);
SELECT ssc.agreement_create(:'req'::jsonb || '{"contract": {"ceiling": {"amount_minor": 100, "currency": "DKK"},
  "staff_categories": [{"name": "Adviser"}]}}', NULL);
SELECT ssc.agreement_create(:'req'::jsonb || '{"contract": {"ceiling": {"amount_minor": 100, "currency": "DKK"},
  "staff_categories": {"name": "Adviser"}}}', NULL);
SELECT ssc.agreement_create(:'req'::jsonb || jsonb_build_object('contract', jsonb_build_object(
  'ceiling', '{"amount_minor": 100, "currency": "DKK"}'::jsonb,
  'staff_categories', (SELECT jsonb_agg(jsonb_build_object('name', 'C' || n, 'max_monthly_rate',
                                                           '{"amount_minor": 1, "currency": "DKK"}'::jsonb))
                         FROM generate_series(1, 51) n))), NULL);
SELECT ssc.agreement_create(:'req'::jsonb || '{"contract": {"tasks": "No ceiling"}}', NULL);
SELECT ssc.agreement_create(:'req'::jsonb || '{"contract": {"ceiling": {"amount_minor": -1, "currency": "DKK"}}}', NULL);
SELECT ssc.agreement_create(:'req'::jsonb || '{"contract": {"ceiling": {"amount_minor": 1, "currency": "dkk"}}}', NULL);
SELECT ssc.agreement_create(:'req'::jsonb || '{"contract": {"ceiling": {"amount_minor": 1.5, "currency": "DKK"}}}', NULL);
SELECT ssc.agreement_create(:'req'::jsonb || '{"contract": {"ceiling": "100 DKK"}}', NULL);
SELECT ssc.agreement_create(:'req'::jsonb || '{"kind": "cooperation", "contract": {"ceiling": {"amount_minor": 1, "currency": "DKK"}}}', NULL);
-- A contract without terms is allowed; its terms read as empty.
SELECT a->'in_force'->'contract' AS contract FROM ssc.agreement_create(:'req'::jsonb, NULL) a;
COMMIT;
-- Amending the terms from 2025-01-01 (a new ceiling and rates); a later
-- amendment that does not name them keeps them.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Agreements/Amend');
SELECT a->>'versions' AS versions
  FROM ssc.agreement_amend(jsonb_build_object('id', :contract_id, 'update_mask', '["contract"]'::jsonb,
         'effective_from', '2025-01-01',
         'contract', '{"tasks": "Wind resource mapping", "ceiling": {"amount_minor": 650000000, "currency": "DKK"},
                       "staff_categories": [{"name": "Senior adviser", "max_monthly_rate": {"amount_minor": 10000000, "currency": "DKK"}},
                                            {"name": "Specialist", "max_monthly_rate": {"amount_minor": 12000000, "currency": "DKK"}}]}'::jsonb), NULL) a;
SELECT a->>'versions' AS versions
  FROM ssc.agreement_amend(jsonb_build_object('id', :contract_id, 'update_mask', '["effective_to"]'::jsonb,
         'effective_from', '2026-01-01', 'effective_to', '2027-12-31'), NULL) a;
SELECT ssc.agreement_amend(jsonb_build_object('id', :contract_id, 'update_mask', '["contract"]'::jsonb,
         'effective_from', '2027-01-01',
         'contract', '{"ceiling": {"amount_minor": 1, "currency": "EUR"},
                       "staff_categories": [{"name": "Adviser", "max_monthly_rate": {"amount_minor": 1, "currency": "DKK"}}]}'::jsonb), NULL);
SELECT v->>'number' AS number, v->>'effective_from' AS "from", v->>'effective_to' AS "to",
       v->'contract'->>'tasks' AS tasks, v->'contract'->'ceiling'->>'amount_minor' AS ceiling,
       (SELECT string_agg(format('%s %s %s', c->>'name', c->'max_monthly_rate'->>'amount_minor',
                                 c->'max_monthly_rate'->>'currency'), '; ')
          FROM jsonb_array_elements(v->'contract'->'staff_categories') c) AS categories
  FROM jsonb_array_elements(ssc.agreement_versions(jsonb_build_object('id', :contract_id), '', 10)) v;
COMMIT;

-- ---- create: the other rules ----------------------------------------------------

BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry}', '/ssc.v1.Agreements/Create');
\set req '{"title": "Rules", "party_ids": [2, 9], "effective_from": "2024-01-01"}'
SELECT ssc.agreement_create(:'req'::jsonb, NULL);
SELECT ssc.agreement_create(:'req'::jsonb || '{"kind": "treaty"}', NULL);
SELECT ssc.agreement_create(:'req'::jsonb || '{"kind": "mou", "party_ids": [2]}', NULL);
SELECT ssc.agreement_create(:'req'::jsonb || '{"kind": "mou", "party_ids": [2, 2]}', NULL);
SELECT ssc.agreement_create(:'req'::jsonb || '{"kind": "mou", "party_ids": [2, 999]}', NULL);
SELECT ssc.agreement_create(:'req'::jsonb || '{"kind": "mou", "notice_months": 121}', NULL);
SELECT ssc.agreement_create(:'req'::jsonb || '{"kind": "mou", "effective_from": ""}', NULL);
SELECT ssc.agreement_create(:'req'::jsonb || '{"kind": "mou", "effective_to": "2023-12-31"}', NULL);
SELECT ssc.agreement_create(:'req'::jsonb || '{"kind": "mou", "title": ""}', NULL);
SELECT ssc.agreement_create(:'req'::jsonb || '{"kind": "mou", "collaboration_id": 999}', NULL);
-- DUR's collaboration is not DEA's to see; an agreement none of whose
-- parties is in DEA's scope is not DEA's to make.
SELECT ssc.agreement_create(:'req'::jsonb || '{"kind": "mou", "collaboration_id": 1}', NULL);
SELECT ssc.agreement_create(:'req'::jsonb || '{"kind": "mou", "party_ids": [8, 9]}', NULL);
ROLLBACK;
-- 2 and 20 parties are the bounds (with eight more organisations, made and
-- undone here, as the secretariat).
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat,ministry}', '/ssc.v1.Agreements/Create');
SELECT count(ssc.org_create(jsonb_build_object('name', 'Region ' || n, 'kind', 'region', 'country', 'DK'), NULL))
       AS regions
  FROM generate_series(1, 8) n;
SELECT ssc.agreement_create(:'req'::jsonb || jsonb_build_object('kind', 'mou', 'party_ids',
                                                                (SELECT jsonb_agg(n) FROM generate_series(1, 21) n)), NULL);
SELECT jsonb_array_length(a->'party_ids') AS parties
  FROM ssc.agreement_create(:'req'::jsonb || jsonb_build_object('kind', 'mou', 'party_ids',
                                                                (SELECT jsonb_agg(n) FROM generate_series(1, 20) n)), NULL) a;
ROLLBACK;
-- DUR may record an agreement between two partners for the collaboration
-- it leads, though it is no party.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dur', '{secretariat,ministry}', '/ssc.v1.Agreements/Create');
SELECT c->>'reference' AS reference
  FROM ssc.collab_create('{"title": "Utility regulation", "country": "VN", "partner_ids": [9],
                           "sectors": [{"code": "23110", "percentage": 100}], "started_on": "2024-01-10"}'::jsonb, NULL) c;
SELECT a->>'kind' AS kind, a->>'collaboration_id' AS collaboration, a->'party_ids' AS parties
  FROM ssc.agreement_create('{"kind": "cooperation", "title": "Partners between themselves", "party_ids": [9, 10],
                              "collaboration_id": 1, "effective_from": "2024-03-01"}'::jsonb, NULL) a;
COMMIT;

-- ---- lists --------------------------------------------------------------------

-- Filtered by status as of a date, by kind, collaboration and party, in
-- pages by id (as the secretariat, who sees them all).
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat,ministry}', '/ssc.v1.Agreements/List');
SELECT a->>'id' AS id, a->>'kind' AS kind, a->>'title' AS title,
       a->>'status' AS "2023-12-20",
       ssc.agreement_get(jsonb_build_object('id', (a->>'id')::int, 'as_of', '2024-06-30'))->>'status' AS "2024-06-30",
       ssc.agreement_get(jsonb_build_object('id', (a->>'id')::int, 'as_of', '2025-03-01'))->>'status' AS "2025-03-01"
  FROM jsonb_array_elements(ssc.agreement_list('{"as_of": "2023-12-20"}'::jsonb, '', 100)) a;
SELECT s AS status,
       jsonb_path_query_array(ssc.agreement_list(jsonb_build_object('status', s, 'as_of', '2023-12-20'), '', 100), '$[*].id') AS "2023-12-20",
       jsonb_path_query_array(ssc.agreement_list(jsonb_build_object('status', s, 'as_of', '2024-06-30'), '', 100), '$[*].id') AS "2024-06-30",
       jsonb_path_query_array(ssc.agreement_list(jsonb_build_object('status', s, 'as_of', '2025-03-01'), '', 100), '$[*].id') AS "2025-03-01"
  FROM unnest('{draft,signed,active,notice_given,expired,terminated}'::text[]) s;
SELECT jsonb_path_query_array(ssc.agreement_list('{"kind": "contract"}'::jsonb, '', 100), '$[*].id') AS contracts,
       jsonb_path_query_array(ssc.agreement_list('{"collaboration_id": 1}'::jsonb, '', 100), '$[*].id') AS of_collaboration_1,
       jsonb_path_query_array(ssc.agreement_list('{"party_id": 7}'::jsonb, '', 100), '$[*].id') AS dmi_a_party,
       jsonb_path_query_array(ssc.agreement_list('{"party_id": 10}'::jsonb, '', 100), '$[*].id') AS vnmha_a_party,
       jsonb_path_query_array(ssc.agreement_list('{"party_id": 9, "status": "active", "as_of": "2024-06-30", "kind": "mou"}'::jsonb, '', 100),
                              '$[*].id') AS mou_active_with_9;
SELECT (ssc.agreement_list('{}'::jsonb, '', 4)->3->>'id') AS after_4 \gset
SELECT jsonb_path_query_array(ssc.agreement_list('{}'::jsonb, '', 4), '$[*].id') AS page_1,
       jsonb_path_query_array(ssc.agreement_list('{}'::jsonb, :'after_4', 4), '$[*].id') AS page_2,
       jsonb_path_query_array(ssc.agreement_list('{"status": "active", "as_of": "2024-06-30"}'::jsonb, '7', 2), '$[*].id') AS active_after_7;
SELECT ssc.agreement_list('{"party_id": -1}'::jsonb, '', 10);
SELECT ssc.agreement_list('{"as_of": "yesterday"}'::jsonb, '', 10);
COMMIT;
-- A ministry lists those with a party in its scope or of a collaboration
-- its scope leads: DEA (and KEFM above it) all but the partners' one; DMI
-- the contract it is party to; DUR the partners' one only.
\set list 'SELECT jsonb_path_query_array(ssc.agreement_list(''{}''::jsonb, '''', 100), ''$[*].id'') AS visible;'
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=kefm', '{secretariat,ministry,embassy}', '/ssc.v1.Agreements/List');
:list
ROLLBACK;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{secretariat,ministry,embassy}', '/ssc.v1.Agreements/List');
:list
ROLLBACK;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dmi', '{secretariat,ministry,embassy}', '/ssc.v1.Agreements/List');
:list
-- DMI may read the contract, and as a party give notice on it.
SELECT a->>'notice_by' AS notice_by, a->>'ends_on' AS ends_on
  FROM ssc.agreement_notice(jsonb_build_object('id', :contract_id, 'by_party_id', 7, 'on_date', '2025-08-31'), NULL) a;
SELECT ssc.agreement_get('{"id": 1}'::jsonb);
ROLLBACK;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dur', '{secretariat,ministry,embassy}', '/ssc.v1.Agreements/List');
:list
ROLLBACK;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=embassy-vn', '{secretariat,ministry,embassy}', '/ssc.v1.Agreements/List');
:list
SELECT ssc.agreement_get('{"id": 1}'::jsonb);
ROLLBACK;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=auditor', '{secretariat,ministry,auditor}', '/ssc.v1.Agreements/List');
SELECT jsonb_array_length(ssc.agreement_list('{}'::jsonb, '', 100)) AS visible;
SELECT ssc.agreement_sign('{"id": 1}'::jsonb, NULL);
ROLLBACK;

-- The trail: an entry per agreement row written, and per version, whose
-- entity id is <agreement>.<number>.
\c - ssc_owner
SELECT entity, count(*) AS entries FROM ssc.audit
 WHERE entity IN ('agreement', 'agreement_version') GROUP BY entity ORDER BY entity;
SELECT entity_id, before IS NULL AS inserted, after->>'signed_on' AS signed_on FROM ssc.audit
 WHERE entity = 'agreement_version' AND entity_id LIKE '1.%' ORDER BY seq;
SELECT ssc.audit_verify() -> 'ok' AS chain_ok;
