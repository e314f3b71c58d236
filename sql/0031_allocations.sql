-- 0031 allocations and disbursements (API.md "Allocations and
-- disbursements"): the money an approval commits from a pool, and what is
-- paid out of it.
--
-- An allocation is inserted only by the approval that completes an
-- application (0030): allocations_check refuses one for an application
-- that is not approved, or whose amount or pool is not what the approvals
-- agreed. It then commits the amount on the pool row, under the pool's
-- row lock, with the rule in the UPDATE's WHERE clause (0028): an
-- allocation the pool cannot hold is SC412 with the figures, and the
-- pool's CHECK is the backstop.
--
-- For every allocation disbursed + released <= amount, the table's CHECK.
-- A disbursement moves disbursed under the allocation's row lock, the rule
-- again in the WHERE clause (SC412 with the figures); a reversal
-- (kind reversal, reverses_id the original, its whole amount) moves it
-- back. Nothing is deleted or changed: a disbursement is reversed at most
-- once, and a reversal is never reversed. Releasing gives what is neither
-- disbursed nor released back to the pool, once the collaboration has
-- left the allocation's phase (its phase row has ended_on, or the
-- collaboration is closed or cancelled); allocations_before_update judges
-- a release however it is written. The pool's committed and disbursed
-- follow every change of an allocation (allocations_to_pool), so the pool
-- row always holds the sums over its allocations.
--
-- Locks are taken application before allocation before pool, and all of
-- them before the first audited write: audit_append (0005) locks the one
-- audit_head row until commit, so a writer that took a pool after writing
-- audit, while another held that pool and waited for audit_head, was a
-- deadlock (the bank test: 264 in 500 calls, each costing a second). So an
-- allocation's update locks its pool first (allocations_before_update; a
-- release's audit entry fires before allocations_to_pool, triggers firing
-- by name), a decision locks the pool it may allocate from before its row
-- is written (0030, decision_pool_lock), and a reversal locks the
-- disbursement it reverses first, so that of two at once the second sees
-- the first and is refused SC412 (not 23505 from the unique index).
--
-- Who: the secretariat releases and disburses (payroll reconciliation
-- books compensation, a later migration); the secretariat, the auditor and
-- the reconciler read every allocation, a ministry those of its scope;
-- disbursements follow their allocation.

CREATE TABLE ssc.allocations (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  pool_id          bigint NOT NULL REFERENCES ssc.pools (id),
  application_id   bigint NOT NULL REFERENCES ssc.applications (id),
  collaboration_id bigint NOT NULL DEFAULT 0 REFERENCES ssc.collaborations (id),
  organisation_id  bigint NOT NULL DEFAULT 0 REFERENCES ssc.organisations (id),
  phase            text NOT NULL DEFAULT '',
  amount_minor     bigint NOT NULL,
  currency         text NOT NULL,
  disbursed_minor  bigint NOT NULL DEFAULT 0,
  released_minor   bigint NOT NULL DEFAULT 0,
  starts_on        date,
  ends_on          date,
  version          bigint NOT NULL DEFAULT 1,
  created_at       timestamptz NOT NULL DEFAULT now(),
  released_at      timestamptz,
  release_reason   text NOT NULL DEFAULT '',
  UNIQUE (application_id),
  CONSTRAINT allocations_amount_check CHECK (amount_minor > 0),
  CONSTRAINT allocations_figures_check
    CHECK (disbursed_minor >= 0 AND released_minor >= 0
           AND disbursed_minor <= amount_minor - released_minor),
  CONSTRAINT allocations_release_reason_check CHECK (char_length(release_reason) <= 500)
);
COMMENT ON TABLE ssc.allocations IS 'money committed from a pool to an approved application';
CREATE INDEX allocations_pool_idx ON ssc.allocations (pool_id, id);
CREATE INDEX allocations_collaboration_idx ON ssc.allocations (collaboration_id, id);
CREATE INDEX allocations_organisation_idx ON ssc.allocations (organisation_id, id);
CREATE INDEX allocations_ends_idx ON ssc.allocations (ends_on);

CREATE FUNCTION ssc.allocations_check() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  a ssc.applications;
  first ssc.application_approvals;
  pl ssc.pools;
