-- 0029 applications for funding: content, workflow, frozen versions and
-- review comments (API.md "Applications"). The decisions on them (approval
-- tiers, approvals, recommendation, sign-off) are 0030, the money they
-- commit 0031.
--
-- Content: a collaboration, a target phase (inception, long_term,
-- phase_2), a period, a title and narrative, budget lines and
-- co-financing lines, all in the application's one currency. Lines are
-- stored as the API writes them (jsonb arrays); the table's CHECKs call
-- ssc.app_budget_check and ssc.app_cofinancing_check, which raise SC400
-- naming the line and the rule, so a line breaks the same rule however
-- it is written. budget_total, cofinancing_total and requested
-- (= budget_total - cofinancing_total) are set by the BEFORE trigger from
-- the lines, never typed in.
--
-- Shares (ssc.share_json): numerator / denominator as given, and the
-- percentage to two decimals rounded half up from the exact fraction, in
-- integer arithmetic: floor((n * 20000 + d) / (2 * d)) hundredths of a
-- per cent. 403770 / 527044 is 76.61.
--
-- Workflow, a table (ssc.application_steps, who may take each step):
--   draft -> submitted                 ministry
--   returned -> submitted              ministry
--   draft|submitted|under_review|returned -> withdrawn   ministry
--   submitted -> under_review          secretariat
--   under_review -> returned|rejected  secretariat
--   under_review -> approved           secretariat, only when the tier's
--                                      requirements are met (0031)
-- applications_before_update refuses any other change of status (SC412
-- naming the allowed steps) and content changes outside draft and
-- returned, whoever writes. Each submission increments submitted_version,
-- and the AFTER trigger (SECURITY DEFINER) copies the content into
-- application_versions, which ssc_app cannot write at all and which no
-- one changes or deletes (a trigger refuses, the owner included).
--
-- Who: a ministry drafts and submits for collaborations led in its scope,
-- and reads those; the secretariat and the auditor read all; the
-- secretariat takes the review steps. Versions and comments follow their
-- application.

CREATE FUNCTION ssc.share_json(n bigint, d bigint) RETURNS jsonb
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  h numeric;
BEGIN
  IF d IS NULL OR d <= 0 OR n IS NULL THEN
    RETURN NULL;
  END IF;
  h := div(n::numeric * 20000 + d, 2::numeric * d);
  RETURN jsonb_build_object('numerator', n, 'denominator', d,
                            'percent', div(h, 100)::text || '.' || lpad(mod(h, 100)::text, 2, '0'));
END
$$;

CREATE TABLE ssc.application_steps (
  from_status text NOT NULL,
  to_status   text NOT NULL,
  role        text NOT NULL,
  PRIMARY KEY (from_status, to_status)
);
INSERT INTO ssc.application_steps VALUES
  ('draft', 'submitted', 'ministry'), ('returned', 'submitted', 'ministry'),
  ('draft', 'withdrawn', 'ministry'), ('submitted', 'withdrawn', 'ministry'),
  ('under_review', 'withdrawn', 'ministry'), ('returned', 'withdrawn', 'ministry'),
  ('submitted', 'under_review', 'secretariat'),
  ('under_review', 'returned', 'secretariat'), ('under_review', 'rejected', 'secretariat'),
  ('under_review', 'approved', 'secretariat');
ALTER TABLE ssc.application_steps ENABLE ROW LEVEL SECURITY;
CREATE POLICY application_steps_select ON ssc.application_steps FOR SELECT
  USING (ssc.session_role() IS NOT NULL);
GRANT SELECT ON ssc.application_steps TO ssc_app;

-- The rules of the budget lines: [{"category", "year", "amount":
-- {"amount_minor", "currency"}, "description"}], at most 500.
CREATE FUNCTION ssc.app_budget_check(b jsonb, currency text, starts_on date, ends_on date)
  RETURNS boolean
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  e jsonb;
  i int := 0;
  v_year int;
