-- 0002 organisations: Danish authorities, partner-country authorities,
-- embassies, the secretariat, regions and municipalities.
--
-- The table states its invariants itself: trimmed names, the five kinds, an
-- ISO 3166-1 alpha-2 shaped country, (name, country) unique without regard to
-- case, and, in a trigger, that a parent exists, is a danish_authority and is
-- not the row itself or one of its descendants. The same trigger bumps
-- version and updated_at on every update and keeps kind and created_at
-- fixed, so no writer can forget either.
--
-- Privileges: ssc_app reads every row (once begin_call has run) and may
-- INSERT and UPDATE only the columns the API sets; the policies decide which
-- rows (admin and secretariat: any; a ministry: its own organisation, update
-- only). The business functions (0008) are SECURITY INVOKER, so these
-- policies apply to them. Nobody but the owner deletes.

CREATE TABLE ssc.organisations (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name       text NOT NULL,
  short_name text NOT NULL DEFAULT '',
  kind       text NOT NULL,
  country    text NOT NULL,
  parent_id  bigint REFERENCES ssc.organisations (id),
  version    bigint NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT organisations_name_check
    CHECK (name = btrim(name, E' \t\r\n') AND char_length(name) BETWEEN 1 AND 200
           AND name !~ '[[:cntrl:]]'),
  CONSTRAINT organisations_short_name_check
    CHECK (short_name = btrim(short_name, E' \t\r\n') AND char_length(short_name) <= 32
           AND short_name !~ '[[:cntrl:]]'),
  CONSTRAINT organisations_kind_check
    CHECK (kind IN ('danish_authority', 'partner_authority', 'embassy', 'secretariat', 'region')),
  CONSTRAINT organisations_country_check CHECK (country ~ '^[A-Z]{2}$'),
  CONSTRAINT organisations_parent_not_self CHECK (parent_id <> id),
  CONSTRAINT organisations_version_check CHECK (version >= 1)
);
COMMENT ON TABLE ssc.organisations IS 'authorities, embassies, the secretariat, regions (API.md "Organisations")';

CREATE UNIQUE INDEX organisations_name_country_key ON ssc.organisations (lower(name), country);
CREATE INDEX organisations_parent_id_idx ON ssc.organisations (parent_id);

-- Checks a parent for the row NEW: it exists, is a danish_authority, and is
-- not NEW itself or below it. The loop check takes a transaction advisory
-- lock first so that two concurrent re-parentings cannot each pass and
-- together close a loop; under READ COMMITTED the next statement then sees
-- whatever the other one committed.
CREATE FUNCTION ssc.organisations_check_parent(p_id bigint, p_parent_id bigint, p_is_update boolean)
  RETURNS void
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_kind text;
BEGIN
  SELECT o.kind INTO v_kind FROM ssc.organisations o WHERE o.id = p_parent_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'parent_id: organisation % does not exist', p_parent_id
      USING ERRCODE = 'SC400';
  END IF;
  IF v_kind <> 'danish_authority' THEN
    RAISE EXCEPTION 'parent_id: organisation % is a %, not a danish_authority', p_parent_id, v_kind
      USING ERRCODE = 'SC400';
  END IF;
  IF NOT p_is_update THEN
    RETURN;  -- nothing points at a new row yet, so it cannot close a loop
  END IF;
  IF p_parent_id = p_id THEN
    RAISE EXCEPTION 'parent_id: an organisation cannot be its own parent' USING ERRCODE = 'SC400';
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('ssc.organisations.parent_id'));
  IF EXISTS (WITH RECURSIVE up (id, parent_id) AS (
               SELECT o.id, o.parent_id FROM ssc.organisations o WHERE o.id = p_parent_id
               UNION
               SELECT o.id, o.parent_id FROM ssc.organisations o JOIN up ON o.id = up.parent_id)
             SELECT FROM up WHERE up.id = p_id) THEN
    RAISE EXCEPTION 'parent_id: organisation % is below organisation %; the parent chain may not loop',
      p_parent_id, p_id
      USING ERRCODE = 'SC400';
  END IF;
END
$$;

CREATE FUNCTION ssc.organisations_before_write() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF NEW.kind <> OLD.kind THEN
      RAISE EXCEPTION 'kind: cannot be changed' USING ERRCODE = 'SC400';
    END IF;
    NEW.created_at := OLD.created_at;
    NEW.version := OLD.version + 1;
    NEW.updated_at := now();
  END IF;
  IF NEW.parent_id IS NOT NULL
     AND (TG_OP = 'INSERT' OR NEW.parent_id IS DISTINCT FROM OLD.parent_id) THEN
    PERFORM ssc.organisations_check_parent(NEW.id, NEW.parent_id, TG_OP = 'UPDATE');
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER organisations_before_write
  BEFORE INSERT OR UPDATE ON ssc.organisations
  FOR EACH ROW EXECUTE FUNCTION ssc.organisations_before_write();

-- The API's row object (API.md "Organisations").
CREATE FUNCTION ssc.org_json(o ssc.organisations) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN jsonb_build_object(
    'id', o.id, 'name', o.name, 'short_name', o.short_name, 'kind', o.kind,
    'country', o.country, 'parent_id', o.parent_id, 'version', o.version,
    'created_at', ssc.rfc3339(o.created_at), 'updated_at', ssc.rfc3339(o.updated_at));

ALTER TABLE ssc.organisations ENABLE ROW LEVEL SECURITY;

CREATE POLICY organisations_select ON ssc.organisations FOR SELECT
  USING (ssc.session_role() IS NOT NULL);
CREATE POLICY organisations_insert ON ssc.organisations FOR INSERT
  WITH CHECK (ssc.session_role() IN ('admin', 'secretariat'));
CREATE POLICY organisations_update ON ssc.organisations FOR UPDATE
  USING (ssc.session_role() IN ('admin', 'secretariat')
         OR (ssc.session_role() = 'ministry' AND id = ssc.session_org_id()))
  WITH CHECK (ssc.session_role() IN ('admin', 'secretariat')
              OR (ssc.session_role() = 'ministry' AND id = ssc.session_org_id()));

GRANT SELECT ON ssc.organisations TO ssc_app;
GRANT INSERT (name, short_name, kind, country, parent_id) ON ssc.organisations TO ssc_app;
GRANT UPDATE (name, short_name, country, parent_id) ON ssc.organisations TO ssc_app;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA ssc FROM PUBLIC;
-- The trigger runs as the writer, and the function it calls checks EXECUTE.
GRANT EXECUTE ON FUNCTION ssc.organisations_check_parent(bigint, bigint, boolean),
  ssc.org_json(ssc.organisations) TO ssc_app;
