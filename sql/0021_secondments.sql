-- 0021 expert secondments (API.md "Secondments").
--
-- A named expert of a Danish authority (the employer's payroll reference
-- and a name) works with a partner authority in a collaboration's country
-- from one date to another, at a share of full time in basis points, for
-- an approved monthly compensation. Naming a contract's staff category
-- caps the compensation at that category's maximum rate in the contract
-- version in force when the secondment starts.
--
-- Derived on every read, as of a date (today by default):
--   stay    long when it lasts at least [domain] long_stay_months (sscd
--           passes the setting on every connection; default 6) months,
--           by ssc.lasts_months (0017), else short
--   status  cancelled when cancelled, else planned before starts_on,
--           active until ends_on, completed after
--
-- The invariant: one expert (employer, employee_ref) is never seconded for
-- more than 10,000 basis points (100 %) on any day, over all secondments
-- not cancelled. secondments_full_time checks it after every insert and
-- update that can raise a day's sum, under a transaction advisory lock on
-- the expert, so of two concurrent writes that together pass 100 % the
-- second waits for the first, then sees it (READ COMMITTED: a new
-- statement, a new snapshot) and fails: exactly one stands. The check is
-- SECURITY DEFINER so that it counts secondments the writer may not read.
--
-- Who sees what: secretariat and auditor all; a ministry those whose
-- employer or collaboration lead is in its scope; an embassy those in its
-- country. The secretariat writes all, a ministry those whose employer is
-- in its scope.

CREATE TABLE ssc.secondments (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  collaboration_id bigint NOT NULL REFERENCES ssc.collaborations (id),
  employer_id      bigint NOT NULL REFERENCES ssc.organisations (id),
  employee_ref     text NOT NULL,
  expert_name      text NOT NULL,
  host_id          bigint NOT NULL REFERENCES ssc.organisations (id),
  country          text NOT NULL,
  lead_id          bigint NOT NULL REFERENCES ssc.organisations (id),
  starts_on        date NOT NULL,
  ends_on          date NOT NULL,
  share_bp         int NOT NULL,
  monthly_minor    bigint NOT NULL,
  currency         text NOT NULL,
  contract_id      bigint REFERENCES ssc.agreements (id),
  staff_category   text,
  cancelled_on     date,
  version          bigint NOT NULL DEFAULT 1,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT secondments_employee_ref_check
    CHECK (char_length(employee_ref) BETWEEN 1 AND 64 AND employee_ref !~ '[[:cntrl:][:space:]]'),
  CONSTRAINT secondments_expert_name_check CHECK (char_length(expert_name) BETWEEN 1 AND 200),
  CONSTRAINT secondments_period_check CHECK (ends_on >= starts_on),
  CONSTRAINT secondments_share_check CHECK (share_bp BETWEEN 1 AND 10000),
  CONSTRAINT secondments_monthly_check CHECK (monthly_minor >= 0),
  CONSTRAINT secondments_currency_check CHECK (currency ~ '^[A-Z]{3}$'),
  CONSTRAINT secondments_category_check CHECK (staff_category IS NULL OR contract_id IS NOT NULL)
);
COMMENT ON TABLE ssc.secondments IS 'expert secondments (API.md "Secondments")';
CREATE INDEX secondments_collaboration_idx ON ssc.secondments (collaboration_id, id);
CREATE INDEX secondments_employer_idx ON ssc.secondments (employer_id, employee_ref, id);
CREATE INDEX secondments_lead_idx ON ssc.secondments (lead_id, id);
CREATE INDEX secondments_country_idx ON ssc.secondments (country, id);

