-- 0025 the deadline radar (API.md "Radar"): the dates in the record that
-- fall due between an as-of date and a horizon, in date order, each in the
-- lead-time band it has reached.
--
-- Events, one function per kind, each returning ssc.radar_event rows whose
-- date lies in [as_of, until]:
--   agreement_end    effective_to of the version agreed on as_of (the latest
--                    signed by then: an amendment signed ahead of its
--                    effective date already counts), of an agreement
--                    signed or active then (not a draft, not under
--                    notice, not ended)
--   notice_end       ends_on of an agreement under notice on as_of (notice
--                    given by then, not terminated by then)
--   review           review_on of the version in force, of an agreement
--                    not ended on as_of (drafts too: a decision date), and
--                    not after the end of one under notice
--   notice_deadline  ssc.last_notice_day(effective_to, notice_months) of
--                    the version agreed, where notice_months > 0, of an
--                    agreement signed or active on as_of: the last day to
--                    give notice so that it ends at its planned end (0017
--                    does the month arithmetic, once)
--   secondment_end   ends_on of a secondment not cancelled
--   phase_end        planned_end of a collaboration's current phase (as
--                    recorded now: matchmaking, inception, long_term or
--                    phase_2; none while suspended, closed or cancelled)
--
-- Window: from as_of (today in UTC by default) to as_of + horizon_days,
-- both included. An event before as_of is not returned: it has happened,
-- and the record says so elsewhere (an agreement's status is expired or
-- terminated, a secondment completed). horizon_days is 1..3660; 0 asks
-- for the largest lead value.
--
-- Bands: days_left = date - as_of; the band is the smallest lead value L
-- with days_left <= L, 0 ("due") when days_left is 0, and -1 ("later")
-- past every lead value (a horizon longer than the largest). The lead
-- values come from sscd's [radar] lead_days, passed on every connection
-- as the setting ssc.radar_lead_days ("30,90,180"; default 30, 90, 180).
--
-- Order and paging: by date, then kind (its word, byte order), then
-- entity id; one event per kind and entity, so the three are a key. The
-- cursor is "YYYY-MM-DD.kind.entity_id"; a token whose cursor is not of
-- that form, or names an unknown kind or no calendar date, is SC400
-- naming page_token.
--
-- Adding a kind (an application waiting for a decision, an allocation's
-- period ending): in a new migration, (1) a function
-- ssc.radar_<kind>(as_of date, from_d date, until date) RETURNS SETOF
-- ssc.radar_event, its events dated from_d to until as the record stands
-- on as_of, read through an index on its date,
-- PL/pgSQL, SECURITY INVOKER, reading its tables as the caller; (2) CREATE
-- OR REPLACE ssc.radar_kinds() with the word appended; (3) CREATE OR
-- REPLACE ssc.radar_events() with one more UNION ALL branch, guarded by
-- `WHERE '<kind>' = ANY (kinds)`; (4) the value in RadarEventKind
-- (proto/ssc/v1/radar.proto) whose lower-case name without the prefix is
-- the word; (5) its cases in tests/sql/radar.sql. Nothing else changes:
-- bands, filters, order and paging are radar_list's.
--
-- Definer or invoker: every function here is SECURITY INVOKER. Events are
-- read from the record's tables as the caller, under their row-level
-- security, so each role sees the events of the rows it may read: a
-- ministry its scope's agreements, secondments and collaborations, an
-- embassy its country's collaborations and secondments (and no agreement),
-- the secretariat and the auditor all. The read-path rule of 0023 holds:
-- the functions are PL/pgSQL or one inlinable expression.

-- ---- settings and bands -----------------------------------------------------

-- The lead values of the bands, from the connection's setting.
CREATE FUNCTION ssc.radar_lead_days() RETURNS int[]
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN coalesce(string_to_array(NULLIF(pg_catalog.current_setting('ssc.radar_lead_days', true),
                                         ''), ',')::int[],
                  '{30,90,180}');

-- The band of an event days_left days away (see the top).
CREATE FUNCTION ssc.radar_band(days_left int, leads int[]) RETURNS int
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  IF days_left <= 0 THEN
    RETURN 0;
  END IF;
  RETURN coalesce((SELECT min(l) FROM unnest(leads) l WHERE l >= days_left), -1);
END
$$;

-- A band as people read it.
CREATE FUNCTION ssc.radar_band_name(band int) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE band WHEN 0 THEN 'due' WHEN -1 THEN 'later' ELSE band::text END;

-- ---- the events ---------------------------------------------------------------

-- One event: what falls due on which date, and what it concerns.
CREATE TYPE ssc.radar_event AS (
  on_date          date,
  kind             text,
  entity           text,
  entity_id        bigint,
  title            text,
  collaboration_id bigint,
  organisation_ids bigint[]
);

