-- 0018 the embassy role and the caller's scope: which organisations a
-- ministry answers for, which country an embassy covers.
--
-- * A new role, embassy, for principals of an organisation of kind embassy
--   (principal_add refuses any other organisation for it).
-- * begin_call computes the caller's scope once per call and keeps it in
--   two settings, local to the transaction, that the policies of the
--   domain tables (0019-0021) read:
--     ssc.org_scope  a ministry's organisation and every agency below it,
--                    following parent_id down any depth, as a bigint[]
--                    literal ('{2,7,9}'); '' for other roles
--     ssc.country    an embassy's country ('VN'); '' for other roles
--   One recursive query per ministry call instead of one per row a policy
--   looks at. The trust boundary is 0001's: these are settings, and only
--   begin_call sets them in a call.
-- * ssc.domain_reader() and ssc.in_scope(org) are the predicates every
--   domain policy is written with, so a rule about who sees what is written
--   once.

ALTER TABLE ssc.principals DROP CONSTRAINT principals_role_check;
ALTER TABLE ssc.principals ADD CONSTRAINT principals_role_check
  CHECK (role IN ('ministry', 'secretariat', 'reconciler', 'auditor', 'admin', 'embassy'));
ALTER TABLE ssc.principals DROP CONSTRAINT principals_organisation_needed;
ALTER TABLE ssc.principals ADD CONSTRAINT principals_organisation_needed
  CHECK (role NOT IN ('ministry', 'reconciler', 'embassy') OR organisation_id IS NOT NULL);

-- The caller's organisations (a ministry's subtree), or '{}'.
CREATE FUNCTION ssc.session_scope() RETURNS bigint[]
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN coalesce(NULLIF(pg_catalog.current_setting('ssc.org_scope', true), '')::bigint[],
                  '{}');

-- An embassy caller's country, or NULL.
CREATE FUNCTION ssc.session_country() RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN NULLIF(pg_catalog.current_setting('ssc.country', true), '');

-- True for the roles that read every domain record.
CREATE FUNCTION ssc.reads_all() RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN coalesce(ssc.session_role() IN ('secretariat', 'auditor'), false);

-- True when organisation org is the calling ministry's or one of its
-- agencies'.
CREATE FUNCTION ssc.in_scope(org bigint) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN coalesce(ssc.session_role() = 'ministry' AND org = ANY (ssc.session_scope()), false);

-- An organisation and every organisation below it, any depth.
CREATE FUNCTION ssc.org_subtree(root bigint) RETURNS bigint[]
  LANGUAGE sql STABLE
  SET search_path = ssc, pg_temp
  RETURN (WITH RECURSIVE down (id) AS (
            SELECT o.id FROM ssc.organisations o WHERE o.id = root
            UNION
            SELECT o.id FROM ssc.organisations o JOIN down ON o.parent_id = down.id)
          SELECT coalesce(array_agg(id ORDER BY id), '{}') FROM down);

-- As in 0015, and then the scope settings described at the top.
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
  v_scope text := '';
  v_country text := '';
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
  IF p.id IS NOT NULL THEN
    -- Shared side of principals_wait_for_calls' lock: same key.
    PERFORM pg_advisory_xact_lock_shared(hashtext('ssc.principal_calls'),
                                         (p.id % 2147483648)::int);
    IF current_setting('transaction_isolation') = 'read committed' THEN
      PERFORM FROM ssc.principals x WHERE x.id = p.id AND x.active;
    ELSE
      PERFORM FROM ssc.principals x WHERE x.id = p.id AND x.active FOR SHARE;
    END IF;
    IF NOT FOUND THEN
      p.id := NULL;  -- disabled while this call waited for the lock
    END IF;
  END IF;
  IF p.id IS NULL THEN
    RAISE EXCEPTION 'no active principal for this certificate' USING ERRCODE = 'SC401';
  END IF;
  IF NOT p.role = ANY (v_allowed) THEN
    RAISE EXCEPTION 'role % may not call %', p.role, v_method USING ERRCODE = 'SC403';
  END IF;
  IF p.role = 'ministry' THEN
    v_scope := ssc.org_subtree(p.organisation_id)::text;
  ELSIF p.role = 'embassy' THEN
    SELECT o.country INTO v_country FROM ssc.organisations o WHERE o.id = p.organisation_id;
  END IF;
  PERFORM set_config('ssc.principal_id', p.id::text, true),
          set_config('ssc.principal', v_name, true),
          set_config('ssc.role', p.role, true),
          set_config('ssc.org_id', coalesce(p.organisation_id::text, ''), true),
          set_config('ssc.org_scope', v_scope, true),
          set_config('ssc.country', coalesce(v_country, ''), true),
          set_config('ssc.method', v_method, true);
  principal_id := p.id;
  role := p.role;
  organisation_id := p.organisation_id;
  RETURN NEXT;