CREATE FUNCTION ssc.secondments_before_update() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  IF (NEW.collaboration_id, NEW.employer_id, NEW.employee_ref, NEW.host_id, NEW.country,
      NEW.lead_id, NEW.contract_id, NEW.staff_category)
     IS DISTINCT FROM
     (OLD.collaboration_id, OLD.employer_id, OLD.employee_ref, OLD.host_id, OLD.country,
      OLD.lead_id, OLD.contract_id, OLD.staff_category) THEN
    RAISE EXCEPTION 'only the dates, share, compensation, name and cancellation of a secondment change'
      USING ERRCODE = 'SC400';
  END IF;
  IF OLD.cancelled_on IS NOT NULL THEN
    RAISE EXCEPTION 'secondment % was cancelled on %', OLD.id, OLD.cancelled_on USING ERRCODE = 'SC412';
  END IF;
  NEW.created_at := OLD.created_at;
  NEW.version := OLD.version + 1;
  NEW.updated_at := now();
  RETURN NEW;
END
$$;
CREATE TRIGGER secondments_before_update BEFORE UPDATE ON ssc.secondments
  FOR EACH ROW EXECUTE FUNCTION ssc.secondments_before_update();
CREATE TRIGGER secondments_audit AFTER INSERT OR UPDATE OR DELETE ON ssc.secondments
  FOR EACH ROW EXECUTE FUNCTION ssc.audit_row('secondment');

-- The 100 % rule (see the top). The most any day holds is reached on a day
-- one of the expert's secondments starts, so only those days are summed.
CREATE FUNCTION ssc.secondments_full_time() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_day date;
  v_sum bigint;
BEGIN
  IF NEW.cancelled_on IS NOT NULL THEN
    RETURN NULL;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('ssc.secondments.expert'),
                                hashtext(NEW.employer_id || '/' || NEW.employee_ref));
  SELECT d.day, sum(s.share_bp) INTO v_day, v_sum
    FROM (SELECT DISTINCT greatest(x.starts_on, NEW.starts_on) AS day
            FROM ssc.secondments x
           WHERE x.employer_id = NEW.employer_id AND x.employee_ref = NEW.employee_ref
             AND x.cancelled_on IS NULL
             AND x.starts_on <= NEW.ends_on AND x.ends_on >= NEW.starts_on) d
    JOIN ssc.secondments s
      ON s.employer_id = NEW.employer_id AND s.employee_ref = NEW.employee_ref
     AND s.cancelled_on IS NULL AND s.starts_on <= d.day AND s.ends_on >= d.day
   GROUP BY d.day
  HAVING sum(s.share_bp) > 10000
   ORDER BY d.day LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'share_bp: expert % of organisation % would work % basis points on % (more than full time, 10000)',
      NEW.employee_ref, NEW.employer_id, v_sum, v_day USING ERRCODE = 'SC412';
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER secondments_full_time
  AFTER INSERT OR UPDATE OF starts_on, ends_on, share_bp ON ssc.secondments
  FOR EACH ROW EXECUTE FUNCTION ssc.secondments_full_time();

ALTER TABLE ssc.secondments ENABLE ROW LEVEL SECURITY;
CREATE POLICY secondments_select ON ssc.secondments FOR SELECT
  USING (ssc.reads_all() OR ssc.in_scope(employer_id) OR ssc.in_scope(lead_id)
         OR coalesce(ssc.session_role() = 'embassy' AND country = ssc.session_country(), false));
CREATE POLICY secondments_insert ON ssc.secondments FOR INSERT
  WITH CHECK (coalesce(ssc.session_role() = 'secretariat', false) OR ssc.in_scope(employer_id));
CREATE POLICY secondments_update ON ssc.secondments FOR UPDATE
  USING (coalesce(ssc.session_role() = 'secretariat', false) OR ssc.in_scope(employer_id))
  WITH CHECK (coalesce(ssc.session_role() = 'secretariat', false) OR ssc.in_scope(employer_id));

GRANT SELECT ON ssc.secondments TO ssc_app;
GRANT INSERT (collaboration_id, employer_id, employee_ref, expert_name, host_id, country, lead_id,
              starts_on, ends_on, share_bp, monthly_minor, currency, contract_id, staff_category)
  ON ssc.secondments TO ssc_app;
