-- 0009 principal functions: principal_add, principal_list, principal_disable,
-- and bootstrap_admin for `sscd add-admin`.
--
-- principal_add, principal_list and principal_disable are SECURITY INVOKER:
-- the principals policies (0004) make them admin-only for writing and limit
-- what others see to their own organisation. Audit entries come from the
-- table's audit trigger (0005). An organisation_id of 0 or NULL means none.
--
-- bootstrap_admin is for the owner only (no EXECUTE for ssc_app): it makes
-- the first admin before any principal exists to call begin_call. Its
-- function-level settings make the audit entry read principal `bootstrap`,
-- method `sscd add-admin`, for the duration of the call only.

-- Checks the identifying pair: exactly one of subject and fingerprint, and
-- a well-formed one.
CREATE FUNCTION ssc.principal_identity_args(p_subject text, p_fingerprint text) RETURNS void
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  IF (p_subject = '') = (p_fingerprint = '') THEN
    RAISE EXCEPTION 'subject, fingerprint: exactly one must be set' USING ERRCODE = 'SC400';
  END IF;
  IF char_length(p_subject) > 1024 THEN
    RAISE EXCEPTION 'subject: must be at most 1024 characters' USING ERRCODE = 'SC400';
  END IF;
  IF p_fingerprint <> '' AND p_fingerprint !~ '^[0-9a-f]{64}$' THEN
    RAISE EXCEPTION 'fingerprint: must be 64 lower-case hex digits (the SHA-256 of the certificate)'
      USING ERRCODE = 'SC400';
  END IF;
END
$$;

CREATE FUNCTION ssc.principal_name_arg(p text) RETURNS text
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v text := btrim(coalesce(p, ''), E' \t\r\n');
BEGIN
  IF char_length(v) > 200 THEN
    RAISE EXCEPTION 'name: must be at most 200 characters, not %', char_length(v)
      USING ERRCODE = 'SC400';
  END IF;
  IF v ~ '[[:cntrl:]]' THEN
    RAISE EXCEPTION 'name: must not contain control characters' USING ERRCODE = 'SC400';
  END IF;
  RETURN v;
END
$$;

CREATE FUNCTION ssc.principal_add(p_key text, p_hash bytea, subject text, fingerprint text,
                                  organisation_id bigint, role text, name text) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v jsonb;
  v_subject text := coalesce(subject, '');
  v_fingerprint text := coalesce(fingerprint, '');
  v_org bigint := NULLIF(organisation_id, 0);
  v_role text := coalesce(role, '');
  v_name text;
  p ssc.principals;
BEGIN
  v := ssc.idem_claim(p_key, p_hash);
  IF v IS NOT NULL THEN
    RETURN v;  -- the same request again: its first response, nothing written
  END IF;
  PERFORM ssc.principal_identity_args(v_subject, v_fingerprint);
  IF v_role NOT IN ('ministry', 'secretariat', 'reconciler', 'auditor', 'admin') THEN
    RAISE EXCEPTION 'role: must be one of ministry, secretariat, reconciler, auditor, admin, not "%"',
      v_role USING ERRCODE = 'SC400';
  END IF;
  IF v_org IS NULL AND v_role IN ('ministry', 'reconciler') THEN
    RAISE EXCEPTION 'organisation_id: role % needs an organisation', v_role USING ERRCODE = 'SC400';
  END IF;
  IF v_org IS NOT NULL AND NOT EXISTS (SELECT FROM ssc.organisations o WHERE o.id = v_org) THEN
    RAISE EXCEPTION 'organisation_id: organisation % does not exist', v_org USING ERRCODE = 'SC400';
  END IF;
  v_name := ssc.principal_name_arg(name);

  INSERT INTO ssc.principals (subject, fingerprint, organisation_id, role, name)
    VALUES (v_subject, v_fingerprint, v_org, v_role, v_name)
    ON CONFLICT DO NOTHING
    RETURNING * INTO p;
  IF p.id IS NULL AND v_subject <> '' THEN
    RAISE EXCEPTION 'subject: a principal with subject "%" already exists', v_subject
      USING ERRCODE = 'SC409';
  ELSIF p.id IS NULL THEN
    RAISE EXCEPTION 'fingerprint: a principal with fingerprint % already exists', v_fingerprint
      USING ERRCODE = 'SC409';
  END IF;
  v := ssc.principal_json(p);
  PERFORM ssc.idem_store(p_key, v);
  RETURN v;
END
$$;

