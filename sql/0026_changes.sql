-- 0026 the change stream's store side (issue 10, "Changes/Watch"): which
-- committed changes a caller may read, read in sequence order after a
-- sequence number, and a wake-up on every commit that made one.
--
-- A change is a row of ssc.audit: its seq, time, principal, method, entity
-- and entity id, and the entity as it is after the change (after). The
-- audit chain hands out seq under the audit_head row lock, which the
-- transaction holds until it commits (0005, 0014): a transaction that
-- commits later always has the higher seq, and once a seq is visible
-- every lower one is too. So "every change after seq N, in seq order" read
-- at any moment misses nothing that commits later, and a reader that
-- resumes after the last seq it saw gets no gap and no duplicate.
--
-- Who sees a change: whoever may read the entity it changed, now, under
-- the entity's own row-level security (change_visible, one branch per
-- audited entity). The policy audit_select_changes adds this to 0005's
-- audit_select (policies are permissive: a row either lets through is
-- read), within a call of Changes/Watch only, so Audit/List keeps its
-- rule. An entity that has no branch here is seen only by the roles that
-- read everything, so a new audited table stays hidden until its branch
-- is added, in the migration that makes it.
--
-- The wake-up: a statement-level trigger on ssc.audit notifies channel
-- ssc_changes with an empty payload. PostgreSQL folds equal notifications
-- of one transaction into one and delivers them at commit, in commit
-- order, so a listener learns "something committed" once per transaction,
-- and reads what it may see from the table: a lost notification costs
-- latency, never a change.
--
-- Definer or invoker: everything here runs as the caller (the trigger
-- only notifies), so the entities' policies decide.

-- ---- who sees a change --------------------------------------------------------

CREATE FUNCTION ssc.change_visible(entity text, entity_id text) RETURNS boolean
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_id bigint;
BEGIN
  IF ssc.reads_all() THEN
    RETURN true;
  END IF;
  IF ssc.session_role() IS NULL THEN
    RETURN false;
  END IF;
  IF entity = 'agreement_version' THEN
    entity_id := split_part(entity_id, '.', 1);
  END IF;
  IF entity_id !~ '^[0-9]{1,18}$' THEN
    RETURN false;
  END IF;
  v_id := entity_id::bigint;
  RETURN CASE entity
    WHEN 'organisation' THEN EXISTS (SELECT FROM ssc.organisations x WHERE x.id = v_id)
    WHEN 'principal' THEN EXISTS (SELECT FROM ssc.principals x WHERE x.id = v_id)
    WHEN 'demand_signal' THEN EXISTS (SELECT FROM ssc.demand_signals x WHERE x.id = v_id)
    WHEN 'interest' THEN EXISTS (SELECT FROM ssc.interests x WHERE x.id = v_id)
    WHEN 'collaboration' THEN EXISTS (SELECT FROM ssc.collaborations x WHERE x.id = v_id)
    WHEN 'collaboration_transition'
      THEN EXISTS (SELECT FROM ssc.collaboration_transitions x WHERE x.id = v_id)
    WHEN 'agreement' THEN EXISTS (SELECT FROM ssc.agreements x WHERE x.id = v_id)
    WHEN 'agreement_version' THEN EXISTS (SELECT FROM ssc.agreements x WHERE x.id = v_id)
    WHEN 'secondment' THEN EXISTS (SELECT FROM ssc.secondments x WHERE x.id = v_id)
    ELSE false
  END;
END
$$;

-- Only within a change-stream call: Audit/List keeps 0005's rule (a
-- ministry reads the entries its own organisation made).
CREATE POLICY audit_select_changes ON ssc.audit FOR SELECT
  USING (pg_catalog.current_setting('ssc.method', true) = '/ssc.v1.Changes/Watch'
         AND ssc.change_visible(entity, entity_id));

-- The entities a change can be of, for the kinds filter.
CREATE FUNCTION ssc.change_kinds() RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN ARRAY['organisation', 'principal', 'demand_signal', 'interest', 'collaboration',
               'collaboration_transition', 'agreement', 'agreement_version', 'secondment'];

-- ---- the changes after a sequence number ------------------------------------------

-- Up to lim changes the caller may read with seq > p_after (a seq, '' for
-- the start), of the entities p.kinds names (every one when empty), in seq
-- order; each row's cursor is its seq. sscd's change stream reads its
-- backlog and then each wake-up's news with it.
CREATE FUNCTION ssc.changes_list(p jsonb, p_after text, p_lim int) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_kinds text[] := ssc.req_texts(p, 'kinds');
  v_lim int := ssc.page_limit(p_lim);
  v_after bigint;
  v_bad text;
BEGIN
  IF coalesce(p_after, '') !~ '^[0-9]{0,18}$' THEN
    RAISE EXCEPTION 'after_seq: not a sequence number' USING ERRCODE = 'SC400';
  END IF;
  v_after := coalesce(nullif(p_after, '')::bigint, 0);
  SELECT x INTO v_bad FROM unnest(v_kinds) x WHERE NOT x = ANY (ssc.change_kinds()) LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'kinds: unknown kind "%" (known: %)', left(v_bad, 32),
      array_to_string(ssc.change_kinds(), ', ') USING ERRCODE = 'SC400';
  END IF;
  RETURN (SELECT coalesce(jsonb_agg(jsonb_build_object(
                   'seq', a.seq, 'at', ssc.rfc3339(a.at), 'principal', a.principal,
                   'method', a.method, 'entity', a.entity, 'entity_id', a.entity_id,
                   'after', a.after, 'cursor', a.seq::text) ORDER BY a.seq), '[]')
            FROM (SELECT * FROM ssc.audit x
                   WHERE x.seq > v_after
                     AND (cardinality(v_kinds) = 0 OR x.entity = ANY (v_kinds))
                   ORDER BY x.seq LIMIT v_lim) a);
END
$$;

-- ---- the wake-up ----------------------------------------------------------------

CREATE FUNCTION ssc.audit_notify() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  PERFORM pg_notify('ssc_changes', '');
  RETURN NULL;
END
$$;
CREATE TRIGGER audit_notify AFTER INSERT ON ssc.audit
  FOR EACH STATEMENT EXECUTE FUNCTION ssc.audit_notify();

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA ssc FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ssc.change_visible(text, text), ssc.change_kinds(),
  ssc.changes_list(jsonb, text, int) TO ssc_app;
