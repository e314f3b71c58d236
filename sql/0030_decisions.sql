-- 0030 decisions on applications: approval tiers, approvals, the
-- council's recommendation, the ministerial sign-off, and the approval
-- that completes them (API.md "Decisions").
--
-- Tiers (ssc.approval_tiers) are a table the admin edits, per currency;
-- every edit is audited, and nothing is deleted: setting a currency's
-- tiers retires the ones in force (retired_at) and inserts the new, so the
-- table keeps every tier that ever held, as ssc_app holds no table-wide
-- write privilege. The tier of an application is the first in force of its
-- currency whose up_to is at least the requested amount (up_to
-- 9223372036854775807 means no limit). The MFA's limits in DKK are the
-- defaults: up to 10 million one approval; up to 39 million two by
-- different principals; above that two, a recommendation of the Council
-- for Development Policy and a ministerial sign-off.
--
-- The rules of an approval are application_approvals_check, a BEFORE
-- INSERT trigger, so they hold however the row is written:
--   - the application is under review; the approval is of its submitted
--     version;
--   - by a secretariat principal (the session's, not the writer's to say)
--     outside the applicant organisation and every organisation above it
--     (SC403);
--   - once per principal and version (SC412);
--   - an amount above 0 and at most the requested amount, in the
--     application's currency, from a pool in that currency (SC400);
--   - the same amount and pool as the version's earlier approvals (SC412).
-- The application row is locked (application_for_update) before, so the
-- approvals of one application are judged one after another.
--
-- ssc.application_missing says what the tier still needs; the status
-- trigger of 0029 calls it before anything becomes approved. The approval,
-- recommendation or sign-off after which nothing is missing completes the
-- application in its own transaction (ssc.application_complete): status
-- approved, the allocation (0031) of the agreed amount from the agreed
-- pool, and the collaboration moved into the application's phase through
-- ssc.collab_transition, the one place that rule lives.

CREATE TABLE ssc.approval_tiers (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  currency      text NOT NULL,
  up_to_minor   bigint NOT NULL,
  approvals     int NOT NULL,
  needs_council boolean NOT NULL DEFAULT false,
  needs_signoff boolean NOT NULL DEFAULT false,
  retired_at    timestamptz,
  CONSTRAINT approval_tiers_currency_check CHECK (currency ~ '^[A-Z]{3}$'),
  CONSTRAINT approval_tiers_up_to_check CHECK (up_to_minor > 0),
  CONSTRAINT approval_tiers_approvals_check CHECK (approvals BETWEEN 1 AND 5)
);
COMMENT ON TABLE ssc.approval_tiers IS 'approval tiers by requested amount, per currency (admin)';
CREATE UNIQUE INDEX approval_tiers_in_force_key ON ssc.approval_tiers (currency, up_to_minor)
  WHERE retired_at IS NULL;
INSERT INTO ssc.approval_tiers (currency, up_to_minor, approvals, needs_council, needs_signoff) VALUES
  ('DKK', 1000000000, 1, false, false),
  ('DKK', 3900000000, 2, false, false),
  ('DKK', 9223372036854775807, 2, true, true);
-- A tier changes only by being retired, once.
CREATE FUNCTION ssc.approval_tiers_retire_only() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  IF TG_OP = 'DELETE' OR OLD.retired_at IS NOT NULL OR NEW.retired_at IS NULL
     OR (NEW.id, NEW.currency, NEW.up_to_minor, NEW.approvals, NEW.needs_council, NEW.needs_signoff)
        IS DISTINCT FROM
        (OLD.id, OLD.currency, OLD.up_to_minor, OLD.approvals, OLD.needs_council, OLD.needs_signoff) THEN
    RAISE EXCEPTION 'an approval tier is only ever retired, once; set the currency''s tiers anew'
      USING ERRCODE = 'SC412';
  END IF;
  NEW.retired_at := now();
  RETURN NEW;
