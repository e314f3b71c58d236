-- 0019 matchmaking and collaborations (API.md "Matchmaking",
-- "Collaborations").
--
-- Demand signals (an embassy's screening of partner-country demand) and
-- expressions of interest (a Danish authority offering sectors in
-- countries) meet in match_list, which lists pairs and stores none. A
-- collaboration is made from a match or from nothing; made from a match it
-- marks both sides matched in the same transaction.
--
-- A collaboration's phase moves along the rows of collaboration_phase_steps,
-- the one statement of which transitions are allowed:
--   matchmaking -> inception -> long_term -> phase_2 -> closed
--   long_term -> closed           (no second phase)
--   any open phase -> cancelled   (open: not closed or cancelled)
--   inception, long_term, phase_2 -> suspended
--   suspended -> the phase it was suspended from (resume)
-- Every transition is a row of collaboration_transitions (date, principal,
-- note); each phase's planned start and end are collaboration_phases rows.
--
-- IATI activity status (codelist ActivityStatus), derived on every read as
-- of a date (today unless the request names one):
--   1 pipeline/identification  matchmaking, or a running phase that has not
--                              started by the date
--   2 implementation           inception, long_term, phase_2 started by
--                              the date and not past its planned end
--   3 finalisation             a running phase past its planned end
--   4 closed, 5 cancelled, 6 suspended
--
-- Who sees what (row-level security): secretariat and auditor every row; a
-- ministry the rows of its organisation and the agencies below it
-- (ssc.in_scope); an embassy the rows of its country. Demand signals are
-- published demand: every ministry reads the open ones, so matchmaking can
-- work; interests are read by embassies of the countries they name. Writes:
-- the secretariat any row; a ministry its scope's interests and
-- collaborations; an embassy its own demand signals.

-- ---- reading requests (dates, flags, lists) ---------------------------------

-- Field f as a calendar date, YYYY-MM-DD; NULL when absent or empty.
CREATE FUNCTION ssc.req_date(p jsonb, f text) RETURNS date
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v text := ssc.req_text(p, f);
BEGIN
  IF v = '' THEN
    RETURN NULL;
  END IF;
  IF v !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN
    RAISE EXCEPTION '%: must be a date as YYYY-MM-DD, not "%"', f, left(v, 16)
      USING ERRCODE = 'SC400';
  END IF;
  BEGIN
    RETURN v::date;
  EXCEPTION WHEN others THEN
    RAISE EXCEPTION '%: % is not a calendar date', f, v USING ERRCODE = 'SC400';
  END;
END
$$;

-- Field f as a date that must be given.
CREATE FUNCTION ssc.req_required_date(p jsonb, f text) RETURNS date
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v date := ssc.req_date(p, f);
BEGIN
  IF v IS NULL THEN
    RAISE EXCEPTION '%: must be set (YYYY-MM-DD)', f USING ERRCODE = 'SC400';
  END IF;
  RETURN v;
END
$$;

-- The as_of field: the date a read is as of, today (UTC) by default.
CREATE FUNCTION ssc.req_as_of(p jsonb) RETURNS date
  LANGUAGE sql STABLE
  SET search_path = ssc, pg_temp
  RETURN coalesce(ssc.req_date(p, 'as_of'), (now() AT TIME ZONE 'UTC')::date);

-- Field f as a boolean: false when absent.
CREATE FUNCTION ssc.req_bool(p jsonb, f text) RETURNS boolean
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  CASE coalesce(jsonb_typeof(p -> f), 'null')
    WHEN 'boolean' THEN RETURN (p -> f)::boolean;
    WHEN 'null' THEN RETURN false;
    ELSE RAISE EXCEPTION '%: must be true or false', f USING ERRCODE = 'SC400';
  END CASE;
END
$$;

-- Field f, a repeated id, as bigint[] of distinct positive ids in the order
-- given.
CREATE FUNCTION ssc.req_ids(p jsonb, f text) RETURNS bigint[]
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v bigint[];
BEGIN
  IF p -> f IS NULL OR jsonb_typeof(p -> f) = 'null' THEN
    RETURN '{}';
  END IF;
  IF jsonb_typeof(p -> f) <> 'array'
     OR EXISTS (SELECT FROM jsonb_array_elements(p -> f) e
                WHERE jsonb_typeof(e) <> 'number' OR e::numeric <= 0
                   OR e::numeric <> trunc(e::numeric) OR e::numeric > 9223372036854775807) THEN
    RAISE EXCEPTION '%: must be a list of ids (positive integers)', f USING ERRCODE = 'SC400';
  END IF;
  v := ARRAY(SELECT e::bigint FROM jsonb_array_elements_text(p -> f) e);
  IF cardinality(v) <> (SELECT count(DISTINCT x) FROM unnest(v) x) THEN
    RAISE EXCEPTION '%: names an id twice', f USING ERRCODE = 'SC400';
  END IF;
  RETURN v;
END
$$;

-- Field f, a list of DAC purpose codes: each known (ssc.sectors), none
-- twice, sorted; at least one when required.
CREATE FUNCTION ssc.req_sectors(p jsonb, f text, required boolean) RETURNS text[]
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v text[] := ssc.req_texts(p, f);
  v_bad text;
BEGIN
  IF required AND cardinality(v) = 0 THEN
    RAISE EXCEPTION '%: must name at least one DAC sector code', f USING ERRCODE = 'SC400';
  END IF;
  IF cardinality(v) > 50 THEN
    RAISE EXCEPTION '%: at most 50 sectors, not %', f, cardinality(v) USING ERRCODE = 'SC400';
  END IF;
  SELECT x INTO v_bad FROM unnest(v) x
   WHERE NOT EXISTS (SELECT FROM ssc.sectors s WHERE s.code = x) LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION '%: "%" is not a known DAC sector code (see ssc sector list)', f, left(v_bad, 16)
      USING ERRCODE = 'SC400';
  END IF;
  IF cardinality(v) <> (SELECT count(DISTINCT x) FROM unnest(v) x) THEN
    RAISE EXCEPTION '%: names a sector twice', f USING ERRCODE = 'SC400';
  END IF;
  RETURN ARRAY(SELECT x FROM unnest(v) x ORDER BY x);
END
$$;

-- Field f, a list of country codes, distinct and sorted, at least one.
CREATE FUNCTION ssc.req_countries(p jsonb, f text) RETURNS text[]
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v text[] := ssc.req_texts(p, f);
  c text;
BEGIN
  IF cardinality(v) = 0 THEN
    RAISE EXCEPTION '%: must name at least one country', f USING ERRCODE = 'SC400';
  END IF;
  IF cardinality(v) > 50 THEN
    RAISE EXCEPTION '%: at most 50 countries, not %', f, cardinality(v) USING ERRCODE = 'SC400';
  END IF;
  FOREACH c IN ARRAY v LOOP
    IF c !~ '^[A-Z]{2}$' THEN
      RAISE EXCEPTION '%: "%" is not an ISO 3166-1 alpha-2 code such as VN', f, left(c, 16)
        USING ERRCODE = 'SC400';
    END IF;
  END LOOP;
  RETURN ARRAY(SELECT DISTINCT x FROM unnest(v) x ORDER BY x);
END
$$;

-- A free text field: trimmed, 1..max characters when required (0..max
-- otherwise), no control characters but newlines and tabs when multiline.
CREATE FUNCTION ssc.req_words(p jsonb, f text, max int, required boolean, multiline boolean)
  RETURNS text
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v text := btrim(ssc.req_text(p, f), E' \t\r\n');
BEGIN
  IF required AND v = '' THEN
    RAISE EXCEPTION '%: must not be empty', f USING ERRCODE = 'SC400';
  END IF;
  IF char_length(v) > max THEN
    RAISE EXCEPTION '%: must be at most % characters, not %', f, max, char_length(v)
      USING ERRCODE = 'SC400';
  END IF;
  IF (multiline AND v ~ '[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]') OR (NOT multiline AND v ~ '[[:cntrl:]]') THEN
    RAISE EXCEPTION '%: must not contain control characters', f USING ERRCODE = 'SC400';
  END IF;
  RETURN v;
END
$$;

-- Organisation id of the given kind, or SC400 naming field f. Every role
-- reads every organisation, so this reveals nothing.
CREATE FUNCTION ssc.org_arg(id bigint, f text, want_kind text) RETURNS ssc.organisations
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  o ssc.organisations;
BEGIN
  SELECT * INTO o FROM ssc.organisations x WHERE x.id = org_arg.id;
  IF NOT FOUND THEN
    RAISE EXCEPTION '%: organisation % does not exist', f, id USING ERRCODE = 'SC400';
  END IF;
  IF want_kind IS NOT NULL AND o.kind <> want_kind THEN
    RAISE EXCEPTION '%: organisation % is a %, not a %', f, id, o.kind, want_kind
      USING ERRCODE = 'SC400';
  END IF;
  RETURN o;
END
$$;

-- A not-found or a not-yours, told apart only when the caller may know the
-- row exists: both say the same to those who may not.
CREATE FUNCTION ssc.not_found(what text, id bigint) RETURNS void
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  RAISE EXCEPTION '% % not found', what, id USING ERRCODE = 'SC404';
END
$$;

-- ---- demand signals -------------------------------------------------------

CREATE TABLE ssc.demand_signals (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  embassy_id  bigint NOT NULL REFERENCES ssc.organisations (id),
  country     text NOT NULL,
  sectors     text[] NOT NULL,
  partner_id  bigint REFERENCES ssc.organisations (id),
  title       text NOT NULL,
  description text NOT NULL DEFAULT '',
  priority    int NOT NULL,
  screened_on date NOT NULL,
  status      text NOT NULL DEFAULT 'open',
  version     bigint NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT demand_signals_sectors_check CHECK (cardinality(sectors) BETWEEN 1 AND 50),
  CONSTRAINT demand_signals_country_check CHECK (country ~ '^[A-Z]{2}$'),
  CONSTRAINT demand_signals_title_check CHECK (char_length(title) BETWEEN 1 AND 200),
  CONSTRAINT demand_signals_description_check CHECK (char_length(description) <= 4000),
  CONSTRAINT demand_signals_priority_check CHECK (priority BETWEEN 1 AND 3),
  CONSTRAINT demand_signals_status_check CHECK (status IN ('open', 'matched', 'withdrawn'))
);
COMMENT ON TABLE ssc.demand_signals IS 'embassy screening of partner-country demand (API.md "Matchmaking")';
CREATE INDEX demand_signals_country_idx ON ssc.demand_signals (country, id);
CREATE INDEX demand_signals_embassy_idx ON ssc.demand_signals (embassy_id, id);
CREATE INDEX demand_signals_open_idx ON ssc.demand_signals USING gin (sectors) WHERE status = 'open';

CREATE TABLE ssc.interests (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  organisation_id bigint NOT NULL REFERENCES ssc.organisations (id),
  sectors         text[] NOT NULL,
  countries       text[] NOT NULL,
  capacity_months int NOT NULL,
  description     text NOT NULL DEFAULT '',
  status          text NOT NULL DEFAULT 'open',
  version         bigint NOT NULL DEFAULT 1,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT interests_sectors_check CHECK (cardinality(sectors) BETWEEN 1 AND 50),
  CONSTRAINT interests_countries_check CHECK (cardinality(countries) BETWEEN 1 AND 50),
  CONSTRAINT interests_capacity_check CHECK (capacity_months BETWEEN 0 AND 1200),
  CONSTRAINT interests_description_check CHECK (char_length(description) <= 4000),
  CONSTRAINT interests_status_check CHECK (status IN ('open', 'matched', 'withdrawn'))
);
COMMENT ON TABLE ssc.interests IS 'a Danish authority offering sectors in countries (API.md "Matchmaking")';
CREATE INDEX interests_organisation_idx ON ssc.interests (organisation_id, id);
CREATE INDEX interests_open_idx ON ssc.interests USING gin (countries) WHERE status = 'open';

-- Version and updated_at move with every update; what was made stays made.
CREATE FUNCTION ssc.bump_version() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  NEW.id := OLD.id;
  NEW.created_at := OLD.created_at;
  NEW.version := OLD.version + 1;
  NEW.updated_at := now();
  RETURN NEW;
END
$$;

CREATE TRIGGER demand_signals_bump BEFORE UPDATE ON ssc.demand_signals
  FOR EACH ROW EXECUTE FUNCTION ssc.bump_version();
CREATE TRIGGER interests_bump BEFORE UPDATE ON ssc.interests
  FOR EACH ROW EXECUTE FUNCTION ssc.bump_version();
CREATE TRIGGER demand_signals_audit AFTER INSERT OR UPDATE OR DELETE ON ssc.demand_signals
  FOR EACH ROW EXECUTE FUNCTION ssc.audit_row('demand_signal');
CREATE TRIGGER interests_audit AFTER INSERT OR UPDATE OR DELETE ON ssc.interests
  FOR EACH ROW EXECUTE FUNCTION ssc.audit_row('interest');

ALTER TABLE ssc.demand_signals ENABLE ROW LEVEL SECURITY;
CREATE POLICY demand_signals_select ON ssc.demand_signals FOR SELECT
  USING (ssc.reads_all()
         OR (ssc.session_role() = 'embassy' AND country = ssc.session_country())
         OR (ssc.session_role() = 'ministry' AND status = 'open'));
CREATE POLICY demand_signals_insert ON ssc.demand_signals FOR INSERT
  WITH CHECK (ssc.session_role() = 'secretariat'
              OR (ssc.session_role() = 'embassy' AND embassy_id = ssc.session_org_id()));
CREATE POLICY demand_signals_update ON ssc.demand_signals FOR UPDATE
  USING (ssc.session_role() = 'secretariat'
         OR (ssc.session_role() = 'embassy' AND embassy_id = ssc.session_org_id()))
  WITH CHECK (ssc.session_role() = 'secretariat'
              OR (ssc.session_role() = 'embassy' AND embassy_id = ssc.session_org_id()));

ALTER TABLE ssc.interests ENABLE ROW LEVEL SECURITY;
CREATE POLICY interests_select ON ssc.interests FOR SELECT
  USING (ssc.reads_all() OR ssc.in_scope(organisation_id)
         OR (ssc.session_role() = 'embassy' AND ssc.session_country() = ANY (countries)));
CREATE POLICY interests_insert ON ssc.interests FOR INSERT
  WITH CHECK (ssc.session_role() = 'secretariat' OR ssc.in_scope(organisation_id));
CREATE POLICY interests_update ON ssc.interests FOR UPDATE
  USING (ssc.session_role() = 'secretariat' OR ssc.in_scope(organisation_id))
  WITH CHECK (ssc.session_role() = 'secretariat' OR ssc.in_scope(organisation_id));

GRANT SELECT ON ssc.demand_signals, ssc.interests TO ssc_app;
GRANT INSERT (embassy_id, country, sectors, partner_id, title, description, priority, screened_on)
  ON ssc.demand_signals TO ssc_app;
GRANT UPDATE (status) ON ssc.demand_signals TO ssc_app;
GRANT INSERT (organisation_id, sectors, countries, capacity_months, description)
  ON ssc.interests TO ssc_app;
GRANT UPDATE (status) ON ssc.interests TO ssc_app;

CREATE FUNCTION ssc.demand_json(d ssc.demand_signals) RETURNS jsonb
  LANGUAGE sql STABLE
  RETURN jsonb_build_object(
    'id', d.id, 'embassy_id', d.embassy_id, 'country', d.country, 'sectors', to_jsonb(d.sectors),
    'partner_id', d.partner_id, 'title', d.title, 'description', d.description,
    'priority', d.priority, 'screened_on', d.screened_on::text, 'status', d.status,
    'version', d.version, 'created_at', ssc.rfc3339(d.created_at),
    'updated_at', ssc.rfc3339(d.updated_at));

CREATE FUNCTION ssc.interest_json(i ssc.interests) RETURNS jsonb
  LANGUAGE sql STABLE
  RETURN jsonb_build_object(
    'id', i.id, 'organisation_id', i.organisation_id, 'sectors', to_jsonb(i.sectors),
    'countries', to_jsonb(i.countries), 'capacity_months', i.capacity_months,
    'description', i.description, 'status', i.status, 'version', i.version,
    'created_at', ssc.rfc3339(i.created_at), 'updated_at', ssc.rfc3339(i.updated_at));

CREATE FUNCTION ssc.demand_create(p jsonb, p_hash bytea) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v jsonb := ssc.idem_claim(ssc.req_text(p, 'idempotency_key'), p_hash);
  v_embassy bigint := ssc.req_id(p, 'embassy_id');
  v_partner bigint := ssc.req_id(p, 'partner_id');
  v_priority bigint := ssc.req_int(p, 'priority');
  e ssc.organisations;
  o ssc.organisations;
  d ssc.demand_signals;
BEGIN
  IF v IS NOT NULL THEN
    RETURN v;
  END IF;
  IF v_embassy = 0 AND ssc.session_role() = 'embassy' THEN
    v_embassy := ssc.session_org_id();
  END IF;
  IF v_embassy = 0 THEN
    RAISE EXCEPTION 'embassy_id: must be set' USING ERRCODE = 'SC400';
  END IF;
  e := ssc.org_arg(v_embassy, 'embassy_id', 'embassy');
  IF v_partner <> 0 THEN
    o := ssc.org_arg(v_partner, 'partner_id', 'partner_authority');
    IF o.country <> e.country THEN
      RAISE EXCEPTION 'partner_id: organisation % is in %, not in the embassy''s country %',
        v_partner, o.country, e.country USING ERRCODE = 'SC400';
    END IF;
  END IF;
  IF v_priority NOT BETWEEN 1 AND 3 THEN
    RAISE EXCEPTION 'priority: must be 1 (highest), 2 or 3, not %', v_priority USING ERRCODE = 'SC400';
  END IF;
  BEGIN
    INSERT INTO ssc.demand_signals (embassy_id, country, sectors, partner_id, title, description,
                                    priority, screened_on)
      VALUES (v_embassy, e.country, ssc.req_sectors(p, 'sectors', true), NULLIF(v_partner, 0),
              ssc.req_words(p, 'title', 200, true, false),
              ssc.req_words(p, 'description', 4000, false, true), v_priority,
              ssc.req_required_date(p, 'screened_on'))
      RETURNING * INTO d;
  EXCEPTION WHEN insufficient_privilege THEN
    RAISE EXCEPTION 'role % may not write demand signals of embassy %', ssc.session_role(), v_embassy
      USING ERRCODE = 'SC403';
  END;
  v := ssc.demand_json(d);
  PERFORM ssc.idem_store(ssc.req_text(p, 'idempotency_key'), v);
  RETURN v;
END
$$;

CREATE FUNCTION ssc.demand_get(p jsonb) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  d ssc.demand_signals;
BEGIN
  SELECT * INTO d FROM ssc.demand_signals x WHERE x.id = ssc.req_required_id(p, 'id');
  IF NOT FOUND THEN
    PERFORM ssc.not_found('demand signal', ssc.req_int(p, 'id'));
  END IF;
  RETURN ssc.demand_json(d);
END
$$;

CREATE FUNCTION ssc.demand_list(p jsonb, p_after text, p_lim int) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_country text := ssc.req_text(p, 'country');
  v_status text := ssc.req_text(p, 'status');
  v_after bigint := coalesce(nullif(p_after, '')::bigint, 0);
  v_lim int := ssc.page_limit(p_lim);
BEGIN
  IF v_country <> '' THEN
    PERFORM ssc.country_arg(v_country);
  END IF;
  RETURN (SELECT coalesce(jsonb_agg(ssc.demand_json(d) ORDER BY d.id), '[]')
            FROM (SELECT * FROM ssc.demand_signals x
                   WHERE x.id > v_after
                     AND (v_country = '' OR x.country = v_country)
                     AND (v_status = '' OR x.status = v_status)
                   ORDER BY x.id LIMIT v_lim) d);
END
$$;

-- Moves a demand signal or interest from open to withdrawn.
CREATE FUNCTION ssc.demand_withdraw(p jsonb, p_hash bytea) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v jsonb := ssc.idem_claim(ssc.req_text(p, 'idempotency_key'), p_hash);
  v_id bigint := ssc.req_required_id(p, 'id');
  d ssc.demand_signals;
BEGIN
  IF v IS NOT NULL THEN
    RETURN v;
  END IF;
  SELECT * INTO d FROM ssc.demand_signals x WHERE x.id = v_id;
  IF NOT FOUND THEN
    PERFORM ssc.not_found('demand signal', v_id);
  END IF;
  IF d.status <> 'open' THEN
    RAISE EXCEPTION 'demand signal % is %; only an open one can be withdrawn', v_id, d.status
      USING ERRCODE = 'SC412';
  END IF;
  UPDATE ssc.demand_signals x SET status = 'withdrawn' WHERE x.id = v_id RETURNING * INTO d;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'role % may not withdraw demand signal %', ssc.session_role(), v_id
      USING ERRCODE = 'SC403';
  END IF;
  v := ssc.demand_json(d);
  PERFORM ssc.idem_store(ssc.req_text(p, 'idempotency_key'), v);
  RETURN v;
END
$$;

CREATE FUNCTION ssc.interest_create(p jsonb, p_hash bytea) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v jsonb := ssc.idem_claim(ssc.req_text(p, 'idempotency_key'), p_hash);
  v_org bigint := ssc.req_id(p, 'organisation_id');
  v_capacity bigint := ssc.req_int(p, 'capacity_months');
  i ssc.interests;
BEGIN
  IF v IS NOT NULL THEN
    RETURN v;
  END IF;
  IF v_org = 0 AND ssc.session_role() = 'ministry' THEN
    v_org := ssc.session_org_id();
  END IF;
  IF v_org = 0 THEN
    RAISE EXCEPTION 'organisation_id: must be set' USING ERRCODE = 'SC400';
  END IF;
  PERFORM ssc.org_arg(v_org, 'organisation_id', 'danish_authority');
  IF v_capacity NOT BETWEEN 0 AND 1200 THEN
    RAISE EXCEPTION 'capacity_months: must be between 0 and 1200 expert-months a year, not %',
      v_capacity USING ERRCODE = 'SC400';
  END IF;
  BEGIN
    INSERT INTO ssc.interests (organisation_id, sectors, countries, capacity_months, description)
      VALUES (v_org, ssc.req_sectors(p, 'sectors', true), ssc.req_countries(p, 'countries'),
              v_capacity, ssc.req_words(p, 'description', 4000, false, true))
      RETURNING * INTO i;
  EXCEPTION WHEN insufficient_privilege THEN
    RAISE EXCEPTION 'role % may not write interests of organisation %', ssc.session_role(), v_org
      USING ERRCODE = 'SC403';
  END;
  v := ssc.interest_json(i);
  PERFORM ssc.idem_store(ssc.req_text(p, 'idempotency_key'), v);
  RETURN v;
END
$$;

CREATE FUNCTION ssc.interest_get(p jsonb) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  i ssc.interests;
BEGIN
  SELECT * INTO i FROM ssc.interests x WHERE x.id = ssc.req_required_id(p, 'id');
  IF NOT FOUND THEN
    PERFORM ssc.not_found('interest', ssc.req_int(p, 'id'));
  END IF;
  RETURN ssc.interest_json(i);
END
$$;

CREATE FUNCTION ssc.interest_list(p jsonb, p_after text, p_lim int) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_org bigint := ssc.req_id(p, 'organisation_id');
  v_status text := ssc.req_text(p, 'status');
  v_after bigint := coalesce(nullif(p_after, '')::bigint, 0);
  v_lim int := ssc.page_limit(p_lim);
BEGIN
  RETURN (SELECT coalesce(jsonb_agg(ssc.interest_json(i) ORDER BY i.id), '[]')
            FROM (SELECT * FROM ssc.interests x
                   WHERE x.id > v_after
                     AND (v_org = 0 OR x.organisation_id = v_org)
                     AND (v_status = '' OR x.status = v_status)
                   ORDER BY x.id LIMIT v_lim) i);
END
$$;

CREATE FUNCTION ssc.interest_withdraw(p jsonb, p_hash bytea) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v jsonb := ssc.idem_claim(ssc.req_text(p, 'idempotency_key'), p_hash);
  v_id bigint := ssc.req_required_id(p, 'id');
  i ssc.interests;
BEGIN
  IF v IS NOT NULL THEN
    RETURN v;
  END IF;
  SELECT * INTO i FROM ssc.interests x WHERE x.id = v_id;
  IF NOT FOUND THEN
    PERFORM ssc.not_found('interest', v_id);
  END IF;
  IF i.status <> 'open' THEN
    RAISE EXCEPTION 'interest % is %; only an open one can be withdrawn', v_id, i.status
      USING ERRCODE = 'SC412';
  END IF;
  UPDATE ssc.interests x SET status = 'withdrawn' WHERE x.id = v_id RETURNING * INTO i;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'role % may not withdraw interest %', ssc.session_role(), v_id
      USING ERRCODE = 'SC403';
  END IF;
  v := ssc.interest_json(i);
  PERFORM ssc.idem_store(ssc.req_text(p, 'idempotency_key'), v);
  RETURN v;
END
$$;

-- ---- collaborations ---------------------------------------------------------

-- The phase machine: every allowed step, and only those (see the top).
-- 'resume' stands for the phase a suspension came from.
CREATE TABLE ssc.collaboration_phase_steps (
  from_phase text NOT NULL,
  to_phase   text NOT NULL,
  PRIMARY KEY (from_phase, to_phase)
);
INSERT INTO ssc.collaboration_phase_steps VALUES
  ('matchmaking', 'inception'), ('matchmaking', 'cancelled'),
  ('inception', 'long_term'), ('inception', 'suspended'), ('inception', 'cancelled'),
  ('long_term', 'phase_2'), ('long_term', 'closed'), ('long_term', 'suspended'),
  ('long_term', 'cancelled'),
  ('phase_2', 'closed'), ('phase_2', 'suspended'), ('phase_2', 'cancelled'),
  ('suspended', 'resume'), ('suspended', 'cancelled');
ALTER TABLE ssc.collaboration_phase_steps ENABLE ROW LEVEL SECURITY;
CREATE POLICY collaboration_phase_steps_select ON ssc.collaboration_phase_steps FOR SELECT
  USING (ssc.session_role() IS NOT NULL);
GRANT SELECT ON ssc.collaboration_phase_steps TO ssc_app;

-- A collaboration's sectors as IATI wants them: [{"code": "23110",
-- "percentage": 60}, ...], codes distinct, each percentage 1..100, summing
-- to 100. The table's CHECK; collab_sectors_arg says which rule a request
-- breaks.
CREATE FUNCTION ssc.sector_shares_ok(s jsonb) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN jsonb_typeof(s) = 'array' AND jsonb_array_length(s) BETWEEN 1 AND 20
     AND (SELECT bool_and(jsonb_typeof(e -> 'code') = 'string' AND (e ->> 'code') ~ '^[0-9]{5}$'
                          AND jsonb_typeof(e -> 'percentage') = 'number'
                          AND (e ->> 'percentage') ~ '^[0-9]{1,3}$'
                          AND (e ->> 'percentage')::int BETWEEN 1 AND 100)
               AND count(DISTINCT e ->> 'code') = count(*)
               AND sum(CASE WHEN (e ->> 'percentage') ~ '^[0-9]{1,3}$'
                            THEN (e ->> 'percentage')::int END) = 100
            FROM jsonb_array_elements(s) e);