BEGIN
  IF jsonb_typeof(b) <> 'array' OR jsonb_array_length(b) > 500 THEN
    RAISE EXCEPTION 'budget: at most 500 lines' USING ERRCODE = 'SC400';
  END IF;
  FOR e IN SELECT x FROM jsonb_array_elements(b) x LOOP
    i := i + 1;
    IF NOT coalesce(e ->> 'category' IN ('staff_compensation', 'secondment', 'travel', 'workshops',
                                         'analyses', 'partner_activities', 'contingency'), false) THEN
      RAISE EXCEPTION 'budget line %: category must be one of staff_compensation, secondment, travel, workshops, analyses, partner_activities, contingency, not %',
        i, coalesce(left(e ->> 'category', 40), 'unset') USING ERRCODE = 'SC400';
    END IF;
    v_year := CASE WHEN jsonb_typeof(e -> 'year') = 'number' AND (e ->> 'year') ~ '^[0-9]{1,4}$'
                   THEN (e ->> 'year')::int ELSE 0 END;
    IF v_year NOT BETWEEN 2000 AND 2100 THEN
      RAISE EXCEPTION 'budget line %: year must be from 2000 to 2100, not %', i,
        coalesce(left(e ->> 'year', 20), 'unset') USING ERRCODE = 'SC400';
    END IF;
    IF v_year NOT BETWEEN coalesce(extract(year FROM starts_on), v_year)
                      AND coalesce(extract(year FROM ends_on), v_year) THEN
      RAISE EXCEPTION 'budget line %: year % lies outside the period % to %', i, v_year, starts_on,
        ends_on USING ERRCODE = 'SC400';
    END IF;
    IF jsonb_typeof(e #> '{amount,amount_minor}') IS DISTINCT FROM 'number'
       OR (e #>> '{amount,amount_minor}') !~ '^[0-9]{1,19}$'
       OR (e #>> '{amount,amount_minor}')::numeric NOT BETWEEN 1 AND 9223372036854775807 THEN
      RAISE EXCEPTION 'budget line %: amount must be more than 0 (minor units, at most 9223372036854775807)', i
        USING ERRCODE = 'SC400';
    END IF;
    IF (e #>> '{amount,currency}') IS DISTINCT FROM currency THEN
      RAISE EXCEPTION 'budget line %: the amount is in %, the application in %', i,
        coalesce(NULLIF(left(e #>> '{amount,currency}', 8), ''), 'no currency'), currency
        USING ERRCODE = 'SC400';
    END IF;
    IF char_length(coalesce(e ->> 'description', '')) > 500
       OR (e ->> 'description') ~ '[[:cntrl:]]' THEN
      RAISE EXCEPTION 'budget line %: the description must be at most 500 characters on one line', i
        USING ERRCODE = 'SC400';
    END IF;
  END LOOP;
  RETURN true;
END
$$;

-- The rules of the co-financing lines: [{"funder_id" (null for none),
-- "funder_name", "amount"}], at most 50, each funder once.
CREATE FUNCTION ssc.app_cofinancing_check(c jsonb, currency text) RETURNS boolean
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  e jsonb;
  i int := 0;
  v_funders text[] := '{}';
  v_funder text;
BEGIN
  IF jsonb_typeof(c) <> 'array' OR jsonb_array_length(c) > 50 THEN
    RAISE EXCEPTION 'cofinancing: at most 50 lines' USING ERRCODE = 'SC400';
  END IF;
  FOR e IN SELECT x FROM jsonb_array_elements(c) x LOOP
    i := i + 1;
    IF (coalesce(e ->> 'funder_id', '') <> '') = (coalesce(e ->> 'funder_name', '') <> '') THEN
      RAISE EXCEPTION 'cofinancing line %: give exactly one of funder_id and funder_name', i
        USING ERRCODE = 'SC400';
    END IF;
    IF char_length(coalesce(e ->> 'funder_name', '')) > 200 OR (e ->> 'funder_name') ~ '[[:cntrl:]]' THEN
      RAISE EXCEPTION 'cofinancing line %: funder_name must be at most 200 characters on one line', i
        USING ERRCODE = 'SC400';
    END IF;
    v_funder := coalesce('#' || (e ->> 'funder_id'), lower(e ->> 'funder_name'));
    IF v_funder = ANY (v_funders) THEN
      RAISE EXCEPTION 'cofinancing line %: funder % is named twice', i,
        coalesce(e ->> 'funder_id', '"' || (e ->> 'funder_name') || '"') USING ERRCODE = 'SC400';
    END IF;
    v_funders := v_funders || v_funder;
    IF jsonb_typeof(e #> '{amount,amount_minor}') IS DISTINCT FROM 'number'
       OR (e #>> '{amount,amount_minor}') !~ '^[0-9]{1,19}$'
       OR (e #>> '{amount,amount_minor}')::numeric NOT BETWEEN 1 AND 9223372036854775807 THEN
      RAISE EXCEPTION 'cofinancing line %: amount must be more than 0 (minor units, at most 9223372036854775807)', i
        USING ERRCODE = 'SC400';
    END IF;
    IF (e #>> '{amount,currency}') IS DISTINCT FROM currency THEN
      RAISE EXCEPTION 'cofinancing line %: the amount is in %, the application in %', i,
        coalesce(NULLIF(left(e #>> '{amount,currency}', 8), ''), 'no currency'), currency
        USING ERRCODE = 'SC400';
    END IF;
  END LOOP;
  RETURN true;
END
$$;

-- The sum of the lines' amounts, or SC400 naming f when it passes bigint.
CREATE FUNCTION ssc.app_lines_total(lines jsonb, f text) RETURNS bigint
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v numeric := (SELECT coalesce(sum((e #>> '{amount,amount_minor}')::numeric), 0)
                  FROM jsonb_array_elements(lines) e);
BEGIN
  IF v > 9223372036854775807 THEN
    RAISE EXCEPTION '%: the lines add up to %, more than the largest amount (9223372036854775807 minor units)',
      f, v USING ERRCODE = 'SC400';
  END IF;
  RETURN v;
END
$$;

CREATE TABLE ssc.applications (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  collaboration_id  bigint NOT NULL REFERENCES ssc.collaborations (id),
  applicant_id      bigint NOT NULL REFERENCES ssc.organisations (id),
  phase             text NOT NULL,
  status            text NOT NULL DEFAULT 'draft',
  title             text NOT NULL,
  narrative         text NOT NULL DEFAULT '',
  starts_on         date,
  ends_on           date,
  currency          text NOT NULL,
  budget            jsonb NOT NULL DEFAULT '[]',
  cofinancing       jsonb NOT NULL DEFAULT '[]',
  budget_total      bigint NOT NULL DEFAULT 0,
  cofinancing_total bigint NOT NULL DEFAULT 0,
  requested         bigint NOT NULL DEFAULT 0,
  submitted_version int NOT NULL DEFAULT 0,
  submitted_at      timestamptz,
  decided_at        timestamptz,
  version           bigint NOT NULL DEFAULT 1,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT applications_phase_check CHECK (phase IN ('inception', 'long_term', 'phase_2')),
  CONSTRAINT applications_status_check
    CHECK (status IN ('draft', 'submitted', 'under_review', 'approved', 'rejected', 'returned',
                      'withdrawn')),
  CONSTRAINT applications_title_check CHECK (char_length(title) BETWEEN 1 AND 200),
  CONSTRAINT applications_narrative_check CHECK (char_length(narrative) <= 20000),
  CONSTRAINT applications_period_check CHECK (ends_on >= starts_on),
  CONSTRAINT applications_currency_check CHECK (currency ~ '^[A-Z]{3}$'),
  CONSTRAINT applications_budget_check CHECK (ssc.app_budget_check(budget, currency, starts_on, ends_on)),
  CONSTRAINT applications_cofinancing_check CHECK (ssc.app_cofinancing_check(cofinancing, currency)),
  CONSTRAINT applications_figures_check
    CHECK (requested = budget_total - cofinancing_total AND requested >= 0),
  CONSTRAINT applications_submitted_check
    CHECK (status IN ('draft', 'withdrawn') OR submitted_version >= 1)
);
COMMENT ON TABLE ssc.applications IS 'applications for funding (API.md "Applications")';
CREATE INDEX applications_collaboration_idx ON ssc.applications (collaboration_id, id);
CREATE INDEX applications_applicant_idx ON ssc.applications (applicant_id, id);
CREATE INDEX applications_waiting_idx ON ssc.applications (submitted_at)
  WHERE status IN ('submitted', 'under_review');

CREATE FUNCTION ssc.applications_figures() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  -- The lines first (the CHECKs judge them again): a bad line, such as a
  -- negative amount, is named before the sums it makes wrong.
  PERFORM ssc.app_budget_check(NEW.budget, NEW.currency, NEW.starts_on, NEW.ends_on),
          ssc.app_cofinancing_check(NEW.cofinancing, NEW.currency);
  NEW.budget_total := ssc.app_lines_total(NEW.budget, 'budget');
  NEW.cofinancing_total := ssc.app_lines_total(NEW.cofinancing, 'cofinancing');
  IF NEW.cofinancing_total > NEW.budget_total THEN
    RAISE EXCEPTION 'cofinancing: the co-financing (%) is more than the budget (%)',
      ssc.money_text(NEW.cofinancing_total, NEW.currency), ssc.money_text(NEW.budget_total, NEW.currency)
      USING ERRCODE = 'SC400';
  END IF;
  NEW.requested := NEW.budget_total - NEW.cofinancing_total;
  RETURN NEW;
END
$$;
-- Named to fire first of the BEFORE triggers (they fire in name order),
-- so that the status trigger judges a submission on the figures of the
-- lines written with it.
CREATE TRIGGER applications_a_figures BEFORE INSERT OR UPDATE OF budget, cofinancing
  ON ssc.applications FOR EACH ROW EXECUTE FUNCTION ssc.applications_figures();

-- A new application is a draft of its collaboration's lead (the insert
-- policy then asks that the lead be in the caller's scope), whoever
-- writes the row: SECURITY DEFINER to read the collaboration the caller
-- may not see.
CREATE FUNCTION ssc.applications_before_insert() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  IF NEW.status <> 'draft' THEN
    RAISE EXCEPTION 'an application starts as a draft' USING ERRCODE = 'SC400';
  END IF;
  IF NEW.applicant_id IS DISTINCT FROM
     (SELECT c.lead_id FROM ssc.collaborations c WHERE c.id = NEW.collaboration_id) THEN
    RAISE EXCEPTION 'role % may not apply for collaboration %; its lead applies',
      coalesce(ssc.session_role(), 'none'), NEW.collaboration_id USING ERRCODE = 'SC403';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER applications_before_insert BEFORE INSERT ON ssc.applications
  FOR EACH ROW EXECUTE FUNCTION ssc.applications_before_insert();

-- What the tier still needs before version a.submitted_version can be
-- approved, in words (empty: nothing). 0030 defines it; this one is the
-- placeholder 0030 replaces, so that 0029 stands alone.
CREATE FUNCTION ssc.application_missing(a ssc.applications) RETURNS text[]
  LANGUAGE sql STABLE
  RETURN ARRAY['approval tiers (0031)'];

-- NULL when a's collaboration is in a's phase or may step into it now
-- (ssc.collaboration_phase_steps, the phase machine's table), else why not.
CREATE FUNCTION ssc.application_phase_reachable(a ssc.applications) RETURNS text
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  c ssc.collaborations;
BEGIN
  SELECT * INTO c FROM ssc.collaborations x WHERE x.id = a.collaboration_id;
  IF c.phase = a.phase OR EXISTS (SELECT FROM ssc.collaboration_phase_steps s
                                   WHERE s.from_phase = c.phase AND s.to_phase = a.phase) THEN
    RETURN NULL;
  END IF;
  RETURN format('collaboration %s is in %s and may not move to %s from there', c.id, c.phase, a.phase);
END
$$;

CREATE FUNCTION ssc.applications_before_update() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_role text := ssc.session_role();
  v_allowed text;
  v_missing text[];
BEGIN
  IF (NEW.id, NEW.collaboration_id, NEW.applicant_id, NEW.created_at)
     IS DISTINCT FROM (OLD.id, OLD.collaboration_id, OLD.applicant_id, OLD.created_at) THEN
    RAISE EXCEPTION 'an application''s collaboration and applicant never change' USING ERRCODE = 'SC400';
  END IF;
  IF (NEW.phase, NEW.title, NEW.narrative, NEW.starts_on, NEW.ends_on, NEW.currency, NEW.budget,
      NEW.cofinancing)
     IS DISTINCT FROM
     (OLD.phase, OLD.title, OLD.narrative, OLD.starts_on, OLD.ends_on, OLD.currency, OLD.budget,
      OLD.cofinancing) THEN
    IF OLD.status NOT IN ('draft', 'returned') THEN
      RAISE EXCEPTION 'application % is %; only a draft or a returned application is edited', OLD.id,
        OLD.status USING ERRCODE = 'SC412';
    END IF;
    IF v_role IS DISTINCT FROM 'ministry' THEN
      RAISE EXCEPTION 'role % may not edit application %; the applicant edits it', v_role, OLD.id
        USING ERRCODE = 'SC403';
    END IF;
  END IF;
  IF NEW.status IS DISTINCT FROM OLD.status THEN
    IF NOT EXISTS (SELECT FROM ssc.application_steps s
                    WHERE s.from_status = OLD.status AND s.to_status = NEW.status) THEN
      SELECT string_agg(s.to_status, ', ' ORDER BY s.to_status) INTO v_allowed
        FROM ssc.application_steps s WHERE s.from_status = OLD.status;
      RAISE EXCEPTION 'application % is %; it may become %, not %', OLD.id, OLD.status,
        coalesce(v_allowed, 'nothing else (the decision is final)'), NEW.status USING ERRCODE = 'SC412';
    END IF;
    IF NOT EXISTS (SELECT FROM ssc.application_steps s
                    WHERE s.from_status = OLD.status AND s.to_status = NEW.status
                      AND s.role = v_role) THEN
      RAISE EXCEPTION 'role % may not move application % from % to %', coalesce(v_role, 'none'),
        OLD.id, OLD.status, NEW.status USING ERRCODE = 'SC403';
    END IF;
    IF NEW.status = 'submitted' THEN
      IF NEW.starts_on IS NULL OR NEW.ends_on IS NULL THEN
        RAISE EXCEPTION 'application %: set the period (starts_on, ends_on) before submitting', OLD.id
          USING ERRCODE = 'SC412';
      END IF;
      IF jsonb_array_length(NEW.budget) = 0 OR NEW.requested = 0 THEN
        RAISE EXCEPTION 'application %: a submission needs budget lines and a requested amount above 0',
          OLD.id USING ERRCODE = 'SC412';
      END IF;
      -- Its approval moves the collaboration into its phase (0030): one it
      -- is in, or may step into now. The approval asks again, as the
      -- collaboration may have moved meanwhile.
      v_allowed := ssc.application_phase_reachable(NEW);
      IF v_allowed IS NOT NULL THEN
        RAISE EXCEPTION 'application %: is for the % phase, but %', OLD.id, NEW.phase, v_allowed
          USING ERRCODE = 'SC412';
      END IF;
      NEW.submitted_version := OLD.submitted_version + 1;
      NEW.submitted_at := now();
    ELSE
      NEW.submitted_version := OLD.submitted_version;
      NEW.submitted_at := OLD.submitted_at;
    END IF;
    IF NEW.status = 'approved' THEN
      v_missing := ssc.application_missing(OLD);
      IF cardinality(v_missing) > 0 THEN
        RAISE EXCEPTION 'application % cannot be approved yet; it needs %', OLD.id,
          array_to_string(v_missing, ', ') USING ERRCODE = 'SC412';
      END IF;
    END IF;
    NEW.decided_at := CASE WHEN NEW.status IN ('approved', 'rejected') THEN now() END;
  ELSE
    NEW.submitted_version := OLD.submitted_version;
    NEW.submitted_at := OLD.submitted_at;
    NEW.decided_at := OLD.decided_at;
  END IF;
  NEW.version := OLD.version + 1;
  NEW.updated_at := now();
  RETURN NEW;
END
$$;
CREATE TRIGGER applications_before_update BEFORE UPDATE ON ssc.applications
  FOR EACH ROW EXECUTE FUNCTION ssc.applications_before_update();
CREATE TRIGGER applications_audit AFTER INSERT OR UPDATE OR DELETE ON ssc.applications
  FOR EACH ROW EXECUTE FUNCTION ssc.audit_row('application');

ALTER TABLE ssc.applications ENABLE ROW LEVEL SECURITY;
CREATE POLICY applications_select ON ssc.applications FOR SELECT
  USING (ssc.reads_all() OR ssc.in_scope(applicant_id));
CREATE POLICY applications_insert ON ssc.applications FOR INSERT
  WITH CHECK (coalesce(ssc.session_role() = 'ministry', false) AND ssc.in_scope(applicant_id));
CREATE POLICY applications_update ON ssc.applications FOR UPDATE
  USING (coalesce(ssc.session_role() = 'secretariat', false) OR ssc.in_scope(applicant_id))
  WITH CHECK (coalesce(ssc.session_role() = 'secretariat', false) OR ssc.in_scope(applicant_id));
GRANT SELECT ON ssc.applications TO ssc_app;
GRANT INSERT (collaboration_id, applicant_id, phase, title, narrative, starts_on, ends_on, currency,
              budget, cofinancing)
  ON ssc.applications TO ssc_app;
GRANT UPDATE (phase, status, title, narrative, starts_on, ends_on, currency, budget, cofinancing)
  ON ssc.applications TO ssc_app;

-- ---- frozen versions ---------------------------------------------------------

CREATE TABLE ssc.application_versions (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  application_id    bigint NOT NULL REFERENCES ssc.applications (id),
  number            int NOT NULL,
  phase             text NOT NULL,
  title             text NOT NULL,
  narrative         text NOT NULL,
  starts_on         date NOT NULL,
  ends_on           date NOT NULL,
  currency          text NOT NULL,
  budget            jsonb NOT NULL,
  cofinancing       jsonb NOT NULL,
  budget_total      bigint NOT NULL,
  cofinancing_total bigint NOT NULL,
  requested         bigint NOT NULL,
  submitted_by      text NOT NULL,
  submitted_at      timestamptz NOT NULL,
  UNIQUE (application_id, number)
);
COMMENT ON TABLE ssc.application_versions IS 'each submission of an application, frozen';

CREATE FUNCTION ssc.application_versions_frozen() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    RAISE EXCEPTION 'the submitted versions of applications never change' USING ERRCODE = 'SC412';
  END IF;
  RAISE EXCEPTION 'version % of application % was submitted and never changes', OLD.number,
    OLD.application_id USING ERRCODE = 'SC412';
END
$$;
CREATE TRIGGER application_versions_frozen BEFORE UPDATE OR DELETE ON ssc.application_versions
  FOR EACH ROW EXECUTE FUNCTION ssc.application_versions_frozen();
CREATE TRIGGER application_versions_no_truncate BEFORE TRUNCATE ON ssc.application_versions
  FOR EACH STATEMENT EXECUTE FUNCTION ssc.application_versions_frozen();
CREATE TRIGGER application_versions_audit AFTER INSERT ON ssc.application_versions
  FOR EACH ROW EXECUTE FUNCTION ssc.audit_row('application_version');

-- A submission freezes what was submitted (see the top).
CREATE FUNCTION ssc.applications_freeze() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  INSERT INTO ssc.application_versions (application_id, number, phase, title, narrative, starts_on,
                                        ends_on, currency, budget, cofinancing, budget_total,
                                        cofinancing_total, requested, submitted_by, submitted_at)
    VALUES (NEW.id, NEW.submitted_version, NEW.phase, NEW.title, NEW.narrative, NEW.starts_on,
            NEW.ends_on, NEW.currency, NEW.budget, NEW.cofinancing, NEW.budget_total,
            NEW.cofinancing_total, NEW.requested,
            ssc.session_principal_label(),
            NEW.submitted_at);
  RETURN NULL;
END
$$;
CREATE TRIGGER applications_freeze AFTER UPDATE OF status ON ssc.applications
  FOR EACH ROW WHEN (NEW.status = 'submitted' AND OLD.status <> 'submitted')
  EXECUTE FUNCTION ssc.applications_freeze();

ALTER TABLE ssc.application_versions ENABLE ROW LEVEL SECURITY;
CREATE POLICY application_versions_select ON ssc.application_versions FOR SELECT
  USING (EXISTS (SELECT FROM ssc.applications a WHERE a.id = application_id));
GRANT SELECT ON ssc.application_versions TO ssc_app;

-- ---- review comments ---------------------------------------------------------

CREATE TABLE ssc.application_comments (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  application_id bigint NOT NULL REFERENCES ssc.applications (id),
  version        int NOT NULL DEFAULT 0,
  kind           text NOT NULL DEFAULT 'comment',
  text           text NOT NULL,
  principal      text NOT NULL DEFAULT '',
  created_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT application_comments_kind_check
    CHECK (kind IN ('comment', 'return', 'reject', 'withdraw')),
  CONSTRAINT application_comments_text_check CHECK (char_length(text) BETWEEN 1 AND 4000)
);
COMMENT ON TABLE ssc.application_comments IS 'review comments: who said what, when; never changed';
CREATE INDEX application_comments_application_idx ON ssc.application_comments (application_id, id);

-- Who and when are the session's, not the writer's to choose; the version
-- is the one submitted when the comment was made.
CREATE FUNCTION ssc.application_comments_stamp() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    RAISE EXCEPTION 'a review comment is never changed or deleted' USING ERRCODE = 'SC412';
  END IF;
  NEW.principal := ssc.session_principal_label();
  NEW.created_at := now();
  NEW.version := (SELECT a.submitted_version FROM ssc.applications a WHERE a.id = NEW.application_id);
  RETURN NEW;
END
$$;
CREATE TRIGGER application_comments_stamp BEFORE INSERT OR UPDATE OR DELETE
  ON ssc.application_comments FOR EACH ROW EXECUTE FUNCTION ssc.application_comments_stamp();
CREATE TRIGGER application_comments_audit AFTER INSERT ON ssc.application_comments
  FOR EACH ROW EXECUTE FUNCTION ssc.audit_row('application_comment');

ALTER TABLE ssc.application_comments ENABLE ROW LEVEL SECURITY;
CREATE POLICY application_comments_select ON ssc.application_comments FOR SELECT
  USING (EXISTS (SELECT FROM ssc.applications a WHERE a.id = application_id));
CREATE POLICY application_comments_insert ON ssc.application_comments FOR INSERT
  WITH CHECK (coalesce(ssc.session_role() IN ('secretariat', 'ministry'), false)
              AND EXISTS (SELECT FROM ssc.applications a WHERE a.id = application_id));
GRANT SELECT ON ssc.application_comments TO ssc_app;
GRANT INSERT (application_id, kind, text) ON ssc.application_comments TO ssc_app;

-- ---- the API -------------------------------------------------------------------

-- The lines of a request as stored: only the known keys, in the API's
-- shape; the table's CHECKs judge them.
CREATE FUNCTION ssc.app_budget_arg(p jsonb) RETURNS jsonb
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  IF jsonb_typeof(coalesce(p -> 'budget', '[]')) <> 'array' THEN
    RAISE EXCEPTION 'budget: must be a list of lines' USING ERRCODE = 'SC400';
  END IF;
  RETURN (SELECT coalesce(jsonb_agg(jsonb_build_object(
                   'category', e -> 'category', 'year', e -> 'year', 'amount', e -> 'amount',
                   'description', btrim(coalesce(e ->> 'description', ''), E' \t'))
                 ORDER BY o), '[]')
            FROM jsonb_array_elements(coalesce(p -> 'budget', '[]')) WITH ORDINALITY x (e, o));
END
$$;

CREATE FUNCTION ssc.app_cofinancing_arg(p jsonb) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v jsonb;
  i int := 0;
  ln jsonb;
BEGIN
  IF jsonb_typeof(coalesce(p -> 'cofinancing', '[]')) <> 'array' THEN
    RAISE EXCEPTION 'cofinancing: must be a list of lines' USING ERRCODE = 'SC400';
  END IF;
  v := (SELECT coalesce(jsonb_agg(jsonb_build_object(
                 'funder_id', CASE WHEN ssc.req_id(e, 'funder_id') > 0 THEN e -> 'funder_id' END,
                 'funder_name', btrim(coalesce(e ->> 'funder_name', ''), E' \t'),
                 'amount', e -> 'amount') ORDER BY o), '[]')
          FROM jsonb_array_elements(coalesce(p -> 'cofinancing', '[]')) WITH ORDINALITY x (e, o));
  FOR ln IN SELECT x FROM jsonb_array_elements(v) x LOOP
    i := i + 1;
    IF (ln ->> 'funder_id') IS NOT NULL
       AND NOT EXISTS (SELECT FROM ssc.organisations o WHERE o.id = (ln ->> 'funder_id')::bigint) THEN
      RAISE EXCEPTION 'cofinancing line %: funder_id: organisation % does not exist', i,
        ln ->> 'funder_id' USING ERRCODE = 'SC400';
    END IF;
  END LOOP;
  RETURN v;
END
$$;

CREATE FUNCTION ssc.app_lines_json(lines jsonb, total bigint) RETURNS jsonb
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  RETURN (SELECT coalesce(jsonb_agg(e || jsonb_build_object(
                   'share', ssc.share_json((e #>> '{amount,amount_minor}')::bigint, total))
                 ORDER BY o), '[]')
            FROM jsonb_array_elements(lines) WITH ORDINALITY x (e, o));
END
$$;

CREATE FUNCTION ssc.app_figures_json(budget_total bigint, cofinancing_total bigint, requested bigint,
                                     currency text) RETURNS jsonb
  LANGUAGE sql IMMUTABLE
  RETURN jsonb_build_object(
    'budget_total', ssc.money(budget_total, currency),
    'cofinancing_total', ssc.money(cofinancing_total, currency),
    'requested', ssc.money(requested, currency),
    'requested_share', ssc.share_json(requested, budget_total));

-- Where the decision stands (0031 fills it in).
CREATE FUNCTION ssc.application_decision_json(a ssc.applications) RETURNS jsonb
  LANGUAGE sql STABLE
  RETURN NULL::jsonb;

-- The application's allocation, once approved (0030 fills it in).
CREATE FUNCTION ssc.application_allocation_id(a ssc.applications) RETURNS bigint
  LANGUAGE sql STABLE
  RETURN NULL::bigint;

CREATE FUNCTION ssc.application_json(a ssc.applications) RETURNS jsonb
  LANGUAGE sql STABLE
  RETURN jsonb_build_object(
    'id', a.id, 'collaboration_id', a.collaboration_id, 'applicant_id', a.applicant_id,
    'phase', a.phase, 'status', a.status, 'title', a.title, 'narrative', a.narrative,
    'starts_on', a.starts_on::text, 'ends_on', a.ends_on::text, 'currency', a.currency,
    'budget', a.budget, 'cofinancing', ssc.app_lines_json(a.cofinancing, a.budget_total),
    'figures', ssc.app_figures_json(a.budget_total, a.cofinancing_total, a.requested, a.currency),
    'submitted_version', a.submitted_version, 'submitted_at', ssc.rfc3339(a.submitted_at),
    'decision', ssc.application_decision_json(a), 'allocation_id', ssc.application_allocation_id(a),
    'decided_at', ssc.rfc3339(a.decided_at), 'version', a.version,
    'created_at', ssc.rfc3339(a.created_at), 'updated_at', ssc.rfc3339(a.updated_at));

CREATE FUNCTION ssc.application_version_json(v ssc.application_versions) RETURNS jsonb
  LANGUAGE sql STABLE
  RETURN jsonb_build_object(
    'application_id', v.application_id, 'number', v.number, 'phase', v.phase, 'title', v.title,
    'narrative', v.narrative, 'starts_on', v.starts_on::text, 'ends_on', v.ends_on::text,
    'currency', v.currency, 'budget', v.budget,
    'cofinancing', ssc.app_lines_json(v.cofinancing, v.budget_total),
    'figures', ssc.app_figures_json(v.budget_total, v.cofinancing_total, v.requested, v.currency),
    'submitted_by', v.submitted_by, 'submitted_at', ssc.rfc3339(v.submitted_at));

CREATE FUNCTION ssc.application_comment_json(c ssc.application_comments) RETURNS jsonb
  LANGUAGE sql STABLE
  RETURN jsonb_build_object(
    'id', c.id, 'application_id', c.application_id, 'version', c.version, 'kind', c.kind,
    'text', c.text, 'principal', c.principal, 'at', ssc.rfc3339(c.created_at));

CREATE FUNCTION ssc.app_phase_arg(p jsonb) RETURNS text
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v text := ssc.req_text(p, 'phase');
BEGIN
  IF v NOT IN ('inception', 'long_term', 'phase_2') THEN
    RAISE EXCEPTION 'phase: an application is for inception, long_term or phase_2, not %',
      coalesce(NULLIF(v, ''), 'unset') USING ERRCODE = 'SC400';
  END IF;
  RETURN v;
END
$$;

CREATE FUNCTION ssc.app_currency_arg(p jsonb) RETURNS text
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v text := ssc.req_text(p, 'currency');
BEGIN
  IF v !~ '^[A-Z]{3}$' THEN
    RAISE EXCEPTION 'currency: must be an ISO 4217 code such as DKK, not "%"', left(v, 8)
      USING ERRCODE = 'SC400';
  END IF;
  RETURN v;
END
$$;

CREATE FUNCTION ssc.application_create(p jsonb, p_hash bytea) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v jsonb := ssc.idem_claim(ssc.req_text(p, 'idempotency_key'), p_hash);
  v_collab bigint := ssc.req_required_id(p, 'collaboration_id');
  c ssc.collaborations;
  a ssc.applications;
BEGIN
  IF v IS NOT NULL THEN
    RETURN v;
  END IF;
  SELECT * INTO c FROM ssc.collaborations x WHERE x.id = v_collab;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'collaboration_id: collaboration % not found', v_collab USING ERRCODE = 'SC400';
  END IF;
  IF c.phase IN ('closed', 'cancelled') THEN
    RAISE EXCEPTION 'collaboration % is %; it takes no applications', v_collab, c.phase
      USING ERRCODE = 'SC412';
  END IF;
  a.collaboration_id := v_collab;
  a.applicant_id := c.lead_id;
  a.phase := ssc.app_phase_arg(p);
  a.title := ssc.req_words(p, 'title', 200, true, false);
  a.narrative := ssc.req_words(p, 'narrative', 20000, false, true);
  a.starts_on := ssc.req_date(p, 'starts_on');
  a.ends_on := ssc.req_date(p, 'ends_on');
  IF a.ends_on < a.starts_on THEN
    RAISE EXCEPTION 'ends_on: % is before starts_on %', a.ends_on, a.starts_on USING ERRCODE = 'SC400';
  END IF;
  a.currency := ssc.app_currency_arg(p);
  a.budget := ssc.app_budget_arg(p);
  a.cofinancing := ssc.app_cofinancing_arg(p);
  BEGIN
    INSERT INTO ssc.applications (collaboration_id, applicant_id, phase, title, narrative, starts_on,
                                  ends_on, currency, budget, cofinancing)
      VALUES (a.collaboration_id, a.applicant_id, a.phase, a.title, a.narrative, a.starts_on,
              a.ends_on, a.currency, a.budget, a.cofinancing)
      RETURNING * INTO a;
  EXCEPTION WHEN insufficient_privilege THEN
    RAISE EXCEPTION 'role % may not apply for collaboration %; its lead (organisation %) applies',
      ssc.session_role(), v_collab, c.lead_id USING ERRCODE = 'SC403';
  END;
  v := ssc.application_json(a);
  PERFORM ssc.idem_store(ssc.req_text(p, 'idempotency_key'), v);
  RETURN v;
END
$$;

-- The application to change, locked; SC404 when the caller cannot see it,
-- SC403 when it may see but not change it, SC412 on a version mismatch.
CREATE FUNCTION ssc.application_for_update(v_id bigint, v_expected bigint) RETURNS ssc.applications
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  a ssc.applications;
BEGIN
  SELECT * INTO a FROM ssc.applications x WHERE x.id = v_id;
  IF NOT FOUND THEN
    PERFORM ssc.not_found('application', v_id);
  END IF;
  SELECT * INTO a FROM ssc.applications x WHERE x.id = v_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'role % may not change application %', ssc.session_role(), v_id
      USING ERRCODE = 'SC403';
  END IF;
  IF coalesce(v_expected, 0) <> 0 AND a.version <> v_expected THEN
    RAISE EXCEPTION 'expected version %, found %', v_expected, a.version USING ERRCODE = 'SC412';
  END IF;
  RETURN a;
END
$$;

CREATE FUNCTION ssc.application_edit(p jsonb, p_hash bytea) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v jsonb := ssc.idem_claim(ssc.req_text(p, 'idempotency_key'), p_hash);
  v_mask text[] := ssc.words_arg(p, 'update_mask',
                                 ARRAY['phase', 'title', 'narrative', 'starts_on', 'ends_on',
                                       'currency', 'budget', 'cofinancing']);
  a ssc.applications;
BEGIN
  IF v IS NOT NULL THEN
    RETURN v;
  END IF;
  IF cardinality(v_mask) = 0 THEN
    RAISE EXCEPTION 'update_mask: must not be empty' USING ERRCODE = 'SC400';
  END IF;
  a := ssc.application_for_update(ssc.req_required_id(p, 'id'), ssc.req_id(p, 'expected_version'));
  IF 'phase' = ANY (v_mask) THEN a.phase := ssc.app_phase_arg(p); END IF;
  IF 'title' = ANY (v_mask) THEN a.title := ssc.req_words(p, 'title', 200, true, false); END IF;
  IF 'narrative' = ANY (v_mask) THEN
    a.narrative := ssc.req_words(p, 'narrative', 20000, false, true);
  END IF;
  IF 'starts_on' = ANY (v_mask) THEN a.starts_on := ssc.req_date(p, 'starts_on'); END IF;
  IF 'ends_on' = ANY (v_mask) THEN a.ends_on := ssc.req_date(p, 'ends_on'); END IF;
  IF a.ends_on < a.starts_on THEN
    RAISE EXCEPTION 'ends_on: % is before starts_on %', a.ends_on, a.starts_on USING ERRCODE = 'SC400';
  END IF;
  IF 'currency' = ANY (v_mask) THEN a.currency := ssc.app_currency_arg(p); END IF;
  IF 'budget' = ANY (v_mask) THEN a.budget := ssc.app_budget_arg(p); END IF;
  IF 'cofinancing' = ANY (v_mask) THEN a.cofinancing := ssc.app_cofinancing_arg(p); END IF;
  UPDATE ssc.applications x
     SET phase = a.phase, title = a.title, narrative = a.narrative, starts_on = a.starts_on,
         ends_on = a.ends_on, currency = a.currency, budget = a.budget, cofinancing = a.cofinancing
   WHERE x.id = a.id RETURNING * INTO a;
  v := ssc.application_json(a);
  PERFORM ssc.idem_store(ssc.req_text(p, 'idempotency_key'), v);
  RETURN v;
END
$$;

-- One step of the workflow (the trigger judges it), with the reason as a
-- comment of the step's kind when there is one or the step needs one.
CREATE FUNCTION ssc.application_step(p jsonb, p_hash bytea, p_to text) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v jsonb := ssc.idem_claim(ssc.req_text(p, 'idempotency_key'), p_hash);
  v_reason text := ssc.req_words(p, 'reason', 4000, p_to IN ('returned', 'rejected'), true);
  a ssc.applications;
BEGIN
  IF v IS NOT NULL THEN
    RETURN v;
  END IF;
  a := ssc.application_for_update(ssc.req_required_id(p, 'id'), ssc.req_id(p, 'expected_version'));
  -- The trigger judges a change of status; the same status again is no
  -- step either (it would write a version and a comment, and freeze nothing).
  IF a.status = p_to THEN
    RAISE EXCEPTION 'application % is %; it may become %, not %', a.id, a.status,
      coalesce((SELECT string_agg(s.to_status, ', ' ORDER BY s.to_status)
                  FROM ssc.application_steps s WHERE s.from_status = a.status),
               'nothing else (the decision is final)'), p_to USING ERRCODE = 'SC412';
  END IF;
  UPDATE ssc.applications x SET status = p_to WHERE x.id = a.id RETURNING * INTO a;
  IF v_reason <> '' THEN
    INSERT INTO ssc.application_comments (application_id, kind, text)
      VALUES (a.id, CASE p_to WHEN 'returned' THEN 'return' WHEN 'rejected' THEN 'reject'
                              WHEN 'withdrawn' THEN 'withdraw' ELSE 'comment' END, v_reason);
  END IF;
  v := ssc.application_json(a);
  PERFORM ssc.idem_store(ssc.req_text(p, 'idempotency_key'), v);
  RETURN v;
END
$$;

CREATE FUNCTION ssc.application_submit(p jsonb, p_hash bytea) RETURNS jsonb
  LANGUAGE sql RETURN ssc.application_step(p, p_hash, 'submitted');
CREATE FUNCTION ssc.application_withdraw(p jsonb, p_hash bytea) RETURNS jsonb
  LANGUAGE sql RETURN ssc.application_step(p, p_hash, 'withdrawn');
CREATE FUNCTION ssc.application_start_review(p jsonb, p_hash bytea) RETURNS jsonb
  LANGUAGE sql RETURN ssc.application_step(p, p_hash, 'under_review');
CREATE FUNCTION ssc.application_return(p jsonb, p_hash bytea) RETURNS jsonb
  LANGUAGE sql RETURN ssc.application_step(p, p_hash, 'returned');
CREATE FUNCTION ssc.application_reject(p jsonb, p_hash bytea) RETURNS jsonb
  LANGUAGE sql RETURN ssc.application_step(p, p_hash, 'rejected');

CREATE FUNCTION ssc.application_get(p jsonb) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  a ssc.applications;
BEGIN
  SELECT * INTO a FROM ssc.applications x WHERE x.id = ssc.req_required_id(p, 'id');
  IF NOT FOUND THEN
    PERFORM ssc.not_found('application', ssc.req_int(p, 'id'));
  END IF;
  RETURN ssc.application_json(a);
END
$$;

CREATE FUNCTION ssc.application_list(p jsonb, p_after text, p_lim int) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_collab bigint := ssc.req_id(p, 'collaboration_id');
  v_applicant bigint := ssc.req_id(p, 'applicant_id');
  v_status text := ssc.req_text(p, 'status');
  v_after bigint := coalesce(nullif(p_after, '')::bigint, 0);
  v_lim int := ssc.page_limit(p_lim);
BEGIN
  RETURN (SELECT coalesce(jsonb_agg(ssc.application_json(x) ORDER BY x.id), '[]')
            FROM (SELECT * FROM ssc.applications y
                   WHERE y.id > v_after
                     AND (v_collab = 0 OR y.collaboration_id = v_collab)
                     AND (v_applicant = 0 OR y.applicant_id = v_applicant)
                     AND (v_status = '' OR y.status = v_status)
                   ORDER BY y.id LIMIT v_lim) x);
END
$$;
ALTER FUNCTION ssc.application_list(jsonb, text, int) SET plan_cache_mode = force_custom_plan;

CREATE FUNCTION ssc.application_visible(v_id bigint) RETURNS void
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  IF NOT EXISTS (SELECT FROM ssc.applications x WHERE x.id = v_id) THEN
    PERFORM ssc.not_found('application', v_id);
  END IF;
END
$$;

CREATE FUNCTION ssc.application_version_list(p jsonb, p_after text, p_lim int) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_id bigint := ssc.req_required_id(p, 'application_id');
  v_after bigint := coalesce(nullif(p_after, '')::bigint, 0);
  v_lim int := ssc.page_limit(p_lim);
BEGIN
  PERFORM ssc.application_visible(v_id);
  RETURN (SELECT coalesce(jsonb_agg(ssc.application_version_json(x) ORDER BY x.number), '[]')
            FROM (SELECT * FROM ssc.application_versions y
                   WHERE y.application_id = v_id AND y.number > v_after
                   ORDER BY y.number LIMIT v_lim) x);
END
$$;

CREATE FUNCTION ssc.application_version_arg(v_id bigint, v_number bigint, f text)
  RETURNS ssc.application_versions
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  r ssc.application_versions;
BEGIN
  SELECT * INTO r FROM ssc.application_versions x
   WHERE x.application_id = v_id AND x.number = v_number;
  IF NOT FOUND THEN
    RAISE EXCEPTION '%: application % has no version % (versions are numbered from 1, one per submission)',
      f, v_id, v_number USING ERRCODE = 'SC404';
  END IF;
  RETURN r;
END
$$;

CREATE FUNCTION ssc.application_version_get(p jsonb) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_id bigint := ssc.req_required_id(p, 'application_id');
BEGIN
  PERFORM ssc.application_visible(v_id);
  RETURN ssc.application_version_json(
    ssc.application_version_arg(v_id, ssc.req_int(p, 'number'), 'number'));
END
$$;

-- Two versions compared: the fields that differ, then the lines (matched
-- as ApplicationDiff says), then the figures.
CREATE FUNCTION ssc.application_diff(p jsonb) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_id bigint := ssc.req_required_id(p, 'application_id');
  f ssc.application_versions;
  t ssc.application_versions;
  v_fields jsonb;
  v_budget jsonb;
  v_cofin jsonb;
BEGIN
  PERFORM ssc.application_visible(v_id);
  f := ssc.application_version_arg(v_id, ssc.req_int(p, 'from'), 'from');
  t := ssc.application_version_arg(v_id, ssc.req_int(p, 'to'), 'to');
  SELECT coalesce(jsonb_agg(jsonb_build_object('field', k, 'from', a, 'to', b) ORDER BY o), '[]')
    INTO v_fields
    FROM (VALUES (1, 'phase', f.phase, t.phase), (2, 'title', f.title, t.title),
                 (3, 'narrative', f.narrative, t.narrative),
                 (4, 'starts_on', f.starts_on::text, t.starts_on::text),
                 (5, 'ends_on', f.ends_on::text, t.ends_on::text),
                 (6, 'currency', f.currency, t.currency)) x (o, k, a, b)
   WHERE a IS DISTINCT FROM b;
  WITH fl AS (SELECT e, o, row_number() OVER (PARTITION BY e ->> 'category', e ->> 'year' ORDER BY o) n
                FROM jsonb_array_elements(f.budget) WITH ORDINALITY x (e, o)),
       tl AS (SELECT e, o, row_number() OVER (PARTITION BY e ->> 'category', e ->> 'year' ORDER BY o) n
                FROM jsonb_array_elements(t.budget) WITH ORDINALITY x (e, o))
  SELECT coalesce(jsonb_agg(jsonb_build_object(
           'change', CASE WHEN fl.e IS NULL THEN 'added' WHEN tl.e IS NULL THEN 'removed'
                          ELSE 'changed' END,
           'from', fl.e, 'to', tl.e,
           'delta', ssc.money(coalesce((tl.e #>> '{amount,amount_minor}')::bigint, 0)
                              - coalesce((fl.e #>> '{amount,amount_minor}')::bigint, 0), t.currency))
           ORDER BY coalesce(tl.o, 1000 + fl.o)), '[]')
    INTO v_budget
    FROM fl FULL JOIN tl
      ON fl.e ->> 'category' = tl.e ->> 'category' AND fl.e ->> 'year' = tl.e ->> 'year' AND fl.n = tl.n
   WHERE fl.e IS DISTINCT FROM tl.e;
  WITH fl AS (SELECT e, o FROM jsonb_array_elements(f.cofinancing) WITH ORDINALITY x (e, o)),
       tl AS (SELECT e, o FROM jsonb_array_elements(t.cofinancing) WITH ORDINALITY x (e, o))
  SELECT coalesce(jsonb_agg(jsonb_build_object(
           'change', CASE WHEN fl.e IS NULL THEN 'added' WHEN tl.e IS NULL THEN 'removed'
                          ELSE 'changed' END,
           'from', fl.e || jsonb_build_object('share', ssc.share_json((fl.e #>> '{amount,amount_minor}')::bigint, f.budget_total)),
           'to', tl.e || jsonb_build_object('share', ssc.share_json((tl.e #>> '{amount,amount_minor}')::bigint, t.budget_total)),
           'delta', ssc.money(coalesce((tl.e #>> '{amount,amount_minor}')::bigint, 0)
                              - coalesce((fl.e #>> '{amount,amount_minor}')::bigint, 0), t.currency))
           ORDER BY coalesce(tl.o, 1000 + fl.o)), '[]')
    INTO v_cofin
    FROM fl FULL JOIN tl
      ON coalesce(fl.e ->> 'funder_id', lower(fl.e ->> 'funder_name'))
       = coalesce(tl.e ->> 'funder_id', lower(tl.e ->> 'funder_name'))
   WHERE fl.e IS DISTINCT FROM tl.e;
  RETURN jsonb_build_object(
    'application_id', v_id, 'from', f.number, 'to', t.number, 'fields', v_fields,
    'budget', v_budget, 'cofinancing', v_cofin,
    'from_figures', ssc.app_figures_json(f.budget_total, f.cofinancing_total, f.requested, f.currency),
    'to_figures', ssc.app_figures_json(t.budget_total, t.cofinancing_total, t.requested, t.currency),
    'requested_delta', ssc.money(t.requested - f.requested, t.currency));
END
$$;

CREATE FUNCTION ssc.application_comment(p jsonb, p_hash bytea) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v jsonb := ssc.idem_claim(ssc.req_text(p, 'idempotency_key'), p_hash);
  v_id bigint := ssc.req_required_id(p, 'id');
  v_text text := ssc.req_words(p, 'text', 4000, true, true);
  c ssc.application_comments;
BEGIN
  IF v IS NOT NULL THEN
    RETURN v;
  END IF;
  PERFORM ssc.application_visible(v_id);
  BEGIN
    INSERT INTO ssc.application_comments (application_id, kind, text) VALUES (v_id, 'comment', v_text)
      RETURNING * INTO c;
  EXCEPTION WHEN insufficient_privilege THEN
    RAISE EXCEPTION 'role % may not comment on application %', ssc.session_role(), v_id
      USING ERRCODE = 'SC403';
  END;
  v := ssc.application_comment_json(c);
  PERFORM ssc.idem_store(ssc.req_text(p, 'idempotency_key'), v);
  RETURN v;
END
$$;

CREATE FUNCTION ssc.application_comment_list(p jsonb, p_after text, p_lim int) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_id bigint := ssc.req_required_id(p, 'application_id');
  v_after bigint := coalesce(nullif(p_after, '')::bigint, 0);
  v_lim int := ssc.page_limit(p_lim);
BEGIN
  PERFORM ssc.application_visible(v_id);
  RETURN (SELECT coalesce(jsonb_agg(ssc.application_comment_json(x) ORDER BY x.id), '[]')
            FROM (SELECT * FROM ssc.application_comments y
                   WHERE y.application_id = v_id AND y.id > v_after
                   ORDER BY y.id LIMIT v_lim) x);
END
$$;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA ssc FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
  ssc.share_json(bigint, bigint), ssc.app_budget_check(jsonb, text, date, date),
  ssc.app_cofinancing_check(jsonb, text), ssc.app_lines_total(jsonb, text),
  ssc.applications_figures(), ssc.applications_before_insert(), ssc.applications_before_update(),
  ssc.application_phase_reachable(ssc.applications),
  ssc.application_missing(ssc.applications), ssc.application_versions_frozen(),
  ssc.app_budget_arg(jsonb), ssc.app_cofinancing_arg(jsonb), ssc.app_lines_json(jsonb, bigint),
  ssc.app_figures_json(bigint, bigint, bigint, text),
  ssc.application_decision_json(ssc.applications), ssc.application_allocation_id(ssc.applications),
  ssc.application_json(ssc.applications), ssc.application_version_json(ssc.application_versions),
  ssc.application_comment_json(ssc.application_comments), ssc.app_phase_arg(jsonb),
  ssc.app_currency_arg(jsonb), ssc.application_create(jsonb, bytea),
  ssc.application_for_update(bigint, bigint), ssc.application_edit(jsonb, bytea),
  ssc.application_step(jsonb, bytea, text), ssc.application_submit(jsonb, bytea),
  ssc.application_withdraw(jsonb, bytea), ssc.application_start_review(jsonb, bytea),
  ssc.application_return(jsonb, bytea), ssc.application_reject(jsonb, bytea),
  ssc.application_get(jsonb), ssc.application_list(jsonb, text, int),
  ssc.application_visible(bigint), ssc.application_version_list(jsonb, text, int),
  ssc.application_version_arg(bigint, bigint, text), ssc.application_version_get(jsonb),
  ssc.application_diff(jsonb), ssc.application_comment(jsonb, bytea),
  ssc.application_comment_list(jsonb, text, int)
  TO ssc_app;