END
$$;
CREATE TRIGGER approval_tiers_retire_only BEFORE UPDATE OR DELETE ON ssc.approval_tiers
  FOR EACH ROW EXECUTE FUNCTION ssc.approval_tiers_retire_only();
CREATE TRIGGER approval_tiers_audit AFTER INSERT OR UPDATE ON ssc.approval_tiers
  FOR EACH ROW EXECUTE FUNCTION ssc.audit_row('approval_tier');
ALTER TABLE ssc.approval_tiers ENABLE ROW LEVEL SECURITY;
CREATE POLICY approval_tiers_select ON ssc.approval_tiers FOR SELECT
  USING (ssc.session_role() IS NOT NULL);
CREATE POLICY approval_tiers_write ON ssc.approval_tiers FOR ALL
  USING (coalesce(ssc.session_role() = 'admin', false))
  WITH CHECK (coalesce(ssc.session_role() = 'admin', false));
GRANT SELECT ON ssc.approval_tiers TO ssc_app;
GRANT UPDATE (retired_at) ON ssc.approval_tiers TO ssc_app;
GRANT INSERT (currency, up_to_minor, approvals, needs_council, needs_signoff)
  ON ssc.approval_tiers TO ssc_app;

CREATE FUNCTION ssc.approval_tier_json(t ssc.approval_tiers) RETURNS jsonb
  LANGUAGE sql IMMUTABLE
  RETURN CASE WHEN t.id IS NULL THEN NULL ELSE jsonb_build_object(
    'currency', t.currency,
    'up_to', CASE WHEN t.up_to_minor < 9223372036854775807
                  THEN ssc.money(t.up_to_minor, t.currency) END,
    'approvals', t.approvals, 'needs_council', t.needs_council,
    'needs_signoff', t.needs_signoff) END;

-- The tier of an amount (all columns NULL when the currency has none).
CREATE FUNCTION ssc.approval_tier_for(currency text, amount bigint) RETURNS ssc.approval_tiers
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  t ssc.approval_tiers;
BEGIN
  SELECT * INTO t FROM ssc.approval_tiers x
   WHERE x.currency = approval_tier_for.currency AND x.up_to_minor >= amount
     AND x.retired_at IS NULL
   ORDER BY x.up_to_minor LIMIT 1;
  RETURN t;
END
$$;

-- ---- approvals, recommendation, sign-off -----------------------------------------

CREATE TABLE ssc.application_approvals (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  application_id  bigint NOT NULL REFERENCES ssc.applications (id),
  version         int NOT NULL DEFAULT 0,
  principal_id    bigint NOT NULL DEFAULT 0,
  principal       text NOT NULL DEFAULT '',
  organisation_id bigint,
  pool_id         bigint NOT NULL REFERENCES ssc.pools (id),
  amount_minor    bigint NOT NULL,
  currency        text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (application_id, version, principal_id),
  CONSTRAINT application_approvals_amount_check CHECK (amount_minor > 0)
);
COMMENT ON TABLE ssc.application_approvals IS 'each approval of a submitted version; never changed';

CREATE TABLE ssc.application_recommendations (
  application_id bigint NOT NULL REFERENCES ssc.applications (id),
  version        int NOT NULL DEFAULT 0,
  on_date        date NOT NULL,
  reference      text NOT NULL,
  recorded_by    text NOT NULL DEFAULT '',
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (application_id, version),
  CONSTRAINT application_recommendations_reference_check CHECK (char_length(reference) BETWEEN 1 AND 200)
);
COMMENT ON TABLE ssc.application_recommendations IS
  'the Council for Development Policy''s recommendation of a version; never changed';

CREATE TABLE ssc.application_signoffs (
  application_id bigint NOT NULL REFERENCES ssc.applications (id),
  version        int NOT NULL DEFAULT 0,
  signed_by      text NOT NULL,
  on_date        date NOT NULL,
  reference      text NOT NULL,
  recorded_by    text NOT NULL DEFAULT '',
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (application_id, version),
  CONSTRAINT application_signoffs_signed_by_check CHECK (char_length(signed_by) BETWEEN 1 AND 200),
  CONSTRAINT application_signoffs_reference_check CHECK (char_length(reference) BETWEEN 1 AND 200)
);
COMMENT ON TABLE ssc.application_signoffs IS 'the ministerial sign-off of a version; never changed';