BEGIN
  IF ssc.session_role() IS DISTINCT FROM 'secretariat' THEN
    RAISE EXCEPTION 'role % may not allocate money', coalesce(ssc.session_role(), 'none')
      USING ERRCODE = 'SC403';
  END IF;
  SELECT * INTO a FROM ssc.applications x WHERE x.id = NEW.application_id;
  IF NOT FOUND OR a.status <> 'approved' THEN
    RAISE EXCEPTION 'application % is not approved; only its approval allocates money',
      NEW.application_id USING ERRCODE = 'SC412';
  END IF;
  SELECT * INTO first FROM ssc.application_approvals x
   WHERE x.application_id = a.id AND x.version = a.submitted_version ORDER BY x.id LIMIT 1;
  IF (NEW.pool_id, NEW.amount_minor, NEW.currency)
     IS DISTINCT FROM (first.pool_id, first.amount_minor, a.currency) THEN
    RAISE EXCEPTION 'an allocation for application % is what its approvals agreed: % from pool %',
      a.id, ssc.money_text(first.amount_minor, a.currency), first.pool_id USING ERRCODE = 'SC412';
  END IF;
  NEW.collaboration_id := a.collaboration_id;
  NEW.organisation_id := a.applicant_id;
  NEW.phase := a.phase;
  NEW.starts_on := a.starts_on;
  NEW.ends_on := a.ends_on;
  NEW.disbursed_minor := 0;
  NEW.released_minor := 0;
  NEW.created_at := now();
  UPDATE ssc.pools x
     SET committed_minor = x.committed_minor + NEW.amount_minor, allocations = x.allocations + 1
   WHERE x.id = NEW.pool_id AND x.currency = NEW.currency
     AND x.committed_minor <= x.total_minor - NEW.amount_minor
   RETURNING * INTO pl;
  IF NOT FOUND THEN
    SELECT * INTO pl FROM ssc.pools x WHERE x.id = NEW.pool_id;
    RAISE EXCEPTION 'pool % would be over-committed: it has % available (% of % committed); allocating % for application % would pass it by %',
      pl.id, ssc.money_text(pl.total_minor - pl.committed_minor, pl.currency),
      ssc.money_text(pl.committed_minor, pl.currency), ssc.money_text(pl.total_minor, pl.currency),
      ssc.money_text(NEW.amount_minor, pl.currency), a.id,
      ssc.money_text(NEW.amount_minor - (pl.total_minor - pl.committed_minor), pl.currency)
      USING ERRCODE = 'SC412';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER allocations_check BEFORE INSERT ON ssc.allocations
  FOR EACH ROW EXECUTE FUNCTION ssc.allocations_check();

-- The only changes of an allocation: disbursed (by a disbursement's
-- trigger, as the owner) and released (a release, see the top).
CREATE FUNCTION ssc.allocations_before_update() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_collab ssc.collaborations;
BEGIN
  PERFORM FROM ssc.pools x WHERE x.id = OLD.pool_id FOR NO KEY UPDATE;  -- see "Locks" at the top
  IF (NEW.id, NEW.pool_id, NEW.application_id, NEW.collaboration_id, NEW.organisation_id, NEW.phase,
      NEW.amount_minor, NEW.currency, NEW.starts_on, NEW.ends_on, NEW.created_at)
     IS DISTINCT FROM
     (OLD.id, OLD.pool_id, OLD.application_id, OLD.collaboration_id, OLD.organisation_id, OLD.phase,
      OLD.amount_minor, OLD.currency, OLD.starts_on, OLD.ends_on, OLD.created_at) THEN
    RAISE EXCEPTION 'an allocation''s pool, application and amount never change' USING ERRCODE = 'SC400';
  END IF;
  IF NEW.released_minor IS DISTINCT FROM OLD.released_minor THEN
    IF NEW.disbursed_minor IS DISTINCT FROM OLD.disbursed_minor THEN
      RAISE EXCEPTION 'release and disburse separately' USING ERRCODE = 'SC400';
    END IF;
    IF OLD.released_minor = OLD.amount_minor - OLD.disbursed_minor THEN
      RAISE EXCEPTION 'allocation % has nothing left to release (% disbursed, % released of %)', OLD.id,
        ssc.money_text(OLD.disbursed_minor, OLD.currency),
        ssc.money_text(OLD.released_minor, OLD.currency), ssc.money_text(OLD.amount_minor, OLD.currency)
        USING ERRCODE = 'SC412';
    END IF;
    IF NEW.released_minor <> OLD.amount_minor - OLD.disbursed_minor THEN
      RAISE EXCEPTION 'a release gives back all that is left of allocation %: released becomes %',
        OLD.id, OLD.amount_minor - OLD.disbursed_minor USING ERRCODE = 'SC400';
    END IF;
    -- Judged from the collaboration's phase itself (not from the phase
    -- rows' dates, which its lead may edit): still in the allocation's
    -- phase, or suspended from it, is not closed.
    SELECT * INTO v_collab FROM ssc.collaborations c WHERE c.id = OLD.collaboration_id;
    IF v_collab.phase = OLD.phase OR v_collab.suspended_from IS NOT DISTINCT FROM OLD.phase THEN
      RAISE EXCEPTION 'allocation % is for the % phase of collaboration %, which has not closed (it is in %); unused money is released when it does',
        OLD.id, OLD.phase, OLD.collaboration_id, v_collab.phase USING ERRCODE = 'SC412';
    END IF;
    NEW.released_at := now();
  ELSE
    IF NEW.release_reason IS DISTINCT FROM OLD.release_reason THEN
      RAISE EXCEPTION 'a release reason is given with a release' USING ERRCODE = 'SC400';
    END IF;
    NEW.released_at := OLD.released_at;
  END IF;
  NEW.version := OLD.version + 1;
  RETURN NEW;
