-- 0007 begin_call: who is calling, checked in the call's own transaction.
--
-- sscd passes the verified peer certificate's SHA-256 fingerprint and
-- subject, the roles the method allows and the method path. The function
-- finds the active principal by fingerprint, or else by subject, refuses a
-- role the method does not allow, and sets, local to the transaction:
--   ssc.principal_id, ssc.principal (the subject, or sha256:<fingerprint>
--   when matched by fingerprint), ssc.role, ssc.org_id ('' when none) and
--   ssc.method.
-- Row-level security, the audit trail and idempotency all read these.
--
-- SECURITY DEFINER: it must read principals before any role is set, which
-- the principals policies (rightly) forbid to ssc_app.

CREATE FUNCTION ssc.begin_call(fingerprint text, subject text, allowed_roles text[], method text)
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
    SELECT * INTO p FROM ssc.principals x WHERE x.fingerprint = v_fingerprint AND x.active;
    v_name := 'sha256:' || v_fingerprint;
  END IF;
  IF p.id IS NULL AND v_subject <> '' THEN
    SELECT * INTO p FROM ssc.principals x WHERE x.subject = v_subject AND x.active;
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

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA ssc FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ssc.begin_call(text, text, text[], text) TO ssc_app;
