-- 0020 agreements (API.md "Agreements"): MoUs, cooperation and framework
-- agreements and contracts between two or more organisations, in versions.
--
-- Version 1 is made as a draft; signing gives it its signed date. An
-- amendment is a new version from its own effective date on (an extension
-- to a new end, becoming open-ended, a changed scope or notice period, new
-- contract terms); earlier versions stay as they were. Notice, given by a
-- party on a date, ends the agreement at the notice date plus the notice
-- period of the version in force then, the day clamped to the month's end
-- (ssc.notice_end, 0017: 31 August + 6 months = the last day of February);
-- termination ends it on a date.
--
-- The status is derived, always as of a date D (agreement_state):
--   draft         version 1 is not signed, or signed after D
--   terminated    terminated on or before D, or D is past the notice's end
--   notice_given  notice given on or before D
--   signed        signed, but no version is effective yet on D
--   expired       D is past the effective_to of the version in force
--   active        otherwise
-- The version in force on D is the latest one effective on D (version 1
-- before anything is effective).
--
-- Contract terms (kind contract only) belong to each version: tasks, a
-- ceiling in money, and staff categories with the maximum monthly rate of
-- each; the period is the version's. An amendment that does not name them
-- keeps the previous version's.
--
-- Who sees what: secretariat and auditor every agreement; a ministry those
-- with a party in its scope (its organisation and agencies below it) or
-- belonging to a collaboration it leads. The secretariat writes every
-- agreement, a ministry those it sees. Embassies have none of them.

-- Money field f: {"amount_minor": N, "currency": "DKK"} with N >= 0 and an
-- ISO 4217-shaped code; NULL when absent and not required.
CREATE FUNCTION ssc.req_money(p jsonb, f text, required boolean) RETURNS jsonb
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  m jsonb := p -> f;
  v_amount bigint;
  v_currency text;
BEGIN
  IF m IS NULL OR jsonb_typeof(m) = 'null' THEN
    IF required THEN
      RAISE EXCEPTION '%: must be set (amount_minor and currency)', f USING ERRCODE = 'SC400';
    END IF;
    RETURN NULL;
  END IF;
  IF jsonb_typeof(m) <> 'object' THEN
    RAISE EXCEPTION '%: must be an amount and a currency', f USING ERRCODE = 'SC400';
  END IF;
  v_amount := ssc.req_int(m, 'amount_minor');
  v_currency := ssc.req_text(m, 'currency');
  IF v_amount < 0 THEN
    RAISE EXCEPTION '%: the amount must not be negative, not %', f, v_amount USING ERRCODE = 'SC400';
  END IF;
  IF v_currency !~ '^[A-Z]{3}$' THEN
    RAISE EXCEPTION '%: the currency must be an ISO 4217 code such as DKK, not "%"', f,
      left(v_currency, 8) USING ERRCODE = 'SC400';
  END IF;
  RETURN jsonb_build_object('amount_minor', v_amount, 'currency', v_currency);
END
$$;

CREATE TABLE ssc.agreements (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind             text NOT NULL,
  title            text NOT NULL,
  collaboration_id bigint REFERENCES ssc.collaborations (id),
  party_ids        bigint[] NOT NULL,
  notice_on        date,
  notice_by        bigint REFERENCES ssc.organisations (id),
  ends_on          date,
  terminated_on    date,
  version          bigint NOT NULL DEFAULT 1,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT agreements_kind_check CHECK (kind IN ('mou', 'cooperation', 'framework', 'contract')),
  CONSTRAINT agreements_title_check CHECK (char_length(title) BETWEEN 1 AND 200),
  CONSTRAINT agreements_parties_check CHECK (cardinality(party_ids) BETWEEN 2 AND 20),
  CONSTRAINT agreements_notice_check CHECK ((notice_on IS NULL) = (notice_by IS NULL)),
  CONSTRAINT agreements_ends_check CHECK (ends_on IS NULL OR notice_on IS NOT NULL OR terminated_on IS NOT NULL)
);
COMMENT ON TABLE ssc.agreements IS 'agreements between organisations (API.md "Agreements")';
CREATE INDEX agreements_collaboration_idx ON ssc.agreements (collaboration_id, id);
CREATE INDEX agreements_parties_idx ON ssc.agreements USING gin (party_ids);