-- The application a decision row is about, under review, its version
-- stamped; a secretariat session's. Shared by the three tables' checks.
CREATE FUNCTION ssc.decision_application(v_id bigint, what text) RETURNS ssc.applications
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  a ssc.applications;
BEGIN
  IF ssc.session_role() IS DISTINCT FROM 'secretariat' THEN
    RAISE EXCEPTION 'role % may not record %', coalesce(ssc.session_role(), 'none'), what
      USING ERRCODE = 'SC403';
  END IF;
  SELECT * INTO a FROM ssc.applications x WHERE x.id = v_id;
  IF NOT FOUND THEN
    PERFORM ssc.not_found('application', v_id);
  END IF;
  IF a.status <> 'under_review' THEN
    RAISE EXCEPTION 'application % is %; % is recorded only while it is under review', v_id, a.status,
      what USING ERRCODE = 'SC412';
  END IF;
  RETURN a;
END
$$;

-- Locks what a decision on application a may change when it completes
-- the application, before the decision's row is written and audited (see
-- "Locks" in 0031): the collaboration it may move into the application's
-- phase (FOR UPDATE, as collab_transition takes it, so that a concurrent
-- Transition or an application's insert, which takes the row's key share,
-- waits here rather than holding the row while this waits for the audit
-- head), then the pool it may allocate from (its first approval's, or
-- p_pool for the first approval).
CREATE FUNCTION ssc.decision_pool_lock(a ssc.applications, p_pool bigint) RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  PERFORM FROM ssc.collaborations c WHERE c.id = a.collaboration_id FOR UPDATE;
  PERFORM FROM ssc.pools x
   WHERE x.id = coalesce((SELECT f.pool_id FROM ssc.application_approvals f
                           WHERE f.application_id = a.id AND f.version = a.submitted_version
                           ORDER BY f.id LIMIT 1), p_pool)
     FOR NO KEY UPDATE;
END
$$;

CREATE FUNCTION ssc.application_approvals_check() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  a ssc.applications := ssc.decision_application(NEW.application_id, 'an approval');
  pl ssc.pools;
  r ssc.principals;
  first ssc.application_approvals;