-- The kinds, in the order of RadarEventKind.
CREATE FUNCTION ssc.radar_kinds() RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN ARRAY['agreement_end', 'notice_end', 'review', 'notice_deadline', 'secondment_end',
               'phase_end'];

-- Organisation ids distinct and sorted, without NULL.
CREATE FUNCTION ssc.radar_orgs(ids bigint[]) RETURNS bigint[]
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  RETURN ARRAY(SELECT DISTINCT x FROM unnest(ids) x WHERE x IS NOT NULL ORDER BY x);
END
$$;

CREATE FUNCTION ssc.radar_agreement_end(as_of date, from_d date, until date)
  RETURNS SETOF ssc.radar_event
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  -- From the versions ending in the window (agreement_versions_end_idx),
  -- those that are the version agreed on as_of.
  RETURN QUERY
    SELECT w.effective_to, 'agreement_end'::text, 'agreement'::text, a.id, a.title,
           a.collaboration_id, ssc.radar_orgs(a.party_ids)
      FROM ssc.agreement_versions w
      JOIN ssc.agreements a ON a.id = w.agreement_id
     WHERE ssc.reads_agreements()
       AND w.effective_to BETWEEN from_d AND until
       AND w.signed_on <= as_of
       AND NOT EXISTS (SELECT FROM ssc.agreement_versions x
                        WHERE x.agreement_id = w.agreement_id AND x.number > w.number
                          AND x.signed_on <= as_of)
       AND ssc.agreement_status(a, ssc.agreement_version_on(a.id, as_of), as_of)
           IN ('signed', 'active');
END
$$;

CREATE FUNCTION ssc.radar_notice_end(as_of date, from_d date, until date)
  RETURNS SETOF ssc.radar_event
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  RETURN QUERY
    SELECT a.ends_on, 'notice_end'::text, 'agreement'::text, a.id, a.title,
           a.collaboration_id, ssc.radar_orgs(a.party_ids)
      FROM ssc.agreements a
     WHERE ssc.reads_agreements()
       AND a.ends_on BETWEEN from_d AND until
       AND a.notice_on <= as_of
       AND (a.terminated_on IS NULL OR a.terminated_on > as_of);
END
$$;

CREATE FUNCTION ssc.radar_review(as_of date, from_d date, until date)
  RETURNS SETOF ssc.radar_event
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  -- From the versions with a review in the window (agreement_versions_
  -- review_idx), those in force on as_of.
  RETURN QUERY
    SELECT v.review_on, 'review'::text, 'agreement'::text, a.id, a.title,
           a.collaboration_id, ssc.radar_orgs(a.party_ids)
      FROM ssc.agreement_versions v
      JOIN ssc.agreements a ON a.id = v.agreement_id
     WHERE ssc.reads_agreements()
       AND v.review_on BETWEEN from_d AND until
       AND v.number = (ssc.agreement_version_on(a.id, as_of)).number
       AND (a.notice_on IS NULL OR a.notice_on > as_of OR v.review_on <= a.ends_on)
       AND ssc.agreement_status(a, v, as_of) IN ('draft', 'signed', 'active', 'notice_given');
END
$$;

CREATE FUNCTION ssc.radar_notice_deadline(as_of date, from_d date, until date)
  RETURNS SETOF ssc.radar_event
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  -- From the versions whose last notice day (notice_day, 0017's
  -- last_notice_day) is in the window, those agreed on as_of.
  RETURN QUERY
    SELECT w.notice_day, 'notice_deadline'::text,
           'agreement'::text, a.id, a.title, a.collaboration_id, ssc.radar_orgs(a.party_ids)
      FROM ssc.agreement_versions w
      JOIN ssc.agreements a ON a.id = w.agreement_id
     WHERE ssc.reads_agreements()
       AND w.notice_day BETWEEN from_d AND until
       AND w.signed_on <= as_of
       AND NOT EXISTS (SELECT FROM ssc.agreement_versions x
                        WHERE x.agreement_id = w.agreement_id AND x.number > w.number
                          AND x.signed_on <= as_of)
       AND ssc.agreement_status(a, ssc.agreement_version_on(a.id, as_of), as_of)
           IN ('signed', 'active');
END
$$;

CREATE FUNCTION ssc.radar_secondment_end(as_of date, from_d date, until date)
  RETURNS SETOF ssc.radar_event
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  RETURN QUERY
    SELECT s.ends_on, 'secondment_end'::text, 'secondment'::text, s.id, s.expert_name,
           s.collaboration_id, ssc.radar_orgs(ARRAY[s.employer_id, s.host_id, s.lead_id])
      FROM ssc.secondments s
     WHERE s.cancelled_on IS NULL
       AND s.ends_on BETWEEN from_d AND until;