END
$$;
CREATE TRIGGER allocations_before_update BEFORE UPDATE ON ssc.allocations
  FOR EACH ROW EXECUTE FUNCTION ssc.allocations_before_update();

CREATE FUNCTION ssc.allocations_to_pool() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  UPDATE ssc.pools x
     SET committed_minor = x.committed_minor - (NEW.released_minor - OLD.released_minor),
         disbursed_minor = x.disbursed_minor + (NEW.disbursed_minor - OLD.disbursed_minor)
   WHERE x.id = NEW.pool_id;
  RETURN NULL;
END
$$;
CREATE TRIGGER allocations_to_pool AFTER UPDATE OF disbursed_minor, released_minor ON ssc.allocations
  FOR EACH ROW EXECUTE FUNCTION ssc.allocations_to_pool();
CREATE TRIGGER allocations_no_delete BEFORE DELETE ON ssc.allocations
  FOR EACH ROW EXECUTE FUNCTION ssc.decisions_frozen();
CREATE TRIGGER allocations_audit AFTER INSERT OR UPDATE OF released_minor, release_reason ON ssc.allocations
  FOR EACH ROW EXECUTE FUNCTION ssc.audit_row('allocation');

ALTER TABLE ssc.allocations ENABLE ROW LEVEL SECURITY;
CREATE POLICY allocations_select ON ssc.allocations FOR SELECT
  USING (ssc.reads_all() OR coalesce(ssc.session_role() = 'reconciler', false)
         OR ssc.in_scope(organisation_id));
CREATE POLICY allocations_insert ON ssc.allocations FOR INSERT
  WITH CHECK (coalesce(ssc.session_role() = 'secretariat', false));
CREATE POLICY allocations_update ON ssc.allocations FOR UPDATE
  USING (coalesce(ssc.session_role() = 'secretariat', false))
  WITH CHECK (coalesce(ssc.session_role() = 'secretariat', false));
GRANT SELECT ON ssc.allocations TO ssc_app;
GRANT INSERT (pool_id, application_id, amount_minor, currency) ON ssc.allocations TO ssc_app;
GRANT UPDATE (released_minor, release_reason) ON ssc.allocations TO ssc_app;

-- An approved application has its allocation: only the approval that
-- completes it (0030) approves it, and it allocates in the same
-- transaction. Checked at commit, so that the status may change before the
-- allocation is inserted; a status set to approved any other way (in SQL)
-- fails the commit.
CREATE FUNCTION ssc.applications_allocated() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  IF NEW.status = 'approved'
     AND (NOT EXISTS (SELECT FROM ssc.allocations x WHERE x.application_id = NEW.id)
          OR NOT EXISTS (SELECT FROM ssc.collaborations c
                          WHERE c.id = NEW.collaboration_id AND c.phase = NEW.phase)) THEN
    RAISE EXCEPTION 'application % is approved without its allocation, or without its collaboration in the % phase; only the approval that completes it approves it',
      NEW.id, NEW.phase USING ERRCODE = 'SC412';
  END IF;
  RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER applications_allocated AFTER UPDATE OF status ON ssc.applications
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW WHEN (NEW.status = 'approved') EXECUTE FUNCTION ssc.applications_allocated();

