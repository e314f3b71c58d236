-- 0028 funding pools (API.md "Pools").
--
-- A pool is one fiscal year's money in one currency (one pool per year and
-- currency). Its total changes only through adjustments, rows that are
-- never changed or deleted: the initial total, top-ups and reductions.
-- committed (what allocations hold, 0030) and disbursed (what was paid out
-- of them) are kept on the pool row by SECURITY DEFINER triggers of the
-- tables that change them, so one row read is one consistent snapshot of
-- total, committed, disbursed and available (= total - committed).
--
-- The invariant 0 <= disbursed <= committed <= total is the table's CHECK.
-- Every change of a figure is one UPDATE of the pool row whose WHERE
-- clause holds the rule, so concurrent writers queue on the row lock and
-- each sees the figures the one before it left (READ COMMITTED re-reads
-- the row after the wait): a writer that would break the rule finds no
-- row and raises SC412 with the figures; the CHECK is the backstop that
-- holds whatever else writes. ssc_app may write the name, nothing else of
-- the row.
--
-- Who: the secretariat creates and adjusts pools; every role that may call
-- reads them (a ministry sees what a pool holds, not whose allocations);
-- the secretariat and the auditor read adjustments.

-- An amount for a message: "DKK 1,234,567.89" (two decimals, as every
-- currency the programme uses has).
CREATE FUNCTION ssc.money_text(amount bigint, currency text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN currency || ' ' || CASE WHEN amount < 0 THEN '-' ELSE '' END
         || pg_catalog.to_char(div(abs(amount::numeric), 100), 'FM999,999,999,999,999,990')
         || '.' || lpad(mod(abs(amount::numeric), 100)::text, 2, '0');

-- Who the caller is, as the funding records name people who decided or
-- wrote something (an adjustment, a comment, an approval, a payment):
-- the principal's registered name and id, "Secretariat desk officer
-- (principal 2)", or, without a name, its certificate identity
-- (ssc.principal: the subject, or sha256:<fingerprint>); outside a call
-- (the owner in SQL) db:<session user>. The audit trail keeps the
-- certificate identity itself (0005).
CREATE FUNCTION ssc.session_principal_label() RETURNS text
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  r ssc.principals;
BEGIN
  SELECT * INTO r FROM ssc.principals x
   WHERE x.id = NULLIF(current_setting('ssc.principal_id', true), '')::bigint;
  IF FOUND AND r.name <> '' THEN
    RETURN r.name || ' (principal ' || r.id || ')';
  END IF;
  RETURN coalesce(NULLIF(current_setting('ssc.principal', true), ''), 'db:' || session_user);
END
$$;

CREATE FUNCTION ssc.money(amount bigint, currency text) RETURNS jsonb
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN pg_catalog.jsonb_build_object('amount_minor', amount, 'currency', currency);

CREATE TABLE ssc.pools (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name            text NOT NULL,
  fiscal_year     int NOT NULL,
  currency        text NOT NULL,
  total_minor     bigint NOT NULL DEFAULT 0,
  committed_minor bigint NOT NULL DEFAULT 0,
  disbursed_minor bigint NOT NULL DEFAULT 0,
  allocations     int NOT NULL DEFAULT 0,
  version         bigint NOT NULL DEFAULT 1,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT pools_name_check CHECK (char_length(name) BETWEEN 1 AND 200),
  CONSTRAINT pools_fiscal_year_check CHECK (fiscal_year BETWEEN 2000 AND 2100),
  CONSTRAINT pools_currency_check CHECK (currency ~ '^[A-Z]{3}$'),
  CONSTRAINT pools_figures_check
    CHECK (0 <= disbursed_minor AND disbursed_minor <= committed_minor
           AND committed_minor <= total_minor),
  CONSTRAINT pools_allocations_check CHECK (allocations >= 0)
);
COMMENT ON TABLE ssc.pools IS 'funding pools (API.md "Pools")';
CREATE UNIQUE INDEX pools_year_currency_key ON ssc.pools (fiscal_year, currency);

-- version counts what a person changed (name, total), not the figures
-- allocations move; only those changes are audited as the pool's (the
-- allocation or disbursement that moved a figure is audited itself).
CREATE FUNCTION ssc.pools_before_update() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  IF (NEW.id, NEW.fiscal_year, NEW.currency, NEW.created_at)
     IS DISTINCT FROM (OLD.id, OLD.fiscal_year, OLD.currency, OLD.created_at) THEN
    RAISE EXCEPTION 'a pool''s fiscal year and currency never change' USING ERRCODE = 'SC400';
  END IF;
  IF (NEW.name, NEW.total_minor) IS DISTINCT FROM (OLD.name, OLD.total_minor)
     AND NOT (OLD.version = 1 AND OLD.total_minor = 0 AND NEW.name = OLD.name
              AND NOT EXISTS (SELECT FROM ssc.pool_adjustments a WHERE a.pool_id = OLD.id)) THEN
    -- (the initial total, set while the pool's first adjustment is being
    -- written, is the pool as created: version 1)
    NEW.version := OLD.version + 1;
  ELSE
    NEW.version := OLD.version;
  END IF;
  NEW.updated_at := now();
  RETURN NEW;