CREATE TABLE ssc.agreement_versions (
  agreement_id     bigint NOT NULL REFERENCES ssc.agreements (id),
  number           int NOT NULL,
  signed_on        date,
  effective_from   date NOT NULL,
  effective_to     date,
  notice_months    int NOT NULL DEFAULT 0,
  review_on        date,
  scope            text NOT NULL DEFAULT '',
  tasks            text,
  ceiling          jsonb,
  staff_categories jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (agreement_id, number),
  CONSTRAINT agreement_versions_number_check CHECK (number >= 1),
  CONSTRAINT agreement_versions_period_check CHECK (effective_to >= effective_from),
  CONSTRAINT agreement_versions_notice_check CHECK (notice_months BETWEEN 0 AND 120),
  CONSTRAINT agreement_versions_scope_check CHECK (char_length(scope) <= 8000),
  CONSTRAINT agreement_versions_signed_check CHECK (number = 1 OR signed_on IS NOT NULL)
);
COMMENT ON TABLE ssc.agreement_versions IS 'the versions of an agreement; never changed once signed';

-- A version is never changed once signed, nor is any deleted: what was
-- agreed stays readable as it was.
CREATE FUNCTION ssc.agreement_versions_frozen() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  IF TG_OP = 'DELETE' OR OLD.signed_on IS NOT NULL THEN
    RAISE EXCEPTION 'agreement % version % is signed and cannot change', OLD.agreement_id, OLD.number
      USING ERRCODE = 'SC412';
  END IF;
  IF (NEW.agreement_id, NEW.number) IS DISTINCT FROM (OLD.agreement_id, OLD.number) THEN
    RAISE EXCEPTION 'agreement_id and number cannot change' USING ERRCODE = 'SC400';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER agreement_versions_frozen BEFORE UPDATE OR DELETE ON ssc.agreement_versions
  FOR EACH ROW EXECUTE FUNCTION ssc.agreement_versions_frozen();

CREATE FUNCTION ssc.agreements_before_update() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  IF (NEW.kind, NEW.party_ids, NEW.collaboration_id) IS DISTINCT FROM
     (OLD.kind, OLD.party_ids, OLD.collaboration_id) THEN
    RAISE EXCEPTION 'kind, parties and collaboration of an agreement cannot change'
      USING ERRCODE = 'SC400';
  END IF;
  NEW.created_at := OLD.created_at;
  NEW.version := OLD.version + 1;
  NEW.updated_at := now();
  RETURN NEW;
END
$$;
CREATE TRIGGER agreements_before_update BEFORE UPDATE ON ssc.agreements
  FOR EACH ROW EXECUTE FUNCTION ssc.agreements_before_update();
CREATE TRIGGER agreements_audit AFTER INSERT OR UPDATE OR DELETE ON ssc.agreements
  FOR EACH ROW EXECUTE FUNCTION ssc.audit_row('agreement');

-- agreement_versions has no id column: its audit entity id is
-- <agreement>.<number>.
CREATE FUNCTION ssc.agreement_versions_audit() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM ssc.audit_append('agreement_version', NEW.agreement_id || '.' || NEW.number, NULL,
                             to_jsonb(NEW));
  ELSE
    PERFORM ssc.audit_append('agreement_version', NEW.agreement_id || '.' || NEW.number,
                             to_jsonb(OLD), to_jsonb(NEW));
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER agreement_versions_audit AFTER INSERT OR UPDATE ON ssc.agreement_versions
  FOR EACH ROW EXECUTE FUNCTION ssc.agreement_versions_audit();

-- Who sees an agreement (see the top). The collaboration test reads
-- collaborations under their own policy.
CREATE FUNCTION ssc.sees_agreement(party_ids bigint[], collaboration_id bigint) RETURNS boolean
  LANGUAGE sql STABLE
  SET search_path = ssc, pg_temp
  RETURN ssc.reads_all()
      OR (ssc.session_role() = 'ministry'
          AND (party_ids && ssc.session_scope()
               OR EXISTS (SELECT FROM ssc.collaborations c
                           WHERE c.id = collaboration_id AND ssc.in_scope(c.lead_id))));