CREATE OR REPLACE FUNCTION ssc.application_allocation_id(a ssc.applications) RETURNS bigint
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  RETURN (SELECT x.id FROM ssc.allocations x WHERE x.application_id = a.id);
END
$$;

-- ---- disbursements -------------------------------------------------------------------

CREATE TABLE ssc.disbursements (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  allocation_id bigint NOT NULL REFERENCES ssc.allocations (id),
  kind          text NOT NULL,
  amount_minor  bigint NOT NULL DEFAULT 0,
  currency      text NOT NULL,
  paid_on       date NOT NULL,
  reference     text NOT NULL DEFAULT '',
  reason        text NOT NULL DEFAULT '',
  reverses_id   bigint UNIQUE REFERENCES ssc.disbursements (id),
  principal     text NOT NULL DEFAULT '',
  created_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT disbursements_kind_check
    CHECK (kind IN ('advance', 'expense', 'compensation', 'reversal')),
  CONSTRAINT disbursements_reversal_check CHECK ((kind = 'reversal') = (reverses_id IS NOT NULL)),
  CONSTRAINT disbursements_amount_check CHECK (amount_minor > 0),
  CONSTRAINT disbursements_reference_check CHECK (char_length(reference) <= 200),
  CONSTRAINT disbursements_reason_check CHECK (char_length(reason) <= 500)
);
COMMENT ON TABLE ssc.disbursements IS 'payments out of allocations, and their reversals; never changed';
CREATE INDEX disbursements_allocation_idx ON ssc.disbursements (allocation_id, id);

CREATE FUNCTION ssc.disbursements_apply() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  o ssc.disbursements;
  al ssc.allocations;
  v_delta bigint;
BEGIN
  IF ssc.session_role() IS DISTINCT FROM 'secretariat'
     AND NOT (NEW.kind = 'compensation' AND ssc.session_role() IS NOT DISTINCT FROM 'reconciler') THEN
    RAISE EXCEPTION 'role % may not record disbursements', coalesce(ssc.session_role(), 'none')
      USING ERRCODE = 'SC403';
  END IF;
  IF NEW.kind = 'reversal' THEN
    SELECT * INTO o FROM ssc.disbursements x WHERE x.id = NEW.reverses_id FOR NO KEY UPDATE;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'id: disbursement % not found', NEW.reverses_id USING ERRCODE = 'SC404';
    END IF;
    IF o.kind = 'reversal' THEN
      RAISE EXCEPTION 'disbursement % is a reversal; record the payment again instead of reversing it',
        o.id USING ERRCODE = 'SC412';
    END IF;
    IF EXISTS (SELECT FROM ssc.disbursements x WHERE x.reverses_id = o.id) THEN
      RAISE EXCEPTION 'disbursement % was reversed already (by %)', o.id,
        (SELECT x.id FROM ssc.disbursements x WHERE x.reverses_id = o.id) USING ERRCODE = 'SC412';
    END IF;
    NEW.allocation_id := o.allocation_id;
    NEW.amount_minor := o.amount_minor;
    NEW.currency := o.currency;
    v_delta := -o.amount_minor;
  ELSE
    v_delta := NEW.amount_minor;
  END IF;
  SELECT * INTO al FROM ssc.allocations x WHERE x.id = NEW.allocation_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'allocation_id: allocation % does not exist', NEW.allocation_id
      USING ERRCODE = 'SC400';
  END IF;
  IF NEW.currency <> al.currency THEN
    RAISE EXCEPTION 'amount: is in %, allocation % in %', NEW.currency, al.id, al.currency
      USING ERRCODE = 'SC400';
  END IF;
  NEW.principal := ssc.session_principal_label();
  NEW.created_at := now();
  UPDATE ssc.allocations x SET disbursed_minor = x.disbursed_minor + v_delta
   WHERE x.id = NEW.allocation_id
     -- a payment fits in what is left; a reversal gives back no more than
     -- was paid (each side written so that it cannot overflow bigint)
     AND CASE WHEN v_delta > 0 THEN x.disbursed_minor <= x.amount_minor - x.released_minor - v_delta
              ELSE x.disbursed_minor + v_delta >= 0 END
   RETURNING * INTO al;
  IF NOT FOUND THEN
    SELECT * INTO al FROM ssc.allocations x WHERE x.id = NEW.allocation_id;
    RAISE EXCEPTION 'allocation % has % left (% allocated, % disbursed, % released); a disbursement of % would pass it',
      al.id, ssc.money_text(al.amount_minor - al.released_minor - al.disbursed_minor, al.currency),
      ssc.money_text(al.amount_minor, al.currency), ssc.money_text(al.disbursed_minor, al.currency),
      ssc.money_text(al.released_minor, al.currency), ssc.money_text(NEW.amount_minor, al.currency)
      USING ERRCODE = 'SC412';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER disbursements_apply BEFORE INSERT ON ssc.disbursements
  FOR EACH ROW EXECUTE FUNCTION ssc.disbursements_apply();
