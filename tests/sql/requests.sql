-- Requests: the one-jsonb-argument functions sscd's declared methods call
-- (0016). How a request's fields are read (absent and null are the
-- default, a wrong JSON type is SC400 naming the field), the rules that
-- were sscd's in C before (each SC400 naming its field), and that a request
-- reaches the same body as the positional functions the other tests cover.
\ir fixtures.psql

-- Reading fields.
SELECT ssc.req_text('{"a": "x"}', 'a') AS text, ssc.req_text('{}', 'a') AS absent,
       ssc.req_text('{"a": null}', 'a') AS null_text,
       ssc.req_int('{"n": 42}', 'n') AS int, ssc.req_int('{}', 'n') AS absent_int,
       ssc.req_int('{"n": -9223372036854775808}', 'n') AS min_int,
       ssc.req_texts('{"m": ["a", "b"]}', 'm') AS texts, ssc.req_texts('{}', 'm') AS no_texts;
SELECT ssc.req_text('{"a": 1}', 'a');
SELECT ssc.req_int('{"n": "1"}', 'n');
SELECT ssc.req_int('{"n": 1.5}', 'n');
SELECT ssc.req_int('{"n": 9223372036854775808}', 'n');
SELECT ssc.req_texts('{"m": "a"}', 'm');
SELECT ssc.req_texts('{"m": ["a", 1]}', 'm');
SELECT ssc.req_id('{"id": -1}', 'id');
SELECT ssc.req_required_id('{}', 'id');

-- Organisations/Create: the request as sscd writes it, and its rules.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{admin,secretariat}', '/ssc.v1.Organisations/Create');
SELECT ssc.org_create('{"idempotency_key": "", "name": " Danish Meteorological Institute ",
                        "short_name": "DMI", "kind": "danish_authority", "country": "DK",
                        "parent_id": 1}'::jsonb, NULL) - '{created_at,updated_at}'::text[];
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{admin,secretariat}', '/ssc.v1.Organisations/Create');
SELECT ssc.org_create('{"name": "No Kind", "kind": null, "country": "DK"}'::jsonb, NULL);
SELECT ssc.org_create('{"name": "Negative Parent", "kind": "region", "country": "DK", "parent_id": -1}'::jsonb, NULL);
SELECT ssc.org_create('{"name": "Lower", "kind": "region", "country": "dk"}'::jsonb, NULL);
SELECT ssc.org_create('{"name": 7, "kind": "region", "country": "DK"}'::jsonb, NULL);
SELECT ssc.org_create('{"kind": "region", "country": "DK"}'::jsonb, NULL);
ROLLBACK;

-- Organisations/Update, Get, List.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{admin,secretariat,ministry}', '/ssc.v1.Organisations/Update');
SELECT ssc.org_update('{"id": 0, "update_mask": ["name"], "name": "X"}'::jsonb, NULL);
SELECT ssc.org_update('{"id": 7, "expected_version": -1, "update_mask": ["name"], "name": "X"}'::jsonb, NULL);
SELECT ssc.org_update('{"id": 7, "update_mask": ["parent_id"], "parent_id": 7}'::jsonb, NULL);
SELECT ssc.org_update('{"id": 7, "update_mask": ["parent_id"], "parent_id": -3}'::jsonb, NULL);
SELECT ssc.org_update('{"id": 7, "update_mask": "name", "name": "X"}'::jsonb, NULL);
SELECT ssc.org_update('{"id": 7, "update_mask": [], "name": "X"}'::jsonb, NULL);
ROLLBACK;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{admin,secretariat,ministry}', '/ssc.v1.Organisations/Update');
SELECT ssc.org_update('{"id": 7, "expected_version": 1, "update_mask": ["short_name"],
                        "short_name": "DMI2", "name": "ignored"}'::jsonb, NULL)
       - '{created_at,updated_at}'::text[];
COMMIT;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dst', '{ministry}', '/ssc.v1.Organisations/Get');
SELECT ssc.org_get('{"id": 7}'::jsonb) - '{created_at,updated_at}'::text[];
SELECT ssc.org_get('{}'::jsonb);
SELECT jsonb_array_length(ssc.org_list('{"kind": "danish_authority", "country": "DK"}'::jsonb, '', 51)) AS all_dk;
SELECT jsonb_path_query_array(ssc.org_list('{}'::jsonb, '2', 3), '$[*].id') AS after_2;
SELECT ssc.org_list('{"kind": "agency"}'::jsonb, '', 51);
COMMIT;

-- Principals/Add, List, Disable.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=admin', '{admin}', '/ssc.v1.Principals/Add');
SELECT ssc.principal_add('{"subject": "CN=new", "role": null}'::jsonb, NULL);
SELECT ssc.principal_add('{"subject": "CN=new", "role": "auditor", "organisation_id": -1}'::jsonb, NULL);
SELECT ssc.principal_add('{"role": "auditor"}'::jsonb, NULL);
SELECT ssc.principal_add('{"subject": "CN=new", "role": "ministry"}'::jsonb, NULL);
SELECT p->>'subject' AS subject, p->>'role' AS role, p->>'active' AS active
  FROM ssc.principal_add('{"subject": "CN=new", "role": "auditor", "name": "new auditor"}'::jsonb, NULL) p;
SELECT jsonb_path_query_array(ssc.principal_list('{"organisation_id": 3}'::jsonb, '', 51), '$[*].id') AS of_org_3;
SELECT p->>'active' AS active FROM ssc.principal_disable('{"id": 8}'::jsonb, NULL) p;
SELECT ssc.principal_disable('{"id": 999}'::jsonb, NULL);
COMMIT;

-- Sectors/List.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=dea', '{ministry}', '/ssc.v1.Sectors/List');
SELECT jsonb_path_query_array(ssc.sector_list('{"category": "231"}'::jsonb, '23110', 3), '$[*].code') AS after_23110;
SELECT ssc.sector_list('{"category": "23"}'::jsonb, '', 3);
COMMIT;

-- Audit/List and Verify.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=auditor', '{auditor}', '/ssc.v1.Audit/List');
SELECT ssc.audit_list('{"after_seq": -1}'::jsonb, '', 3);
SELECT ssc.audit_list('{"entity": "Organisation"}'::jsonb, '', 3);
-- The token goes on after the last entry seen, never before after_seq.
SELECT jsonb_path_query_array(ssc.audit_list('{"after_seq": 5}'::jsonb, '2', 3), '$[*].seq') AS after_5;
SELECT jsonb_path_query_array(ssc.audit_list('{"after_seq": 5}'::jsonb, '9', 3), '$[*].seq') AS after_9;
SELECT jsonb_path_query_array(ssc.audit_list('{"entity": "principal"}'::jsonb, '', 3), '$[*].entity') AS principals;
SELECT v->'ok' AS ok, v->'entries_checked' = v->'checked' AS counted
  FROM ssc.audit_verify('{}'::jsonb) v;
COMMIT;