GRANT UPDATE (expert_name, starts_on, ends_on, share_bp, monthly_minor, currency, cancelled_on)
  ON ssc.secondments TO ssc_app;

CREATE FUNCTION ssc.secondment_status(s ssc.secondments, d date) RETURNS text
  LANGUAGE sql IMMUTABLE
  RETURN CASE WHEN s.cancelled_on IS NOT NULL THEN 'cancelled'
              WHEN d < s.starts_on THEN 'planned'
              WHEN d <= s.ends_on THEN 'active'
              ELSE 'completed' END;

CREATE FUNCTION ssc.secondment_json(s ssc.secondments, d date) RETURNS jsonb
  LANGUAGE sql STABLE
  SET search_path = ssc, pg_temp
  RETURN jsonb_build_object(
    'id', s.id, 'collaboration_id', s.collaboration_id, 'employer_id', s.employer_id,
    'employee_ref', s.employee_ref, 'expert_name', s.expert_name, 'host_id', s.host_id,
    'country', s.country, 'starts_on', s.starts_on::text, 'ends_on', s.ends_on::text,
    'share_bp', s.share_bp,
    'monthly_compensation', jsonb_build_object('amount_minor', s.monthly_minor,
                                               'currency', s.currency),
    'contract_id', s.contract_id, 'staff_category', s.staff_category,
    'stay', CASE WHEN ssc.lasts_months(s.starts_on, s.ends_on, ssc.long_stay_months())
                 THEN 'long' ELSE 'short' END,
    'as_of', d::text, 'status', ssc.secondment_status(s, d),
    'cancelled_on', s.cancelled_on::text, 'version', s.version,
    'created_at', ssc.rfc3339(s.created_at), 'updated_at', ssc.rfc3339(s.updated_at));

-- The compensation against the contract's staff category, if one is named.
CREATE FUNCTION ssc.secondment_rate_check(s ssc.secondments) RETURNS void
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  a ssc.agreements;
  r ssc.agreement_versions;
  v_rate jsonb;
BEGIN
  IF s.contract_id IS NULL THEN
    RETURN;
  END IF;
  SELECT * INTO a FROM ssc.agreements x WHERE x.id = s.contract_id;
  IF NOT FOUND OR a.kind <> 'contract' THEN
    RAISE EXCEPTION 'contract_id: % is not a contract you can read', s.contract_id USING ERRCODE = 'SC400';
  END IF;
  IF s.staff_category IS NULL THEN
    RETURN;
  END IF;
  r := ssc.agreement_version_on(a.id, s.starts_on);
  SELECT c -> 'max_monthly_rate' INTO v_rate
    FROM jsonb_array_elements(coalesce(r.staff_categories, '[]')) c
   WHERE c ->> 'name' = s.staff_category;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'staff_category: contract % (version %) has no staff category "%"', a.id, r.number,
      left(s.staff_category, 100) USING ERRCODE = 'SC400';
  END IF;
  IF v_rate ->> 'currency' <> s.currency THEN
    RAISE EXCEPTION 'monthly_compensation: is in %, the staff category''s rate in %', s.currency,
      v_rate ->> 'currency' USING ERRCODE = 'SC400';
  END IF;
  IF s.monthly_minor > (v_rate ->> 'amount_minor')::bigint THEN
    RAISE EXCEPTION 'monthly_compensation: % exceeds the maximum % of staff category "%" (contract %)',
      s.monthly_minor, v_rate ->> 'amount_minor', s.staff_category, a.id USING ERRCODE = 'SC400';
  END IF;
END
$$;

CREATE FUNCTION ssc.secondment_share_arg(p jsonb) RETURNS int
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v bigint := ssc.req_int(p, 'share_bp');
BEGIN
  IF v NOT BETWEEN 1 AND 10000 THEN
    RAISE EXCEPTION 'share_bp: must be between 1 and 10000 basis points (100 %%), not %', v
      USING ERRCODE = 'SC400';
  END IF;
  RETURN v;
