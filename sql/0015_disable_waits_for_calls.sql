-- 0015 disabling waits for calls: no call of a principal commits after the
-- transaction that disables the principal commits.
--
-- begin_call looked the principal up without any lock, so a call that had
-- passed it (and was, say, waiting for a row) could commit after an admin's
-- Principals/Disable had committed. Now a principal's calls and its
-- disabling are ordered by a transaction-scoped advisory lock on the key
-- (hashtext('ssc.principal_calls'), principal id mod 2^31); two principals
-- 2^31 ids apart share a key, which costs only waiting.
--
-- * begin_call takes the lock shared once it has found the principal, and
--   then looks again whether the principal is active, in a statement that
--   starts after the lock was granted. Under READ COMMITTED, the level of
--   sscd's implicit transactions, that statement's snapshot shows every
--   disable committed before the grant. Under REPEATABLE READ or
--   SERIALIZABLE the snapshot may be older than the grant, so it locks the
--   row FOR SHARE, which fails with 40001 when the row changed since (FOR
--   KEY SHARE would not: an update of active leaves the key alone).
-- * Whatever disables a principal (an UPDATE setting active from true to
--   false: principal_disable, the owner's SQL, ssc_app's column grant) or
--   deletes an active one takes the lock exclusive in a BEFORE ROW trigger:
--   it waits until the calls holding it end, and calls that arrive while it
--   waits or until its transaction ends queue behind it, then find the
--   principal disabled (SC401).
-- * principal_disable now locks rows FOR NO KEY UPDATE instead of FOR
--   UPDATE: a call of the principal that inserts an idempotency key checks
--   its foreign key with FOR KEY SHARE on the principal's row, and must not
--   wait for the disable that waits for it.
--
-- Why not a row lock in begin_call: FOR KEY SHARE, the weakest, does not
-- conflict with a plain UPDATE of active (only with principal_disable's
-- FOR UPDATE); and locking a row gives every call, reads included, a
-- transaction id, a WAL record and a commit that waits for the WAL flush,
-- and concurrent calls of one principal a multixact. pgbench, 8
-- clients on 2 cores, one statement of begin_call + org_get per
-- transaction, one principal or eight: 0010's begin_call 24-28k per second,
-- this one 23-25k (0.84-0.96 times), begin_call with FOR KEY SHARE 9k
-- (0.31-0.39 times; 0.13 times when the disk was busy). An advisory lock
-- lives in shared memory only; the cost is the second lookup, one more
-- primary-key probe whose plan is cached like the others
-- (tests/sql/begin_call.sql).
--
-- begin_call stays SECURITY DEFINER (0007). principals_wait_for_calls runs
-- as whoever changes the row: it only takes a lock. principal_disable stays
-- SECURITY INVOKER (0009).

CREATE OR REPLACE FUNCTION ssc.begin_call(fingerprint text, subject text, allowed_roles text[], method text)
  RETURNS TABLE (principal_id bigint, role text, organisation_id bigint)
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_fingerprint text := coalesce(fingerprint, '');
  v_subject text := coalesce(subject, '');
  v_method text := coalesce(method, '');
  v_allowed text[] := coalesce(allowed_roles, '{}');
  p ssc.principals;
  v_name text;
BEGIN
  IF v_fingerprint <> '' THEN
    SELECT * INTO p FROM ssc.principals x
      WHERE x.fingerprint = v_fingerprint AND x.fingerprint <> '' AND x.active;
    v_name := 'sha256:' || v_fingerprint;
  END IF;
  IF p.id IS NULL AND v_subject <> '' THEN
    SELECT * INTO p FROM ssc.principals x
      WHERE x.subject = v_subject AND x.subject <> '' AND x.active;
    v_name := v_subject;
  END IF;
  IF p.id IS NOT NULL THEN
    -- Shared side of principals_wait_for_calls' lock: same key.
    PERFORM pg_advisory_xact_lock_shared(hashtext('ssc.principal_calls'),
                                         (p.id % 2147483648)::int);
    IF current_setting('transaction_isolation') = 'read committed' THEN
      PERFORM FROM ssc.principals x WHERE x.id = p.id AND x.active;
    ELSE
      PERFORM FROM ssc.principals x WHERE x.id = p.id AND x.active FOR SHARE;
    END IF;
    IF NOT FOUND THEN
      p.id := NULL;  -- disabled while this call waited for the lock
    END IF;
  END IF;
  IF p.id IS NULL THEN
    RAISE EXCEPTION 'no active principal for this certificate' USING ERRCODE = 'SC401';
  END IF;
  IF NOT p.role = ANY (v_allowed) THEN
    RAISE EXCEPTION 'role % may not call %', p.role, v_method USING ERRCODE = 'SC403';
  END IF;
  PERFORM set_config('ssc.principal_id', p.id::text, true),
          set_config('ssc.principal', v_name, true),
          set_config('ssc.role', p.role, true),
          set_config('ssc.org_id', coalesce(p.organisation_id::text, ''), true),
          set_config('ssc.method', v_method, true);
  principal_id := p.id;
  role := p.role;
  organisation_id := p.organisation_id;
  RETURN NEXT;
END
$$;

-- Before a principal stops being active (disabled or deleted): waits for
-- its calls in flight, and holds off new ones until this transaction ends.
CREATE FUNCTION ssc.principals_wait_for_calls() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  IF OLD.active AND (TG_OP = 'DELETE' OR NOT NEW.active) THEN
    -- Exclusive side of begin_call's lock: same key.
    PERFORM pg_advisory_xact_lock(hashtext('ssc.principal_calls'), (OLD.id % 2147483648)::int);
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER principals_wait_for_calls
  BEFORE UPDATE OF active OR DELETE ON ssc.principals
  FOR EACH ROW EXECUTE FUNCTION ssc.principals_wait_for_calls();

-- As in 0009, with FOR NO KEY UPDATE for FOR UPDATE (see the top).
CREATE OR REPLACE FUNCTION ssc.principal_disable(p_key text, p_hash bytea, id bigint) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v jsonb;
  v_id bigint := id;
  p ssc.principals;
BEGIN
  v := ssc.idem_claim(p_key, p_hash);
  IF v IS NOT NULL THEN
    RETURN v;  -- the same request again: its first response, nothing written
  END IF;
  SELECT * INTO p FROM ssc.principals x WHERE x.id = v_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'principal % not found', v_id USING ERRCODE = 'SC404';
  END IF;
  IF p.role = 'admin' THEN
    PERFORM FROM ssc.principals x WHERE x.role = 'admin' AND x.active ORDER BY x.id
      FOR NO KEY UPDATE;
  END IF;
  SELECT * INTO p FROM ssc.principals x WHERE x.id = v_id FOR NO KEY UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'role % may not disable principal %', ssc.session_role(), v_id
      USING ERRCODE = 'SC403';
  END IF;
  IF p.active THEN
    IF p.role = 'admin'
       AND (SELECT count(*) FROM ssc.principals x WHERE x.role = 'admin' AND x.active) <= 1 THEN
      RAISE EXCEPTION 'principal % is the last active admin', v_id USING ERRCODE = 'SC412';
    END IF;
    -- principals_wait_for_calls waits here for the principal's calls.
    UPDATE ssc.principals x SET active = false WHERE x.id = v_id RETURNING * INTO p;
  END IF;
  v := ssc.principal_json(p);
  PERFORM ssc.idem_store(p_key, v);
  RETURN v;
END
$$;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA ssc FROM PUBLIC;