CREATE FUNCTION ssc.writes_agreement(party_ids bigint[], collaboration_id bigint) RETURNS boolean
  LANGUAGE sql STABLE
  SET search_path = ssc, pg_temp
  RETURN coalesce(ssc.session_role() = 'secretariat', false)
      OR (ssc.session_role() = 'ministry' AND ssc.sees_agreement(party_ids, collaboration_id));

ALTER TABLE ssc.agreements ENABLE ROW LEVEL SECURITY;
CREATE POLICY agreements_select ON ssc.agreements FOR SELECT
  USING (ssc.sees_agreement(party_ids, collaboration_id));
CREATE POLICY agreements_insert ON ssc.agreements FOR INSERT
  WITH CHECK (ssc.writes_agreement(party_ids, collaboration_id));
CREATE POLICY agreements_update ON ssc.agreements FOR UPDATE
  USING (ssc.writes_agreement(party_ids, collaboration_id))
  WITH CHECK (ssc.writes_agreement(party_ids, collaboration_id));
ALTER TABLE ssc.agreement_versions ENABLE ROW LEVEL SECURITY;
CREATE POLICY agreement_versions_select ON ssc.agreement_versions FOR SELECT
  USING (EXISTS (SELECT FROM ssc.agreements a WHERE a.id = agreement_id));
CREATE POLICY agreement_versions_insert ON ssc.agreement_versions FOR INSERT
  WITH CHECK (EXISTS (SELECT FROM ssc.agreements a
                       WHERE a.id = agreement_id
                         AND ssc.writes_agreement(a.party_ids, a.collaboration_id)));
CREATE POLICY agreement_versions_update ON ssc.agreement_versions FOR UPDATE
  USING (EXISTS (SELECT FROM ssc.agreements a
                  WHERE a.id = agreement_id
                    AND ssc.writes_agreement(a.party_ids, a.collaboration_id)));

GRANT SELECT ON ssc.agreements, ssc.agreement_versions TO ssc_app;
GRANT INSERT (kind, title, collaboration_id, party_ids) ON ssc.agreements TO ssc_app;
GRANT UPDATE (title, notice_on, notice_by, ends_on, terminated_on) ON ssc.agreements TO ssc_app;
GRANT INSERT (agreement_id, number, signed_on, effective_from, effective_to, notice_months,
              review_on, scope, tasks, ceiling, staff_categories)
  ON ssc.agreement_versions TO ssc_app;
GRANT UPDATE (signed_on) ON ssc.agreement_versions TO ssc_app;

-- The version in force on d: the latest effective on d, else version 1.
CREATE FUNCTION ssc.agreement_version_on(a_id bigint, d date) RETURNS ssc.agreement_versions
  LANGUAGE sql STABLE
  SET search_path = ssc, pg_temp
  RETURN (SELECT v FROM ssc.agreement_versions v
           WHERE v.agreement_id = a_id AND (v.number = 1 OR v.effective_from <= d)
           ORDER BY (v.effective_from <= d) DESC, v.number DESC LIMIT 1);

-- The derived status on d (see the top).
CREATE FUNCTION ssc.agreement_status(a ssc.agreements, v ssc.agreement_versions, d date)
  RETURNS text
  LANGUAGE sql STABLE
  SET search_path = ssc, pg_temp
  RETURN CASE
    WHEN (SELECT x.signed_on IS NULL OR x.signed_on > d FROM ssc.agreement_versions x
           WHERE x.agreement_id = a.id AND x.number = 1) THEN 'draft'
    WHEN a.terminated_on <= d OR a.ends_on < d THEN 'terminated'
    WHEN a.notice_on <= d THEN 'notice_given'
    WHEN v.effective_from > d THEN 'signed'
    WHEN v.effective_to < d THEN 'expired'
    ELSE 'active'
  END;

