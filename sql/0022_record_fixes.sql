-- 0022 fixes to the agreement record (0019, 0020), found by the domain
-- tests; 0019 and 0020 stay as they were committed (sscd checks their
-- checksums), so the functions are replaced here.
--
--   demand_withdraw, interest_withdraw
--       withdraw only while still open: of two withdrawals at once the
--       second is FAILED_PRECONDITION, not a second success.
--   collaborations_take_match, collaborations_matched
--       the match is locked FOR UPDATE BEFORE the insert, before anything
--       else: two collaborations made from one match at once no longer
--       deadlock (each held a key-share lock from its foreign keys and
--       waited for the other's); the second waits, sees both sides matched
--       and is FAILED_PRECONDITION. The marks are made AFTER the insert,
--       so a skipped insert marks nothing; a half match is refused, by the
--       trigger and by the table (collaborations_match_whole).
--   collab_create
--       a match without a shared sector is FAILED_PRECONDITION, not an
--       empty sector list for the constraint to refuse.
--   collab_sectors_arg
--       names the percentage it refuses as the number it read.
--   match_list, agreement_versions
--       a page cursor that is not one sscd issued (an empty part, a part
--       past int or bigint, a version number past int) is INVALID_ARGUMENT
--       naming page_token, never a failed cast.
--   agreements_kind_idx
--       agreement_list's kind filter in id order (tests/sql/domain_indexes.sql).
--
-- Definer or invoker: as in 0019 and 0020 (the two match triggers are
-- SECURITY DEFINER, triggers ssc_app cannot call; the rest run as the
-- caller, under row-level security).

-- ---- demand signals and interests ---------------------------------------

CREATE OR REPLACE FUNCTION ssc.demand_withdraw(p jsonb, p_hash bytea) RETURNS jsonb
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
  -- Only while still open: of two withdrawals at once, the second waits
  -- for the first, finds the row no longer open and is refused below.
  UPDATE ssc.demand_signals x SET status = 'withdrawn'
   WHERE x.id = v_id AND x.status = 'open' RETURNING * INTO d;
  IF NOT FOUND THEN
    SELECT * INTO d FROM ssc.demand_signals x WHERE x.id = v_id;
    IF d.status <> 'open' THEN
      RAISE EXCEPTION 'demand signal % is %; only an open one can be withdrawn', v_id, d.status
        USING ERRCODE = 'SC412';
    END IF;
    RAISE EXCEPTION 'role % may not withdraw demand signal %', ssc.session_role(), v_id
      USING ERRCODE = 'SC403';
  END IF;
  v := ssc.demand_json(d);
  PERFORM ssc.idem_store(ssc.req_text(p, 'idempotency_key'), v);
  RETURN v;
END
$$;

CREATE OR REPLACE FUNCTION ssc.interest_withdraw(p jsonb, p_hash bytea) RETURNS jsonb
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
  -- Only while still open: of two withdrawals at once, the second waits
  -- for the first, finds the row no longer open and is refused below.
  UPDATE ssc.interests x SET status = 'withdrawn'
   WHERE x.id = v_id AND x.status = 'open' RETURNING * INTO i;
  IF NOT FOUND THEN
    SELECT * INTO i FROM ssc.interests x WHERE x.id = v_id;
    IF i.status <> 'open' THEN
      RAISE EXCEPTION 'interest % is %; only an open one can be withdrawn', v_id, i.status
        USING ERRCODE = 'SC412';
    END IF;
    RAISE EXCEPTION 'role % may not withdraw interest %', ssc.session_role(), v_id
      USING ERRCODE = 'SC403';
  END IF;
  v := ssc.interest_json(i);
  PERFORM ssc.idem_store(ssc.req_text(p, 'idempotency_key'), v);
  RETURN v;
END
$$;

-- ---- collaborations ------------------------------------------------------

-- Sectors of a request: [{code, percentage}] as collaborations hold them,
-- each rule named.
CREATE OR REPLACE FUNCTION ssc.collab_sectors_arg(p jsonb) RETURNS jsonb
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
        e ->> 'code', ssc.req_int(e, 'percentage') USING ERRCODE = 'SC400';
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

-- A collaboration made from a match takes it: both sides named, still
-- open, meeting in country and sector, and marked matched in the same
-- transaction. Two triggers, both SECURITY DEFINER (the ministry that makes
-- the collaboration may not write the embassy's demand signal; ssc_app
-- cannot execute either by itself):
--   collaborations_take_match, BEFORE the row goes in: asks first whether
--     the caller may write the collaboration at all (the insert policy's
--     own test), so nothing is locked or told to one that may not; then
--     locks both sides FOR UPDATE, before any foreign-key lock, and checks
--     them;
--   collaborations_matched, AFTER the row went in: marks both matched. An
--     AFTER trigger, so that an insert ON CONFLICT DO NOTHING skipped marks
--     nothing.
CREATE OR REPLACE FUNCTION ssc.collaborations_take_match() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  d ssc.demand_signals;
  i ssc.interests;
BEGIN
  IF NOT ssc.writes_collaboration(NEW.lead_id) THEN
    RAISE EXCEPTION 'role % may not make collaborations led by organisation %',
      ssc.session_role(), NEW.lead_id USING ERRCODE = 'SC403';
  END IF;
  IF NEW.demand_signal_id IS NULL OR NEW.interest_id IS NULL THEN
    RAISE EXCEPTION 'demand_signal_id and interest_id: give both (a match) or neither'
      USING ERRCODE = 'SC400';
  END IF;
  SELECT * INTO d FROM ssc.demand_signals x WHERE x.id = NEW.demand_signal_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'demand_signal_id: demand signal % not found', NEW.demand_signal_id
      USING ERRCODE = 'SC400';
  END IF;
  SELECT * INTO i FROM ssc.interests x WHERE x.id = NEW.interest_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'interest_id: interest % not found', NEW.interest_id USING ERRCODE = 'SC400';
  END IF;
  IF d.status <> 'open' OR i.status <> 'open' THEN
    RAISE EXCEPTION 'demand signal % is % and interest % is %; a match needs both open',
      d.id, d.status, i.id, i.status USING ERRCODE = 'SC412';
  END IF;
  IF NOT d.country = ANY (i.countries) OR NOT d.sectors && i.sectors OR d.country <> NEW.country THEN
    RAISE EXCEPTION 'demand signal % and interest % do not meet in country and sector',
      d.id, i.id USING ERRCODE = 'SC412';
  END IF;
  RETURN NEW;
END
$$;
CREATE FUNCTION ssc.collaborations_matched() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  UPDATE ssc.demand_signals x SET status = 'matched' WHERE x.id = NEW.demand_signal_id;
  UPDATE ssc.interests x SET status = 'matched' WHERE x.id = NEW.interest_id;
  RETURN NULL;
END
$$;
DROP TRIGGER collaborations_take_match ON ssc.collaborations;
CREATE TRIGGER collaborations_take_match BEFORE INSERT ON ssc.collaborations
  FOR EACH ROW WHEN (NEW.demand_signal_id IS NOT NULL OR NEW.interest_id IS NOT NULL)
  EXECUTE FUNCTION ssc.collaborations_take_match();
CREATE TRIGGER collaborations_matched AFTER INSERT ON ssc.collaborations
  FOR EACH ROW WHEN (NEW.demand_signal_id IS NOT NULL)
  EXECUTE FUNCTION ssc.collaborations_matched();
ALTER TABLE ssc.collaborations ADD CONSTRAINT collaborations_match_whole
  CHECK ((demand_signal_id IS NULL) = (interest_id IS NULL));

CREATE OR REPLACE FUNCTION ssc.collab_create(p jsonb, p_hash bytea) RETURNS jsonb
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
    IF v_sectors IS NULL THEN  -- no shared sector: as collaborations_take_match says
      RAISE EXCEPTION 'demand signal % and interest % do not meet in country and sector',
        d.id, i.id USING ERRCODE = 'SC412';
    END IF;
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

-- ---- page cursors ----------------------------------------------------------

-- Best first, as 0019 says; the cursor is the rank key of the last pair.
CREATE OR REPLACE FUNCTION ssc.match_list(p jsonb, p_after text, p_lim int) RETURNS jsonb
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
  -- Five parts, each digits that fit: r1, priority and r3 an int, the
  -- ids a bigint (18 digits at most, so no cast below can fail).
  IF k IS NOT NULL AND (cardinality(k) <> 5
                        OR EXISTS (SELECT FROM unnest(k) WITH ORDINALITY u (s, n)
                                    WHERE s !~ CASE WHEN n <= 3 THEN '^[0-9]{1,9}$'
                                                    ELSE '^[0-9]{1,18}$' END)) THEN
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

CREATE OR REPLACE FUNCTION ssc.agreement_versions(p jsonb, p_after text, p_lim int) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_id bigint := ssc.req_required_id(p, 'id');
  v_after int;
  v_lim int := ssc.page_limit(p_lim);
  v_kind text;
BEGIN
  -- sscd lets through any bigint (page.c); a version number is an int,
  -- and one of ten digits was never issued.
  IF coalesce(p_after, '') !~ '^[0-9]{0,9}$' THEN
    RAISE EXCEPTION 'page_token: not a token of this list' USING ERRCODE = 'SC400';
  END IF;
  v_after := coalesce(nullif(p_after, '')::int, 0);
  SELECT a.kind INTO v_kind FROM ssc.agreements a WHERE a.id = v_id;
  IF NOT FOUND THEN
    PERFORM ssc.not_found('agreement', v_id);
  END IF;
  RETURN (SELECT coalesce(jsonb_agg(ssc.agreement_version_json(r, v_kind) ORDER BY r.number), '[]')
            FROM (SELECT * FROM ssc.agreement_versions x
                   WHERE x.agreement_id = v_id AND x.number > v_after
                   ORDER BY x.number LIMIT v_lim) r);
END
$$;

-- ---- agreements ----------------------------------------------------------

-- agreement_list's kind filter, in id order (without it a kind with a
-- status filter is a Seq Scan and a sort: tests/sql/domain_indexes.sql).
CREATE INDEX agreements_kind_idx ON ssc.agreements (kind, id);

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA ssc FROM PUBLIC;