END
$$;
CREATE TRIGGER pools_before_update BEFORE UPDATE ON ssc.pools
  FOR EACH ROW EXECUTE FUNCTION ssc.pools_before_update();
CREATE TRIGGER pools_audit AFTER INSERT OR DELETE ON ssc.pools
  FOR EACH ROW EXECUTE FUNCTION ssc.audit_row('pool');
CREATE TRIGGER pools_audit_update AFTER UPDATE ON ssc.pools
  FOR EACH ROW WHEN ((OLD.name, OLD.total_minor) IS DISTINCT FROM (NEW.name, NEW.total_minor))
  EXECUTE FUNCTION ssc.audit_row('pool');

ALTER TABLE ssc.pools ENABLE ROW LEVEL SECURITY;
CREATE POLICY pools_select ON ssc.pools FOR SELECT USING (ssc.session_role() IS NOT NULL);
CREATE POLICY pools_insert ON ssc.pools FOR INSERT
  WITH CHECK (coalesce(ssc.session_role() = 'secretariat', false));
CREATE POLICY pools_update ON ssc.pools FOR UPDATE
  USING (coalesce(ssc.session_role() = 'secretariat', false))
  WITH CHECK (coalesce(ssc.session_role() = 'secretariat', false));
GRANT SELECT ON ssc.pools TO ssc_app;
GRANT INSERT (name, fiscal_year, currency) ON ssc.pools TO ssc_app;
GRANT UPDATE (name) ON ssc.pools TO ssc_app;

CREATE TABLE ssc.pool_adjustments (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  pool_id      bigint NOT NULL REFERENCES ssc.pools (id),
  kind         text NOT NULL,
  amount_minor bigint NOT NULL,
  currency     text NOT NULL,
  total_after  bigint NOT NULL DEFAULT 0,
  reason       text NOT NULL,
  principal    text NOT NULL DEFAULT '',
  created_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT pool_adjustments_kind_check CHECK (kind IN ('initial', 'top_up', 'reduction')),
  CONSTRAINT pool_adjustments_amount_check
    CHECK (amount_minor > 0 OR (kind = 'initial' AND amount_minor = 0)),
  CONSTRAINT pool_adjustments_reason_check CHECK (char_length(reason) BETWEEN 1 AND 500)
);
COMMENT ON TABLE ssc.pool_adjustments IS 'every change of a pool''s total; never changed';
CREATE INDEX pool_adjustments_pool_idx ON ssc.pool_adjustments (pool_id, id);

-- An adjustment moves the pool's total (see the top): the currency must be
-- the pool's, the total must stay within bigint, and a reduction must
-- leave at least what is committed.
CREATE FUNCTION ssc.pool_adjustments_apply() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_delta bigint := CASE WHEN NEW.kind = 'reduction' THEN -NEW.amount_minor ELSE NEW.amount_minor END;
  pl ssc.pools;