BEGIN
  PERFORM ssc.decision_pool_lock(a, NEW.pool_id);
  SELECT * INTO r FROM ssc.principals x
   WHERE x.id = NULLIF(current_setting('ssc.principal_id', true), '')::bigint;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'an approval needs a caller, and begin_call has not run' USING ERRCODE = 'SC401';
  END IF;
  NEW.principal_id := r.id;
  NEW.principal := ssc.session_principal_label();
  NEW.organisation_id := r.organisation_id;
  NEW.version := a.submitted_version;
  NEW.created_at := now();
  IF r.organisation_id IS NOT NULL AND EXISTS (
       WITH RECURSIVE up (id, parent_id) AS (
         SELECT o.id, o.parent_id FROM ssc.organisations o WHERE o.id = a.applicant_id
         UNION SELECT o.id, o.parent_id FROM ssc.organisations o JOIN up ON o.id = up.parent_id)
       SELECT FROM up WHERE up.id = r.organisation_id) THEN
    RAISE EXCEPTION 'principal % belongs to organisation %, the applicant or a ministry above it; it may not approve application %',
      NEW.principal, r.organisation_id, a.id USING ERRCODE = 'SC403';
  END IF;
  IF EXISTS (SELECT FROM ssc.application_approvals x
              WHERE x.application_id = a.id AND x.version = a.submitted_version
                AND x.principal_id = r.id) THEN
    RAISE EXCEPTION 'principal % has already approved version % of application %; a second approval must come from someone else',
      NEW.principal, a.submitted_version, a.id USING ERRCODE = 'SC412';
  END IF;
  IF NEW.currency <> a.currency THEN
    RAISE EXCEPTION 'amount: is in %, application % in %', NEW.currency, a.id, a.currency
      USING ERRCODE = 'SC400';
  END IF;
  IF (ssc.approval_tier_for(a.currency, a.requested)).id IS NULL THEN
    RAISE EXCEPTION 'application % cannot be approved: no approval tier holds % (the admin sets the tiers of %)',
      a.id, ssc.money_text(a.requested, a.currency), a.currency USING ERRCODE = 'SC412';
  END IF;
  IF NEW.amount_minor <= 0 THEN
    RAISE EXCEPTION 'amount: must be more than 0' USING ERRCODE = 'SC400';
  END IF;
  IF NEW.amount_minor > a.requested THEN
    RAISE EXCEPTION 'amount: % is more than the % requested; an approval may be lower, never higher',
      ssc.money_text(NEW.amount_minor, NEW.currency), ssc.money_text(a.requested, a.currency)
      USING ERRCODE = 'SC400';
  END IF;
  SELECT * INTO pl FROM ssc.pools x WHERE x.id = NEW.pool_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'pool_id: pool % does not exist', NEW.pool_id USING ERRCODE = 'SC400';
  END IF;
  IF pl.currency <> a.currency THEN
    RAISE EXCEPTION 'pool_id: pool % is in %, application % in %', pl.id, pl.currency, a.id, a.currency
      USING ERRCODE = 'SC400';
  END IF;
  SELECT * INTO first FROM ssc.application_approvals x
   WHERE x.application_id = a.id AND x.version = a.submitted_version ORDER BY x.id LIMIT 1;
  IF FOUND AND (first.amount_minor, first.pool_id) <> (NEW.amount_minor, NEW.pool_id) THEN
    RAISE EXCEPTION 'version % of application % was approved for % from pool % by %; every approval of a version names the same amount and pool',
      a.submitted_version, a.id, ssc.money_text(first.amount_minor, first.currency), first.pool_id,
      first.principal USING ERRCODE = 'SC412';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER application_approvals_check BEFORE INSERT ON ssc.application_approvals
  FOR EACH ROW EXECUTE FUNCTION ssc.application_approvals_check();

-- The two decisions a tier may ask for besides approvals, one check:
-- TG_ARGV[0] is council (application_recommendations) or signoff
-- (application_signoffs). Only where the tier needs it, once per version.
CREATE FUNCTION ssc.application_tier_extra_check() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_council boolean := TG_ARGV[0] = 'council';
  a ssc.applications := ssc.decision_application(NEW.application_id,
    CASE WHEN v_council THEN 'a recommendation of the Council for Development Policy'
         ELSE 'a ministerial sign-off' END);
  t ssc.approval_tiers := ssc.approval_tier_for(a.currency, a.requested);
  v_what text := CASE WHEN v_council THEN 'council recommendation' ELSE 'ministerial sign-off' END;
  v_had boolean;
BEGIN
  PERFORM ssc.decision_pool_lock(a, NULL);
  IF NOT coalesce(CASE WHEN v_council THEN t.needs_council ELSE t.needs_signoff END, false) THEN
    RAISE EXCEPTION 'application % (% requested) is in a tier that needs no %',
      a.id, ssc.money_text(a.requested, a.currency), v_what USING ERRCODE = 'SC412';
  END IF;
  NEW.version := a.submitted_version;
  NEW.recorded_by := ssc.session_principal_label();
  NEW.created_at := now();
  v_had := CASE WHEN v_council
                THEN EXISTS (SELECT FROM ssc.application_recommendations x
                              WHERE x.application_id = a.id AND x.version = a.submitted_version)
                ELSE EXISTS (SELECT FROM ssc.application_signoffs x
                              WHERE x.application_id = a.id AND x.version = a.submitted_version) END;
  IF v_had THEN
    RAISE EXCEPTION 'version % of application % has its % already', a.submitted_version, a.id,
      v_what USING ERRCODE = 'SC412';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER application_recommendations_check BEFORE INSERT ON ssc.application_recommendations
  FOR EACH ROW EXECUTE FUNCTION ssc.application_tier_extra_check('council');