CREATE TRIGGER disbursements_frozen BEFORE UPDATE OR DELETE ON ssc.disbursements
  FOR EACH ROW EXECUTE FUNCTION ssc.decisions_frozen();
CREATE TRIGGER disbursements_audit AFTER INSERT ON ssc.disbursements
  FOR EACH ROW EXECUTE FUNCTION ssc.audit_row('disbursement');

ALTER TABLE ssc.disbursements ENABLE ROW LEVEL SECURITY;
CREATE POLICY disbursements_select ON ssc.disbursements FOR SELECT
  USING (EXISTS (SELECT FROM ssc.allocations a WHERE a.id = allocation_id));
CREATE POLICY disbursements_insert ON ssc.disbursements FOR INSERT
  WITH CHECK (coalesce(ssc.session_role() = 'secretariat', false));
GRANT SELECT ON ssc.disbursements TO ssc_app;
GRANT INSERT (allocation_id, kind, amount_minor, currency, paid_on, reference, reason, reverses_id)
  ON ssc.disbursements TO ssc_app;

-- ---- the API -------------------------------------------------------------------------

CREATE FUNCTION ssc.allocation_json(al ssc.allocations) RETURNS jsonb
  LANGUAGE sql STABLE
  RETURN jsonb_build_object(
    'id', al.id, 'pool_id', al.pool_id, 'application_id', al.application_id,
    'collaboration_id', al.collaboration_id, 'organisation_id', al.organisation_id,
    'phase', al.phase, 'amount', ssc.money(al.amount_minor, al.currency),
    'disbursed', ssc.money(al.disbursed_minor, al.currency),
    'released', ssc.money(al.released_minor, al.currency),
    'remaining', ssc.money(al.amount_minor - al.disbursed_minor - al.released_minor, al.currency),
    'starts_on', al.starts_on::text, 'ends_on', al.ends_on::text,
    'status', CASE WHEN al.released_at IS NULL THEN 'open' ELSE 'released' END,
    'created_at', ssc.rfc3339(al.created_at), 'released_at', ssc.rfc3339(al.released_at),
    'release_reason', al.release_reason, 'version', al.version);

CREATE FUNCTION ssc.disbursement_json(d ssc.disbursements) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  RETURN jsonb_build_object(
    'id', d.id, 'allocation_id', d.allocation_id, 'kind', d.kind,
    'amount', ssc.money(d.amount_minor, d.currency), 'paid_on', d.paid_on::text,
    'reference', d.reference, 'reason', d.reason, 'reverses_id', d.reverses_id,
    'reversed_by_id', (SELECT x.id FROM ssc.disbursements x WHERE x.reverses_id = d.id),
    'principal', d.principal, 'created_at', ssc.rfc3339(d.created_at));
END
$$;

CREATE FUNCTION ssc.allocation_get(p jsonb) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  al ssc.allocations;
BEGIN
  SELECT * INTO al FROM ssc.allocations x WHERE x.id = ssc.req_required_id(p, 'id');
  IF NOT FOUND THEN
    PERFORM ssc.not_found('allocation', ssc.req_int(p, 'id'));
  END IF;
  RETURN ssc.allocation_json(al);