BEGIN
  SELECT * INTO pl FROM ssc.pools x WHERE x.id = NEW.pool_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'pool_id: pool % does not exist', NEW.pool_id USING ERRCODE = 'SC404';
  END IF;
  IF NEW.currency <> pl.currency THEN
    RAISE EXCEPTION 'amount: is in %, pool % is in %', NEW.currency, pl.id, pl.currency
      USING ERRCODE = 'SC400';
  END IF;
  IF (NEW.kind = 'initial') <> NOT EXISTS (SELECT FROM ssc.pool_adjustments a
                                           WHERE a.pool_id = NEW.pool_id) THEN
    RAISE EXCEPTION 'kind: a pool''s first adjustment is its initial total, and only the first'
      USING ERRCODE = 'SC400';
  END IF;
  BEGIN
    UPDATE ssc.pools x SET total_minor = x.total_minor + v_delta
     WHERE x.id = NEW.pool_id AND x.total_minor + v_delta >= x.committed_minor
     RETURNING * INTO pl;
  EXCEPTION WHEN numeric_value_out_of_range THEN
    RAISE EXCEPTION 'amount: pool %''s total would pass the largest amount, % minor units',
      NEW.pool_id, 9223372036854775807 USING ERRCODE = 'SC400';
  END;
  IF NOT FOUND THEN
    SELECT * INTO pl FROM ssc.pools x WHERE x.id = NEW.pool_id;
    RAISE EXCEPTION 'pool % has % committed of its total %; a reduction of % would leave %, below what is committed (at most % can be taken away)',
      pl.id, ssc.money_text(pl.committed_minor, pl.currency), ssc.money_text(pl.total_minor, pl.currency),
      ssc.money_text(NEW.amount_minor, pl.currency),
      ssc.money_text(pl.total_minor - NEW.amount_minor, pl.currency),
      ssc.money_text(pl.total_minor - pl.committed_minor, pl.currency)
      USING ERRCODE = 'SC412';
  END IF;
  NEW.total_after := pl.total_minor;
  NEW.principal := ssc.session_principal_label();
  NEW.created_at := now();
  RETURN NEW;
END
$$;
CREATE TRIGGER pool_adjustments_apply BEFORE INSERT ON ssc.pool_adjustments
  FOR EACH ROW EXECUTE FUNCTION ssc.pool_adjustments_apply();
CREATE FUNCTION ssc.pool_adjustments_frozen() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  RAISE EXCEPTION 'a pool adjustment is never changed or deleted; record another one'
    USING ERRCODE = 'SC412';
END
$$;
CREATE TRIGGER pool_adjustments_frozen BEFORE UPDATE OR DELETE ON ssc.pool_adjustments
  FOR EACH ROW EXECUTE FUNCTION ssc.pool_adjustments_frozen();
CREATE TRIGGER pool_adjustments_audit AFTER INSERT ON ssc.pool_adjustments
  FOR EACH ROW EXECUTE FUNCTION ssc.audit_row('pool_adjustment');

ALTER TABLE ssc.pool_adjustments ENABLE ROW LEVEL SECURITY;
CREATE POLICY pool_adjustments_select ON ssc.pool_adjustments FOR SELECT USING (ssc.reads_all());
CREATE POLICY pool_adjustments_insert ON ssc.pool_adjustments FOR INSERT
  WITH CHECK (coalesce(ssc.session_role() = 'secretariat', false));
GRANT SELECT ON ssc.pool_adjustments TO ssc_app;
GRANT INSERT (pool_id, kind, amount_minor, currency, reason) ON ssc.pool_adjustments TO ssc_app;

CREATE FUNCTION ssc.pool_json(pl ssc.pools) RETURNS jsonb
  LANGUAGE sql STABLE
  RETURN jsonb_build_object(
    'id', pl.id, 'name', pl.name, 'fiscal_year', pl.fiscal_year, 'currency', pl.currency,
    'total', ssc.money(pl.total_minor, pl.currency),
    'committed', ssc.money(pl.committed_minor, pl.currency),
    'disbursed', ssc.money(pl.disbursed_minor, pl.currency),
    'available', ssc.money(pl.total_minor - pl.committed_minor, pl.currency),
    'allocations', pl.allocations, 'version', pl.version,
    'created_at', ssc.rfc3339(pl.created_at), 'updated_at', ssc.rfc3339(pl.updated_at));