CREATE TABLE ssc.collaborations (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  reference        text NOT NULL,
  title            text NOT NULL,
  lead_id          bigint NOT NULL REFERENCES ssc.organisations (id),
  country          text NOT NULL,
  partner_ids      bigint[] NOT NULL,
  embassy_id       bigint REFERENCES ssc.organisations (id),
  sectors          jsonb NOT NULL,
  demand_signal_id bigint REFERENCES ssc.demand_signals (id),
  interest_id      bigint REFERENCES ssc.interests (id),
  phase            text NOT NULL DEFAULT 'matchmaking',
  suspended_from   text,
  phase_since      date NOT NULL,
  version          bigint NOT NULL DEFAULT 1,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT collaborations_reference_check CHECK (reference ~ '^[A-Z0-9][A-Z0-9-]{2,39}$'),
  CONSTRAINT collaborations_title_check CHECK (char_length(title) BETWEEN 1 AND 200),
  CONSTRAINT collaborations_country_check CHECK (country ~ '^[A-Z]{2}$'),
  CONSTRAINT collaborations_partners_check CHECK (cardinality(partner_ids) BETWEEN 1 AND 20),
  CONSTRAINT collaborations_phase_check
    CHECK (phase IN ('matchmaking', 'inception', 'long_term', 'phase_2', 'closed', 'cancelled',
                     'suspended')),
  CONSTRAINT collaborations_suspended_check
    CHECK ((phase = 'suspended') = (suspended_from IS NOT NULL)
           AND coalesce(suspended_from IN ('inception', 'long_term', 'phase_2'), true)),
  CONSTRAINT collaborations_sectors_check CHECK (ssc.sector_shares_ok(sectors))
);
COMMENT ON TABLE ssc.collaborations IS 'sector collaborations (API.md "Collaborations")';
CREATE UNIQUE INDEX collaborations_reference_key ON ssc.collaborations (reference);
CREATE INDEX collaborations_lead_idx ON ssc.collaborations (lead_id, id);
CREATE INDEX collaborations_country_idx ON ssc.collaborations (country, id);
CREATE INDEX collaborations_match_idx ON ssc.collaborations (demand_signal_id, interest_id)
  WHERE demand_signal_id IS NOT NULL;