CREATE FUNCTION ssc.agreement_version_json(v ssc.agreement_versions, kind text) RETURNS jsonb
  LANGUAGE sql STABLE
  RETURN jsonb_build_object(
    'agreement_id', v.agreement_id, 'number', v.number, 'signed_on', v.signed_on::text,
    'effective_from', v.effective_from::text, 'effective_to', v.effective_to::text,
    'notice_months', v.notice_months, 'review_on', v.review_on::text, 'scope', v.scope,
    'contract', CASE WHEN kind = 'contract' THEN jsonb_build_object(
                  'tasks', v.tasks, 'ceiling', v.ceiling,
                  'staff_categories', coalesce(v.staff_categories, '[]')) END,
    'created_at', ssc.rfc3339(v.created_at));

CREATE FUNCTION ssc.agreement_json(a ssc.agreements, d date) RETURNS jsonb
  LANGUAGE sql STABLE
  SET search_path = ssc, pg_temp
  RETURN (SELECT jsonb_build_object(
            'id', a.id, 'kind', a.kind, 'title', a.title, 'collaboration_id', a.collaboration_id,
            'party_ids', to_jsonb(a.party_ids), 'as_of', d::text,
            'status', ssc.agreement_status(a, v, d),
            'in_force', ssc.agreement_version_json(v, a.kind),
            'versions', (SELECT count(*) FROM ssc.agreement_versions x WHERE x.agreement_id = a.id),
            'notice_on', a.notice_on::text, 'notice_by', a.notice_by, 'ends_on', a.ends_on::text,
            'terminated_on', a.terminated_on::text, 'version', a.version,
            'created_at', ssc.rfc3339(a.created_at), 'updated_at', ssc.rfc3339(a.updated_at))
            FROM (SELECT ssc.agreement_version_on(a.id, d) AS v) x);

-- Contract terms of request p into version v (kind contract only), or
-- SC400 naming the rule.
CREATE FUNCTION ssc.contract_terms_arg(p jsonb, kind text, v ssc.agreement_versions)
  RETURNS ssc.agreement_versions
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  t jsonb := p -> 'contract';
  e jsonb;
  v_rate jsonb;
  v_names text[] := '{}';
  v_cats jsonb := '[]';
BEGIN
  IF t IS NULL OR jsonb_typeof(t) = 'null' THEN
    RETURN v;
  END IF;
  IF kind <> 'contract' THEN
    RAISE EXCEPTION 'contract: only an agreement of kind contract has contract terms, not a %', kind
      USING ERRCODE = 'SC400';
  END IF;
  v.tasks := ssc.req_words(t, 'tasks', 8000, false, true);
  v.ceiling := ssc.req_money(t, 'ceiling', true);
  IF jsonb_typeof(coalesce(t -> 'staff_categories', '[]')) <> 'array'
     OR jsonb_array_length(coalesce(t -> 'staff_categories', '[]')) > 50 THEN
    RAISE EXCEPTION 'contract.staff_categories: must be a list of at most 50' USING ERRCODE = 'SC400';
  END IF;
  FOR e IN SELECT x FROM jsonb_array_elements(coalesce(t -> 'staff_categories', '[]')) x LOOP
    IF ssc.req_words(e, 'name', 100, true, false) = ANY (v_names) THEN
      RAISE EXCEPTION 'contract.staff_categories: names "%" twice', e ->> 'name' USING ERRCODE = 'SC400';
    END IF;
    v_rate := ssc.req_money(e, 'max_monthly_rate', true);
    IF v_rate ->> 'currency' <> v.ceiling ->> 'currency' THEN
      RAISE EXCEPTION 'contract.staff_categories: the rate of "%" is in %, the ceiling in %',
        e ->> 'name', v_rate ->> 'currency', v.ceiling ->> 'currency' USING ERRCODE = 'SC400';
    END IF;
    v_names := v_names || ssc.req_words(e, 'name', 100, true, false);
    v_cats := v_cats || jsonb_build_array(jsonb_build_object(
                'name', ssc.req_words(e, 'name', 100, true, false), 'max_monthly_rate', v_rate));
  END LOOP;
  v.staff_categories := v_cats;
  RETURN v;