CREATE TRIGGER application_signoffs_check BEFORE INSERT ON ssc.application_signoffs
  FOR EACH ROW EXECUTE FUNCTION ssc.application_tier_extra_check('signoff');

CREATE FUNCTION ssc.decisions_frozen() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  RAISE EXCEPTION 'a recorded decision is never changed or deleted' USING ERRCODE = 'SC412';
END
$$;
CREATE TRIGGER application_approvals_frozen BEFORE UPDATE OR DELETE ON ssc.application_approvals
  FOR EACH ROW EXECUTE FUNCTION ssc.decisions_frozen();
CREATE TRIGGER application_recommendations_frozen BEFORE UPDATE OR DELETE
  ON ssc.application_recommendations FOR EACH ROW EXECUTE FUNCTION ssc.decisions_frozen();
CREATE TRIGGER application_signoffs_frozen BEFORE UPDATE OR DELETE ON ssc.application_signoffs
  FOR EACH ROW EXECUTE FUNCTION ssc.decisions_frozen();
CREATE TRIGGER application_approvals_audit AFTER INSERT ON ssc.application_approvals
  FOR EACH ROW EXECUTE FUNCTION ssc.audit_row('application_approval');

-- These two have no id column: entity id <application>.<version>.
CREATE FUNCTION ssc.decision_audit() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  PERFORM ssc.audit_append(TG_ARGV[0], NEW.application_id || '.' || NEW.version, NULL, to_jsonb(NEW));
  RETURN NULL;
END
$$;
CREATE TRIGGER application_recommendations_audit AFTER INSERT ON ssc.application_recommendations
  FOR EACH ROW EXECUTE FUNCTION ssc.decision_audit('application_recommendation');
CREATE TRIGGER application_signoffs_audit AFTER INSERT ON ssc.application_signoffs
  FOR EACH ROW EXECUTE FUNCTION ssc.decision_audit('application_signoff');

ALTER TABLE ssc.application_approvals ENABLE ROW LEVEL SECURITY;
ALTER TABLE ssc.application_recommendations ENABLE ROW LEVEL SECURITY;
ALTER TABLE ssc.application_signoffs ENABLE ROW LEVEL SECURITY;
CREATE POLICY application_approvals_select ON ssc.application_approvals FOR SELECT
  USING (EXISTS (SELECT FROM ssc.applications a WHERE a.id = application_id));
CREATE POLICY application_approvals_insert ON ssc.application_approvals FOR INSERT
  WITH CHECK (coalesce(ssc.session_role() = 'secretariat', false));
CREATE POLICY application_recommendations_select ON ssc.application_recommendations FOR SELECT
  USING (EXISTS (SELECT FROM ssc.applications a WHERE a.id = application_id));
CREATE POLICY application_recommendations_insert ON ssc.application_recommendations FOR INSERT
  WITH CHECK (coalesce(ssc.session_role() = 'secretariat', false));
CREATE POLICY application_signoffs_select ON ssc.application_signoffs FOR SELECT
  USING (EXISTS (SELECT FROM ssc.applications a WHERE a.id = application_id));
CREATE POLICY application_signoffs_insert ON ssc.application_signoffs FOR INSERT
  WITH CHECK (coalesce(ssc.session_role() = 'secretariat', false));
GRANT SELECT ON ssc.application_approvals, ssc.application_recommendations,
  ssc.application_signoffs TO ssc_app;
GRANT INSERT (application_id, pool_id, amount_minor, currency) ON ssc.application_approvals TO ssc_app;
GRANT INSERT (application_id, on_date, reference) ON ssc.application_recommendations TO ssc_app;
GRANT INSERT (application_id, signed_by, on_date, reference) ON ssc.application_signoffs TO ssc_app;

-- ---- what is missing, and completing ------------------------------------------------