CREATE FUNCTION ssc.pool_adjustment_json(a ssc.pool_adjustments) RETURNS jsonb
  LANGUAGE sql STABLE
  RETURN jsonb_build_object(
    'id', a.id, 'pool_id', a.pool_id, 'kind', a.kind,
    'amount', ssc.money(a.amount_minor, a.currency),
    'total_after', ssc.money(a.total_after, a.currency),
    'reason', a.reason, 'principal', a.principal, 'at', ssc.rfc3339(a.created_at));

CREATE FUNCTION ssc.pool_create(p jsonb, p_hash bytea) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v jsonb := ssc.idem_claim(ssc.req_text(p, 'idempotency_key'), p_hash);
  v_name text := ssc.req_words(p, 'name', 200, true, false);
  v_year bigint := ssc.req_int(p, 'fiscal_year');
  v_total jsonb := ssc.req_money(p, 'total', true);
  v_other bigint;
  pl ssc.pools;
BEGIN
  IF v IS NOT NULL THEN
    RETURN v;
  END IF;
  IF v_year NOT BETWEEN 2000 AND 2100 THEN
    RAISE EXCEPTION 'fiscal_year: must be a year from 2000 to 2100, not %', v_year
      USING ERRCODE = 'SC400';
  END IF;
  SELECT x.id INTO v_other FROM ssc.pools x
   WHERE x.fiscal_year = v_year AND x.currency = v_total ->> 'currency';
  IF FOUND THEN
    RAISE EXCEPTION 'pool % already holds % for %; adjust it instead', v_other,
      v_total ->> 'currency', v_year USING ERRCODE = 'SC409';
  END IF;
  BEGIN
    INSERT INTO ssc.pools (name, fiscal_year, currency)
      VALUES (v_name, v_year, v_total ->> 'currency') RETURNING * INTO pl;
  EXCEPTION WHEN insufficient_privilege THEN
    RAISE EXCEPTION 'role % may not create pools', ssc.session_role() USING ERRCODE = 'SC403';
  END;
  INSERT INTO ssc.pool_adjustments (pool_id, kind, amount_minor, currency, reason)
    VALUES (pl.id, 'initial', (v_total ->> 'amount_minor')::bigint, pl.currency, 'initial total');
  SELECT * INTO pl FROM ssc.pools x WHERE x.id = pl.id;
  v := ssc.pool_json(pl);
  PERFORM ssc.idem_store(ssc.req_text(p, 'idempotency_key'), v);
  RETURN v;
END
$$;

CREATE FUNCTION ssc.pool_get(p jsonb) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  pl ssc.pools;
BEGIN
  SELECT * INTO pl FROM ssc.pools x WHERE x.id = ssc.req_required_id(p, 'id');
  IF NOT FOUND THEN
    PERFORM ssc.not_found('pool', ssc.req_int(p, 'id'));
  END IF;
  RETURN ssc.pool_json(pl);
END
$$;

CREATE FUNCTION ssc.pool_list(p jsonb, p_after text, p_lim int) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_year bigint := ssc.req_int(p, 'fiscal_year');
  v_currency text := ssc.req_text(p, 'currency');
  v_after bigint := coalesce(nullif(p_after, '')::bigint, 0);
  v_lim int := ssc.page_limit(p_lim);
BEGIN
  IF v_currency <> '' AND v_currency !~ '^[A-Z]{3}$' THEN
    RAISE EXCEPTION 'currency: must be an ISO 4217 code such as DKK, not "%"', left(v_currency, 8)
      USING ERRCODE = 'SC400';
  END IF;
  RETURN (SELECT coalesce(jsonb_agg(ssc.pool_json(x) ORDER BY x.id), '[]')
            FROM (SELECT * FROM ssc.pools y
                   WHERE y.id > v_after
                     AND (v_year = 0 OR y.fiscal_year = v_year)
                     AND (v_currency = '' OR y.currency = v_currency)
                   ORDER BY y.id LIMIT v_lim) x);
END
$$;