END
$$;

CREATE FUNCTION ssc.secondment_create(p jsonb, p_hash bytea) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v jsonb := ssc.idem_claim(ssc.req_text(p, 'idempotency_key'), p_hash);
  v_collab bigint := ssc.req_required_id(p, 'collaboration_id');
  v_employer bigint := ssc.req_id(p, 'employer_id');
  v_host bigint := ssc.req_required_id(p, 'host_id');
  v_money jsonb := ssc.req_money(p, 'monthly_compensation', true);
  v_ref text := ssc.req_text(p, 'employee_ref');
  v_category text := NULLIF(ssc.req_words(p, 'staff_category', 100, false, false), '');
  c ssc.collaborations;
  h ssc.organisations;
  s ssc.secondments;
BEGIN
  IF v IS NOT NULL THEN
    RETURN v;
  END IF;
  IF v_employer = 0 AND ssc.session_role() = 'ministry' THEN
    v_employer := ssc.session_org_id();
  END IF;
  IF v_employer = 0 THEN
    RAISE EXCEPTION 'employer_id: must be set' USING ERRCODE = 'SC400';
  END IF;
  PERFORM ssc.org_arg(v_employer, 'employer_id', 'danish_authority');
  SELECT * INTO c FROM ssc.collaborations x WHERE x.id = v_collab;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'collaboration_id: collaboration % not found', v_collab USING ERRCODE = 'SC400';
  END IF;
  h := ssc.org_arg(v_host, 'host_id', 'partner_authority');
  IF h.country <> c.country THEN
    RAISE EXCEPTION 'host_id: organisation % is in %, the collaboration in %', v_host, h.country,
      c.country USING ERRCODE = 'SC400';
  END IF;
  IF v_ref = '' OR char_length(v_ref) > 64 OR v_ref ~ '[[:cntrl:][:space:]]' THEN
    RAISE EXCEPTION 'employee_ref: must be 1 to 64 characters without spaces' USING ERRCODE = 'SC400';
  END IF;
  IF v_category IS NOT NULL AND ssc.req_id(p, 'contract_id') = 0 THEN
    RAISE EXCEPTION 'staff_category: needs contract_id, the contract that defines it' USING ERRCODE = 'SC400';
  END IF;
  s.collaboration_id := v_collab;
  s.employer_id := v_employer;
  s.employee_ref := v_ref;
  s.expert_name := ssc.req_words(p, 'expert_name', 200, true, false);
  s.host_id := v_host;
  s.country := c.country;
  s.lead_id := c.lead_id;
  s.starts_on := ssc.req_required_date(p, 'starts_on');
  s.ends_on := ssc.req_required_date(p, 'ends_on');
  IF s.ends_on < s.starts_on THEN
    RAISE EXCEPTION 'ends_on: % is before starts_on %', s.ends_on, s.starts_on USING ERRCODE = 'SC400';
  END IF;
  s.share_bp := ssc.secondment_share_arg(p);
  s.monthly_minor := (v_money ->> 'amount_minor')::bigint;
  s.currency := v_money ->> 'currency';
  s.contract_id := NULLIF(ssc.req_id(p, 'contract_id'), 0);
  s.staff_category := v_category;
  PERFORM ssc.secondment_rate_check(s);
  BEGIN
    INSERT INTO ssc.secondments (collaboration_id, employer_id, employee_ref, expert_name, host_id,
                                 country, lead_id, starts_on, ends_on, share_bp, monthly_minor,
                                 currency, contract_id, staff_category)
      VALUES (s.collaboration_id, s.employer_id, s.employee_ref, s.expert_name, s.host_id,
              s.country, s.lead_id, s.starts_on, s.ends_on, s.share_bp, s.monthly_minor,
              s.currency, s.contract_id, s.staff_category)
      RETURNING * INTO s;
  EXCEPTION WHEN insufficient_privilege THEN
    RAISE EXCEPTION 'role % may not second experts of organisation %', ssc.session_role(), v_employer
      USING ERRCODE = 'SC403';
  END;
  v := ssc.secondment_json(s, (now() AT TIME ZONE 'UTC')::date);
  PERFORM ssc.idem_store(ssc.req_text(p, 'idempotency_key'), v);
  RETURN v;