END
$$;

CREATE FUNCTION ssc.agreement_create(p jsonb, p_hash bytea) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v jsonb := ssc.idem_claim(ssc.req_text(p, 'idempotency_key'), p_hash);
  v_kind text := ssc.req_text(p, 'kind');
  v_collab bigint := ssc.req_id(p, 'collaboration_id');
  v_parties bigint[] := ssc.req_ids(p, 'party_ids');
  v_notice bigint := ssc.req_int(p, 'notice_months');
  v_bad bigint;
  a ssc.agreements;
  r ssc.agreement_versions;
BEGIN
  IF v IS NOT NULL THEN
    RETURN v;
  END IF;
  IF v_kind = '' THEN
    RAISE EXCEPTION 'kind: must be set' USING ERRCODE = 'SC400';
  END IF;
  IF v_kind NOT IN ('mou', 'cooperation', 'framework', 'contract') THEN
    RAISE EXCEPTION 'kind: must be one of mou, cooperation, framework, contract, not "%"', left(v_kind, 32)
      USING ERRCODE = 'SC400';
  END IF;
  IF cardinality(v_parties) < 2 THEN
    RAISE EXCEPTION 'party_ids: an agreement needs two or more parties, not %', cardinality(v_parties)
      USING ERRCODE = 'SC400';
  END IF;
  IF cardinality(v_parties) > 20 THEN
    RAISE EXCEPTION 'party_ids: at most 20 parties, not %', cardinality(v_parties) USING ERRCODE = 'SC400';
  END IF;
  SELECT x INTO v_bad FROM unnest(v_parties) x
   WHERE NOT EXISTS (SELECT FROM ssc.organisations o WHERE o.id = x) LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'party_ids: organisation % does not exist', v_bad USING ERRCODE = 'SC400';
  END IF;
  IF v_collab <> 0 AND NOT EXISTS (SELECT FROM ssc.collaborations c WHERE c.id = v_collab) THEN
    RAISE EXCEPTION 'collaboration_id: collaboration % not found', v_collab USING ERRCODE = 'SC400';
  END IF;
  IF v_notice NOT BETWEEN 0 AND 120 THEN
    RAISE EXCEPTION 'notice_months: must be between 0 and 120, not %', v_notice USING ERRCODE = 'SC400';
  END IF;
  r.number := 1;
  r.effective_from := ssc.req_required_date(p, 'effective_from');
  r.effective_to := ssc.req_date(p, 'effective_to');
  IF r.effective_to < r.effective_from THEN
    RAISE EXCEPTION 'effective_to: % is before effective_from %', r.effective_to, r.effective_from
      USING ERRCODE = 'SC400';
  END IF;
  r.notice_months := v_notice;
  r.review_on := ssc.req_date(p, 'review_on');
  r.scope := ssc.req_words(p, 'scope', 8000, false, true);
  r := ssc.contract_terms_arg(p, v_kind, r);
  BEGIN
    INSERT INTO ssc.agreements (kind, title, collaboration_id, party_ids)
      VALUES (v_kind, ssc.req_words(p, 'title', 200, true, false), NULLIF(v_collab, 0), v_parties)
      RETURNING * INTO a;
  EXCEPTION WHEN insufficient_privilege THEN
    RAISE EXCEPTION 'role % may not record an agreement none of whose parties it answers for',
      ssc.session_role() USING ERRCODE = 'SC403';
  END;
  INSERT INTO ssc.agreement_versions (agreement_id, number, effective_from, effective_to,
                                      notice_months, review_on, scope, tasks, ceiling,
                                      staff_categories)
    VALUES (a.id, 1, r.effective_from, r.effective_to, r.notice_months, r.review_on, r.scope,
            r.tasks, r.ceiling, r.staff_categories);
  v := ssc.agreement_json(a, (now() AT TIME ZONE 'UTC')::date);
  PERFORM ssc.idem_store(ssc.req_text(p, 'idempotency_key'), v);
  RETURN v;
END
$$;

