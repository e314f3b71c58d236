-- 0016 request functions: every unary method's function takes the request
-- as one jsonb argument (sql/API.md, "One argument"), and every input rule
-- is checked here, in SQL alone: sscd declares the method and checks only
-- what holds for every method (sizes, UTF-8, known enum values).
--
-- The functions of 0008, 0009, 0003 and 0005 with positional arguments stay
-- as the bodies these call; the rules sscd used to check in C before them
-- (a kind or role that must be set, negative ids, an organisation as its own
-- parent, the audit entity's form) are added here, each once. A request's
-- fields arrive under their proto names; an absent or null field is its
-- default (0, '', no enum value), as protobuf has it.
--
-- Calls (daemon/services/declare.h):
--   read    fn(p jsonb)
--   mutate  fn(p jsonb, p_hash bytea)       idempotency_key is p's field
--   list    fn(p jsonb, p_after text, p_lim int)   cursor and page size +1

-- ---- reading a request -------------------------------------------------

-- Field f of request p as text: '' when absent or null.
CREATE FUNCTION ssc.req_text(p jsonb, f text) RETURNS text
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  CASE coalesce(jsonb_typeof(p -> f), 'null')
    WHEN 'string' THEN RETURN p ->> f;
    WHEN 'null' THEN RETURN '';
    ELSE RAISE EXCEPTION '%: must be a string', f USING ERRCODE = 'SC400';
  END CASE;
END
$$;

-- Field f of request p as an integer: 0 when absent or null.
CREATE FUNCTION ssc.req_int(p jsonb, f text) RETURNS bigint
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v numeric;
BEGIN
  CASE coalesce(jsonb_typeof(p -> f), 'null')
    WHEN 'number' THEN v := (p ->> f)::numeric;
    WHEN 'null' THEN RETURN 0;
    ELSE v := NULL;
  END CASE;
  IF v IS NULL OR v <> trunc(v) OR v < -9223372036854775808 OR v > 9223372036854775807 THEN
    RAISE EXCEPTION '%: must be an integer', f USING ERRCODE = 'SC400';
  END IF;
  RETURN v::bigint;
END
$$;

-- Field f of request p, a repeated string, as text[]: '{}' when absent.
CREATE FUNCTION ssc.req_texts(p jsonb, f text) RETURNS text[]
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  IF p -> f IS NULL OR jsonb_typeof(p -> f) = 'null' THEN
    RETURN '{}';
  END IF;
  IF jsonb_typeof(p -> f) <> 'array'
     OR EXISTS (SELECT FROM jsonb_array_elements(p -> f) e WHERE jsonb_typeof(e) <> 'string') THEN
    RAISE EXCEPTION '%: must be a list of strings', f USING ERRCODE = 'SC400';
  END IF;
  RETURN ARRAY(SELECT jsonb_array_elements_text(p -> f));
END
$$;

-- An id field that may be 0 (none) but not negative.
CREATE FUNCTION ssc.req_id(p jsonb, f text) RETURNS bigint
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v bigint := ssc.req_int(p, f);
BEGIN
  IF v < 0 THEN
    RAISE EXCEPTION '%: must not be negative', f USING ERRCODE = 'SC400';
  END IF;
  RETURN v;
END
$$;

-- An id field that must name something: at least 1.
CREATE FUNCTION ssc.req_required_id(p jsonb, f text) RETURNS bigint
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v bigint := ssc.req_id(p, f);
BEGIN
  IF v = 0 THEN
    RAISE EXCEPTION '%: must be set', f USING ERRCODE = 'SC400';
  END IF;
  RETURN v;
END
$$;

-- ---- clearer messages for the argument checks of 0008 ------------------

CREATE OR REPLACE FUNCTION ssc.org_kind_arg(p text) RETURNS text
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  IF coalesce(p, '') = '' THEN
    RAISE EXCEPTION 'kind: must be set' USING ERRCODE = 'SC400';
  END IF;
  IF p NOT IN ('danish_authority', 'partner_authority', 'embassy', 'secretariat', 'region') THEN
    RAISE EXCEPTION 'kind: must be one of danish_authority, partner_authority, embassy, secretariat, region, not "%"',
      p USING ERRCODE = 'SC400';
  END IF;
  RETURN p;
END
$$;

CREATE OR REPLACE FUNCTION ssc.country_arg(p text) RETURNS text
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  IF p IS NULL OR p !~ '^[A-Z]{2}$' THEN
    RAISE EXCEPTION 'country: must be an ISO 3166-1 alpha-2 code such as DK, not "%"',
      left(coalesce(p, ''), 16) USING ERRCODE = 'SC400';
  END IF;
  RETURN p;
END
$$;

-- ---- ssc.v1.Organisations ------------------------------------------------

CREATE FUNCTION ssc.org_create(p jsonb, p_hash bytea) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_parent bigint := ssc.req_id(p, 'parent_id');
BEGIN
  RETURN ssc.org_create(ssc.req_text(p, 'idempotency_key'), p_hash, ssc.req_text(p, 'name'),
                        ssc.req_text(p, 'short_name'), ssc.req_text(p, 'kind'),
                        ssc.req_text(p, 'country'), v_parent);
END
$$;

CREATE FUNCTION ssc.org_update(p jsonb, p_hash bytea) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_id bigint := ssc.req_required_id(p, 'id');
  v_expected bigint := ssc.req_id(p, 'expected_version');
  v_mask text[] := ssc.req_texts(p, 'update_mask');
  v_parent bigint := ssc.req_id(p, 'parent_id');
BEGIN
  IF 'parent_id' = ANY (v_mask) AND v_parent = v_id THEN
    RAISE EXCEPTION 'parent_id: may not be the organisation itself' USING ERRCODE = 'SC400';
  END IF;
  RETURN ssc.org_update(ssc.req_text(p, 'idempotency_key'), p_hash, v_id, v_expected, v_mask,
                        ssc.req_text(p, 'name'), ssc.req_text(p, 'short_name'),
                        ssc.req_text(p, 'country'), v_parent);
END
$$;

CREATE FUNCTION ssc.org_get(p jsonb) RETURNS jsonb
  LANGUAGE sql STABLE
  SET search_path = ssc, pg_temp
  RETURN ssc.org_get(ssc.req_int(p, 'id'));

CREATE FUNCTION ssc.org_list(p jsonb, p_after text, p_lim int) RETURNS jsonb
  LANGUAGE sql STABLE
  SET search_path = ssc, pg_temp
  RETURN ssc.org_list(ssc.req_text(p, 'kind'), ssc.req_text(p, 'country'),
                      nullif(p_after, '')::bigint, p_lim);

-- ---- ssc.v1.Principals ---------------------------------------------------

CREATE FUNCTION ssc.principal_add(p jsonb, p_hash bytea) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_org bigint := ssc.req_id(p, 'organisation_id');
  v_role text := ssc.req_text(p, 'role');
BEGIN
  IF v_role = '' THEN
    RAISE EXCEPTION 'role: must be set' USING ERRCODE = 'SC400';
  END IF;
  RETURN ssc.principal_add(ssc.req_text(p, 'idempotency_key'), p_hash,
                           ssc.req_text(p, 'subject'), ssc.req_text(p, 'fingerprint'), v_org,
                           v_role, ssc.req_text(p, 'name'));
END
$$;

CREATE FUNCTION ssc.principal_list(p jsonb, p_after text, p_lim int) RETURNS jsonb
  LANGUAGE sql STABLE
  SET search_path = ssc, pg_temp
  RETURN ssc.principal_list(ssc.req_id(p, 'organisation_id'), nullif(p_after, '')::bigint,
                            p_lim);

CREATE FUNCTION ssc.principal_disable(p jsonb, p_hash bytea) RETURNS jsonb
  LANGUAGE sql
  SET search_path = ssc, pg_temp
  RETURN ssc.principal_disable(ssc.req_text(p, 'idempotency_key'), p_hash,
                               ssc.req_int(p, 'id'));

-- ---- ssc.v1.Sectors ------------------------------------------------------

CREATE FUNCTION ssc.sector_list(p jsonb, p_after text, p_lim int) RETURNS jsonb
  LANGUAGE sql STABLE
  SET search_path = ssc, pg_temp
  RETURN ssc.sector_list(ssc.req_text(p, 'category'), p_after, p_lim);

-- ---- ssc.v1.Audit --------------------------------------------------------

-- Entries after after_seq; a page token goes on after the last entry seen,
-- never before the after_seq the request asks for.
CREATE FUNCTION ssc.audit_list(p jsonb, p_after text, p_lim int) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_after_seq bigint;
  v_entity text := ssc.req_text(p, 'entity');
BEGIN
  IF ssc.req_int(p, 'after_seq') < 0 THEN
    RAISE EXCEPTION 'after_seq: must not be negative' USING ERRCODE = 'SC400';
  END IF;
  IF v_entity <> '' AND v_entity !~ '^[a-z_]{1,64}$' THEN
    RAISE EXCEPTION 'entity: must be an entity name such as organisation, not "%"',
      left(v_entity, 16) USING ERRCODE = 'SC400';
  END IF;
  v_after_seq := greatest(ssc.req_int(p, 'after_seq'), coalesce(nullif(p_after, '')::bigint, 0));
  RETURN ssc.audit_list(v_after_seq, v_entity, p_lim);
END
$$;

-- The chain's verdict, with the count under the response's name.
CREATE FUNCTION ssc.audit_verify(p jsonb) RETURNS jsonb
  LANGUAGE sql STABLE
  SET search_path = ssc, pg_temp
  RETURN (SELECT v || jsonb_build_object('entries_checked', v -> 'checked')
            FROM ssc.audit_verify() v);

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA ssc FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
  ssc.req_text(jsonb, text), ssc.req_int(jsonb, text), ssc.req_texts(jsonb, text),
  ssc.req_id(jsonb, text), ssc.req_required_id(jsonb, text),
  ssc.org_create(jsonb, bytea), ssc.org_update(jsonb, bytea), ssc.org_get(jsonb),
  ssc.org_list(jsonb, text, int),
  ssc.principal_add(jsonb, bytea), ssc.principal_list(jsonb, text, int),
  ssc.principal_disable(jsonb, bytea),
  ssc.sector_list(jsonb, text, int),
  ssc.audit_list(jsonb, text, int), ssc.audit_verify(jsonb)
  TO ssc_app;
