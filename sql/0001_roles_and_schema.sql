-- 0001 roles and schema: the application role, schema ssc, and the session
-- helpers that every row-level-security policy reads.
--
-- The security model, which every later migration follows:
--
-- * The owner (the role running `sscd migrate`, which needs CREATEROLE for
--   this migration) owns schema ssc and everything in it. Table owners are
--   not subject to row-level security, so SECURITY DEFINER functions see every
--   row; that is why only the few functions that must see everything (the
--   audit chain, idempotency records, identifying the caller) are definers.
-- * ssc_app owns nothing and has neither SUPERUSER nor BYPASSRLS. It gets
--   USAGE on the schema, EXECUTE on the API functions, SELECT on the tables
--   whose rows row-level security guards, and column-level INSERT/UPDATE
--   exactly where a business function writes. Business functions are
--   SECURITY INVOKER, so the policies below apply to everything they read and
--   write: authorisation is enforced where the data lives, not only in C.
--   The price is that ssc_app could write those columns with plain SQL; the
--   audit triggers (0005) make such writes audited all the same.
-- * begin_call (0007) sets ssc.role and ssc.org_id, local to the
--   transaction; policies read them through ssc.session_role() and
--   ssc.session_org_id(). Before begin_call both are NULL and every policy is
--   false: nothing is visible and nothing is writable (fail closed).
-- * The trust boundary: any role may set a custom setting, so ssc_app could
--   claim a role by calling set_config itself. Row-level security guards
--   against a handler that forgets a rule or a filter, not against a
--   compromised sscd; identity comes only from begin_call, which sscd calls
--   with the verified peer certificate.
--
-- Every migration creates its objects without IF NOT EXISTS or OR REPLACE so
-- that running one twice fails loudly; the one exception is ssc_app, which
-- may exist already (an operator or scripts/pg.sh may have created it with
-- LOGIN) and is then checked rather than created.

DO $$
BEGIN
  IF current_user = 'ssc_app' THEN
    RAISE EXCEPTION 'migrations must run as the owner role, not as ssc_app';
  END IF;
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'ssc_app') THEN
    CREATE ROLE ssc_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
  IF EXISTS (SELECT FROM pg_catalog.pg_roles
             WHERE rolname = 'ssc_app' AND (rolsuper OR rolbypassrls)) THEN
    RAISE EXCEPTION 'role ssc_app must have neither SUPERUSER nor BYPASSRLS';
  END IF;
END
$$;

CREATE SCHEMA ssc;
COMMENT ON SCHEMA ssc IS 'ssc: the record of Strategic Sector Cooperation (see sql/API.md)';
REVOKE ALL ON SCHEMA ssc FROM PUBLIC;
GRANT USAGE ON SCHEMA ssc TO ssc_app;

-- The caller's role as begin_call set it, or NULL outside a call. Plain SQL
-- functions without SET clauses, so the planner inlines them into policies.
CREATE FUNCTION ssc.session_role() RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN NULLIF(pg_catalog.current_setting('ssc.role', true), '');

-- The caller's organisation, or NULL (outside a call, or a role without one).
CREATE FUNCTION ssc.session_org_id() RETURNS bigint
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN NULLIF(pg_catalog.current_setting('ssc.org_id', true), '')::bigint;

-- An instant as the API writes it: RFC 3339, UTC, always six fractional
-- digits (2026-01-02T03:04:05.000006Z). The audit hash uses the same form.
CREATE FUNCTION ssc.rfc3339(t timestamptz) RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN pg_catalog.to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');

-- The row count a list function was asked for, checked: 1..1000 (sscd asks
-- for at most 500, or one more to learn whether another page follows).
CREATE FUNCTION ssc.page_limit(lim int) RETURNS int
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  IF lim IS NULL OR lim < 1 OR lim > 1000 THEN
    RAISE EXCEPTION 'lim: must be between 1 and 1000, not %', coalesce(lim::text, 'null')
      USING ERRCODE = 'SC400';
  END IF;
  RETURN lim;
END
$$;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA ssc FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ssc.session_role(), ssc.session_org_id(),
  ssc.rfc3339(timestamptz), ssc.page_limit(int) TO ssc_app;
