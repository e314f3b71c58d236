-- The bound on a registered subject (0013): 2048 bytes, counted in bytes,
-- in principal_add, bootstrap_admin and the table itself; and begin_call
-- matching only a whole subject.
\ir fixtures.psql

-- As the admin: exactly 2048 bytes is taken, 2049 is refused, and so is a
-- subject of far fewer than 2048 characters but more than 2048 bytes.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=admin', '{admin}', '/ssc.v1.Principals/Add');
SELECT octet_length(p->>'subject') AS bytes, p->>'role' AS role
  FROM ssc.principal_add('', NULL, 'CN=' || repeat('x', 2045), '', 0, 'auditor', 'At the limit') p;
SELECT ssc.principal_add('', NULL, 'CN=' || repeat('y', 2046), '', 0, 'auditor', 'One byte past');
SELECT char_length(s) AS characters, octet_length(s) AS bytes
  FROM (VALUES ('CN=' || repeat('€', 682))) v (s);
SELECT ssc.principal_add('', NULL, 'CN=' || repeat('€', 682), '', 0, 'auditor', 'Multibyte');
COMMIT;

-- begin_call finds the principal by its whole subject only: not by a
-- prefix of it, and not by a longer subject that starts with it.
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=' || repeat('x', 2045), '{auditor}', '/ssc.v1.Audit/Verify');
ROLLBACK;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=' || repeat('x', 2044), '{auditor}', '/ssc.v1.Audit/Verify');
ROLLBACK;
BEGIN;
SELECT role FROM ssc.begin_call('', 'CN=' || repeat('x', 2045) || ',O=elsewhere', '{auditor}', '/ssc.v1.Audit/Verify');
ROLLBACK;

-- The table holds the rule without the functions: the owner's plain insert.
\c - ssc_owner
INSERT INTO ssc.principals (subject, role, created_at)
  VALUES ('CN=' || repeat('z', 2046), 'auditor', '2026-01-01Z');
-- And bootstrap_admin holds it too.
SELECT ssc.bootstrap_admin('CN=' || repeat('a', 2046), '', 'Too long');
SELECT count(*) AS longer_than_2048 FROM ssc.principals WHERE octet_length(subject) > 2048;
