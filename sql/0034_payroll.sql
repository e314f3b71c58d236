-- 0034 payroll compensation (API.md "Payroll"): the authorities' payroll
-- lines, each accepted and booked as compensation against its
-- collaboration's allocation, or flagged with the reason.
--
-- An import is one transaction on a connection of its own (sscd's
-- daemon/db/copy.c, or psql):
--   1. ssc.begin_call(...)             who is calling
--   2. ssc.payroll_stage()             a temporary staging table, dropped
--                                      at the end of the transaction
--   3. COPY pg_temp.payroll_staging FROM STDIN     the lines, streamed
--   4. ssc.payroll_reconcile(p, hash)  classify, keep, book, answer
--   5. COMMIT (a dry run: ROLLBACK)
-- The staging table is the transaction's own: other sessions never see
-- its rows, and whatever ends the transaction short of COMMIT (a cancel,
-- a lost connection, sscd or PostgreSQL killed) leaves nothing behind,
-- neither staging rows nor lines nor payments. There is nothing to clean
-- on the next start.
--
-- The staging line (COPY text format, one per line, tab-separated):
--   line_no           the line's number in the source file, unique
--   organisation      an organisation's id (digits) or its short name
--   employee_ref      the employer's payroll reference
--   month             YYYY-MM
--   hours_hundredths  hours x 100 (no floating point)
--   amount_minor      the amount in minor units
--   currency          ISO 4217
--   collaboration     a collaboration's reference
--
-- Classification: every line gets the first flag that applies, in this
-- order, and each check after the fifth looks only at the lines that
-- passed the ones before it:
--   unknown_reference   the organisation (no id, or no single short
--                       name, matches), the collaboration (no reference
--                       matches) or the employee (the organisation has no
--                       secondment of that employee_ref at all)
--   period_locked       the organisation's month is locked (Lock)
--   no_cover            no secondment, not cancelled, of the employee on
--                       the collaboration in the line's currency
--   outside_period      such secondments exist, none overlaps the month
--   rate_exceeded       amount > the month's cap: over the covering
--                       secondments overlapping it, the sum of
--                       floor(monthly rate x share_bp / 10000 x days
--                       covered / days in the month) (pro rata for a
--                       partial month)
--   duplicate_claim     the employee's month (organisation, employee_ref,
--                       month; any collaboration) was accepted in an
--                       earlier batch, or by a line of this batch with a
--                       lower number
--   hours_exceeded      the employee's accepted hours in the calendar
--                       year (earlier batches, then this batch's lines in
--                       the order month, line number) would pass
--                       floor(1,720 h x the year's share of full time),
--                       the share being the sum over the employee's
--                       secondments (any collaboration, not cancelled) of
--                       share_bp x the days of the year they cover / the
--                       days of the year; the first line that passes it
--                       and every later one of that year are flagged
--   allocation_exceeded the collaboration has no open allocation in the
--                       line's currency whose period overlaps the month
--                       (the latest starting one is used when several
--                       do), or the allocation's remaining amount would be
--                       passed: lines are taken in the order month,
--                       employee_ref, line number, and the first that
--                       passes what is left and every later one on that
--                       allocation are flagged
-- Every step is one statement over all lines (no statement per line), so
-- the same lines always give the same result.
--
-- Booking: the accepted lines of a batch become one compensation
-- disbursement per allocation (their sum; reference "payroll batch ID"),
-- through disbursements_apply (0031), which checks the allocation's rule
-- once more under its row lock. Compensation carries payroll_batch_id,
-- which ssc_app cannot write: it is booked only here.
--
-- Concurrency: a batch id is taken under a transaction advisory lock on
-- it, so of two imports of one id the second waits, then finds the first
-- one's batch (the same lines: its result; other lines: SC409). Lines
-- are judged against earlier batches under advisory locks on each of the
-- batch's organisations (taken in id order; Lock takes the same), and
-- the allocations are locked (id order) before their remaining amounts
-- are read, so two batches never both spend the same money or claim the
-- same month.
--
-- What is kept: the batch (audited: content hash, counts, totals) and
-- every line with its flag, a detail for a flagged one, and the
-- allocation an accepted one was booked against. Lines are not audited
-- one by one; the batch's audit entry carries their content hash.
--
-- Who: the reconciler imports for any organisation, a ministry for its
-- own and its agencies (a line for another organisation refuses the
-- whole batch, SC403). The reconciler and the secretariat lock months.
-- The secretariat, the auditor and the reconciler read everything, a
-- ministry the batches it imported and the lines and locks of its scope.

-- ---- compensation is a payroll batch's -----------------------------------------------

ALTER TABLE ssc.disbursements ADD COLUMN payroll_batch_id bigint;
ALTER TABLE ssc.disbursements ADD CONSTRAINT disbursements_compensation_check
  CHECK ((kind = 'compensation') = (payroll_batch_id IS NOT NULL));
CREATE UNIQUE INDEX disbursements_payroll_idx ON ssc.disbursements (payroll_batch_id, allocation_id)
  WHERE payroll_batch_id IS NOT NULL;

-- As in 0031; compensation needs no role of its own, because only the
-- owner (payroll_reconcile) can write payroll_batch_id.
CREATE OR REPLACE FUNCTION ssc.disbursements_apply() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  o ssc.disbursements;
  al ssc.allocations;
  v_delta bigint;
BEGIN
  IF ssc.session_role() IS DISTINCT FROM 'secretariat' AND NEW.payroll_batch_id IS NULL THEN
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

-- ---- tables --------------------------------------------------------------------------

CREATE TABLE ssc.payroll_batches (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  batch_key       text NOT NULL UNIQUE,
  source_name     text NOT NULL DEFAULT '',
  content_hash    bytea NOT NULL,
  lines           bigint NOT NULL,
  accepted_lines  bigint NOT NULL,
  accepted        jsonb NOT NULL,   -- [{"amount_minor", "currency"}], by currency
  counts          jsonb NOT NULL,   -- {"accepted": n, "no_cover": n, ...}
  disbursements   int NOT NULL,
  principal_id    bigint NOT NULL REFERENCES ssc.principals (id),
  principal       text NOT NULL,
  organisation_id bigint REFERENCES ssc.organisations (id),
  created_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT payroll_batches_key_check CHECK (batch_key ~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$'),
  CONSTRAINT payroll_batches_source_check CHECK (char_length(source_name) <= 200),
  CONSTRAINT payroll_batches_hash_check CHECK (octet_length(content_hash) = 32)
);
COMMENT ON TABLE ssc.payroll_batches IS 'imported payroll batches (API.md "Payroll"); never changed';
CREATE TRIGGER payroll_batches_frozen BEFORE UPDATE OR DELETE ON ssc.payroll_batches
  FOR EACH ROW EXECUTE FUNCTION ssc.decisions_frozen();
CREATE TRIGGER payroll_batches_audit AFTER INSERT ON ssc.payroll_batches
  FOR EACH ROW EXECUTE FUNCTION ssc.audit_row('payroll_batch');

ALTER TABLE ssc.disbursements ADD CONSTRAINT disbursements_payroll_batch_fkey
  FOREIGN KEY (payroll_batch_id) REFERENCES ssc.payroll_batches (id);

-- The lines of every batch. Written only by payroll_reconcile, a million
-- at a time, so without foreign keys (a check per row) or triggers; what
-- the ids refer to is what reconcile resolved.
CREATE TABLE ssc.payroll_lines (
  batch_id         bigint NOT NULL,
  line_no          bigint NOT NULL,
  organisation     text NOT NULL,
  organisation_id  bigint,
  employee_ref     text NOT NULL,
  month            date NOT NULL,
  hours_hundredths int NOT NULL,
  amount_minor     bigint NOT NULL,
  currency         text NOT NULL,
  collaboration    text NOT NULL,
  collaboration_id bigint,
  flag             text NOT NULL,
  detail           text NOT NULL DEFAULT '',
  allocation_id    bigint,
  PRIMARY KEY (batch_id, line_no),
  CONSTRAINT payroll_lines_flag_check CHECK (flag IN ('accepted', 'no_cover', 'outside_period',
    'rate_exceeded', 'hours_exceeded', 'duplicate_claim', 'allocation_exceeded',
    'unknown_reference', 'period_locked'))
);
COMMENT ON TABLE ssc.payroll_lines IS 'every payroll line imported, with its flag';
-- The claims later batches are judged against.
CREATE INDEX payroll_lines_claims_idx ON ssc.payroll_lines (organisation_id, employee_ref, month)
  INCLUDE (hours_hundredths) WHERE flag = 'accepted';
CREATE TRIGGER payroll_lines_frozen BEFORE UPDATE OR DELETE ON ssc.payroll_lines
  FOR EACH ROW EXECUTE FUNCTION ssc.decisions_frozen();

CREATE TABLE ssc.payroll_locks (
  organisation_id bigint NOT NULL REFERENCES ssc.organisations (id),
  month           date NOT NULL,
  principal       text NOT NULL,
  locked_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organisation_id, month),
  CONSTRAINT payroll_locks_month_check CHECK (extract(day FROM month) = 1)
);
COMMENT ON TABLE ssc.payroll_locks IS 'an organisation''s payroll months, locked; never unlocked';
CREATE TRIGGER payroll_locks_frozen BEFORE UPDATE OR DELETE ON ssc.payroll_locks
  FOR EACH ROW EXECUTE FUNCTION ssc.decisions_frozen();
CREATE TRIGGER payroll_locks_audit AFTER INSERT ON ssc.payroll_locks
  FOR EACH ROW EXECUTE FUNCTION ssc.audit_row('payroll_lock');

-- Who reads what (see the top). No write privilege: the functions below
-- are the only writers.
CREATE FUNCTION ssc.payroll_reader(org bigint) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN ssc.reads_all() OR coalesce(ssc.session_role() = 'reconciler', false) OR ssc.in_scope(org);

ALTER TABLE ssc.payroll_batches ENABLE ROW LEVEL SECURITY;
CREATE POLICY payroll_batches_select ON ssc.payroll_batches FOR SELECT
  USING (ssc.payroll_reader(organisation_id));
ALTER TABLE ssc.payroll_lines ENABLE ROW LEVEL SECURITY;
CREATE POLICY payroll_lines_select ON ssc.payroll_lines FOR SELECT
  USING (ssc.payroll_reader(organisation_id));
ALTER TABLE ssc.payroll_locks ENABLE ROW LEVEL SECURITY;
CREATE POLICY payroll_locks_select ON ssc.payroll_locks FOR SELECT
  USING (ssc.payroll_reader(organisation_id));
GRANT SELECT ON ssc.payroll_batches, ssc.payroll_lines, ssc.payroll_locks TO ssc_app;

-- ---- the import ----------------------------------------------------------------------

-- True when m is a month YYYY-MM of 2000-2999 (the rule, written once;
-- inlined where it is used).
CREATE FUNCTION ssc.payroll_month_ok(m text) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN m ~ '^2[0-9]{3}-(0[1-9]|1[0-2])$';

-- A YYYY-MM text as the month's first day, or NULL when it is not one.
CREATE FUNCTION ssc.payroll_month(m text) RETURNS date
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE WHEN ssc.payroll_month_ok(m) THEN (m || '-01')::date END;

-- Step 2: the transaction's staging table, which the caller (ssc_app)
-- may only fill. ON COMMIT DROP: it ends with the transaction.
CREATE FUNCTION ssc.payroll_stage() RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  IF ssc.session_role() IS DISTINCT FROM 'reconciler' AND ssc.session_role() IS DISTINCT FROM 'ministry' THEN
    RAISE EXCEPTION 'role % may not import payroll', coalesce(ssc.session_role(), 'none')
      USING ERRCODE = 'SC403';
  END IF;
  IF to_regclass('pg_temp.payroll_staging') IS NOT NULL THEN
    RAISE EXCEPTION 'this transaction has a payroll staging table already' USING ERRCODE = 'SC412';
  END IF;
  CREATE TEMP TABLE payroll_staging (
    line_no          bigint,
    organisation     text,
    employee_ref     text,
    month            text,
    hours_hundredths bigint,
    amount_minor     bigint,
    currency         text,
    collaboration    text
  ) ON COMMIT DROP;
  GRANT INSERT ON pg_temp.payroll_staging TO ssc_app;
END
$$;

CREATE FUNCTION ssc.payroll_batch_json(b ssc.payroll_batches) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  RETURN jsonb_build_object(
    'id', b.id, 'batch_id', b.batch_key, 'source_name', b.source_name, 'lines', b.lines,
    'accepted_lines', b.accepted_lines, 'accepted', b.accepted,
    'counts', (SELECT coalesce(jsonb_agg(jsonb_build_object('flag', f.flag, 'lines',
                                                            coalesce((b.counts ->> f.flag)::bigint, 0))
                                         ORDER BY f.ord), '[]')
                 FROM unnest(ARRAY['accepted', 'no_cover', 'outside_period', 'rate_exceeded',
                                   'hours_exceeded', 'duplicate_claim', 'allocation_exceeded',
                                   'unknown_reference', 'period_locked'])
                      WITH ORDINALITY AS f (flag, ord)),
    'content_hash', encode(b.content_hash, 'hex'), 'disbursements', b.disbursements,
    'principal', b.principal, 'created_at', ssc.rfc3339(b.created_at),
    'organisation_id', b.organisation_id);
END
$$;

-- Step 4. p: {"batch_id", "source_name", "expected_lines", "dry_run"};
-- p_hash: SHA-256 of the COPY data as sent (sscd computes it as it
-- streams; the same bytes from a file give the same hash).
CREATE FUNCTION ssc.payroll_reconcile(p jsonb, p_hash bytea) RETURNS jsonb
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_key text := coalesce(ssc.req_text(p, 'batch_id'), '');
  v_source text := coalesce(ssc.req_text(p, 'source_name'), '');
  v_expected bigint := coalesce(ssc.req_int(p, 'expected_lines'), 0);
  v_dry boolean := ssc.req_bool(p, 'dry_run');
  v_role text := ssc.session_role();
  b ssc.payroll_batches;
  v_id bigint;
  v_n bigint;
  v_distinct bigint;
  v_bad record;
  v_counts jsonb;
  v_sums jsonb;
  v_totals jsonb;
  v_accepted bigint;
  v_disb int := 0;
  r record;
BEGIN
  IF v_role IS DISTINCT FROM 'reconciler' AND v_role IS DISTINCT FROM 'ministry' THEN
    RAISE EXCEPTION 'role % may not import payroll', coalesce(v_role, 'none') USING ERRCODE = 'SC403';
  END IF;
  IF to_regclass('pg_temp.payroll_staging') IS NULL THEN
    RAISE EXCEPTION 'payroll_reconcile needs the lines staged first (ssc.payroll_stage, COPY)'
      USING ERRCODE = 'SC412';
  END IF;
  IF v_key !~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$' THEN
    RAISE EXCEPTION 'batch_id: must be 1 to 64 of A-Z, a-z, 0-9 and . _ : - (starting with a letter or digit), not "%"',
      left(v_key, 80) USING ERRCODE = 'SC400';
  END IF;
  IF char_length(v_source) > 200 OR v_source ~ '[[:cntrl:]]' THEN
    RAISE EXCEPTION 'source_name: must be at most 200 characters without control characters'
      USING ERRCODE = 'SC400';
  END IF;
  IF v_expected < 0 THEN
    RAISE EXCEPTION 'expected_lines: must not be negative, not %', v_expected USING ERRCODE = 'SC400';
  END IF;
  IF octet_length(p_hash) IS DISTINCT FROM 32 THEN
    RAISE EXCEPTION 'content hash: must be 32 bytes (SHA-256)' USING ERRCODE = 'SC400';
  END IF;

  -- The batch id: the first import's result, or SC409.
  PERFORM pg_advisory_xact_lock(hashtext('ssc.payroll_batch'), hashtext(v_key));
  SELECT * INTO b FROM ssc.payroll_batches x WHERE x.batch_key = v_key;
  IF FOUND THEN
    IF b.content_hash <> p_hash THEN
      RAISE EXCEPTION 'batch "%" was imported already with other lines (content hash %, this one %); give new lines a new batch id',
        v_key, left(encode(b.content_hash, 'hex'), 16), left(encode(p_hash, 'hex'), 16)
        USING ERRCODE = 'SC409';
    END IF;
    IF NOT ssc.payroll_reader(b.organisation_id) THEN
      RAISE EXCEPTION 'batch "%" was imported already by another organisation', v_key
        USING ERRCODE = 'SC409';
    END IF;
    RETURN ssc.payroll_batch_json(b) || jsonb_build_object('replayed', true, 'dry_run', v_dry);
  END IF;

  -- The planner needs to know how many lines came (a temporary table has
  -- no statistics until analysed, and guessing a handful of rows turns the
  -- joins below into nested loops over a million).
  ANALYZE pg_temp.payroll_staging;

  -- What holds for every line, whatever the database holds.
  SELECT count(*), count(DISTINCT s.line_no) INTO v_n, v_distinct FROM pg_temp.payroll_staging s;
  -- (each rule once: the first that a line breaks is its reason)
  SELECT x.line_no, x.why INTO v_bad
    FROM (SELECT s.line_no,
                 CASE WHEN s.line_no IS NULL OR s.line_no < 1 THEN 'line: must be a positive line number'
                      WHEN s.organisation IS NULL OR char_length(s.organisation) NOT BETWEEN 1 AND 200
                        THEN 'organisation: must be 1 to 200 characters'
                      WHEN s.employee_ref IS NULL OR char_length(s.employee_ref) NOT BETWEEN 1 AND 64
                           OR s.employee_ref ~ '[[:cntrl:][:space:]]'
                        THEN 'employee_ref: must be 1 to 64 characters without spaces'
                      WHEN s.month IS NULL OR NOT ssc.payroll_month_ok(s.month)
                        THEN format('month: must be YYYY-MM (2000-2999), not "%s"', left(s.month, 20))
                      WHEN s.hours_hundredths IS NULL OR s.hours_hundredths NOT BETWEEN 0 AND 74400
                        THEN format('hours: must be 0 to 744.00, not %s', s.hours_hundredths / 100.0)
                      WHEN s.amount_minor IS NULL OR s.amount_minor < 0
                        THEN 'amount: must not be negative'
                      WHEN s.currency IS NULL OR s.currency !~ '^[A-Z]{3}$'
                        THEN format('amount: the currency must be an ISO 4217 code such as DKK, not "%s"', left(s.currency, 8))
                      WHEN s.collaboration IS NULL OR char_length(s.collaboration) NOT BETWEEN 1 AND 64
                        THEN 'collaboration: must be 1 to 64 characters'
                      WHEN (s.organisation || s.collaboration) ~ '[[:cntrl:]]'
                        THEN 'organisation and collaboration must not hold control characters'
                 END AS why
            FROM pg_temp.payroll_staging s) x
   WHERE x.why IS NOT NULL
   ORDER BY x.line_no NULLS FIRST LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'line %: %', coalesce(v_bad.line_no::text, '(none)'), v_bad.why USING ERRCODE = 'SC400';
  END IF;
  IF v_distinct <> v_n THEN
    RAISE EXCEPTION 'lines: % line numbers are given more than once; each line has its own number',
      v_n - v_distinct USING ERRCODE = 'SC400';
  END IF;
  IF v_expected > 0 AND v_expected <> v_n THEN
    RAISE EXCEPTION 'expected_lines: the header announced % lines, % arrived', v_expected, v_n
      USING ERRCODE = 'SC400';
  END IF;

  -- The batch's keys, few however many lines: organisation, collaboration,
  -- currency and month, each resolved once.
  CREATE TEMP TABLE payroll_keys ON COMMIT DROP AS
    SELECT k.organisation, k.collaboration, k.currency, k.month,
           ssc.payroll_month(k.month) AS m0,
           (ssc.payroll_month(k.month) + interval '1 month' - interval '1 day')::date AS m1,
           NULL::bigint AS org_id, NULL::bigint AS collab_id, NULL::bigint AS alloc_id,
           ''::text AS org_problem
      FROM (SELECT DISTINCT s.organisation, s.collaboration, s.currency, s.month
              FROM pg_temp.payroll_staging s) k;
  UPDATE pg_temp.payroll_keys k
     SET org_id = o.id, org_problem = o.problem
    FROM (SELECT DISTINCT k2.organisation,
                 CASE WHEN k2.organisation ~ '^[0-9]{1,18}$'
                      THEN (SELECT x.id FROM ssc.organisations x WHERE x.id = k2.organisation::bigint)
                      ELSE (SELECT min(x.id) FROM ssc.organisations x WHERE x.short_name = k2.organisation
                            HAVING count(*) = 1) END AS id,
                 CASE WHEN k2.organisation !~ '^[0-9]{1,18}$'
                       AND (SELECT count(*) FROM ssc.organisations x WHERE x.short_name = k2.organisation) > 1
                      THEN 'ambiguous' ELSE '' END AS problem
            FROM pg_temp.payroll_keys k2) o
   WHERE o.organisation = k.organisation;
  UPDATE pg_temp.payroll_keys k SET collab_id = c.id
    FROM ssc.collaborations c WHERE c.reference = k.collaboration;
  UPDATE pg_temp.payroll_keys k SET alloc_id = a.id
    FROM (SELECT DISTINCT ON (k2.collab_id, k2.currency, k2.m0) k2.collab_id, k2.currency, k2.m0, x.id
            FROM pg_temp.payroll_keys k2
            JOIN ssc.allocations x
              ON x.collaboration_id = k2.collab_id AND x.currency = k2.currency
             AND x.released_at IS NULL AND x.starts_on <= k2.m1 AND x.ends_on >= k2.m0
           ORDER BY k2.collab_id, k2.currency, k2.m0, x.starts_on DESC, x.id DESC) a
   WHERE (a.collab_id, a.currency, a.m0) = (k.collab_id, k.currency, k.m0);
  ANALYZE pg_temp.payroll_keys;

  -- Who may: a ministry only for its own scope.
  IF v_role = 'ministry' THEN
    SELECT min(s.line_no) AS line_no, k.organisation INTO v_bad
      FROM pg_temp.payroll_keys k JOIN pg_temp.payroll_staging s
        ON (s.organisation, s.collaboration, s.currency, s.month)
         = (k.organisation, k.collaboration, k.currency, k.month)
     WHERE k.org_id IS NOT NULL AND NOT ssc.in_scope(k.org_id)
     GROUP BY k.organisation ORDER BY 1 LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'line %: organisation "%" is not yours or one of your agencies; a ministry imports payroll for its own organisations only',
        v_bad.line_no, v_bad.organisation USING ERRCODE = 'SC403';
    END IF;
  END IF;

  -- Locks (see the top): the organisations, then the allocations.
  PERFORM pg_advisory_xact_lock(hashtext('ssc.payroll_org'), (o.org_id % 2147483648)::int)
     FROM (SELECT DISTINCT k.org_id FROM pg_temp.payroll_keys k WHERE k.org_id IS NOT NULL
            ORDER BY k.org_id) o;
  PERFORM FROM ssc.allocations a
    WHERE a.id IN (SELECT k.alloc_id FROM pg_temp.payroll_keys k)
    ORDER BY a.id FOR NO KEY UPDATE;

  v_id := nextval(pg_get_serial_sequence('ssc.payroll_batches', 'id'));

  WITH s AS (
    SELECT st.line_no, st.organisation, st.employee_ref, st.hours_hundredths AS hours,
           st.amount_minor AS amount, st.currency, st.collaboration,
           k.m0, k.m1, date_trunc('year', k.m0)::date AS y0, k.org_id, k.collab_id, k.alloc_id,
           k.org_problem
      FROM pg_temp.payroll_staging st
      JOIN pg_temp.payroll_keys k
        ON (k.organisation, k.collaboration, k.currency, k.month)
         = (st.organisation, st.collaboration, st.currency, st.month)
  ),
  known AS (
    SELECT DISTINCT x.employer_id, x.employee_ref FROM ssc.secondments x
  ),
  -- the employee's year: the hours limit and what earlier batches took
  ey AS (
    SELECT DISTINCT s.org_id, s.employee_ref, s.y0, (s.y0 + interval '1 year')::date AS y1
      FROM s WHERE s.org_id IS NOT NULL
  ),
  years AS (
    SELECT e.org_id, e.employee_ref, e.y0, coalesce(sh.limit_h, 0) AS limit_h,
           coalesce(pb.before_h, 0) AS before_h
      FROM ey e
      LEFT JOIN (SELECT e2.org_id, e2.employee_ref, e2.y0,
                        floor(172000::numeric
                              * sum(x.share_bp::numeric
                                    * (least(x.ends_on, e2.y1 - 1) - greatest(x.starts_on, e2.y0) + 1))
                              / (10000 * (e2.y1 - e2.y0)))::bigint AS limit_h
                   FROM ey e2
                   JOIN ssc.secondments x
                     ON x.employer_id = e2.org_id AND x.employee_ref = e2.employee_ref
                    AND x.cancelled_on IS NULL AND x.starts_on < e2.y1 AND x.ends_on >= e2.y0
                  GROUP BY e2.org_id, e2.employee_ref, e2.y0, e2.y1) sh
        ON (sh.org_id, sh.employee_ref, sh.y0) = (e.org_id, e.employee_ref, e.y0)
      LEFT JOIN (SELECT e3.org_id, e3.employee_ref, e3.y0, sum(l.hours_hundredths) AS before_h
                   FROM ey e3
                   JOIN ssc.payroll_lines l
                     ON l.organisation_id = e3.org_id AND l.employee_ref = e3.employee_ref
                    AND l.flag = 'accepted' AND l.month >= e3.y0 AND l.month < e3.y1
                  GROUP BY e3.org_id, e3.employee_ref, e3.y0) pb
        ON (pb.org_id, pb.employee_ref, pb.y0) = (e.org_id, e.employee_ref, e.y0)
  ),
  claimed AS (
    SELECT DISTINCT l.organisation_id, l.employee_ref, l.month
      FROM ssc.payroll_lines l
     WHERE l.flag = 'accepted'
       AND (l.organisation_id, l.employee_ref, l.month) IN
           (SELECT s.org_id, s.employee_ref, s.m0 FROM s WHERE s.org_id IS NOT NULL)
  ),
  f1 AS (
    SELECT s.*, c.cap, c.days, y.limit_h, y.before_h,
           CASE WHEN s.org_id IS NULL THEN 'unknown_reference'
                WHEN s.collab_id IS NULL THEN 'unknown_reference'
                WHEN kn.employer_id IS NULL THEN 'unknown_reference'
                WHEN lk.organisation_id IS NOT NULL THEN 'period_locked'
                WHEN c.n IS NULL THEN 'no_cover'
                WHEN c.n_in = 0 THEN 'outside_period'
                WHEN s.amount > c.cap THEN 'rate_exceeded'
                WHEN cl.organisation_id IS NOT NULL THEN 'duplicate_claim'
           END AS flag,
           CASE WHEN s.org_id IS NULL AND s.org_problem = 'ambiguous'
                  THEN format('organisation "%s" is the short name of more than one organisation; give its id', s.organisation)
                WHEN s.org_id IS NULL THEN format('organisation "%s" is not known', s.organisation)
                WHEN s.collab_id IS NULL THEN format('collaboration "%s" is not known', s.collaboration)
                WHEN kn.employer_id IS NULL
                  THEN format('employee %s of organisation %s has no secondment', s.employee_ref, s.org_id)
                WHEN lk.organisation_id IS NOT NULL
                  THEN format('organisation %s''s %s is locked', s.org_id, to_char(s.m0, 'YYYY-MM'))
                WHEN c.n IS NULL
                  THEN format('no secondment of employee %s on collaboration %s in %s', s.employee_ref,
                              s.collaboration, s.currency)
                WHEN c.n_in = 0
                  THEN format('%s is outside employee %s''s secondments on collaboration %s',
                              to_char(s.m0, 'YYYY-MM'), s.employee_ref, s.collaboration)
                WHEN s.amount > c.cap
                  THEN format('%s is above the cap of %s for %s (%s of %s days covered)',
                              ssc.money_text(s.amount, s.currency), ssc.money_text(c.cap, s.currency),
                              to_char(s.m0, 'YYYY-MM'), c.days, s.m1 - s.m0 + 1)
                WHEN cl.organisation_id IS NOT NULL
                  THEN format('employee %s''s %s was claimed in an earlier batch', s.employee_ref,
                              to_char(s.m0, 'YYYY-MM'))
           END AS detail
      FROM s
      LEFT JOIN known kn ON kn.employer_id = s.org_id AND kn.employee_ref = s.employee_ref
      LEFT JOIN ssc.payroll_locks lk ON lk.organisation_id = s.org_id AND lk.month = s.m0
      -- the employee's cover on the collaboration in the month: a lookup
      -- per line (secondments_employer_idx), as a join of a million lines
      -- to per-month cover rows was planned as a merge on two of its five
      -- columns, meeting each line with every month of its employee
      LEFT JOIN LATERAL (
        SELECT count(*) AS n,
               count(*) FILTER (WHERE x.starts_on <= s.m1 AND x.ends_on >= s.m0) AS n_in,
               coalesce(sum(floor(x.monthly_minor::numeric * x.share_bp
                                  * (least(x.ends_on, s.m1) - greatest(x.starts_on, s.m0) + 1)
                                  / (10000 * (s.m1 - s.m0 + 1))))
                          FILTER (WHERE x.starts_on <= s.m1 AND x.ends_on >= s.m0), 0)::bigint AS cap,
               coalesce(sum(least(x.ends_on, s.m1) - greatest(x.starts_on, s.m0) + 1)
                          FILTER (WHERE x.starts_on <= s.m1 AND x.ends_on >= s.m0), 0) AS days
          FROM ssc.secondments x
         WHERE x.employer_id = s.org_id AND x.employee_ref = s.employee_ref
           AND x.collaboration_id = s.collab_id AND x.currency = s.currency
           AND x.cancelled_on IS NULL
        HAVING count(*) > 0) c ON true
      LEFT JOIN years y ON (y.org_id, y.employee_ref, y.y0) = (s.org_id, s.employee_ref, s.y0)
      LEFT JOIN claimed cl
        ON (cl.organisation_id, cl.employee_ref, cl.month) = (s.org_id, s.employee_ref, s.m0)
  ),
  -- a claim of this batch with a lower line number
  f2 AS (
    SELECT f1.*,
           min(f1.line_no) FILTER (WHERE f1.flag IS NULL)
             OVER (PARTITION BY f1.org_id, f1.employee_ref, f1.m0) AS first_line
      FROM f1
  ),
  f3 AS (
    SELECT f2.line_no, f2.organisation, f2.employee_ref, f2.hours, f2.amount, f2.currency,
           f2.collaboration, f2.m0, f2.y0, f2.org_id, f2.collab_id, f2.alloc_id, f2.limit_h,
           f2.before_h,
           coalesce(f2.flag, CASE WHEN f2.line_no > f2.first_line THEN 'duplicate_claim' END) AS flag,
           coalesce(f2.detail, CASE WHEN f2.line_no > f2.first_line
                                    THEN format('employee %s''s %s is claimed on line %s already',
                                                f2.employee_ref, to_char(f2.m0, 'YYYY-MM'), f2.first_line)
                               END) AS detail
      FROM f2
  ),
  f4 AS (
    SELECT f3.*,
           sum(f3.hours) FILTER (WHERE f3.flag IS NULL)
             OVER (PARTITION BY f3.org_id, f3.employee_ref, f3.y0 ORDER BY f3.m0, f3.line_no
                   ROWS UNBOUNDED PRECEDING) AS year_h
      FROM f3
  ),
  f5 AS (
    SELECT f4.line_no, f4.organisation, f4.employee_ref, f4.hours, f4.amount, f4.currency,
           f4.collaboration, f4.m0, f4.org_id, f4.collab_id, f4.alloc_id,
           coalesce(f4.flag, CASE WHEN f4.before_h + f4.year_h > f4.limit_h THEN 'hours_exceeded' END) AS flag,
           coalesce(f4.detail,
                    CASE WHEN f4.before_h + f4.year_h > f4.limit_h
                         THEN format('employee %s''s hours in %s would reach %s, past the limit of %s (1,720 h x the year''s share of full time)',
                                     f4.employee_ref, to_char(f4.m0, 'YYYY'),
                                     trim_scale((f4.before_h + f4.year_h) / 100.0),
                                     trim_scale(f4.limit_h / 100.0))
                    END) AS detail
      FROM f4
  ),
  f6 AS (
    SELECT f5.*,
           sum(f5.amount) FILTER (WHERE f5.flag IS NULL)
             OVER (PARTITION BY f5.alloc_id ORDER BY f5.m0, f5.employee_ref, f5.line_no
                   ROWS UNBOUNDED PRECEDING) AS spent
      FROM f5
  ),
  cls AS (
    SELECT f6.line_no, f6.organisation, f6.org_id, f6.employee_ref, f6.m0, f6.hours, f6.amount,
           f6.currency, f6.collaboration, f6.collab_id,
           coalesce(f6.flag, CASE WHEN f6.alloc_id IS NULL OR f6.spent > a.left_minor
                                  THEN 'allocation_exceeded' ELSE 'accepted' END) AS flag,
           coalesce(f6.detail,
                    CASE WHEN f6.alloc_id IS NULL
                         THEN format('collaboration %s has no open allocation in %s for %s',
                                     f6.collaboration, f6.currency, to_char(f6.m0, 'YYYY-MM'))
                         WHEN f6.spent > a.left_minor
                         THEN format('allocation %s has %s left; the lines up to this one come to %s',
                                     f6.alloc_id, ssc.money_text(a.left_minor, f6.currency),
                                     ssc.money_text(least(f6.spent, 9223372036854775807)::bigint, f6.currency))
                    END, '') AS detail,
           CASE WHEN f6.flag IS NULL AND f6.alloc_id IS NOT NULL AND f6.spent <= a.left_minor
                THEN f6.alloc_id END AS alloc_id
      FROM f6
      LEFT JOIN (SELECT x.id, x.amount_minor - x.released_minor - x.disbursed_minor AS left_minor
                   FROM ssc.allocations x) a ON a.id = f6.alloc_id
  ),
  kept AS (
    INSERT INTO ssc.payroll_lines (batch_id, line_no, organisation, organisation_id, employee_ref,
                                   month, hours_hundredths, amount_minor, currency, collaboration,
                                   collaboration_id, flag, detail, allocation_id)
    SELECT v_id, c.line_no, c.organisation, c.org_id, c.employee_ref, c.m0, c.hours, c.amount,
           c.currency, c.collaboration, c.collab_id, c.flag, c.detail, c.alloc_id
      FROM cls c WHERE NOT v_dry
  )
  SELECT (SELECT coalesce(jsonb_object_agg(g.flag, g.n), '{}')
            FROM (SELECT c.flag, count(*) AS n FROM cls c GROUP BY c.flag) g),
         (SELECT coalesce(jsonb_agg(jsonb_build_object('allocation_id', g.alloc_id,
                                                       'amount_minor', g.total, 'currency', g.currency)
                                    ORDER BY g.alloc_id), '[]')
            FROM (SELECT c.alloc_id, c.currency, sum(c.amount) AS total FROM cls c
                   WHERE c.flag = 'accepted' GROUP BY c.alloc_id, c.currency) g)
    INTO v_counts, v_sums;

  SELECT coalesce(jsonb_agg(jsonb_build_object('amount_minor', t.total, 'currency', t.currency)
                            ORDER BY t.currency), '[]')
    INTO v_totals
    FROM (SELECT x ->> 'currency' AS currency, sum((x ->> 'amount_minor')::numeric)::bigint AS total
            FROM jsonb_array_elements(v_sums) x GROUP BY 1) t;
  v_accepted := coalesce((v_counts ->> 'accepted')::bigint, 0);

  b.id := CASE WHEN NOT v_dry THEN v_id END;
  b.batch_key := v_key;
  b.source_name := v_source;
  b.content_hash := p_hash;
  b.lines := v_n;
  b.accepted_lines := v_accepted;
  b.accepted := v_totals;
  b.counts := v_counts;
  b.disbursements := jsonb_array_length(v_sums);
  b.principal_id := NULLIF(current_setting('ssc.principal_id', true), '')::bigint;
  b.principal := ssc.session_principal_label();
  b.organisation_id := ssc.session_org_id();
  b.created_at := now();
  IF v_dry THEN
    RETURN ssc.payroll_batch_json(b) || jsonb_build_object('replayed', false, 'dry_run', true,
                                                           'disbursements', 0);
  END IF;
  INSERT INTO ssc.payroll_batches OVERRIDING SYSTEM VALUE SELECT (b).* RETURNING * INTO b;
  FOR r IN SELECT (x ->> 'allocation_id')::bigint AS alloc_id, (x ->> 'amount_minor')::bigint AS amount,
                  x ->> 'currency' AS currency
             FROM jsonb_array_elements(v_sums) x WHERE (x ->> 'amount_minor')::bigint > 0
  LOOP
    INSERT INTO ssc.disbursements (allocation_id, kind, amount_minor, currency, paid_on, reference,
                                   payroll_batch_id)
      VALUES (r.alloc_id, 'compensation', r.amount, r.currency, (now() AT TIME ZONE 'UTC')::date,
              left('payroll batch ' || v_key, 200), v_id);
    v_disb := v_disb + 1;
  END LOOP;
  RETURN ssc.payroll_batch_json(b) || jsonb_build_object('replayed', false, 'dry_run', false,
                                                         'disbursements', v_disb);
END
$$;

-- ---- reads and locks -----------------------------------------------------------------

CREATE FUNCTION ssc.payroll_batch_get(p jsonb) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_key text := coalesce(ssc.req_text(p, 'batch_id'), '');
  b ssc.payroll_batches;
BEGIN
  SELECT * INTO b FROM ssc.payroll_batches x WHERE x.batch_key = v_key;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'payroll batch "%" not found', left(v_key, 80) USING ERRCODE = 'SC404';
  END IF;
  RETURN ssc.payroll_batch_json(b);
END
$$;

CREATE FUNCTION ssc.payroll_batch_list(p jsonb, p_after text, p_lim int) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_after bigint := coalesce(NULLIF(p_after, '')::bigint, 9223372036854775807);
  v_lim int := ssc.page_limit(p_lim);
BEGIN
  -- newest first
  RETURN (SELECT coalesce(jsonb_agg(ssc.payroll_batch_json(x) ORDER BY x.id DESC), '[]')
            FROM (SELECT * FROM ssc.payroll_batches y WHERE y.id < v_after
                   ORDER BY y.id DESC LIMIT v_lim) x);
END
$$;

-- A page of a batch's lines after line p_after, at most p_lim, those with
-- one of the flags only when flags is not empty. Report streams them.
CREATE FUNCTION ssc.payroll_report(p jsonb, p_after bigint, p_lim int) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_key text := coalesce(ssc.req_text(p, 'batch_id'), '');
  v_flags text[] := ssc.req_texts(p, 'flags');
  v_batch bigint;
BEGIN
  SELECT x.id INTO v_batch FROM ssc.payroll_batches x WHERE x.batch_key = v_key;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'payroll batch "%" not found', left(v_key, 80) USING ERRCODE = 'SC404';
  END IF;
  IF v_flags && ARRAY['unspecified'] THEN
    RAISE EXCEPTION 'flags: PAYROLL_FLAG_UNSPECIFIED is not a flag' USING ERRCODE = 'SC400';
  END IF;
  RETURN (SELECT coalesce(jsonb_agg(jsonb_build_object(
                   'line', jsonb_build_object(
                     'line', l.line_no, 'organisation', l.organisation, 'employee_ref', l.employee_ref,
                     'month', to_char(l.month, 'YYYY-MM'), 'hours_hundredths', l.hours_hundredths,
                     'amount', ssc.money(l.amount_minor, l.currency), 'collaboration', l.collaboration),
                   'flag', l.flag, 'detail', l.detail, 'organisation_id', l.organisation_id,
                   'collaboration_id', l.collaboration_id, 'allocation_id', l.allocation_id,
                   'disbursement_id', (SELECT d.id FROM ssc.disbursements d
                                        WHERE d.payroll_batch_id = l.batch_id
                                          AND d.allocation_id = l.allocation_id))
                 ORDER BY l.line_no), '[]')
            FROM (SELECT * FROM ssc.payroll_lines y
                   WHERE y.batch_id = v_batch AND y.line_no > coalesce(p_after, 0)
                     AND (cardinality(v_flags) = 0 OR y.flag = ANY (v_flags))
                   ORDER BY y.line_no LIMIT greatest(least(coalesce(p_lim, 500), 5000), 1)) l);
END
$$;
ALTER FUNCTION ssc.payroll_report(jsonb, bigint, int) SET plan_cache_mode = force_custom_plan;

CREATE FUNCTION ssc.payroll_lock_json(k ssc.payroll_locks) RETURNS jsonb
  LANGUAGE sql STABLE
  RETURN jsonb_build_object('organisation_id', k.organisation_id, 'month', to_char(k.month, 'YYYY-MM'),
                            'principal', k.principal, 'locked_at', ssc.rfc3339(k.locked_at));

-- Locks an organisation's month; locking it again answers the lock as it
-- stands.
CREATE FUNCTION ssc.payroll_lock(p jsonb, p_hash bytea) RETURNS jsonb
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v jsonb := ssc.idem_claim(ssc.req_text(p, 'idempotency_key'), p_hash);
  v_org bigint := ssc.req_required_id(p, 'organisation_id');
  v_month_text text := coalesce(ssc.req_text(p, 'month'), '');
  v_month date := ssc.payroll_month(v_month_text);
  k ssc.payroll_locks;
BEGIN
  IF v IS NOT NULL THEN
    RETURN v;
  END IF;
  IF ssc.session_role() IS DISTINCT FROM 'reconciler' AND ssc.session_role() IS DISTINCT FROM 'secretariat' THEN
    RAISE EXCEPTION 'role % may not lock payroll months', coalesce(ssc.session_role(), 'none')
      USING ERRCODE = 'SC403';
  END IF;
  IF v_month IS NULL THEN
    RAISE EXCEPTION 'month: must be YYYY-MM (2000-2999), not "%"', left(v_month_text, 20)
      USING ERRCODE = 'SC400';
  END IF;
  IF NOT EXISTS (SELECT FROM ssc.organisations o WHERE o.id = v_org) THEN
    PERFORM ssc.not_found('organisation', v_org);
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('ssc.payroll_org'), (v_org % 2147483648)::int);
  SELECT * INTO k FROM ssc.payroll_locks x WHERE x.organisation_id = v_org AND x.month = v_month;
  IF NOT FOUND THEN
    INSERT INTO ssc.payroll_locks (organisation_id, month, principal)
      VALUES (v_org, v_month, ssc.session_principal_label()) RETURNING * INTO k;
  END IF;
  v := ssc.payroll_lock_json(k);
  PERFORM ssc.idem_store(ssc.req_text(p, 'idempotency_key'), v);
  RETURN v;
END
$$;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA ssc FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ssc.payroll_stage(), ssc.payroll_reconcile(jsonb, bytea),
  ssc.payroll_batch_get(jsonb), ssc.payroll_batch_list(jsonb, text, int),
  ssc.payroll_report(jsonb, bigint, int), ssc.payroll_lock(jsonb, bytea),
  ssc.payroll_reader(bigint), ssc.payroll_month_ok(text), ssc.payroll_month(text),
  ssc.payroll_batch_json(ssc.payroll_batches),
  ssc.payroll_lock_json(ssc.payroll_locks)
  TO ssc_app;
