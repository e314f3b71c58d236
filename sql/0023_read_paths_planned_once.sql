-- 0023 the read paths planned once per connection, not once per call.
--
-- A LANGUAGE sql function that PostgreSQL cannot inline (its body has a
-- subquery, or it carries a SET clause) is planned again every time the
-- statement that calls it starts: its plan lives with that statement's
-- executor state, and a PL/pgSQL expression gets a new one every
-- transaction. sscd makes one call per transaction, so such a function
-- was parsed and planned on every call, as many times as it appears: an
-- Agreements/Get of a two-version agreement planned sees_agreement eight
-- times, agreement_version_on twice, agreement_status and agreement_json
-- once (1.5 ms, of which Organisations/Get needs 0.18), and begin_call
-- planned org_subtree for every ministry call (0.25 ms each).
--
-- PL/pgSQL keeps each statement's plan for the life of the connection, so
-- the functions with subqueries become PL/pgSQL (same arguments, same
-- results, same invoker rights: row-level security applies as before).
-- The functions that are one expression without a subquery lose their
-- SET search_path so that PostgreSQL inlines them into the caller: a
-- LANGUAGE sql body written with RETURN is parsed when it is created, its
-- names are resolved then, and search_path no longer matters to it.
--
-- The rule for later migrations (sql/README.md "Writing a migration"): a
-- function on a read path is either PL/pgSQL or a LANGUAGE sql RETURN of
-- one expression without a subquery and without SET.

CREATE OR REPLACE FUNCTION ssc.org_subtree(root bigint) RETURNS bigint[]
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  RETURN (WITH RECURSIVE down (id) AS (
            SELECT o.id FROM ssc.organisations o WHERE o.id = root
            UNION
            SELECT o.id FROM ssc.organisations o JOIN down ON o.parent_id = down.id)
          SELECT coalesce(array_agg(id ORDER BY id), '{}') FROM down);
END
$$;

-- ---- collaborations -------------------------------------------------------

-- The API's collaboration, as of a date.
CREATE OR REPLACE FUNCTION ssc.collab_json(c ssc.collaborations, as_of date) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  cur ssc.collaboration_phases;  -- the current phase's row; none while suspended
  v_code int;
  v_phases jsonb;
BEGIN
  SELECT * INTO cur FROM ssc.collaboration_phases x
   WHERE x.collaboration_id = c.id AND x.phase = c.phase;
  v_code := ssc.iati_status(c.phase, cur.started_on, cur.planned_end, as_of);
  SELECT coalesce(jsonb_agg(jsonb_build_object(
           'phase', ph.phase, 'planned_start', ph.planned_start::text,
           'planned_end', ph.planned_end::text,
           'started_on', ph.started_on::text, 'ended_on', ph.ended_on::text)
           ORDER BY array_position(ARRAY['matchmaking', 'inception', 'long_term', 'phase_2'],
                                   ph.phase)), '[]')
    INTO v_phases
    FROM ssc.collaboration_phases ph WHERE ph.collaboration_id = c.id;
  RETURN jsonb_build_object(
    'id', c.id, 'reference', c.reference, 'title', c.title, 'lead_id', c.lead_id,
    'country', c.country, 'partner_ids', to_jsonb(c.partner_ids), 'embassy_id', c.embassy_id,
    'sectors', c.sectors, 'demand_signal_id', c.demand_signal_id,
    'interest_id', c.interest_id, 'phase', c.phase, 'suspended_from', c.suspended_from,
    'phase_since', c.phase_since::text, 'phases', v_phases,
    'as_of', as_of::text, 'iati_status', v_code, 'iati_status_name', ssc.iati_status_name(v_code),
    'version', c.version, 'created_at', ssc.rfc3339(c.created_at),
    'updated_at', ssc.rfc3339(c.updated_at));
END
$$;

-- ---- agreements -----------------------------------------------------------

-- Whether the caller's role reads any agreement at all: the secretariat,
-- the auditor and ministries; an embassy none. One expression, inlined;
-- in a list's WHERE it is a one-time filter, so a role that reads none
-- scans nothing.
CREATE FUNCTION ssc.reads_agreements() RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN ssc.reads_all() OR coalesce(ssc.session_role() = 'ministry', false);

-- Who sees an agreement (0020). Called by the agreements' select policy for
-- every row a statement reads.
CREATE OR REPLACE FUNCTION ssc.sees_agreement(party_ids bigint[], collaboration_id bigint)
  RETURNS boolean
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  RETURN ssc.reads_agreements()
     AND (ssc.reads_all()
          OR party_ids && ssc.session_scope()
          OR EXISTS (SELECT FROM ssc.collaborations c
                      WHERE c.id = collaboration_id AND ssc.in_scope(c.lead_id)));
END
$$;

-- The version in force on d: the latest effective on d, else version 1.
CREATE OR REPLACE FUNCTION ssc.agreement_version_on(a_id bigint, d date)
  RETURNS ssc.agreement_versions
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  RETURN (SELECT v FROM ssc.agreement_versions v
           WHERE v.agreement_id = a_id AND (v.number = 1 OR v.effective_from <= d)
           ORDER BY (v.effective_from <= d) DESC, v.number DESC LIMIT 1);
END
$$;

-- The derived status on d (0020).
CREATE OR REPLACE FUNCTION ssc.agreement_status(a ssc.agreements, v ssc.agreement_versions,
                                                d date) RETURNS text
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  RETURN CASE
    WHEN (SELECT x.signed_on IS NULL OR x.signed_on > d FROM ssc.agreement_versions x
           WHERE x.agreement_id = a.id AND x.number = 1) THEN 'draft'
    WHEN a.terminated_on <= d OR a.ends_on < d THEN 'terminated'
    WHEN a.notice_on <= d THEN 'notice_given'
    WHEN v.effective_from > d THEN 'signed'
    WHEN v.effective_to < d THEN 'expired'
    ELSE 'active'
  END;