-- Up to lim principals with id > after_id, ordered by id, of one
-- organisation (0 or NULL: all), as far as the caller may see.
CREATE FUNCTION ssc.principal_list(organisation_id bigint, after_id bigint, lim int) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_org bigint := NULLIF(organisation_id, 0);
  v_after bigint := coalesce(after_id, 0);
  v_lim int := ssc.page_limit(lim);
  v jsonb;
BEGIN
  SELECT coalesce(jsonb_agg(ssc.principal_json(p) ORDER BY p.id), '[]') INTO v
    FROM (SELECT * FROM ssc.principals x
          WHERE x.id > v_after AND (v_org IS NULL OR x.organisation_id = v_org)
          ORDER BY x.id LIMIT v_lim) p;
  RETURN v;
END
$$;

-- Disables a principal: its certificate no longer identifies anyone. An
-- already disabled principal is returned unchanged (nothing written). The
-- last active admin cannot be disabled: the active admins are locked first,
-- so two admins disabling each other cannot both succeed.
CREATE FUNCTION ssc.principal_disable(p_key text, p_hash bytea, id bigint) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v jsonb;
  v_id bigint := id;
  p ssc.principals;
BEGIN
  v := ssc.idem_claim(p_key, p_hash);
  IF v IS NOT NULL THEN
    RETURN v;  -- the same request again: its first response, nothing written
  END IF;
  SELECT * INTO p FROM ssc.principals x WHERE x.id = v_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'principal % not found', v_id USING ERRCODE = 'SC404';
  END IF;
  IF p.role = 'admin' THEN
    PERFORM FROM ssc.principals x WHERE x.role = 'admin' AND x.active ORDER BY x.id FOR UPDATE;
  END IF;
  SELECT * INTO p FROM ssc.principals x WHERE x.id = v_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'role % may not disable principal %', ssc.session_role(), v_id
      USING ERRCODE = 'SC403';
  END IF;
  IF p.active THEN
    IF p.role = 'admin'
       AND (SELECT count(*) FROM ssc.principals x WHERE x.role = 'admin' AND x.active) <= 1 THEN
      RAISE EXCEPTION 'principal % is the last active admin', v_id USING ERRCODE = 'SC412';
    END IF;
    UPDATE ssc.principals x SET active = false WHERE x.id = v_id RETURNING * INTO p;
  END IF;
  v := ssc.principal_json(p);
  PERFORM ssc.idem_store(p_key, v);
  RETURN v;
END
$$;

-- For `sscd add-admin`, as the owner, outside begin_call: makes an active
-- admin for the subject or fingerprint (exactly one) and returns it. Running
-- it again returns the same admin; a principal with that subject or
-- fingerprint that is not an active admin is refused (SC409).
CREATE FUNCTION ssc.bootstrap_admin(subject text, fingerprint text, name text) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
  SET ssc.principal = 'bootstrap'
  SET ssc.method = 'sscd add-admin'
  SET ssc.role = 'admin'
  SET ssc.org_id = ''
  SET ssc.principal_id = ''
AS $$
DECLARE
  v_subject text := coalesce(subject, '');
  v_fingerprint text := coalesce(fingerprint, '');
  v_name text;
  p ssc.principals;
BEGIN
  PERFORM ssc.principal_identity_args(v_subject, v_fingerprint);
  v_name := ssc.principal_name_arg(name);
  SELECT * INTO p FROM ssc.principals x
   WHERE (v_subject <> '' AND x.subject = v_subject)
      OR (v_fingerprint <> '' AND x.fingerprint = v_fingerprint);
  IF FOUND THEN
    IF p.role = 'admin' AND p.active THEN
      RETURN ssc.principal_json(p);
    END IF;
    RAISE EXCEPTION '%: already belongs to principal % (%, %), not to an active admin',
      CASE WHEN v_subject <> '' THEN 'subject' ELSE 'fingerprint' END, p.id, p.role,
      CASE WHEN p.active THEN 'active' ELSE 'disabled' END
      USING ERRCODE = 'SC409';
  END IF;
  INSERT INTO ssc.principals (subject, fingerprint, role, name)
    VALUES (v_subject, v_fingerprint, 'admin', v_name)
    RETURNING * INTO p;
  RETURN ssc.principal_json(p);
END
$$;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA ssc FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
  ssc.principal_identity_args(text, text), ssc.principal_name_arg(text),
  ssc.principal_add(text, bytea, text, text, bigint, text, text),
  ssc.principal_list(bigint, bigint, int),
  ssc.principal_disable(text, bytea, bigint)
  TO ssc_app;