CREATE FUNCTION ssc.pool_adjust(p jsonb, p_hash bytea) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v jsonb := ssc.idem_claim(ssc.req_text(p, 'idempotency_key'), p_hash);
  v_id bigint := ssc.req_required_id(p, 'pool_id');
  v_kind text := ssc.req_text(p, 'kind');
  v_amount jsonb := ssc.req_money(p, 'amount', true);
  v_reason text := ssc.req_words(p, 'reason', 500, true, true);
  v_expected bigint := ssc.req_id(p, 'expected_version');
  pl ssc.pools;
  a ssc.pool_adjustments;
BEGIN
  IF v IS NOT NULL THEN
    RETURN v;
  END IF;
  IF v_kind NOT IN ('top_up', 'reduction') THEN
    RAISE EXCEPTION 'kind: must be top_up or reduction, not %', coalesce(NULLIF(v_kind, ''), 'unset')
      USING ERRCODE = 'SC400';
  END IF;
  IF (v_amount ->> 'amount_minor')::bigint = 0 THEN
    RAISE EXCEPTION 'amount: must be more than 0' USING ERRCODE = 'SC400';
  END IF;
  SELECT * INTO pl FROM ssc.pools x WHERE x.id = v_id;
  IF NOT FOUND THEN
    PERFORM ssc.not_found('pool', v_id);
  END IF;
  IF ssc.session_role() IS DISTINCT FROM 'secretariat' THEN
    RAISE EXCEPTION 'role % may not adjust pools', ssc.session_role() USING ERRCODE = 'SC403';
  END IF;
  IF v_expected <> 0 THEN
    SELECT * INTO pl FROM ssc.pools x WHERE x.id = v_id FOR UPDATE;
    IF pl.version <> v_expected THEN
      RAISE EXCEPTION 'expected version %, found %', v_expected, pl.version USING ERRCODE = 'SC412';
    END IF;
  END IF;
  INSERT INTO ssc.pool_adjustments (pool_id, kind, amount_minor, currency, reason)
    VALUES (v_id, v_kind, (v_amount ->> 'amount_minor')::bigint, v_amount ->> 'currency', v_reason)
    RETURNING * INTO a;
  SELECT * INTO pl FROM ssc.pools x WHERE x.id = v_id;
  v := jsonb_build_object('pool', ssc.pool_json(pl), 'adjustment', ssc.pool_adjustment_json(a));
  PERFORM ssc.idem_store(ssc.req_text(p, 'idempotency_key'), v);
  RETURN v;
END
$$;

CREATE FUNCTION ssc.pool_adjustment_list(p jsonb, p_after text, p_lim int) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_pool bigint := ssc.req_required_id(p, 'pool_id');
  v_after bigint := coalesce(nullif(p_after, '')::bigint, 0);
  v_lim int := ssc.page_limit(p_lim);
BEGIN
  IF NOT ssc.reads_all() THEN
    RAISE EXCEPTION 'role % may not read pool adjustments', ssc.session_role() USING ERRCODE = 'SC403';
  END IF;
  IF NOT EXISTS (SELECT FROM ssc.pools x WHERE x.id = v_pool) THEN
    PERFORM ssc.not_found('pool', v_pool);
  END IF;
  RETURN (SELECT coalesce(jsonb_agg(ssc.pool_adjustment_json(x) ORDER BY x.id), '[]')
            FROM (SELECT * FROM ssc.pool_adjustments y
                   WHERE y.pool_id = v_pool AND y.id > v_after
                   ORDER BY y.id LIMIT v_lim) x);
END
$$;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA ssc FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
  ssc.money_text(bigint, text), ssc.money(bigint, text), ssc.session_principal_label(),
  ssc.pools_before_update(), ssc.pool_adjustments_frozen(),
  ssc.pool_json(ssc.pools), ssc.pool_adjustment_json(ssc.pool_adjustments),
  ssc.pool_create(jsonb, bytea), ssc.pool_get(jsonb), ssc.pool_list(jsonb, text, int),
  ssc.pool_adjust(jsonb, bytea), ssc.pool_adjustment_list(jsonb, text, int)
  TO ssc_app;
