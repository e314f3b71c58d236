-- 0010 begin_call plans: the principal lookups usable by a generic plan.
--
-- The unique indexes on principals.fingerprint and principals.subject are
-- partial (WHERE ... <> ''). In 0007 the lookups compared the column with a
-- variable only, so a generic plan could not prove the index predicate and
-- would scan the table; PL/pgSQL's plan cache therefore kept choosing a
-- custom plan, that is planning both queries again on every call (about
-- half of begin_call's cost, measured with bench/store.sh and perf). Stating
-- the predicate in the query lets the generic plan use the index, and the
-- cache keeps it. Behaviour is unchanged: an empty value was never looked
-- up. tests/sql/begin_call.sql checks the generic plan scans no table.

CREATE OR REPLACE FUNCTION ssc.begin_call(fingerprint text, subject text, allowed_roles text[], method text)
  RETURNS TABLE (principal_id bigint, role text, organisation_id bigint)
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_fingerprint text := coalesce(fingerprint, '');
  v_subject text := coalesce(subject, '');
  v_method text := coalesce(method, '');
  v_allowed text[] := coalesce(allowed_roles, '{}');
  p ssc.principals;
  v_name text;
BEGIN
  IF v_fingerprint <> '' THEN
    SELECT * INTO p FROM ssc.principals x
      WHERE x.fingerprint = v_fingerprint AND x.fingerprint <> '' AND x.active;
    v_name := 'sha256:' || v_fingerprint;
  END IF;
  IF p.id IS NULL AND v_subject <> '' THEN
    SELECT * INTO p FROM ssc.principals x
      WHERE x.subject = v_subject AND x.subject <> '' AND x.active;
    v_name := v_subject;
  END IF;
  IF p.id IS NULL THEN
    RAISE EXCEPTION 'no active principal for this certificate' USING ERRCODE = 'SC401';
  END IF;
  IF NOT p.role = ANY (v_allowed) THEN
    RAISE EXCEPTION 'role % may not call %', p.role, v_method USING ERRCODE = 'SC403';
  END IF;
  PERFORM set_config('ssc.principal_id', p.id::text, true),
          set_config('ssc.principal', v_name, true),
          set_config('ssc.role', p.role, true),
          set_config('ssc.org_id', coalesce(p.organisation_id::text, ''), true),
          set_config('ssc.method', v_method, true);
  principal_id := p.id;
  role := p.role;
  organisation_id := p.organisation_id;
  RETURN NEXT;
END
$$;