-- Planned and actual dates of each phase a collaboration has had or plans.
CREATE TABLE ssc.collaboration_phases (
  collaboration_id bigint NOT NULL REFERENCES ssc.collaborations (id),
  phase            text NOT NULL,
  planned_start    date,
  planned_end      date,
  started_on       date,
  ended_on         date,
  PRIMARY KEY (collaboration_id, phase),
  CONSTRAINT collaboration_phases_phase_check
    CHECK (phase IN ('matchmaking', 'inception', 'long_term', 'phase_2')),
  CONSTRAINT collaboration_phases_plan_check CHECK (planned_end >= planned_start),
  CONSTRAINT collaboration_phases_actual_check CHECK (ended_on >= started_on)
);

-- Every phase change: from, to, on which date, by whom, why.
CREATE TABLE ssc.collaboration_transitions (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  collaboration_id bigint NOT NULL REFERENCES ssc.collaborations (id),
  from_phase       text NOT NULL,
  to_phase         text NOT NULL,
  on_date          date NOT NULL,
  principal_id     bigint NOT NULL
                     DEFAULT NULLIF(current_setting('ssc.principal_id', true), '')::bigint,
  note             text NOT NULL DEFAULT '',
  at               timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT collaboration_transitions_note_check CHECK (char_length(note) <= 2000)
);
CREATE INDEX collaboration_transitions_idx ON ssc.collaboration_transitions (collaboration_id, id);