END
$$;

CREATE FUNCTION ssc.allocation_list(p jsonb, p_after text, p_lim int) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_pool bigint := ssc.req_id(p, 'pool_id');
  v_collab bigint := ssc.req_id(p, 'collaboration_id');
  v_org bigint := ssc.req_id(p, 'organisation_id');
  v_after bigint := coalesce(nullif(p_after, '')::bigint, 0);
  v_lim int := ssc.page_limit(p_lim);
BEGIN
  RETURN (SELECT coalesce(jsonb_agg(ssc.allocation_json(x) ORDER BY x.id), '[]')
            FROM (SELECT * FROM ssc.allocations y
                   WHERE y.id > v_after
                     AND (v_pool = 0 OR y.pool_id = v_pool)
                     AND (v_collab = 0 OR y.collaboration_id = v_collab)
                     AND (v_org = 0 OR y.organisation_id = v_org)
                   ORDER BY y.id LIMIT v_lim) x);
END
$$;
ALTER FUNCTION ssc.allocation_list(jsonb, text, int) SET plan_cache_mode = force_custom_plan;

CREATE FUNCTION ssc.allocation_release(p jsonb, p_hash bytea) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v jsonb := ssc.idem_claim(ssc.req_text(p, 'idempotency_key'), p_hash);
  v_id bigint := ssc.req_required_id(p, 'id');
  v_reason text := ssc.req_words(p, 'reason', 500, false, true);
  al ssc.allocations;
BEGIN
  IF v IS NOT NULL THEN
    RETURN v;
  END IF;
  SELECT * INTO al FROM ssc.allocations x WHERE x.id = v_id;
  IF NOT FOUND THEN
    PERFORM ssc.not_found('allocation', v_id);
  END IF;
  SELECT * INTO al FROM ssc.allocations x WHERE x.id = v_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'role % may not release allocation %', ssc.session_role(), v_id
      USING ERRCODE = 'SC403';
  END IF;
  -- With nothing left the UPDATE would not change released_minor, so the
  -- trigger would judge no release (nor the phase) and a new version, an
  -- audit row and the reason would be written for nothing.
  IF al.released_minor = al.amount_minor - al.disbursed_minor THEN
    RAISE EXCEPTION 'allocation % has nothing left to release (% disbursed, % released of %)', al.id,
      ssc.money_text(al.disbursed_minor, al.currency), ssc.money_text(al.released_minor, al.currency),
      ssc.money_text(al.amount_minor, al.currency) USING ERRCODE = 'SC412';
  END IF;
  UPDATE ssc.allocations x
     SET released_minor = x.amount_minor - x.disbursed_minor, release_reason = v_reason
   WHERE x.id = v_id RETURNING * INTO al;
  v := ssc.allocation_json(al);
  PERFORM ssc.idem_store(ssc.req_text(p, 'idempotency_key'), v);
  RETURN v;
END
$$;

CREATE FUNCTION ssc.disbursement_insert(d ssc.disbursements) RETURNS ssc.disbursements
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  INSERT INTO ssc.disbursements (allocation_id, kind, amount_minor, currency, paid_on, reference,
                                 reason, reverses_id)
    VALUES (d.allocation_id, d.kind, d.amount_minor, d.currency, d.paid_on, d.reference, d.reason,
            d.reverses_id)
    RETURNING * INTO d;
  RETURN d;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE EXCEPTION 'role % may not record disbursements', ssc.session_role() USING ERRCODE = 'SC403';
END
$$;

CREATE FUNCTION ssc.disbursement_add(p jsonb, p_hash bytea) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v jsonb := ssc.idem_claim(ssc.req_text(p, 'idempotency_key'), p_hash);
  v_alloc bigint := ssc.req_required_id(p, 'allocation_id');
  v_kind text := ssc.req_text(p, 'kind');
  v_amount jsonb := ssc.req_money(p, 'amount', true);
  d ssc.disbursements;