END
$$;

CREATE OR REPLACE FUNCTION ssc.agreement_json(a ssc.agreements, d date) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v ssc.agreement_versions := ssc.agreement_version_on(a.id, d);
BEGIN
  RETURN jsonb_build_object(
    'id', a.id, 'kind', a.kind, 'title', a.title, 'collaboration_id', a.collaboration_id,
    'party_ids', to_jsonb(a.party_ids), 'as_of', d::text,
    'status', ssc.agreement_status(a, v, d),
    'in_force', ssc.agreement_version_json(v, a.kind),
    'versions', (SELECT count(*) FROM ssc.agreement_versions x WHERE x.agreement_id = a.id),
    'notice_on', a.notice_on::text, 'notice_by', a.notice_by, 'ends_on', a.ends_on::text,
    'terminated_on', a.terminated_on::text, 'version', a.version,
    'created_at', ssc.rfc3339(a.created_at), 'updated_at', ssc.rfc3339(a.updated_at));
END
$$;

-- A page of agreements (0020); a role that reads none scans none.
CREATE OR REPLACE FUNCTION ssc.agreement_list(p jsonb, p_after text, p_lim int) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_as_of date := ssc.req_as_of(p);
  v_status text := ssc.req_text(p, 'status');
  v_kind text := ssc.req_text(p, 'kind');
  v_collab bigint := ssc.req_id(p, 'collaboration_id');
  v_party bigint := ssc.req_id(p, 'party_id');
  v_after bigint := coalesce(nullif(p_after, '')::bigint, 0);
  v_lim int := ssc.page_limit(p_lim);
BEGIN
  RETURN (SELECT coalesce(jsonb_agg(j ORDER BY id), '[]')
            FROM (SELECT x.id, ssc.agreement_json(x, v_as_of) AS j
                    FROM ssc.agreements x
                   WHERE ssc.reads_agreements()
                     AND x.id > v_after
                     AND (v_kind = '' OR x.kind = v_kind)
                     AND (v_collab = 0 OR x.collaboration_id = v_collab)
                     AND (v_party = 0 OR x.party_ids @> ARRAY[v_party])
                     AND (v_status = ''
                          OR ssc.agreement_status(x, ssc.agreement_version_on(x.id, v_as_of),
                                                  v_as_of) = v_status)
                   ORDER BY x.id LIMIT v_lim) page);
END
$$;

-- ---- one expression each: inlined once SET is gone -------------------------

ALTER FUNCTION ssc.writes_agreement(bigint[], bigint) RESET ALL;
ALTER FUNCTION ssc.secondment_json(ssc.secondments, date) RESET ALL;
ALTER FUNCTION ssc.req_as_of(jsonb) RESET ALL;
-- The entry points sscd calls with one jsonb argument (0016): inlined into
-- sscd's prepared statement, which then calls the PL/pgSQL function below.
ALTER FUNCTION ssc.org_get(jsonb) RESET ALL;
ALTER FUNCTION ssc.org_list(jsonb, text, int) RESET ALL;
ALTER FUNCTION ssc.principal_list(jsonb, text, int) RESET ALL;
ALTER FUNCTION ssc.principal_disable(jsonb, bytea) RESET ALL;
ALTER FUNCTION ssc.sector_list(jsonb, text, int) RESET ALL;
ALTER FUNCTION ssc.org_name_arg(text) RESET ALL;
ALTER FUNCTION ssc.org_short_name_arg(text) RESET ALL;
ALTER FUNCTION ssc.principal_name_arg(text) RESET ALL;

-- ---- lists: a custom plan for every call ----------------------------------------

-- A list's optional filters are written (v_x = 0 OR x.col = v_x): planned
-- with the call's values the unused ones fold away and the used one takes
-- its index; in a generic plan, which PostgreSQL may keep for a PL/pgSQL
-- statement after five calls on a long-lived connection, neither can, and
-- a filtered page walks the whole id index (100,000 rows for one
-- collaboration's agreements; tests/sql/domain_indexes.sql). So the lists
-- always plan with the call's values.
ALTER FUNCTION ssc.org_list(text, text, bigint, int) SET plan_cache_mode = force_custom_plan;
ALTER FUNCTION ssc.principal_list(bigint, bigint, int) SET plan_cache_mode = force_custom_plan;
ALTER FUNCTION ssc.sector_list(text, text, int) SET plan_cache_mode = force_custom_plan;
ALTER FUNCTION ssc.audit_list(bigint, text, int) SET plan_cache_mode = force_custom_plan;
ALTER FUNCTION ssc.demand_list(jsonb, text, int) SET plan_cache_mode = force_custom_plan;
ALTER FUNCTION ssc.interest_list(jsonb, text, int) SET plan_cache_mode = force_custom_plan;
ALTER FUNCTION ssc.collab_list(jsonb, text, int) SET plan_cache_mode = force_custom_plan;
ALTER FUNCTION ssc.match_list(jsonb, text, int) SET plan_cache_mode = force_custom_plan;
ALTER FUNCTION ssc.agreement_list(jsonb, text, int) SET plan_cache_mode = force_custom_plan;
ALTER FUNCTION ssc.secondment_list(jsonb, text, int) SET plan_cache_mode = force_custom_plan;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA ssc FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ssc.reads_agreements() TO ssc_app;