CREATE OR REPLACE FUNCTION ssc.application_missing(a ssc.applications) RETURNS text[]
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  t ssc.approval_tiers := ssc.approval_tier_for(a.currency, a.requested);
  v_n int;
  v text[] := '{}';
BEGIN
  IF t.id IS NULL THEN
    RETURN ARRAY['an approval tier for ' || ssc.money_text(a.requested, a.currency)
                 || ' (the admin sets the tiers of ' || a.currency || ')'];
  END IF;
  SELECT count(*) INTO v_n FROM ssc.application_approvals x
   WHERE x.application_id = a.id AND x.version = a.submitted_version;
  IF v_n < t.approvals THEN
    v := v || ((t.approvals - v_n) || CASE WHEN v_n > 0 THEN ' more' ELSE '' END
               || CASE WHEN t.approvals - v_n = 1 THEN ' approval' ELSE ' approvals' END);
  END IF;
  IF t.needs_council AND NOT EXISTS (SELECT FROM ssc.application_recommendations x
                                      WHERE x.application_id = a.id
                                        AND x.version = a.submitted_version) THEN
    v := v || 'a recommendation of the Council for Development Policy'::text;
  END IF;
  IF t.needs_signoff AND NOT EXISTS (SELECT FROM ssc.application_signoffs x
                                      WHERE x.application_id = a.id
                                        AND x.version = a.submitted_version) THEN
    v := v || 'a ministerial sign-off'::text;
  END IF;
  RETURN v;
END
$$;

CREATE OR REPLACE FUNCTION ssc.application_decision_json(a ssc.applications) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  RETURN CASE WHEN a.submitted_version = 0 THEN NULL ELSE jsonb_build_object(
    'tier', ssc.approval_tier_json(ssc.approval_tier_for(a.currency, a.requested)),
    'approvals', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                     'principal_id', x.principal_id, 'principal', x.principal,
                     'at', ssc.rfc3339(x.created_at), 'amount', ssc.money(x.amount_minor, x.currency),
                     'pool_id', x.pool_id, 'version', x.version) ORDER BY x.id), '[]')
                    FROM ssc.application_approvals x
                   WHERE x.application_id = a.id AND x.version = a.submitted_version),
    'recommendation', (SELECT jsonb_build_object('on_date', x.on_date::text, 'reference', x.reference,
                                                 'recorded_by', x.recorded_by,
                                                 'at', ssc.rfc3339(x.created_at))
                         FROM ssc.application_recommendations x
                        WHERE x.application_id = a.id AND x.version = a.submitted_version),
    'signoff', (SELECT jsonb_build_object('signed_by', x.signed_by, 'on_date', x.on_date::text,
                                          'reference', x.reference, 'recorded_by', x.recorded_by,
                                          'at', ssc.rfc3339(x.created_at))
                  FROM ssc.application_signoffs x
                 WHERE x.application_id = a.id AND x.version = a.submitted_version),
    'missing', CASE WHEN a.status IN ('submitted', 'under_review')
                    THEN to_jsonb(ssc.application_missing(a)) ELSE '[]' END) END;
END
$$;

-- Completes application a (locked by the caller) when nothing is missing:
-- see the top. Returns the application as it then is.
CREATE FUNCTION ssc.application_complete(a ssc.applications) RETURNS ssc.applications
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  first ssc.application_approvals;
  c ssc.collaborations;
BEGIN
  IF cardinality(ssc.application_missing(a)) > 0 THEN
    RETURN a;
  END IF;
  SELECT * INTO first FROM ssc.application_approvals x
   WHERE x.application_id = a.id AND x.version = a.submitted_version ORDER BY x.id LIMIT 1;
  UPDATE ssc.applications x SET status = 'approved' WHERE x.id = a.id RETURNING * INTO a;
  INSERT INTO ssc.allocations (pool_id, application_id, amount_minor, currency)
    VALUES (first.pool_id, a.id, first.amount_minor, a.currency);
  SELECT * INTO c FROM ssc.collaborations x WHERE x.id = a.collaboration_id;
  IF c.phase <> a.phase THEN
    PERFORM ssc.collab_transition(jsonb_build_object(
      'id', a.collaboration_id, 'to_phase', a.phase, 'planned_start', a.starts_on::text,
      'planned_end', a.ends_on::text,
      'note', 'application ' || a.id || ' (version ' || a.submitted_version || ') approved'), NULL);
  END IF;
  RETURN a;