-- The reference code, unless the writer chose one: SSC-<country>-<id>,
-- stable because the id is.
CREATE FUNCTION ssc.collaborations_before_write() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_bad bigint;
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.reference := coalesce(NULLIF(NEW.reference, ''),
                              'SSC-' || NEW.country || '-' || lpad(NEW.id::text, 4, '0'));
  ELSE
    IF (NEW.reference, NEW.country, NEW.lead_id) IS DISTINCT FROM
       (OLD.reference, OLD.country, OLD.lead_id) THEN
      RAISE EXCEPTION 'reference, country and lead_id cannot change' USING ERRCODE = 'SC400';
    END IF;
    NEW.created_at := OLD.created_at;
    NEW.version := OLD.version + 1;
    NEW.updated_at := now();
  END IF;
  -- Every partner is a partner authority in the collaboration's country.
  SELECT x INTO v_bad FROM unnest(NEW.partner_ids) x
   WHERE NOT EXISTS (SELECT FROM ssc.organisations o
                      WHERE o.id = x AND o.kind = 'partner_authority' AND o.country = NEW.country)
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'partner_ids: organisation % is not a partner authority in %', v_bad, NEW.country
      USING ERRCODE = 'SC400';
  END IF;
  IF NEW.embassy_id IS NOT NULL
     AND NOT EXISTS (SELECT FROM ssc.organisations o
                      WHERE o.id = NEW.embassy_id AND o.kind = 'embassy' AND o.country = NEW.country) THEN
    RAISE EXCEPTION 'embassy_id: organisation % is not an embassy in %', NEW.embassy_id, NEW.country
      USING ERRCODE = 'SC400';
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER collaborations_before_write BEFORE INSERT OR UPDATE ON ssc.collaborations
  FOR EACH ROW EXECUTE FUNCTION ssc.collaborations_before_write();
CREATE TRIGGER collaborations_audit AFTER INSERT OR UPDATE OR DELETE ON ssc.collaborations
  FOR EACH ROW EXECUTE FUNCTION ssc.audit_row('collaboration');