END
$$;

-- As in 0009, with the embassy role: its organisation must be an embassy.
CREATE OR REPLACE FUNCTION ssc.principal_add(p_key text, p_hash bytea, subject text,
                                             fingerprint text, organisation_id bigint,
                                             role text, name text) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v jsonb;
  v_subject text := coalesce(subject, '');
  v_fingerprint text := coalesce(fingerprint, '');
  v_org bigint := NULLIF(organisation_id, 0);
  v_role text := coalesce(role, '');
  v_kind text;
  v_name text;
  p ssc.principals;
BEGIN
  v := ssc.idem_claim(p_key, p_hash);
  IF v IS NOT NULL THEN
    RETURN v;  -- the same request again: its first response, nothing written
  END IF;
  PERFORM ssc.principal_identity_args(v_subject, v_fingerprint);
  IF v_role NOT IN ('ministry', 'secretariat', 'reconciler', 'auditor', 'admin', 'embassy') THEN
    RAISE EXCEPTION 'role: must be one of ministry, secretariat, reconciler, auditor, admin, embassy, not "%"',
      v_role USING ERRCODE = 'SC400';
  END IF;
  IF v_org IS NULL AND v_role IN ('ministry', 'reconciler', 'embassy') THEN
    RAISE EXCEPTION 'organisation_id: role % needs an organisation', v_role USING ERRCODE = 'SC400';
  END IF;
  IF v_org IS NOT NULL THEN
    SELECT o.kind INTO v_kind FROM ssc.organisations o WHERE o.id = v_org;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'organisation_id: organisation % does not exist', v_org
        USING ERRCODE = 'SC400';
    END IF;
    IF v_role = 'embassy' AND v_kind <> 'embassy' THEN
      RAISE EXCEPTION 'organisation_id: role embassy needs an embassy, and organisation % is a %',
        v_org, v_kind USING ERRCODE = 'SC400';
    END IF;
    IF v_role = 'ministry' AND v_kind <> 'danish_authority' THEN
      RAISE EXCEPTION 'organisation_id: role ministry needs a danish_authority, and organisation % is a %',
        v_org, v_kind USING ERRCODE = 'SC400';
    END IF;
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

-- The audit trigger of every domain table: one entry per row changed, the
-- row as jsonb before and after, the entity named by the trigger's first
-- argument. SECURITY DEFINER for audit_append (0014).
CREATE FUNCTION ssc.audit_row() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_old jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
  v_new jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
BEGIN
  PERFORM ssc.audit_append(TG_ARGV[0], coalesce(v_new, v_old) ->> 'id', v_old, v_new);
  RETURN NULL;
END
$$;

-- A domain setting passed by sscd on every connection (sscd.ini [domain]),
-- or its default.
CREATE FUNCTION ssc.long_stay_months() RETURNS int
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN coalesce(NULLIF(pg_catalog.current_setting('ssc.long_stay_months', true), '')::int, 6);

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA ssc FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ssc.session_scope(), ssc.session_country(), ssc.reads_all(),
  ssc.in_scope(bigint), ssc.long_stay_months() TO ssc_app;
