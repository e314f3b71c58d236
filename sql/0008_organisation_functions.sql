-- 0008 organisation functions: org_create, org_update, org_get, org_list.
--
-- SECURITY INVOKER: they run as ssc_app, so the organisations policies
-- (0002) decide which rows the caller may read and write, and a refusal
-- there is a refusal here. They check the input first and say which field
-- breaks which rule (SC400); the table's constraints and trigger hold the
-- same rules for every other writer. Audit entries come from the table's
-- audit trigger (0005); idempotency from idem_claim/idem_store (0006).
-- A parent_id of 0 or NULL means none, as in the protobuf messages.

-- Arguments, checked and normalised (names and short names are trimmed).
CREATE FUNCTION ssc.org_name_arg(p text) RETURNS text
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v text := btrim(coalesce(p, ''), E' \t\r\n');
BEGIN
  IF v = '' THEN
    RAISE EXCEPTION 'name: must not be empty' USING ERRCODE = 'SC400';
  END IF;
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

CREATE FUNCTION ssc.org_short_name_arg(p text) RETURNS text
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v text := btrim(coalesce(p, ''), E' \t\r\n');
BEGIN
  IF char_length(v) > 32 THEN
    RAISE EXCEPTION 'short_name: must be at most 32 characters, not %', char_length(v)
      USING ERRCODE = 'SC400';
  END IF;
  IF v ~ '[[:cntrl:]]' THEN
    RAISE EXCEPTION 'short_name: must not contain control characters' USING ERRCODE = 'SC400';
  END IF;
  RETURN v;
END
$$;

CREATE FUNCTION ssc.org_kind_arg(p text) RETURNS text
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  IF p IS NULL OR p NOT IN ('danish_authority', 'partner_authority', 'embassy', 'secretariat', 'region') THEN
    RAISE EXCEPTION 'kind: must be one of danish_authority, partner_authority, embassy, secretariat, region, not "%"',
      coalesce(p, '') USING ERRCODE = 'SC400';
  END IF;
  RETURN p;
END
$$;

CREATE FUNCTION ssc.country_arg(p text) RETURNS text
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  IF p IS NULL OR p !~ '^[A-Z]{2}$' THEN
    RAISE EXCEPTION 'country: must be an ISO 3166-1 alpha-2 code, not "%"', coalesce(p, '')
      USING ERRCODE = 'SC400';
  END IF;
  RETURN p;
END
$$;

CREATE FUNCTION ssc.org_create(p_key text, p_hash bytea, name text, short_name text, kind text,
                               country text, parent_id bigint) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v jsonb;
  v_name text;
  v_short_name text;
  v_kind text;
  v_country text;
  v_parent bigint := NULLIF(parent_id, 0);
  o ssc.organisations;
BEGIN
  v := ssc.idem_claim(p_key, p_hash);
  IF v IS NOT NULL THEN
    RETURN v;  -- the same request again: its first response, nothing written
  END IF;
  v_name := ssc.org_name_arg(name);
  v_short_name := ssc.org_short_name_arg(short_name);
  v_kind := ssc.org_kind_arg(kind);
  v_country := ssc.country_arg(country);
  -- Parent rules are checked by the table's trigger.
  INSERT INTO ssc.organisations AS x (name, short_name, kind, country, parent_id)
    VALUES (v_name, v_short_name, v_kind, v_country, v_parent)
    ON CONFLICT ((lower(name)), country) DO NOTHING  -- use_column: the table's
    RETURNING * INTO o;
  IF o.id IS NULL THEN
    RAISE EXCEPTION 'name: an organisation named "%" already exists in %', v_name, v_country
      USING ERRCODE = 'SC409';
  END IF;
  v := ssc.org_json(o);
  PERFORM ssc.idem_store(p_key, v);
  RETURN v;
END
$$;

CREATE FUNCTION ssc.org_update(p_key text, p_hash bytea, id bigint, expected_version bigint,
                               mask text[], name text, short_name text, country text,
                               parent_id bigint) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v jsonb;
  v_id bigint := id;
  v_expected bigint := coalesce(expected_version, 0);
  v_mask text[] := coalesce(mask, '{}');
  v_field text;
  o ssc.organisations;