CREATE TRIGGER collaboration_transitions_audit AFTER INSERT OR UPDATE OR DELETE
  ON ssc.collaboration_transitions
  FOR EACH ROW EXECUTE FUNCTION ssc.audit_row('collaboration_transition');

-- Who sees a collaboration: see the top.
CREATE FUNCTION ssc.sees_collaboration(lead_id bigint, country text) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN ssc.reads_all() OR ssc.in_scope(lead_id)
      OR coalesce(ssc.session_role() = 'embassy' AND country = ssc.session_country(), false);

CREATE FUNCTION ssc.writes_collaboration(lead_id bigint) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN coalesce(ssc.session_role() = 'secretariat', false) OR ssc.in_scope(lead_id);

ALTER TABLE ssc.collaborations ENABLE ROW LEVEL SECURITY;
CREATE POLICY collaborations_select ON ssc.collaborations FOR SELECT
  USING (ssc.sees_collaboration(lead_id, country));
CREATE POLICY collaborations_insert ON ssc.collaborations FOR INSERT
  WITH CHECK (ssc.writes_collaboration(lead_id));
CREATE POLICY collaborations_update ON ssc.collaborations FOR UPDATE
  USING (ssc.writes_collaboration(lead_id)) WITH CHECK (ssc.writes_collaboration(lead_id));

-- The phases and transitions follow their collaboration.
ALTER TABLE ssc.collaboration_phases ENABLE ROW LEVEL SECURITY;
CREATE POLICY collaboration_phases_select ON ssc.collaboration_phases FOR SELECT
  USING (EXISTS (SELECT FROM ssc.collaborations c WHERE c.id = collaboration_id));
CREATE POLICY collaboration_phases_insert ON ssc.collaboration_phases FOR INSERT
  WITH CHECK (EXISTS (SELECT FROM ssc.collaborations c
                       WHERE c.id = collaboration_id AND ssc.writes_collaboration(c.lead_id)));
CREATE POLICY collaboration_phases_update ON ssc.collaboration_phases FOR UPDATE
  USING (EXISTS (SELECT FROM ssc.collaborations c
                  WHERE c.id = collaboration_id AND ssc.writes_collaboration(c.lead_id)));
ALTER TABLE ssc.collaboration_transitions ENABLE ROW LEVEL SECURITY;
CREATE POLICY collaboration_transitions_select ON ssc.collaboration_transitions FOR SELECT
  USING (EXISTS (SELECT FROM ssc.collaborations c WHERE c.id = collaboration_id));
CREATE POLICY collaboration_transitions_insert ON ssc.collaboration_transitions FOR INSERT
  WITH CHECK (EXISTS (SELECT FROM ssc.collaborations c
                       WHERE c.id = collaboration_id AND ssc.writes_collaboration(c.lead_id)));

GRANT SELECT ON ssc.collaborations, ssc.collaboration_phases, ssc.collaboration_transitions
  TO ssc_app;
GRANT INSERT (reference, title, lead_id, country, partner_ids, embassy_id, sectors,
              demand_signal_id, interest_id, phase_since)
  ON ssc.collaborations TO ssc_app;
GRANT UPDATE (title, partner_ids, embassy_id, sectors, phase, suspended_from, phase_since)
  ON ssc.collaborations TO ssc_app;
GRANT INSERT (collaboration_id, phase, planned_start, planned_end, started_on, ended_on)
  ON ssc.collaboration_phases TO ssc_app;
GRANT UPDATE (planned_start, planned_end, started_on, ended_on)
  ON ssc.collaboration_phases TO ssc_app;
GRANT INSERT (collaboration_id, from_phase, to_phase, on_date, note)
  ON ssc.collaboration_transitions TO ssc_app;

-- IATI activity status of a phase as of a date (see the top).
CREATE FUNCTION ssc.iati_status(phase text, started_on date, planned_end date, as_of date)
  RETURNS int
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE
    WHEN phase = 'matchmaking' THEN 1
    WHEN phase IN ('inception', 'long_term', 'phase_2') THEN
      CASE WHEN started_on IS NULL OR as_of < started_on THEN 1
           WHEN as_of > planned_end THEN 3
           ELSE 2 END
    WHEN phase = 'closed' THEN 4
    WHEN phase = 'cancelled' THEN 5
    WHEN phase = 'suspended' THEN 6
  END;

CREATE FUNCTION ssc.iati_status_name(code int) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN (ARRAY['pipeline', 'implementation', 'finalisation', 'closed', 'cancelled',
                'suspended'])[code];

-- The API's collaboration, as of a date.
CREATE FUNCTION ssc.collab_json(c ssc.collaborations, as_of date) RETURNS jsonb
  LANGUAGE sql STABLE
  SET search_path = ssc, pg_temp
  RETURN (
    WITH ph AS (SELECT * FROM ssc.collaboration_phases x WHERE x.collaboration_id = c.id),
         cur AS (SELECT * FROM ph WHERE ph.phase = c.phase),
         st AS (SELECT ssc.iati_status(c.phase, (SELECT started_on FROM cur),
                                       (SELECT planned_end FROM cur), as_of) AS code)
    SELECT jsonb_build_object(
      'id', c.id, 'reference', c.reference, 'title', c.title, 'lead_id', c.lead_id,
      'country', c.country, 'partner_ids', to_jsonb(c.partner_ids), 'embassy_id', c.embassy_id,
      'sectors', c.sectors, 'demand_signal_id', c.demand_signal_id,
      'interest_id', c.interest_id, 'phase', c.phase, 'suspended_from', c.suspended_from,
      'phase_since', c.phase_since::text,
      'phases', coalesce((SELECT jsonb_agg(jsonb_build_object(
                             'phase', ph.phase, 'planned_start', ph.planned_start::text,
                             'planned_end', ph.planned_end::text,
                             'started_on', ph.started_on::text, 'ended_on', ph.ended_on::text)
                           ORDER BY array_position(ARRAY['matchmaking', 'inception', 'long_term',
                                                         'phase_2'], ph.phase))
                          FROM ph), '[]'),
      'as_of', as_of::text, 'iati_status', st.code, 'iati_status_name', ssc.iati_status_name(st.code),
      'version', c.version, 'created_at', ssc.rfc3339(c.created_at),
      'updated_at', ssc.rfc3339(c.updated_at))
    FROM st);

-- Sectors of a request: [{code, percentage}] as collaborations hold them,
-- each rule named.
CREATE FUNCTION ssc.collab_sectors_arg(p jsonb) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v jsonb := coalesce(p -> 'sectors', 'null');
  e jsonb;
  v_sum int := 0;
  v_codes text[] := '{}';
BEGIN
  IF jsonb_typeof(v) <> 'array' OR jsonb_array_length(v) = 0 THEN
    RAISE EXCEPTION 'sectors: must name at least one DAC sector with its percentage'
      USING ERRCODE = 'SC400';
  END IF;
  IF jsonb_array_length(v) > 20 THEN
    RAISE EXCEPTION 'sectors: at most 20, not %', jsonb_array_length(v) USING ERRCODE = 'SC400';
  END IF;
  FOR e IN SELECT x FROM jsonb_array_elements(v) x LOOP
    PERFORM ssc.req_sectors(jsonb_build_object('sectors', jsonb_build_array(e -> 'code')),
                            'sectors', true);
    IF ssc.req_int(e, 'percentage') NOT BETWEEN 1 AND 100 THEN
      RAISE EXCEPTION 'sectors: the percentage of % must be between 1 and 100, not %',
        e ->> 'code', e -> 'percentage' USING ERRCODE = 'SC400';
    END IF;
    IF (e ->> 'code') = ANY (v_codes) THEN
      RAISE EXCEPTION 'sectors: names % twice', e ->> 'code' USING ERRCODE = 'SC400';
    END IF;
    v_codes := v_codes || (e ->> 'code');
    v_sum := v_sum + (e ->> 'percentage')::int;
  END LOOP;
  IF v_sum <> 100 THEN
    RAISE EXCEPTION 'sectors: the percentages must sum to 100, not %', v_sum USING ERRCODE = 'SC400';
  END IF;
  RETURN (SELECT jsonb_agg(jsonb_build_object('code', x ->> 'code',
                                              'percentage', (x ->> 'percentage')::int)
                           ORDER BY x ->> 'code')
            FROM jsonb_array_elements(v) x);
END
$$;