END
$$;

CREATE FUNCTION ssc.application_approve(p jsonb, p_hash bytea) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v jsonb := ssc.idem_claim(ssc.req_text(p, 'idempotency_key'), p_hash);
  v_pool bigint := ssc.req_required_id(p, 'pool_id');
  v_amount jsonb := ssc.req_money(p, 'amount', true);
  a ssc.applications;
BEGIN
  IF v IS NOT NULL THEN
    RETURN v;
  END IF;
  a := ssc.application_for_update(ssc.req_required_id(p, 'id'), 0);
  INSERT INTO ssc.application_approvals (application_id, pool_id, amount_minor, currency)
    VALUES (a.id, v_pool, (v_amount ->> 'amount_minor')::bigint, v_amount ->> 'currency');
  a := ssc.application_complete(a);
  v := ssc.application_json(a);
  PERFORM ssc.idem_store(ssc.req_text(p, 'idempotency_key'), v);
  RETURN v;
END
$$;

CREATE FUNCTION ssc.application_recommend(p jsonb, p_hash bytea) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v jsonb := ssc.idem_claim(ssc.req_text(p, 'idempotency_key'), p_hash);
  v_on date := ssc.req_required_date(p, 'on_date');
  v_ref text := ssc.req_words(p, 'reference', 200, true, false);
  a ssc.applications;
BEGIN
  IF v IS NOT NULL THEN
    RETURN v;
  END IF;
  a := ssc.application_for_update(ssc.req_required_id(p, 'id'), 0);
  INSERT INTO ssc.application_recommendations (application_id, on_date, reference)
    VALUES (a.id, v_on, v_ref);
  a := ssc.application_complete(a);
  v := ssc.application_json(a);
  PERFORM ssc.idem_store(ssc.req_text(p, 'idempotency_key'), v);
  RETURN v;
END
$$;

CREATE FUNCTION ssc.application_signoff(p jsonb, p_hash bytea) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v jsonb := ssc.idem_claim(ssc.req_text(p, 'idempotency_key'), p_hash);
  v_by text := ssc.req_words(p, 'signed_by', 200, true, false);
  v_on date := ssc.req_required_date(p, 'on_date');
  v_ref text := ssc.req_words(p, 'reference', 200, true, false);
  a ssc.applications;
BEGIN
  IF v IS NOT NULL THEN
    RETURN v;
  END IF;
  a := ssc.application_for_update(ssc.req_required_id(p, 'id'), 0);
  INSERT INTO ssc.application_signoffs (application_id, signed_by, on_date, reference)
    VALUES (a.id, v_by, v_on, v_ref);
  a := ssc.application_complete(a);
  v := ssc.application_json(a);
  PERFORM ssc.idem_store(ssc.req_text(p, 'idempotency_key'), v);
  RETURN v;
END
$$;

-- ---- the tiers, through the API -------------------------------------------------------

CREATE FUNCTION ssc.approval_tier_list(p jsonb) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_currency text := ssc.req_text(p, 'currency');
BEGIN
  IF v_currency <> '' AND v_currency !~ '^[A-Z]{3}$' THEN
    RAISE EXCEPTION 'currency: must be an ISO 4217 code such as DKK, not "%"', left(v_currency, 8)
      USING ERRCODE = 'SC400';
  END IF;
  RETURN jsonb_build_object('tiers',
    (SELECT coalesce(jsonb_agg(ssc.approval_tier_json(t) ORDER BY t.currency, t.up_to_minor), '[]')
       FROM ssc.approval_tiers t
      WHERE (v_currency = '' OR t.currency = v_currency) AND t.retired_at IS NULL));
END
$$;

