-- 0004 principals: which client certificate is who. A principal is matched
-- by the certificate's SHA-256 fingerprint (one certificate) or by its
-- subject (any certificate the CA issues with that subject), never both.
--
-- Invariants kept by the table: exactly one of subject and fingerprint set;
-- the fingerprint is 64 lower-case hex digits; the five roles; ministry and
-- reconciler belong to an organisation; a subject or a fingerprint names at
-- most one principal, active or not (a disabled certificate is not reused).
--
-- Privileges: ssc_app reads rows through row-level security (admin: all;
-- anyone else: the principals of their own organisation), inserts the API's
-- columns and updates only `active`, and only as admin. begin_call (0007) is
-- SECURITY DEFINER because it must find the caller before any role is set.
-- The business functions (0009) are SECURITY INVOKER.

CREATE TABLE ssc.principals (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  subject         text NOT NULL DEFAULT '',
  fingerprint     text NOT NULL DEFAULT '',
  organisation_id bigint REFERENCES ssc.organisations (id),
  role            text NOT NULL,
  active          boolean NOT NULL DEFAULT true,
  name            text NOT NULL DEFAULT '',
  created_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT principals_one_identity CHECK ((subject = '') <> (fingerprint = '')),
  CONSTRAINT principals_subject_check CHECK (char_length(subject) <= 1024),
  CONSTRAINT principals_fingerprint_check CHECK (fingerprint = '' OR fingerprint ~ '^[0-9a-f]{64}$'),
  CONSTRAINT principals_role_check
    CHECK (role IN ('ministry', 'secretariat', 'reconciler', 'auditor', 'admin')),
  CONSTRAINT principals_organisation_needed
    CHECK (role NOT IN ('ministry', 'reconciler') OR organisation_id IS NOT NULL),
  CONSTRAINT principals_name_check
    CHECK (name = btrim(name, E' \t\r\n') AND char_length(name) <= 200 AND name !~ '[[:cntrl:]]')
);
COMMENT ON TABLE ssc.principals IS 'client certificates and who they are (API.md "Principals")';

CREATE UNIQUE INDEX principals_subject_key ON ssc.principals (subject) WHERE subject <> '';
CREATE UNIQUE INDEX principals_fingerprint_key ON ssc.principals (fingerprint) WHERE fingerprint <> '';
CREATE INDEX principals_organisation_id_idx ON ssc.principals (organisation_id);

-- Only `active` ever changes.
CREATE FUNCTION ssc.principals_before_update() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  IF (NEW.subject, NEW.fingerprint, NEW.organisation_id, NEW.role, NEW.name, NEW.created_at)
     IS DISTINCT FROM
     (OLD.subject, OLD.fingerprint, OLD.organisation_id, OLD.role, OLD.name, OLD.created_at) THEN
    RAISE EXCEPTION 'principal %: only active can change', OLD.id USING ERRCODE = 'SC400';
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER principals_before_update
  BEFORE UPDATE ON ssc.principals
  FOR EACH ROW EXECUTE FUNCTION ssc.principals_before_update();

-- The API's row object (API.md "Principals").
CREATE FUNCTION ssc.principal_json(p ssc.principals) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN jsonb_build_object(
    'id', p.id, 'subject', p.subject, 'fingerprint', p.fingerprint,
    'organisation_id', p.organisation_id, 'role', p.role, 'active', p.active,
    'name', p.name, 'created_at', ssc.rfc3339(p.created_at));

ALTER TABLE ssc.principals ENABLE ROW LEVEL SECURITY;

CREATE POLICY principals_select ON ssc.principals FOR SELECT
  USING (ssc.session_role() = 'admin' OR organisation_id = ssc.session_org_id());
CREATE POLICY principals_insert ON ssc.principals FOR INSERT
  WITH CHECK (ssc.session_role() = 'admin');
CREATE POLICY principals_update ON ssc.principals FOR UPDATE
  USING (ssc.session_role() = 'admin')
  WITH CHECK (ssc.session_role() = 'admin');

GRANT SELECT ON ssc.principals TO ssc_app;
GRANT INSERT (subject, fingerprint, organisation_id, role, name) ON ssc.principals TO ssc_app;
GRANT UPDATE (active) ON ssc.principals TO ssc_app;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA ssc FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ssc.principal_json(ssc.principals) TO ssc_app;