-- Shared sectors split evenly, the remainder on the first: 3 sectors are
-- 34, 33, 33.
CREATE FUNCTION ssc.even_sector_shares(codes text[]) RETURNS jsonb
  LANGUAGE sql IMMUTABLE
  RETURN (SELECT jsonb_agg(jsonb_build_object(
                   'code', c, 'percentage',
                   100 / cardinality(codes) + CASE WHEN n = 1 THEN 100 % cardinality(codes) ELSE 0 END)
                 ORDER BY n)
            FROM unnest(codes) WITH ORDINALITY u (c, n));

-- A collaboration made from a match takes it: both sides still open,
-- meeting in country and sector, and marked matched in the same
-- transaction. A trigger, SECURITY DEFINER: the ministry that makes the
-- collaboration may not write the embassy's demand signal, and only a
-- collaboration that row-level security let in can take a match (ssc_app
-- cannot execute this function by itself).
CREATE FUNCTION ssc.collaborations_take_match() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  d ssc.demand_signals;
  i ssc.interests;
BEGIN
  SELECT * INTO d FROM ssc.demand_signals x WHERE x.id = NEW.demand_signal_id FOR UPDATE;
  SELECT * INTO i FROM ssc.interests x WHERE x.id = NEW.interest_id FOR UPDATE;
  IF d.status <> 'open' OR i.status <> 'open' THEN
    RAISE EXCEPTION 'demand signal % is % and interest % is %; a match needs both open',
      d.id, d.status, i.id, i.status USING ERRCODE = 'SC412';
  END IF;
  IF NOT d.country = ANY (i.countries) OR NOT d.sectors && i.sectors OR d.country <> NEW.country THEN
    RAISE EXCEPTION 'demand signal % and interest % do not meet in country and sector',
      d.id, i.id USING ERRCODE = 'SC412';
  END IF;
  UPDATE ssc.demand_signals x SET status = 'matched' WHERE x.id = d.id;
  UPDATE ssc.interests x SET status = 'matched' WHERE x.id = i.id;
  RETURN NULL;
END
$$;
CREATE TRIGGER collaborations_take_match AFTER INSERT ON ssc.collaborations
  FOR EACH ROW WHEN (NEW.demand_signal_id IS NOT NULL OR NEW.interest_id IS NOT NULL)
  EXECUTE FUNCTION ssc.collaborations_take_match();

CREATE FUNCTION ssc.collab_create(p jsonb, p_hash bytea) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v jsonb := ssc.idem_claim(ssc.req_text(p, 'idempotency_key'), p_hash);
  v_signal bigint := ssc.req_id(p, 'demand_signal_id');
  v_interest bigint := ssc.req_id(p, 'interest_id');
  v_lead bigint := ssc.req_id(p, 'lead_id');
  v_country text := ssc.req_text(p, 'country');
  v_partners bigint[] := ssc.req_ids(p, 'partner_ids');
  v_embassy bigint := ssc.req_id(p, 'embassy_id');
  v_reference text := upper(ssc.req_text(p, 'reference'));
  v_sectors jsonb;
  v_since date := coalesce(ssc.req_date(p, 'started_on'), (now() AT TIME ZONE 'UTC')::date);
  v_start date := ssc.req_date(p, 'planned_start');
  v_end date := ssc.req_date(p, 'planned_end');
  d ssc.demand_signals;
  i ssc.interests;
  c ssc.collaborations;
BEGIN
  IF v IS NOT NULL THEN
    RETURN v;
  END IF;
  IF (v_signal = 0) <> (v_interest = 0) THEN
    RAISE EXCEPTION 'demand_signal_id and interest_id: give both (a match) or neither'
      USING ERRCODE = 'SC400';
  END IF;
  IF v_signal <> 0 THEN
    SELECT * INTO d FROM ssc.demand_signals x WHERE x.id = v_signal;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'demand_signal_id: demand signal % not found', v_signal USING ERRCODE = 'SC400';
    END IF;
    SELECT * INTO i FROM ssc.interests x WHERE x.id = v_interest;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'interest_id: interest % not found', v_interest USING ERRCODE = 'SC400';
    END IF;
    v_lead := CASE WHEN v_lead = 0 THEN i.organisation_id ELSE v_lead END;
    v_country := CASE WHEN v_country = '' THEN d.country ELSE v_country END;
    v_embassy := CASE WHEN v_embassy = 0 THEN d.embassy_id ELSE v_embassy END;
    IF cardinality(v_partners) = 0 AND d.partner_id IS NOT NULL THEN
      v_partners := ARRAY[d.partner_id];
    END IF;
    IF v_country <> d.country THEN
      RAISE EXCEPTION 'country: the demand signal is in %, not %', d.country, v_country
        USING ERRCODE = 'SC400';
    END IF;
  END IF;
  IF v_lead = 0 AND ssc.session_role() = 'ministry' THEN
    v_lead := ssc.session_org_id();
  END IF;
  IF v_lead = 0 THEN
    RAISE EXCEPTION 'lead_id: must be set' USING ERRCODE = 'SC400';
  END IF;
  PERFORM ssc.org_arg(v_lead, 'lead_id', 'danish_authority');
  PERFORM ssc.country_arg(v_country);
  IF cardinality(v_partners) = 0 THEN
    RAISE EXCEPTION 'partner_ids: must name at least one partner authority' USING ERRCODE = 'SC400';
  END IF;
  IF v_reference <> '' AND v_reference !~ '^[A-Z0-9][A-Z0-9-]{2,39}$' THEN
    RAISE EXCEPTION 'reference: must be 3 to 40 letters, digits and dashes, not "%"', left(v_reference, 48)
      USING ERRCODE = 'SC400';
  END IF;
  IF v_end < v_start THEN
    RAISE EXCEPTION 'planned_end: % is before planned_start %', v_end, v_start USING ERRCODE = 'SC400';
  END IF;
  IF p -> 'sectors' IS NULL OR p -> 'sectors' = '[]' THEN
    IF v_signal = 0 THEN
      PERFORM ssc.collab_sectors_arg(p);  -- names the rule
    END IF;
    v_sectors := ssc.even_sector_shares(ARRAY(SELECT unnest(d.sectors) INTERSECT
                                              SELECT unnest(i.sectors) ORDER BY 1));
  ELSE
    v_sectors := ssc.collab_sectors_arg(p);
  END IF;
  BEGIN
    INSERT INTO ssc.collaborations (reference, title, lead_id, country, partner_ids, embassy_id,
                                    sectors, demand_signal_id, interest_id, phase_since)
      VALUES (NULLIF(v_reference, ''), ssc.req_words(p, 'title', 200, true, false), v_lead,
              v_country, v_partners, NULLIF(v_embassy, 0), v_sectors, NULLIF(v_signal, 0),
              NULLIF(v_interest, 0), v_since)
      ON CONFLICT (reference) DO NOTHING
      RETURNING * INTO c;
  EXCEPTION WHEN insufficient_privilege THEN
    RAISE EXCEPTION 'role % may not make collaborations led by organisation %',
      ssc.session_role(), v_lead USING ERRCODE = 'SC403';
  END;
  IF c.id IS NULL THEN
    RAISE EXCEPTION 'reference: collaboration % exists already', v_reference USING ERRCODE = 'SC409';
  END IF;
  INSERT INTO ssc.collaboration_phases (collaboration_id, phase, planned_start, planned_end,
                                        started_on)
    VALUES (c.id, 'matchmaking', v_start, v_end, v_since);
  v := ssc.collab_json(c, (now() AT TIME ZONE 'UTC')::date);
  PERFORM ssc.idem_store(ssc.req_text(p, 'idempotency_key'), v);
  RETURN v;
END
$$;

-- The collaboration with id field f, locked for a change by the caller, or
-- SC404 / SC403.
CREATE FUNCTION ssc.collab_for_update(v_id bigint) RETURNS ssc.collaborations
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  c ssc.collaborations;
BEGIN
  SELECT * INTO c FROM ssc.collaborations x WHERE x.id = v_id;
  IF NOT FOUND THEN
    PERFORM ssc.not_found('collaboration', v_id);
  END IF;
  SELECT * INTO c FROM ssc.collaborations x WHERE x.id = v_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'role % may not change collaboration %', ssc.session_role(), v_id
      USING ERRCODE = 'SC403';
  END IF;
  RETURN c;
END
$$;