END
$$;

CREATE FUNCTION ssc.radar_phase_end(as_of date, from_d date, until date)
  RETURNS SETOF ssc.radar_event
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  RETURN QUERY
    SELECT ph.planned_end, 'phase_end'::text, 'collaboration'::text, c.id,
           c.reference || ' ' || c.phase, c.id,
           ssc.radar_orgs(c.lead_id || c.partner_ids || c.embassy_id)
      FROM ssc.collaborations c
      JOIN ssc.collaboration_phases ph ON ph.collaboration_id = c.id AND ph.phase = c.phase
     WHERE ph.planned_end BETWEEN from_d AND until;
END
$$;

-- Each kind reads from an index on its date, so a call costs the events
-- in its window, not the size of the record (tests/sql/domain_indexes.sql).
CREATE INDEX agreement_versions_end_idx ON ssc.agreement_versions (effective_to);
CREATE INDEX agreement_versions_review_idx ON ssc.agreement_versions (review_on);
-- The last day to give notice, kept with the version so that its index
-- can serve the radar: an index on the expression cannot, because the
-- expression is not leakproof and row-level security evaluates the
-- policies of agreement_versions before any such condition.
ALTER TABLE ssc.agreement_versions
  ADD COLUMN notice_day date GENERATED ALWAYS AS
    (CASE WHEN notice_months > 0 THEN ssc.last_notice_day(effective_to, notice_months) END) STORED;
CREATE INDEX agreement_versions_notice_day_idx ON ssc.agreement_versions (notice_day);
CREATE INDEX agreements_ends_idx ON ssc.agreements (ends_on);
CREATE INDEX secondments_ends_idx ON ssc.secondments (ends_on) WHERE cancelled_on IS NULL;
CREATE INDEX collaboration_phases_end_idx ON ssc.collaboration_phases (planned_end);

-- Every kind's events in [as_of, until], of the kinds asked for: the one
-- place the kinds come together. A kind not asked for is a one-time filter,
-- so its function does not run.
CREATE FUNCTION ssc.radar_events(as_of date, from_d date, until date, kinds text[])
  RETURNS SETOF ssc.radar_event
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  RETURN QUERY
    SELECT * FROM ssc.radar_agreement_end(as_of, from_d, until) WHERE 'agreement_end' = ANY (kinds)
    UNION ALL
    SELECT * FROM ssc.radar_notice_end(as_of, from_d, until) WHERE 'notice_end' = ANY (kinds)
    UNION ALL
    SELECT * FROM ssc.radar_review(as_of, from_d, until) WHERE 'review' = ANY (kinds)
    UNION ALL
    SELECT * FROM ssc.radar_notice_deadline(as_of, from_d, until) WHERE 'notice_deadline' = ANY (kinds)
    UNION ALL
    SELECT * FROM ssc.radar_secondment_end(as_of, from_d, until) WHERE 'secondment_end' = ANY (kinds)
    UNION ALL
    SELECT * FROM ssc.radar_phase_end(as_of, from_d, until) WHERE 'phase_end' = ANY (kinds);
END
$$;

-- ---- ssc.v1.Radar/List ----------------------------------------------------------

-- The kinds field: known words, every kind when none is given.
CREATE FUNCTION ssc.radar_kinds_arg(p jsonb) RETURNS text[]
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v text[] := ssc.req_texts(p, 'kinds');
  v_bad text;
BEGIN
  IF cardinality(v) = 0 THEN
    RETURN ssc.radar_kinds();
  END IF;
  SELECT x INTO v_bad FROM unnest(v) x WHERE NOT x = ANY (ssc.radar_kinds()) LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'kinds: unknown kind "%" (known: %)', left(v_bad, 32),
      array_to_string(ssc.radar_kinds(), ', ') USING ERRCODE = 'SC400';
  END IF;
  RETURN v;
END
$$;

-- The horizon_days field: 1..3660, 0 for the largest lead value.
CREATE FUNCTION ssc.radar_horizon_arg(p jsonb, leads int[]) RETURNS int
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v bigint := ssc.req_int(p, 'horizon_days');
BEGIN
  IF v = 0 THEN
    RETURN (SELECT max(l) FROM unnest(leads) l);
  END IF;
  IF v NOT BETWEEN 1 AND 3660 THEN
    RAISE EXCEPTION 'horizon_days: must be between 1 and 3660, not %', v USING ERRCODE = 'SC400';
  END IF;
  RETURN v;
END
$$;