END
$$;

CREATE FUNCTION ssc.secondment_for_update(v_id bigint) RETURNS ssc.secondments
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  s ssc.secondments;
BEGIN
  SELECT * INTO s FROM ssc.secondments x WHERE x.id = v_id;
  IF NOT FOUND THEN
    PERFORM ssc.not_found('secondment', v_id);
  END IF;
  SELECT * INTO s FROM ssc.secondments x WHERE x.id = v_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'role % may not change secondment %', ssc.session_role(), v_id
      USING ERRCODE = 'SC403';
  END IF;
  IF s.cancelled_on IS NOT NULL THEN
    RAISE EXCEPTION 'secondment % was cancelled on %', v_id, s.cancelled_on USING ERRCODE = 'SC412';
  END IF;
  RETURN s;
END
$$;

CREATE FUNCTION ssc.secondment_amend(p jsonb, p_hash bytea) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v jsonb := ssc.idem_claim(ssc.req_text(p, 'idempotency_key'), p_hash);
  v_id bigint := ssc.req_required_id(p, 'id');
  v_expected bigint := ssc.req_id(p, 'expected_version');
  v_mask text[] := ssc.req_texts(p, 'update_mask');
  v_field text;
  v_money jsonb;
  s ssc.secondments;
BEGIN
  IF v IS NOT NULL THEN
    RETURN v;
  END IF;
  IF cardinality(v_mask) = 0 THEN
    RAISE EXCEPTION 'update_mask: must not be empty' USING ERRCODE = 'SC400';
  END IF;
  FOREACH v_field IN ARRAY v_mask LOOP
    IF v_field NOT IN ('starts_on', 'ends_on', 'share_bp', 'monthly_compensation', 'expert_name') THEN
      RAISE EXCEPTION 'update_mask: unknown field "%" (known: starts_on, ends_on, share_bp, monthly_compensation, expert_name)',
        left(v_field, 32) USING ERRCODE = 'SC400';
    END IF;
  END LOOP;
  s := ssc.secondment_for_update(v_id);
  IF v_expected <> 0 AND s.version <> v_expected THEN
    RAISE EXCEPTION 'expected version %, found %', v_expected, s.version USING ERRCODE = 'SC412';
  END IF;
  IF 'starts_on' = ANY (v_mask) THEN
    s.starts_on := ssc.req_required_date(p, 'starts_on');
  END IF;
  IF 'ends_on' = ANY (v_mask) THEN
    s.ends_on := ssc.req_required_date(p, 'ends_on');
  END IF;
  IF s.ends_on < s.starts_on THEN
    RAISE EXCEPTION 'ends_on: % is before starts_on %', s.ends_on, s.starts_on USING ERRCODE = 'SC400';
  END IF;
  IF 'share_bp' = ANY (v_mask) THEN
    s.share_bp := ssc.secondment_share_arg(p);
  END IF;
  IF 'monthly_compensation' = ANY (v_mask) THEN
    v_money := ssc.req_money(p, 'monthly_compensation', true);
    s.monthly_minor := (v_money ->> 'amount_minor')::bigint;
    s.currency := v_money ->> 'currency';
  END IF;
  IF 'expert_name' = ANY (v_mask) THEN
    s.expert_name := ssc.req_words(p, 'expert_name', 200, true, false);
  END IF;
  PERFORM ssc.secondment_rate_check(s);
  UPDATE ssc.secondments x
     SET starts_on = s.starts_on, ends_on = s.ends_on, share_bp = s.share_bp,
         monthly_minor = s.monthly_minor, currency = s.currency, expert_name = s.expert_name
   WHERE x.id = v_id RETURNING * INTO s;
  v := ssc.secondment_json(s, (now() AT TIME ZONE 'UTC')::date);
  PERFORM ssc.idem_store(ssc.req_text(p, 'idempotency_key'), v);
  RETURN v;