CREATE FUNCTION ssc.collab_update(p jsonb, p_hash bytea) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v jsonb := ssc.idem_claim(ssc.req_text(p, 'idempotency_key'), p_hash);
  v_id bigint := ssc.req_required_id(p, 'id');
  v_expected bigint := ssc.req_id(p, 'expected_version');
  v_mask text[] := ssc.req_texts(p, 'update_mask');
  v_field text;
  c ssc.collaborations;
BEGIN
  IF v IS NOT NULL THEN
    RETURN v;
  END IF;
  IF cardinality(v_mask) = 0 THEN
    RAISE EXCEPTION 'update_mask: must not be empty' USING ERRCODE = 'SC400';
  END IF;
  FOREACH v_field IN ARRAY v_mask LOOP
    IF v_field NOT IN ('title', 'partner_ids', 'embassy_id', 'sectors') THEN
      RAISE EXCEPTION 'update_mask: unknown field "%" (known: title, partner_ids, embassy_id, sectors)',
        left(v_field, 32) USING ERRCODE = 'SC400';
    END IF;
  END LOOP;
  c := ssc.collab_for_update(v_id);
  IF v_expected <> 0 AND c.version <> v_expected THEN
    RAISE EXCEPTION 'expected version %, found %', v_expected, c.version USING ERRCODE = 'SC412';
  END IF;
  IF 'title' = ANY (v_mask) THEN
    c.title := ssc.req_words(p, 'title', 200, true, false);
  END IF;
  IF 'partner_ids' = ANY (v_mask) THEN
    c.partner_ids := ssc.req_ids(p, 'partner_ids');
    IF cardinality(c.partner_ids) = 0 THEN
      RAISE EXCEPTION 'partner_ids: must name at least one partner authority' USING ERRCODE = 'SC400';
    END IF;
  END IF;
  IF 'embassy_id' = ANY (v_mask) THEN
    c.embassy_id := NULLIF(ssc.req_id(p, 'embassy_id'), 0);
  END IF;
  IF 'sectors' = ANY (v_mask) THEN
    c.sectors := ssc.collab_sectors_arg(p);
  END IF;
  UPDATE ssc.collaborations x
     SET title = c.title, partner_ids = c.partner_ids, embassy_id = c.embassy_id,
         sectors = c.sectors
   WHERE x.id = v_id RETURNING * INTO c;
  v := ssc.collab_json(c, (now() AT TIME ZONE 'UTC')::date);
  PERFORM ssc.idem_store(ssc.req_text(p, 'idempotency_key'), v);
  RETURN v;
END
$$;

-- Moves a collaboration to another phase, along collaboration_phase_steps.
CREATE FUNCTION ssc.collab_transition(p jsonb, p_hash bytea) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v jsonb := ssc.idem_claim(ssc.req_text(p, 'idempotency_key'), p_hash);
  v_id bigint := ssc.req_required_id(p, 'id');
  v_to text := ssc.req_text(p, 'to_phase');
  v_resume boolean := ssc.req_bool(p, 'resume');
  v_on date := coalesce(ssc.req_date(p, 'on_date'), (now() AT TIME ZONE 'UTC')::date);
  v_start date := ssc.req_date(p, 'planned_start');
  v_end date := ssc.req_date(p, 'planned_end');
  v_note text := ssc.req_words(p, 'note', 2000, false, true);
  v_step text;
  v_allowed text;
  c ssc.collaborations;
  v_from text;
BEGIN
  IF v IS NOT NULL THEN
    RETURN v;
  END IF;
  IF v_resume AND v_to <> '' THEN
    RAISE EXCEPTION 'to_phase: give either to_phase or resume, not both' USING ERRCODE = 'SC400';
  END IF;
  IF NOT v_resume AND v_to = '' THEN
    RAISE EXCEPTION 'to_phase: must be set (or resume)' USING ERRCODE = 'SC400';
  END IF;
  IF v_end < v_start THEN
    RAISE EXCEPTION 'planned_end: % is before planned_start %', v_end, v_start USING ERRCODE = 'SC400';
  END IF;
  c := ssc.collab_for_update(v_id);
  v_from := c.phase;
  v_step := CASE WHEN v_resume THEN 'resume' ELSE v_to END;
  IF NOT EXISTS (SELECT FROM ssc.collaboration_phase_steps s
                  WHERE s.from_phase = v_from AND s.to_phase = v_step) THEN
    SELECT string_agg(CASE WHEN s.to_phase = 'resume' THEN 'resume (to ' || c.suspended_from || ')'
                           ELSE s.to_phase END, ', '
                      ORDER BY array_position(ARRAY['inception', 'long_term', 'phase_2', 'closed',
                                                    'suspended', 'resume', 'cancelled'], s.to_phase))
      INTO v_allowed
      FROM ssc.collaboration_phase_steps s WHERE s.from_phase = v_from;
    RAISE EXCEPTION 'collaboration % is in %; it may move to %, not %', v_id, v_from,
      coalesce(v_allowed, 'nothing (the phase is final)'),
      CASE WHEN v_resume THEN 'resume' ELSE v_to END
      USING ERRCODE = 'SC412';
  END IF;
  IF v_on < c.phase_since THEN
    RAISE EXCEPTION 'on_date: % is before the current phase began (%)', v_on, c.phase_since
      USING ERRCODE = 'SC400';
  END IF;
  IF v_resume THEN
    v_to := c.suspended_from;
  END IF;
  -- The phase left ends, unless it is only suspended; the phase entered
  -- starts, unless it is resumed (it goes on). New plans replace old ones.
  IF v_to <> 'suspended' THEN
    UPDATE ssc.collaboration_phases x SET ended_on = v_on
     WHERE x.collaboration_id = v_id AND x.phase = v_from;
  END IF;
  IF v_to IN ('inception', 'long_term', 'phase_2') THEN
    INSERT INTO ssc.collaboration_phases AS x (collaboration_id, phase, planned_start, planned_end,
                                               started_on)
      VALUES (v_id, v_to, v_start, v_end, v_on)
      ON CONFLICT (collaboration_id, phase) DO UPDATE
        SET started_on = CASE WHEN v_resume THEN x.started_on ELSE EXCLUDED.started_on END,
            ended_on = NULL,
            planned_start = coalesce(EXCLUDED.planned_start, x.planned_start),
            planned_end = coalesce(EXCLUDED.planned_end, x.planned_end);
  END IF;
  INSERT INTO ssc.collaboration_transitions (collaboration_id, from_phase, to_phase, on_date, note)
    VALUES (v_id, v_from, v_to, v_on, v_note);
  UPDATE ssc.collaborations x
     SET phase = v_to, suspended_from = CASE WHEN v_to = 'suspended' THEN v_from END,
         phase_since = v_on
   WHERE x.id = v_id RETURNING * INTO c;
  v := ssc.collab_json(c, v_on);
  PERFORM ssc.idem_store(ssc.req_text(p, 'idempotency_key'), v);
  RETURN v;
END
$$;

-- Sets the planned start and end of one of a collaboration's phases.
CREATE FUNCTION ssc.collab_plan(p jsonb, p_hash bytea) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v jsonb := ssc.idem_claim(ssc.req_text(p, 'idempotency_key'), p_hash);
  v_id bigint := ssc.req_required_id(p, 'id');
  v_phase text := ssc.req_text(p, 'phase');
  v_start date := ssc.req_required_date(p, 'planned_start');
  v_end date := ssc.req_required_date(p, 'planned_end');
  c ssc.collaborations;
BEGIN
  IF v IS NOT NULL THEN
    RETURN v;
  END IF;
  IF v_phase NOT IN ('matchmaking', 'inception', 'long_term', 'phase_2') THEN
    RAISE EXCEPTION 'phase: must be matchmaking, inception, long_term or phase_2, not "%"',
      left(v_phase, 32) USING ERRCODE = 'SC400';
  END IF;
  IF v_end < v_start THEN
    RAISE EXCEPTION 'planned_end: % is before planned_start %', v_end, v_start USING ERRCODE = 'SC400';
  END IF;
  c := ssc.collab_for_update(v_id);
  INSERT INTO ssc.collaboration_phases AS x (collaboration_id, phase, planned_start, planned_end)
    VALUES (v_id, v_phase, v_start, v_end)
    ON CONFLICT (collaboration_id, phase) DO UPDATE
      SET planned_start = EXCLUDED.planned_start, planned_end = EXCLUDED.planned_end;
  -- A plan changes the collaboration: its version moves, and it is audited.
  UPDATE ssc.collaborations x SET title = x.title WHERE x.id = v_id RETURNING * INTO c;
  v := ssc.collab_json(c, (now() AT TIME ZONE 'UTC')::date);
  PERFORM ssc.idem_store(ssc.req_text(p, 'idempotency_key'), v);
  RETURN v;
