-- The schema's shape: who owns what, what ssc_app may do, which functions
-- exist with which signatures, and the row-level-security policies.

-- ssc_app is neither superuser nor BYPASSRLS (scripts/pg.sh gave it LOGIN).
SELECT rolname, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb
  FROM pg_roles WHERE rolname = 'ssc_app';

-- ssc_app owns nothing in this database.
SELECT (SELECT count(*) FROM pg_class WHERE relowner = 'ssc_app'::regrole) AS relations,
       (SELECT count(*) FROM pg_proc WHERE proowner = 'ssc_app'::regrole) AS functions,
       (SELECT count(*) FROM pg_namespace WHERE nspowner = 'ssc_app'::regrole) AS schemas,
       (SELECT count(*) FROM pg_type WHERE typowner = 'ssc_app'::regrole) AS types;

-- The owner owns the schema; PUBLIC has no privilege on it.
SELECT nspowner::regrole AS owner, nspacl FROM pg_namespace WHERE nspname = 'ssc';

-- Every table has row-level security enabled (not forced: the owner, and so
-- the SECURITY DEFINER functions, see every row).
SELECT relname, relrowsecurity, relforcerowsecurity, relowner::regrole AS owner
  FROM pg_class
 WHERE relnamespace = 'ssc'::regnamespace AND relkind = 'r'
 ORDER BY relname;

-- ssc_app's table-level privileges.
SELECT c.relname,
       has_table_privilege('ssc_app', c.oid, 'SELECT') AS "select",
       has_table_privilege('ssc_app', c.oid, 'INSERT') AS "insert",
       has_table_privilege('ssc_app', c.oid, 'UPDATE') AS "update",
       has_table_privilege('ssc_app', c.oid, 'DELETE') AS "delete",
       has_table_privilege('ssc_app', c.oid, 'TRUNCATE') AS "truncate"
  FROM pg_class c
 WHERE c.relnamespace = 'ssc'::regnamespace AND c.relkind = 'r'
 ORDER BY c.relname;

-- The only columns ssc_app may write, each only as the policies allow.
SELECT table_name, privilege_type, string_agg(column_name, ', ' ORDER BY column_name) AS columns
  FROM information_schema.column_privileges
 WHERE grantee = 'ssc_app' AND table_schema = 'ssc' AND privilege_type IN ('INSERT', 'UPDATE')
 GROUP BY table_name, privilege_type
 ORDER BY table_name, privilege_type;

-- Every function: signature and result, and whether ssc_app may execute it.
SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS function,
       pg_get_function_result(p.oid) AS result,
       has_function_privilege('ssc_app', p.oid, 'EXECUTE') AS app
  FROM pg_proc p
 WHERE p.pronamespace = 'ssc'::regnamespace
 ORDER BY p.proname, 1;  -- overloads by their arguments

-- PUBLIC may execute none of them.
SELECT count(*) AS public_may_execute
  FROM pg_proc p
 WHERE p.pronamespace = 'ssc'::regnamespace
   AND coalesce((SELECT bool_or(a.grantee = 0) FROM aclexplode(p.proacl) a), true);

-- The SECURITY DEFINER functions, each with a fixed search_path; and every
-- function that sets something.
SELECT p.proname, p.prosecdef AS definer, p.proconfig
  FROM pg_proc p
 WHERE p.pronamespace = 'ssc'::regnamespace
   AND (p.prosecdef OR p.proconfig <> '{"search_path=ssc, pg_temp"}')
 ORDER BY p.proname;

-- The policies.
\x on
SELECT tablename, policyname, cmd, roles, qual, with_check
  FROM pg_policies WHERE schemaname = 'ssc'
 ORDER BY tablename, policyname;
\x off

-- Triggers keep the invariants and the audit trail.
SELECT tgrelid::regclass AS "table", tgname, tgfoid::regproc AS function
  FROM pg_trigger
 WHERE tgrelid::regclass::text LIKE 'ssc.%' AND NOT tgisinternal
 ORDER BY tgrelid::regclass::text, tgname;

-- The chain starts empty.
SELECT seq, hash = decode(repeat('00', 32), 'hex') AS zero_hash FROM ssc.audit_head;
SELECT count(*) FROM ssc.audit;