END
$$;

CREATE FUNCTION ssc.secondment_cancel(p jsonb, p_hash bytea) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v jsonb := ssc.idem_claim(ssc.req_text(p, 'idempotency_key'), p_hash);
  v_id bigint := ssc.req_required_id(p, 'id');
  v_on date := coalesce(ssc.req_date(p, 'on_date'), (now() AT TIME ZONE 'UTC')::date);
  s ssc.secondments;
BEGIN
  IF v IS NOT NULL THEN
    RETURN v;
  END IF;
  s := ssc.secondment_for_update(v_id);
  UPDATE ssc.secondments x SET cancelled_on = v_on WHERE x.id = v_id RETURNING * INTO s;
  v := ssc.secondment_json(s, (now() AT TIME ZONE 'UTC')::date);
  PERFORM ssc.idem_store(ssc.req_text(p, 'idempotency_key'), v);
  RETURN v;
END
$$;

CREATE FUNCTION ssc.secondment_get(p jsonb) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  s ssc.secondments;
BEGIN
  SELECT * INTO s FROM ssc.secondments x WHERE x.id = ssc.req_required_id(p, 'id');
  IF NOT FOUND THEN
    PERFORM ssc.not_found('secondment', ssc.req_int(p, 'id'));
  END IF;
  RETURN ssc.secondment_json(s, ssc.req_as_of(p));
END
$$;

CREATE FUNCTION ssc.secondment_list(p jsonb, p_after text, p_lim int) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_as_of date := ssc.req_as_of(p);
  v_collab bigint := ssc.req_id(p, 'collaboration_id');
  v_employer bigint := ssc.req_id(p, 'employer_id');
  v_ref text := ssc.req_text(p, 'employee_ref');
  v_status text := ssc.req_text(p, 'status');
  v_after bigint := coalesce(nullif(p_after, '')::bigint, 0);
  v_lim int := ssc.page_limit(p_lim);
BEGIN
  IF v_ref <> '' AND v_employer = 0 THEN
    RAISE EXCEPTION 'employee_ref: needs employer_id (a reference is the employer''s)'
      USING ERRCODE = 'SC400';
  END IF;
  RETURN (SELECT coalesce(jsonb_agg(ssc.secondment_json(s, v_as_of) ORDER BY s.id), '[]')
            FROM (SELECT * FROM ssc.secondments x
                   WHERE x.id > v_after
                     AND (v_collab = 0 OR x.collaboration_id = v_collab)
                     AND (v_employer = 0 OR x.employer_id = v_employer)
                     AND (v_ref = '' OR x.employee_ref = v_ref)
                     AND (v_status = '' OR ssc.secondment_status(x, v_as_of) = v_status)
                   ORDER BY x.id LIMIT v_lim) s);
END
$$;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA ssc FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
  ssc.secondment_status(ssc.secondments, date), ssc.secondment_json(ssc.secondments, date),
  ssc.secondment_rate_check(ssc.secondments), ssc.secondment_share_arg(jsonb),
  ssc.secondment_create(jsonb, bytea), ssc.secondment_for_update(bigint),
  ssc.secondment_amend(jsonb, bytea), ssc.secondment_cancel(jsonb, bytea),
  ssc.secondment_get(jsonb), ssc.secondment_list(jsonb, text, int),
  ssc.secondments_before_update()
  TO ssc_app;