END
$$;

CREATE FUNCTION ssc.collab_get(p jsonb) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_id bigint := ssc.req_id(p, 'id');
  v_ref text := upper(ssc.req_text(p, 'reference'));
  c ssc.collaborations;
BEGIN
  IF v_id = 0 AND v_ref = '' THEN
    RAISE EXCEPTION 'id: must be set (or reference)' USING ERRCODE = 'SC400';
  END IF;
  SELECT * INTO c FROM ssc.collaborations x
   WHERE (v_id = 0 OR x.id = v_id) AND (v_ref = '' OR x.reference = v_ref);
  IF NOT FOUND THEN
    RAISE EXCEPTION 'collaboration % not found', CASE WHEN v_id <> 0 THEN v_id::text ELSE v_ref END
      USING ERRCODE = 'SC404';
  END IF;
  RETURN ssc.collab_json(c, ssc.req_as_of(p));
END
$$;

CREATE FUNCTION ssc.collab_list(p jsonb, p_after text, p_lim int) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_country text := ssc.req_text(p, 'country');
  v_phase text := ssc.req_text(p, 'phase');
  v_lead bigint := ssc.req_id(p, 'lead_id');
  v_as_of date := ssc.req_as_of(p);
  v_after bigint := coalesce(nullif(p_after, '')::bigint, 0);
  v_lim int := ssc.page_limit(p_lim);
BEGIN
  IF v_country <> '' THEN
    PERFORM ssc.country_arg(v_country);
  END IF;
  RETURN (SELECT coalesce(jsonb_agg(ssc.collab_json(c, v_as_of) ORDER BY c.id), '[]')
            FROM (SELECT * FROM ssc.collaborations x
                   WHERE x.id > v_after
                     AND (v_country = '' OR x.country = v_country)
                     AND (v_phase = '' OR x.phase = v_phase)
                     AND (v_lead = 0 OR x.lead_id = v_lead)
                   ORDER BY x.id LIMIT v_lim) c);
END
$$;

-- A collaboration's transitions, oldest first.
CREATE FUNCTION ssc.collab_history(p jsonb, p_after text, p_lim int) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_id bigint := ssc.req_required_id(p, 'id');
  v_after bigint := coalesce(nullif(p_after, '')::bigint, 0);
  v_lim int := ssc.page_limit(p_lim);
BEGIN
  IF NOT EXISTS (SELECT FROM ssc.collaborations x WHERE x.id = v_id) THEN
    PERFORM ssc.not_found('collaboration', v_id);
  END IF;
  RETURN (SELECT coalesce(jsonb_agg(jsonb_build_object(
                   'id', t.id, 'collaboration_id', t.collaboration_id, 'from_phase', t.from_phase,
                   'to_phase', t.to_phase, 'on_date', t.on_date::text,
                   'principal_id', t.principal_id, 'note', t.note, 'at', ssc.rfc3339(t.at))
                   ORDER BY t.id), '[]')
            FROM (SELECT * FROM ssc.collaboration_transitions x
                   WHERE x.collaboration_id = v_id AND x.id > v_after
                   ORDER BY x.id LIMIT v_lim) t);
END
$$;

-- ---- matches --------------------------------------------------------------

-- Every open demand signal with every open interest that meet in country
-- and in at least one sector, and have not made a collaboration together,
-- best first: more shared sectors, then higher priority (1 before 3), then
-- authorities that already lead a collaboration in the country, then by
-- signal and interest id. The caller sees the pairs of which it may read
-- both sides. The page cursor is the rank key of the last pair.
CREATE FUNCTION ssc.match_list(p jsonb, p_after text, p_lim int) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_country text := ssc.req_text(p, 'country');
  v_sector text := ssc.req_text(p, 'sector');
  v_lim int := ssc.page_limit(p_lim);
  k text[] := string_to_array(nullif(p_after, ''), '.');
BEGIN
  IF v_country <> '' THEN
    PERFORM ssc.country_arg(v_country);
  END IF;
  IF v_sector <> '' THEN
    PERFORM ssc.req_sectors(jsonb_build_object('sector', jsonb_build_array(v_sector)), 'sector', true);
  END IF;
  IF k IS NOT NULL AND (cardinality(k) <> 5 OR array_to_string(k, '.') !~ '^[0-9.]+$') THEN
    RAISE EXCEPTION 'page_token: not a token of this list' USING ERRCODE = 'SC400';
  END IF;
  RETURN (
    WITH pairs AS (
      SELECT d.id AS signal_id, i.id AS interest_id, d.country, d.priority, d.title,
             i.organisation_id,
             ARRAY(SELECT unnest(d.sectors) INTERSECT SELECT unnest(i.sectors) ORDER BY 1) AS shared,
             EXISTS (SELECT FROM ssc.collaborations c
                      WHERE c.lead_id = i.organisation_id AND c.country = d.country
                        AND c.phase NOT IN ('closed', 'cancelled')) AS works
        FROM ssc.demand_signals d
        JOIN ssc.interests i ON d.country = ANY (i.countries) AND d.sectors && i.sectors
       WHERE d.status = 'open' AND i.status = 'open'
         AND (v_country = '' OR d.country = v_country)
         AND (v_sector = '' OR (v_sector = ANY (d.sectors) AND v_sector = ANY (i.sectors)))
         AND NOT EXISTS (SELECT FROM ssc.collaborations c
                          WHERE c.demand_signal_id = d.id AND c.interest_id = i.id)),
    ranked AS (
      SELECT pairs.*, 100 - cardinality(shared) AS r1, (NOT works)::int AS r3 FROM pairs),
    page AS (
      SELECT * FROM ranked
       WHERE k IS NULL
          OR (r1, priority, r3, signal_id, interest_id)
             > (k[1]::int, k[2]::int, k[3]::int, k[4]::bigint, k[5]::bigint)
       ORDER BY r1, priority, r3, signal_id, interest_id
       LIMIT v_lim)
    SELECT coalesce(jsonb_agg(jsonb_build_object(
             'demand_signal_id', signal_id, 'interest_id', interest_id, 'country', country,
             'shared_sectors', to_jsonb(shared), 'overlap', cardinality(shared),
             'priority', priority, 'organisation_id', organisation_id,
             'works_in_country', works, 'title', title,
             'cursor', concat_ws('.', r1, priority, r3, signal_id, interest_id))
             ORDER BY r1, priority, r3, signal_id, interest_id), '[]')
      FROM page);
END
$$;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA ssc FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
  ssc.req_date(jsonb, text), ssc.req_required_date(jsonb, text), ssc.req_as_of(jsonb),
  ssc.req_bool(jsonb, text), ssc.req_ids(jsonb, text), ssc.req_sectors(jsonb, text, boolean),
  ssc.req_countries(jsonb, text), ssc.req_words(jsonb, text, int, boolean, boolean),
  ssc.org_arg(bigint, text, text), ssc.not_found(text, bigint),
  ssc.demand_json(ssc.demand_signals), ssc.interest_json(ssc.interests),
  ssc.demand_create(jsonb, bytea), ssc.demand_get(jsonb), ssc.demand_list(jsonb, text, int),
  ssc.demand_withdraw(jsonb, bytea),
  ssc.interest_create(jsonb, bytea), ssc.interest_get(jsonb), ssc.interest_list(jsonb, text, int),
  ssc.interest_withdraw(jsonb, bytea),
  ssc.sector_shares_ok(jsonb), ssc.sees_collaboration(bigint, text),
  ssc.writes_collaboration(bigint), ssc.iati_status(text, date, date, date),
  ssc.iati_status_name(int), ssc.collab_json(ssc.collaborations, date),
  ssc.collab_sectors_arg(jsonb), ssc.even_sector_shares(text[]),
  ssc.collab_create(jsonb, bytea), ssc.collab_for_update(bigint), ssc.collab_update(jsonb, bytea),
  ssc.collab_transition(jsonb, bytea), ssc.collab_plan(jsonb, bytea), ssc.collab_get(jsonb),
  ssc.collab_list(jsonb, text, int), ssc.collab_history(jsonb, text, int),
  ssc.match_list(jsonb, text, int),
  ssc.bump_version(), ssc.collaborations_before_write()
  TO ssc_app;