BEGIN
  IF v IS NOT NULL THEN
    RETURN v;
  END IF;
  IF v_kind NOT IN ('advance', 'expense') THEN
    RAISE EXCEPTION 'kind: must be advance or expense, not % (compensation is booked by payroll reconciliation, a reversal by Reverse)',
      coalesce(NULLIF(v_kind, ''), 'unset') USING ERRCODE = 'SC400';
  END IF;
  IF (v_amount ->> 'amount_minor')::bigint = 0 THEN
    RAISE EXCEPTION 'amount: must be more than 0' USING ERRCODE = 'SC400';
  END IF;
  IF NOT EXISTS (SELECT FROM ssc.allocations x WHERE x.id = v_alloc) THEN
    PERFORM ssc.not_found('allocation', v_alloc);
  END IF;
  d.allocation_id := v_alloc;
  d.kind := v_kind;
  d.amount_minor := (v_amount ->> 'amount_minor')::bigint;
  d.currency := v_amount ->> 'currency';
  d.paid_on := coalesce(ssc.req_date(p, 'paid_on'), (now() AT TIME ZONE 'UTC')::date);
  d.reference := ssc.req_words(p, 'reference', 200, false, false);
  d.reason := '';
  d := ssc.disbursement_insert(d);
  v := ssc.disbursement_json(d);
  PERFORM ssc.idem_store(ssc.req_text(p, 'idempotency_key'), v);
  RETURN v;
END
$$;

CREATE FUNCTION ssc.disbursement_reverse(p jsonb, p_hash bytea) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v jsonb := ssc.idem_claim(ssc.req_text(p, 'idempotency_key'), p_hash);
  v_id bigint := ssc.req_required_id(p, 'id');
  v_reason text := ssc.req_words(p, 'reason', 500, true, true);
  o ssc.disbursements;
  d ssc.disbursements;
BEGIN
  IF v IS NOT NULL THEN
    RETURN v;
  END IF;
  SELECT * INTO o FROM ssc.disbursements x WHERE x.id = v_id;
  IF NOT FOUND THEN
    PERFORM ssc.not_found('disbursement', v_id);
  END IF;
  d.allocation_id := o.allocation_id;
  d.kind := 'reversal';
  d.amount_minor := o.amount_minor;
  d.currency := o.currency;
  d.paid_on := (now() AT TIME ZONE 'UTC')::date;
  d.reference := o.reference;
  d.reason := v_reason;
  d.reverses_id := o.id;
  d := ssc.disbursement_insert(d);
  v := ssc.disbursement_json(d);
  PERFORM ssc.idem_store(ssc.req_text(p, 'idempotency_key'), v);
  RETURN v;
END
$$;

CREATE FUNCTION ssc.disbursement_get(p jsonb) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  d ssc.disbursements;
BEGIN
  SELECT * INTO d FROM ssc.disbursements x WHERE x.id = ssc.req_required_id(p, 'id');
  IF NOT FOUND THEN
    PERFORM ssc.not_found('disbursement', ssc.req_int(p, 'id'));
  END IF;
  RETURN ssc.disbursement_json(d);
END
$$;

CREATE FUNCTION ssc.disbursement_list(p jsonb, p_after text, p_lim int) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_alloc bigint := ssc.req_id(p, 'allocation_id');
  v_kind text := ssc.req_text(p, 'kind');
  v_after bigint := coalesce(nullif(p_after, '')::bigint, 0);
  v_lim int := ssc.page_limit(p_lim);
BEGIN
  RETURN (SELECT coalesce(jsonb_agg(ssc.disbursement_json(x) ORDER BY x.id), '[]')
            FROM (SELECT * FROM ssc.disbursements y
                   WHERE y.id > v_after
                     AND (v_alloc = 0 OR y.allocation_id = v_alloc)
                     AND (v_kind = '' OR y.kind = v_kind)
                   ORDER BY y.id LIMIT v_lim) x);
END
$$;
ALTER FUNCTION ssc.disbursement_list(jsonb, text, int) SET plan_cache_mode = force_custom_plan;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA ssc FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
  ssc.application_allocation_id(ssc.applications), ssc.allocation_json(ssc.allocations),
  ssc.disbursement_json(ssc.disbursements), ssc.allocation_get(jsonb),
  ssc.allocation_list(jsonb, text, int), ssc.allocation_release(jsonb, bytea),
  ssc.disbursement_insert(ssc.disbursements), ssc.disbursement_add(jsonb, bytea),
  ssc.disbursement_reverse(jsonb, bytea), ssc.disbursement_get(jsonb),
  ssc.disbursement_list(jsonb, text, int)
  TO ssc_app;
