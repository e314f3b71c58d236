-- 0014 audit from triggers only: ssc_app can no longer write the chain.
--
-- In 0005 the audit triggers ran as the caller, so ssc_app held EXECUTE on
-- audit_append, and anyone with ssc_app's password could append an entry
-- for a change that never happened, naming any principal through
-- set_config('ssc.principal', ...); audit_verify() still found the chain
-- whole. Now:
--
-- * organisations_audit and principals_audit are SECURITY DEFINER (their
--   search_path was fixed in 0005), so audit_append runs on the owner's
--   right, and ssc_app loses EXECUTE on audit_append. An entry comes only
--   from a row really inserted, updated or deleted in an audited table, in
--   the transaction that changed it. A new audited table gets such a
--   trigger; no business function calls audit_append.
-- * audit_append no longer takes who and which organisation from the
--   free-text settings ssc.principal and ssc.org_id. It looks up the
--   principal whose id is in ssc.principal_id (begin_call set it) and
--   writes what begin_call would have: the subject, or sha256:<fingerprint>,
--   and that principal's organisation. With no ssc.principal_id, a session
--   whose login role may write ssc.audit itself (the owner, a superuser:
--   they could rewrite the chain anyway) is named by ssc.principal or
--   db:<session user>, as before (bootstrap_admin's `bootstrap`); any other
--   session's change is refused (SC401), so ssc_app changes nothing
--   outside a call, whatever ssc.role it sets.
--
-- What stays possible, and API.md "Audit" says so: ssc.principal_id and
-- ssc.method are settings like any other. ssc_app can set them without
-- begin_call, pass row-level security with a role it sets, and so have a
-- real change recorded as made by any registered principal (a disabled
-- one too), in that principal's organisation, under any method name. A
-- compromised sscd can do nearly as much through begin_call, which trusts
-- it to pass the peer certificate's identity.
--
-- audit_append stays SECURITY DEFINER (it writes what ssc_app may not);
-- the two trigger functions become SECURITY DEFINER so that they may call
-- it. Only the owner may execute any of the three now.

CREATE OR REPLACE FUNCTION ssc.audit_append(entity text, entity_id text, before jsonb, after jsonb)
  RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_entity text := coalesce(entity, '');
  v_entity_id text := coalesce(entity_id, '');
  v_before jsonb := before;
  v_after jsonb := after;
  v_principal_id bigint := NULLIF(current_setting('ssc.principal_id', true), '')::bigint;
  v_principal text;
  v_org bigint;
  v_method text := coalesce(NULLIF(current_setting('ssc.method', true), ''), 'sql');
  h ssc.audit_head;
  v_at timestamptz;
  v_hash bytea;
BEGIN
  IF v_entity = '' THEN
    RAISE EXCEPTION 'entity: must not be empty' USING ERRCODE = 'SC400';
  END IF;
  IF v_principal_id IS NOT NULL THEN
    -- Exactly one of subject and fingerprint is set (principals_one_identity).
    SELECT CASE WHEN p.fingerprint <> '' THEN 'sha256:' || p.fingerprint ELSE p.subject END,
           p.organisation_id
      INTO v_principal, v_org
      FROM ssc.principals p WHERE p.id = v_principal_id;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'ssc.principal_id: principal % does not exist', v_principal_id
        USING ERRCODE = 'SC401';
    END IF;
  ELSIF has_table_privilege(session_user, 'ssc.audit', 'INSERT') THEN
    v_principal := coalesce(NULLIF(current_setting('ssc.principal', true), ''),
                            'db:' || session_user);
    v_org := ssc.session_org_id();
  ELSE
    RAISE EXCEPTION 'a change by % needs a caller, and begin_call has not run', session_user
      USING ERRCODE = 'SC401';
  END IF;
  SELECT * INTO STRICT h FROM ssc.audit_head FOR UPDATE;
  -- Taken after the lock, so that at never decreases along the chain.
  v_at := clock_timestamp();
  v_hash := ssc.audit_hash(h.hash, h.seq + 1, v_at, v_principal, v_org, v_method,
                           v_entity, v_entity_id, v_before, v_after);
  INSERT INTO ssc.audit (seq, at, principal, organisation_id, method, entity, entity_id,
                         before, after, prev_hash, hash)
    VALUES (h.seq + 1, v_at, v_principal, v_org, v_method, v_entity, v_entity_id,
            v_before, v_after, h.hash, v_hash);
  UPDATE ssc.audit_head SET seq = h.seq + 1, hash = v_hash;
END
$$;

ALTER FUNCTION ssc.organisations_audit() SECURITY DEFINER;
ALTER FUNCTION ssc.principals_audit() SECURITY DEFINER;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA ssc FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION ssc.audit_append(text, text, jsonb, jsonb) FROM ssc_app;