-- The agreement with request p's id, locked for a change, or SC404/SC403.
CREATE FUNCTION ssc.agreement_for_update(p jsonb) RETURNS ssc.agreements
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_id bigint := ssc.req_required_id(p, 'id');
  a ssc.agreements;
BEGIN
  SELECT * INTO a FROM ssc.agreements x WHERE x.id = v_id;
  IF NOT FOUND THEN
    PERFORM ssc.not_found('agreement', v_id);
  END IF;
  SELECT * INTO a FROM ssc.agreements x WHERE x.id = v_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'role % may not change agreement %', ssc.session_role(), v_id
      USING ERRCODE = 'SC403';
  END IF;
  IF a.terminated_on IS NOT NULL THEN
    RAISE EXCEPTION 'agreement % was terminated on %', v_id, a.terminated_on USING ERRCODE = 'SC412';
  END IF;
  RETURN a;
END
$$;

-- Bumps the agreement's version when the action changed only a version
-- (so the agreement's own row moves with every action) and answers with it as of today.
CREATE FUNCTION ssc.agreement_done(a ssc.agreements, p jsonb, bump boolean) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v jsonb;
BEGIN
  IF bump THEN
    UPDATE ssc.agreements x SET title = x.title WHERE x.id = a.id RETURNING * INTO a;
  END IF;
  v := ssc.agreement_json(a, (now() AT TIME ZONE 'UTC')::date);
  PERFORM ssc.idem_store(ssc.req_text(p, 'idempotency_key'), v);
  RETURN v;
END
$$;

CREATE FUNCTION ssc.agreement_sign(p jsonb, p_hash bytea) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v jsonb := ssc.idem_claim(ssc.req_text(p, 'idempotency_key'), p_hash);
  v_on date := coalesce(ssc.req_date(p, 'signed_on'), (now() AT TIME ZONE 'UTC')::date);
  a ssc.agreements;
BEGIN
  IF v IS NOT NULL THEN
    RETURN v;
  END IF;
  a := ssc.agreement_for_update(p);
  UPDATE ssc.agreement_versions x SET signed_on = v_on
   WHERE x.agreement_id = a.id AND x.number = 1 AND x.signed_on IS NULL;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'agreement % is signed already', a.id USING ERRCODE = 'SC412';
  END IF;
  RETURN ssc.agreement_done(a, p, true);
END
$$;

CREATE FUNCTION ssc.agreement_amend(p jsonb, p_hash bytea) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v jsonb := ssc.idem_claim(ssc.req_text(p, 'idempotency_key'), p_hash);
  v_mask text[] := ssc.req_texts(p, 'update_mask');
  v_field text;
  v_notice bigint;
  a ssc.agreements;
  prev ssc.agreement_versions;
  r ssc.agreement_versions;
BEGIN
  IF v IS NOT NULL THEN
    RETURN v;
  END IF;
  FOREACH v_field IN ARRAY v_mask LOOP
    IF v_field NOT IN ('effective_to', 'open_ended', 'notice_months', 'review_on', 'scope',
                       'contract') THEN
      RAISE EXCEPTION 'update_mask: unknown field "%" (known: effective_to, open_ended, notice_months, review_on, scope, contract)',
        left(v_field, 32) USING ERRCODE = 'SC400';
    END IF;
  END LOOP;
  IF cardinality(v_mask) = 0 THEN
    RAISE EXCEPTION 'update_mask: must name what the amendment changes' USING ERRCODE = 'SC400';
  END IF;
  IF 'effective_to' = ANY (v_mask) AND 'open_ended' = ANY (v_mask) THEN
    RAISE EXCEPTION 'open_ended: give either a new effective_to or open_ended' USING ERRCODE = 'SC400';
  END IF;
  a := ssc.agreement_for_update(p);
  SELECT * INTO prev FROM ssc.agreement_versions x WHERE x.agreement_id = a.id
   ORDER BY x.number DESC LIMIT 1;
  IF prev.signed_on IS NULL THEN
    RAISE EXCEPTION 'agreement % is a draft; sign it before amending it', a.id USING ERRCODE = 'SC412';
  END IF;
  IF a.notice_on IS NOT NULL THEN
    RAISE EXCEPTION 'agreement % is under notice since %; it ends on %', a.id, a.notice_on, a.ends_on
      USING ERRCODE = 'SC412';
  END IF;
  r := prev;
  r.number := prev.number + 1;
  r.effective_from := ssc.req_required_date(p, 'effective_from');
  r.signed_on := coalesce(ssc.req_date(p, 'signed_on'), r.effective_from);
  IF r.effective_from <= prev.effective_from THEN
    RAISE EXCEPTION 'effective_from: an amendment takes effect after the version it amends (%), not on %',
      prev.effective_from, r.effective_from USING ERRCODE = 'SC400';
  END IF;
  IF 'effective_to' = ANY (v_mask) THEN
    r.effective_to := ssc.req_required_date(p, 'effective_to');
  END IF;
  IF 'open_ended' = ANY (v_mask) THEN
    IF NOT ssc.req_bool(p, 'open_ended') THEN
      RAISE EXCEPTION 'open_ended: in update_mask, it must be true' USING ERRCODE = 'SC400';
    END IF;
    r.effective_to := NULL;
  END IF;
  IF r.effective_to < r.effective_from THEN
    RAISE EXCEPTION 'effective_to: % is before effective_from %', r.effective_to, r.effective_from
      USING ERRCODE = 'SC400';
  END IF;
  IF 'notice_months' = ANY (v_mask) THEN
    v_notice := ssc.req_int(p, 'notice_months');
    IF v_notice NOT BETWEEN 0 AND 120 THEN
      RAISE EXCEPTION 'notice_months: must be between 0 and 120, not %', v_notice USING ERRCODE = 'SC400';
    END IF;
    r.notice_months := v_notice;
  END IF;
  IF 'review_on' = ANY (v_mask) THEN
    r.review_on := ssc.req_date(p, 'review_on');
  END IF;
  IF 'scope' = ANY (v_mask) THEN
    r.scope := ssc.req_words(p, 'scope', 8000, false, true);
  END IF;
  IF 'contract' = ANY (v_mask) THEN
    r := ssc.contract_terms_arg(p, a.kind, r);
  END IF;
  INSERT INTO ssc.agreement_versions (agreement_id, number, signed_on, effective_from, effective_to,
                                      notice_months, review_on, scope, tasks, ceiling,
                                      staff_categories)
    VALUES (a.id, r.number, r.signed_on, r.effective_from, r.effective_to, r.notice_months,
            r.review_on, r.scope, r.tasks, r.ceiling, r.staff_categories);
  RETURN ssc.agreement_done(a, p, true);
END
$$;

CREATE FUNCTION ssc.agreement_notice(p jsonb, p_hash bytea) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v jsonb := ssc.idem_claim(ssc.req_text(p, 'idempotency_key'), p_hash);
  v_by bigint := ssc.req_required_id(p, 'by_party_id');
  v_on date := ssc.req_required_date(p, 'on_date');
  a ssc.agreements;
  r ssc.agreement_versions;
  v_ends date;
BEGIN
  IF v IS NOT NULL THEN
    RETURN v;
  END IF;
  a := ssc.agreement_for_update(p);
  IF NOT v_by = ANY (a.party_ids) THEN
    RAISE EXCEPTION 'by_party_id: organisation % is not a party to agreement %', v_by, a.id
      USING ERRCODE = 'SC400';
  END IF;
  IF a.notice_on IS NOT NULL THEN
    RAISE EXCEPTION 'agreement %: notice was given on % already; it ends on %', a.id, a.notice_on,
      a.ends_on USING ERRCODE = 'SC412';
  END IF;
  r := ssc.agreement_version_on(a.id, v_on);
  IF r.signed_on IS NULL OR r.signed_on > v_on THEN
    RAISE EXCEPTION 'agreement % was not signed on %; a draft needs no notice', a.id, v_on
      USING ERRCODE = 'SC412';
  END IF;
  IF r.effective_to < v_on THEN
    RAISE EXCEPTION 'agreement % expired on %, before %', a.id, r.effective_to, v_on
      USING ERRCODE = 'SC412';
  END IF;
  v_ends := ssc.notice_end(v_on, r.notice_months);
  -- A fixed end before the notice's end comes first.
  v_ends := least(v_ends, r.effective_to);
  UPDATE ssc.agreements x SET notice_on = v_on, notice_by = v_by, ends_on = v_ends
   WHERE x.id = a.id RETURNING * INTO a;
  RETURN ssc.agreement_done(a, p, false);
END
$$;

CREATE FUNCTION ssc.agreement_terminate(p jsonb, p_hash bytea) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v jsonb := ssc.idem_claim(ssc.req_text(p, 'idempotency_key'), p_hash);
  v_on date := ssc.req_required_date(p, 'on_date');
  a ssc.agreements;
BEGIN
  IF v IS NOT NULL THEN
    RETURN v;
  END IF;
  a := ssc.agreement_for_update(p);
  IF NOT EXISTS (SELECT FROM ssc.agreement_versions x
                  WHERE x.agreement_id = a.id AND x.number = 1 AND x.signed_on <= v_on) THEN
    RAISE EXCEPTION 'agreement % was not signed by %; a draft is not terminated', a.id, v_on
      USING ERRCODE = 'SC412';
  END IF;
  UPDATE ssc.agreements x SET terminated_on = v_on, ends_on = least(x.ends_on, v_on)
   WHERE x.id = a.id RETURNING * INTO a;
  RETURN ssc.agreement_done(a, p, false);
END
$$;

CREATE FUNCTION ssc.agreement_get(p jsonb) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  a ssc.agreements;
BEGIN
  SELECT * INTO a FROM ssc.agreements x WHERE x.id = ssc.req_required_id(p, 'id');
  IF NOT FOUND THEN
    PERFORM ssc.not_found('agreement', ssc.req_int(p, 'id'));
  END IF;
  RETURN ssc.agreement_json(a, ssc.req_as_of(p));
END
$$;

CREATE FUNCTION ssc.agreement_list(p jsonb, p_after text, p_lim int) RETURNS jsonb
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
                   WHERE x.id > v_after
                     AND (v_kind = '' OR x.kind = v_kind)
                     AND (v_collab = 0 OR x.collaboration_id = v_collab)
                     AND (v_party = 0 OR x.party_ids @> ARRAY[v_party])
                     AND (v_status = ''
                          OR ssc.agreement_status(x, ssc.agreement_version_on(x.id, v_as_of),
                                                  v_as_of) = v_status)
                   ORDER BY x.id LIMIT v_lim) page);