-- A page cursor as (date, kind, entity id) in text, NULL for the first
-- page, or SC400 naming page_token for one radar_list did not issue.
CREATE FUNCTION ssc.radar_cursor_arg(p_after text) RETURNS text[]
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  k text[] := regexp_match(coalesce(p_after, ''),
                           '^([0-9]{4}-[0-9]{2}-[0-9]{2})\.([a-z_]{1,32})\.([0-9]{1,18})$');
BEGIN
  IF coalesce(p_after, '') = '' THEN
    RETURN NULL;
  END IF;
  IF k IS NULL OR NOT k[2] = ANY (ssc.radar_kinds()) THEN
    RAISE EXCEPTION 'page_token: not a token of this list' USING ERRCODE = 'SC400';
  END IF;
  BEGIN
    PERFORM k[1]::date;
  EXCEPTION WHEN others THEN
    RAISE EXCEPTION 'page_token: not a token of this list' USING ERRCODE = 'SC400';
  END;
  RETURN k;
END
$$;

-- One event as the API's RadarEvent, its days and band as of as_of.
CREATE FUNCTION ssc.radar_event_json(e ssc.radar_event, as_of date, leads int[]) RETURNS jsonb
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_days int := e.on_date - as_of;
  v_band int := ssc.radar_band(v_days, leads);
BEGIN
  RETURN jsonb_build_object(
    'date', e.on_date::text, 'days_left', v_days, 'band_days', v_band,
    'band', ssc.radar_band_name(v_band), 'kind', e.kind, 'entity', e.entity,
    'entity_id', e.entity_id, 'title', e.title, 'collaboration_id', e.collaboration_id,
    'organisation_ids', to_jsonb(e.organisation_ids),
    'cursor', concat_ws('.', e.on_date::text, e.kind, e.entity_id));
END
$$;

-- Radar/List: a page of the events the caller may see (see the top),
-- filtered by kind, collaboration and organisation involved.
CREATE FUNCTION ssc.radar_list(p jsonb, p_after text, p_lim int) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_as_of date := ssc.req_as_of(p);
  v_leads int[] := ssc.radar_lead_days();
  v_horizon int := ssc.radar_horizon_arg(p, v_leads);
  v_kinds text[] := ssc.radar_kinds_arg(p);
  v_collab bigint := ssc.req_id(p, 'collaboration_id');
  v_org bigint := ssc.req_id(p, 'organisation_id');
  k text[] := ssc.radar_cursor_arg(p_after);
  v_lim int := ssc.page_limit(p_lim);
  v_until date := v_as_of + v_horizon;
  v_from date := greatest(v_as_of, k[1]::date);  -- the page starts on the cursor's day
  v_to date;
  v_days int := 7;
  v jsonb;
BEGIN
  -- The events from v_from on, in a window that grows fourfold until it
  -- holds a page or reaches the horizon: a page reads the events of the
  -- days it covers (and of the days read before it grew), not every event
  -- up to the horizon.
  LOOP
    v_to := least(v_from + v_days, v_until);
    SELECT coalesce(jsonb_agg(ssc.radar_event_json(e, v_as_of, v_leads)
                              ORDER BY e.on_date, e.kind COLLATE "C", e.entity_id), '[]')
      INTO v
      FROM (SELECT * FROM ssc.radar_events(v_as_of, v_from, v_to, v_kinds) x
             WHERE (v_collab = 0 OR x.collaboration_id = v_collab)
               AND (v_org = 0 OR v_org = ANY (x.organisation_ids))
               AND (k IS NULL
                    OR (x.on_date, x.kind COLLATE "C", x.entity_id)
                       > (k[1]::date, k[2] COLLATE "C", k[3]::bigint))
             ORDER BY x.on_date, x.kind COLLATE "C", x.entity_id
             LIMIT v_lim) e;
    EXIT WHEN jsonb_array_length(v) >= v_lim OR v_to >= v_until;
    v_days := v_days * 4;
  END LOOP;
  RETURN v;
END
$$;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA ssc FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
  ssc.radar_lead_days(), ssc.radar_band(int, int[]), ssc.radar_band_name(int),
  ssc.radar_kinds(), ssc.radar_orgs(bigint[]),
  ssc.radar_agreement_end(date, date, date), ssc.radar_notice_end(date, date, date),
  ssc.radar_review(date, date, date), ssc.radar_notice_deadline(date, date, date),
  ssc.radar_secondment_end(date, date, date), ssc.radar_phase_end(date, date, date),
  ssc.radar_events(date, date, date, text[]),
  ssc.radar_kinds_arg(jsonb), ssc.radar_horizon_arg(jsonb, int[]),
  ssc.radar_cursor_arg(text), ssc.radar_event_json(ssc.radar_event, date, int[]),
  ssc.radar_list(jsonb, text, int)
  TO ssc_app;