BEGIN
  v := ssc.idem_claim(p_key, p_hash);
  IF v IS NOT NULL THEN
    RETURN v;  -- the same request again: its first response, nothing written
  END IF;
  IF cardinality(v_mask) = 0 THEN
    RAISE EXCEPTION 'update_mask: must not be empty' USING ERRCODE = 'SC400';
  END IF;
  FOREACH v_field IN ARRAY v_mask LOOP
    IF v_field IS NULL OR v_field NOT IN ('name', 'short_name', 'country', 'parent_id') THEN
      RAISE EXCEPTION 'update_mask: unknown field "%" (known: name, short_name, country, parent_id)',
        coalesce(v_field, '') USING ERRCODE = 'SC400';
    END IF;
  END LOOP;

  SELECT * INTO o FROM ssc.organisations x WHERE x.id = v_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'organisation % not found', v_id USING ERRCODE = 'SC404';
  END IF;
  -- Everyone reads every organisation; the update policy says who may write.
  SELECT * INTO o FROM ssc.organisations x WHERE x.id = v_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'role % may not update organisation %', ssc.session_role(), v_id
      USING ERRCODE = 'SC403';
  END IF;
  IF v_expected <> 0 AND o.version <> v_expected THEN
    RAISE EXCEPTION 'expected version %, found %', v_expected, o.version USING ERRCODE = 'SC412';
  END IF;

  IF 'name' = ANY (v_mask) THEN
    o.name := ssc.org_name_arg(name);
  END IF;
  IF 'short_name' = ANY (v_mask) THEN
    o.short_name := ssc.org_short_name_arg(short_name);
  END IF;
  IF 'country' = ANY (v_mask) THEN
    o.country := ssc.country_arg(country);
  END IF;
  IF 'parent_id' = ANY (v_mask) THEN
    o.parent_id := NULLIF(parent_id, 0);
  END IF;
  IF EXISTS (SELECT FROM ssc.organisations x
             WHERE lower(x.name) = lower(o.name) AND x.country = o.country AND x.id <> v_id) THEN
    RAISE EXCEPTION 'name: an organisation named "%" already exists in %', o.name, o.country
      USING ERRCODE = 'SC409';
  END IF;

  -- The trigger checks the parent and bumps version and updated_at.
  UPDATE ssc.organisations x
     SET name = o.name, short_name = o.short_name, country = o.country, parent_id = o.parent_id
   WHERE x.id = v_id
  RETURNING * INTO o;
  v := ssc.org_json(o);
  PERFORM ssc.idem_store(p_key, v);
  RETURN v;
END
$$;

CREATE FUNCTION ssc.org_get(id bigint) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_id bigint := id;
  o ssc.organisations;
BEGIN
  SELECT * INTO o FROM ssc.organisations x WHERE x.id = v_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'organisation % not found', v_id USING ERRCODE = 'SC404';
  END IF;
  RETURN ssc.org_json(o);
END
$$;

-- Up to lim organisations with id > after_id, ordered by id, of one kind and
-- one country ('' = any).
CREATE FUNCTION ssc.org_list(kind text, country text, after_id bigint, lim int) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_kind text := coalesce(kind, '');
  v_country text := coalesce(country, '');
  v_after bigint := coalesce(after_id, 0);
  v_lim int := ssc.page_limit(lim);
  v jsonb;
BEGIN
  IF v_kind <> '' THEN
    PERFORM ssc.org_kind_arg(v_kind);
  END IF;
  IF v_country <> '' THEN
    PERFORM ssc.country_arg(v_country);
  END IF;
  SELECT coalesce(jsonb_agg(ssc.org_json(o) ORDER BY o.id), '[]') INTO v
    FROM (SELECT * FROM ssc.organisations x
          WHERE x.id > v_after
            AND (v_kind = '' OR x.kind = v_kind)
            AND (v_country = '' OR x.country = v_country)
          ORDER BY x.id LIMIT v_lim) o;
  RETURN v;
END
$$;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA ssc FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
  ssc.org_name_arg(text), ssc.org_short_name_arg(text), ssc.org_kind_arg(text), ssc.country_arg(text),
  ssc.org_create(text, bytea, text, text, text, text, bigint),
  ssc.org_update(text, bytea, bigint, bigint, text[], text, text, text, bigint),
  ssc.org_get(bigint),
  ssc.org_list(text, text, bigint, int)
  TO ssc_app;