CREATE FUNCTION ssc.approval_tier_set(p jsonb, p_hash bytea) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v jsonb := ssc.idem_claim(ssc.req_text(p, 'idempotency_key'), p_hash);
  v_currency text := ssc.app_currency_arg(p);
  v_tiers jsonb := coalesce(p -> 'tiers', '[]');
  e jsonb;
  i int := 0;
  v_prev bigint := 0;
  v_up jsonb;
  v_up_to bigint;
  v_n bigint;
BEGIN
  IF v IS NOT NULL THEN
    RETURN v;
  END IF;
  IF ssc.session_role() IS DISTINCT FROM 'admin' THEN
    RAISE EXCEPTION 'role % may not set approval tiers', ssc.session_role() USING ERRCODE = 'SC403';
  END IF;
  IF jsonb_typeof(v_tiers) <> 'array' OR jsonb_array_length(v_tiers) NOT BETWEEN 1 AND 10 THEN
    RAISE EXCEPTION 'tiers: give 1 to 10 tiers' USING ERRCODE = 'SC400';
  END IF;
  UPDATE ssc.approval_tiers t SET retired_at = now()
   WHERE t.currency = v_currency AND t.retired_at IS NULL;
  FOR e IN SELECT x FROM jsonb_array_elements(v_tiers) x LOOP
    i := i + 1;
    v_up := ssc.req_money(e, 'up_to', false);
    IF v_up IS NULL AND i < jsonb_array_length(v_tiers) THEN
      RAISE EXCEPTION 'tiers: tier % has no limit, but only the last one may be without' , i
        USING ERRCODE = 'SC400';
    END IF;
    IF v_up IS NOT NULL AND i = jsonb_array_length(v_tiers) THEN
      RAISE EXCEPTION 'tiers: the last tier must be without a limit (up_to unset), so that every amount has a tier'
        USING ERRCODE = 'SC400';
    END IF;
    IF v_up ->> 'currency' <> v_currency THEN
      RAISE EXCEPTION 'tiers: tier %''s up_to is in %, the tiers in %', i, v_up ->> 'currency',
        v_currency USING ERRCODE = 'SC400';
    END IF;
    v_up_to := coalesce((v_up ->> 'amount_minor')::bigint, 9223372036854775807);
    IF v_up_to <= v_prev THEN
      RAISE EXCEPTION 'tiers: tier %''s up_to must be more than the tier before''s (%)', i,
        ssc.money_text(v_prev, v_currency) USING ERRCODE = 'SC400';
    END IF;
    v_n := ssc.req_int(e, 'approvals');
    IF v_n NOT BETWEEN 1 AND 5 THEN
      RAISE EXCEPTION 'tiers: tier % needs 1 to 5 approvals, not %', i, v_n USING ERRCODE = 'SC400';
    END IF;
    INSERT INTO ssc.approval_tiers (currency, up_to_minor, approvals, needs_council, needs_signoff)
      VALUES (v_currency, v_up_to, v_n, ssc.req_bool(e, 'needs_council'),
              ssc.req_bool(e, 'needs_signoff'));
    v_prev := v_up_to;
  END LOOP;
  v := ssc.approval_tier_list(jsonb_build_object('currency', v_currency));
  PERFORM ssc.idem_store(ssc.req_text(p, 'idempotency_key'), v);
  RETURN v;
END
$$;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA ssc FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
  ssc.approval_tier_json(ssc.approval_tiers), ssc.approval_tier_for(text, bigint),
  ssc.approval_tiers_retire_only(),
  ssc.decision_application(bigint, text), ssc.decisions_frozen(),
  ssc.application_missing(ssc.applications), ssc.application_decision_json(ssc.applications),
  ssc.application_complete(ssc.applications), ssc.application_approve(jsonb, bytea),
  ssc.application_recommend(jsonb, bytea), ssc.application_signoff(jsonb, bytea),
  ssc.approval_tier_list(jsonb), ssc.approval_tier_set(jsonb, bytea)
  TO ssc_app;