END
$$;

CREATE FUNCTION ssc.agreement_versions(p jsonb, p_after text, p_lim int) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_id bigint := ssc.req_required_id(p, 'id');
  v_after int := coalesce(nullif(p_after, '')::int, 0);
  v_lim int := ssc.page_limit(p_lim);
  v_kind text;
BEGIN
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

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA ssc FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
  ssc.req_money(jsonb, text, boolean),
  ssc.sees_agreement(bigint[], bigint), ssc.writes_agreement(bigint[], bigint),
  ssc.agreement_version_on(bigint, date),
  ssc.agreement_status(ssc.agreements, ssc.agreement_versions, date),
  ssc.agreement_version_json(ssc.agreement_versions, text),
  ssc.agreement_json(ssc.agreements, date),
  ssc.contract_terms_arg(jsonb, text, ssc.agreement_versions),
  ssc.agreement_create(jsonb, bytea), ssc.agreement_for_update(jsonb),
  ssc.agreement_done(ssc.agreements, jsonb, boolean),
  ssc.agreement_sign(jsonb, bytea), ssc.agreement_amend(jsonb, bytea),
  ssc.agreement_notice(jsonb, bytea), ssc.agreement_terminate(jsonb, bytea),
  ssc.agreement_get(jsonb), ssc.agreement_list(jsonb, text, int),
  ssc.agreement_versions(jsonb, text, int),
  ssc.agreement_versions_frozen(), ssc.agreements_before_update()
  TO ssc_app;
