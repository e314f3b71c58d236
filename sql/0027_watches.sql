-- 0027 what the two watches of issue 10 read: Changes/Watch, the changes
-- after a sequence number together with the head of the audit chain, and
-- Radar/Watch, every event of a horizon at once. And the wake-up now says
-- how far the chain has come.
--
-- The head: ssc.audit_head.seq, the sequence number of the last committed
-- change, read in the same snapshot as the changes. Sequence numbers are
-- handed out under the audit_head row lock, held to commit (0005, 0026),
-- so every change up to the head is committed and visible in that
-- snapshot, and none above it is. A read of the changes in (after, upto]
-- with upto <= head that returns fewer rows than its limit has therefore
-- returned every change of that range the caller may see: the caller goes
-- on after upto, not after the last row it was given, and never reads the
-- same hidden rows twice. changes_watch bounds each read to SCAN_MAX
-- sequence numbers, so a ministry far behind the head reads in steps of
-- bounded work instead of one scan of the whole chain.
--
-- The notification's payload is the transaction's last change's seq, so
-- sscd knows how far behind each watcher is
-- without asking the database: what [changes] max_lag is measured in.

-- ---- the head ---------------------------------------------------------------------

-- Definer: audit_head has row-level security and no policy (0005). It
-- tells the position of the chain, nothing of any entry.
CREATE FUNCTION ssc.audit_last_seq() RETURNS bigint
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  RETURN (SELECT h.seq FROM ssc.audit_head h);
END
$$;

-- At commit, once per transaction: a deferred trigger on each audit row
-- notifies the head as the committing transaction leaves it (its own last
-- change; never below the row's own seq). Every row of a transaction thus
-- notifies the same payload, which PostgreSQL folds into one notification,
-- so an import that audits 100,000 rows wakes each listener once, not
-- 100,000 times. (audit_head is read rather than the row's seq because a
-- statement's trigger would run before audit_append moves the head on.)
-- Definer: audit_head has row-level security and no policy (0005).
CREATE OR REPLACE FUNCTION ssc.audit_notify() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  PERFORM pg_notify('ssc_changes',
                    greatest(NEW.seq, (SELECT h.seq FROM ssc.audit_head h))::text);
  RETURN NULL;
END
$$;
DROP TRIGGER audit_notify ON ssc.audit;
CREATE CONSTRAINT TRIGGER audit_notify AFTER INSERT ON ssc.audit
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION ssc.audit_notify();

-- ---- Changes/Watch ------------------------------------------------------------------

-- A list field of known words (kinds), the rule written once: an unknown
-- word is SC400 naming the field and the words known. Returns the words
-- given (none: an empty array). Radar/List's kinds and changes_list's
-- (0025, 0026) had each written it out; both use this from here on.
CREATE FUNCTION ssc.words_arg(p jsonb, f text, known text[]) RETURNS text[]
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v text[] := ssc.req_texts(p, f);
  v_bad text;
BEGIN
  SELECT x INTO v_bad FROM unnest(v) x WHERE NOT x = ANY (known) LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION '%: unknown kind "%" (known: %)', f, left(v_bad, 32),
      array_to_string(known, ', ') USING ERRCODE = 'SC400';
  END IF;
  RETURN v;
END
$$;

CREATE OR REPLACE FUNCTION ssc.radar_kinds_arg(p jsonb) RETURNS text[]
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v text[] := ssc.words_arg(p, 'kinds', ssc.radar_kinds());
BEGIN
  RETURN CASE WHEN cardinality(v) = 0 THEN ssc.radar_kinds() ELSE v END;
END
$$;

CREATE OR REPLACE FUNCTION ssc.changes_list(p jsonb, p_after text, p_lim int) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_kinds text[] := ssc.words_arg(p, 'kinds', ssc.change_kinds());
  v_lim int := ssc.page_limit(p_lim);
  v_after bigint;
BEGIN
  IF coalesce(p_after, '') !~ '^[0-9]{0,18}$' THEN
    RAISE EXCEPTION 'after_seq: not a sequence number' USING ERRCODE = 'SC400';
  END IF;
  v_after := coalesce(nullif(p_after, '')::bigint, 0);
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

-- One read of a change stream: {"head": H, "next": N, "changes": [...]}.
-- changes: at most p_lim of the changes with after < seq <= upto, upto =
-- min(H, after + 10000), that the caller may read (0026's policy) and
-- that are of p.kinds, in seq order, each as changes_list gives it.
-- next: where the following read starts: the last change's seq when the
-- limit was reached, else upto. p_after is the last seq the watcher has
-- ('' or '0' from the start); with p.from_now and p_after '' nothing is
-- read and next is H: the watch starts after the newest change. p is the
-- request (WatchChangesRequest): after_seq 0 or more, from_now only with
-- after_seq 0, kinds known.
CREATE FUNCTION ssc.changes_watch(p jsonb, p_after text, p_lim int) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_head bigint := ssc.audit_last_seq();
  v_kinds text[] := ssc.words_arg(p, 'kinds', ssc.change_kinds());
  v_lim int := ssc.page_limit(p_lim);
  v_after bigint;
  v_upto bigint;
  v jsonb;
  v_n int;
BEGIN
  IF ssc.req_int(p, 'after_seq') < 0 THEN
    RAISE EXCEPTION 'after_seq: must be 0 or more, not %', ssc.req_int(p, 'after_seq')
      USING ERRCODE = 'SC400';
  END IF;
  IF ssc.req_bool(p, 'from_now') AND ssc.req_int(p, 'after_seq') <> 0 THEN
    RAISE EXCEPTION 'from_now: give either after_seq or from_now, not both' USING ERRCODE = 'SC400';
  END IF;
  IF coalesce(p_after, '') !~ '^[0-9]{0,18}$' THEN
    RAISE EXCEPTION 'p_after: not a sequence number' USING ERRCODE = 'SC400';
  END IF;
  IF coalesce(p_after, '') = '' AND ssc.req_bool(p, 'from_now') THEN
    RETURN jsonb_build_object('head', v_head, 'next', v_head, 'changes', '[]'::jsonb);
  END IF;
  v_after := coalesce(nullif(p_after, '')::bigint, 0);
  v_upto := least(v_head, v_after + 10000);
  IF v_upto <= v_after THEN
    RETURN jsonb_build_object('head', v_head, 'next', v_after, 'changes', '[]'::jsonb);
  END IF;
  SELECT coalesce(jsonb_agg(jsonb_build_object(
           'seq', a.seq, 'at', ssc.rfc3339(a.at), 'principal', a.principal,
           'method', a.method, 'entity', a.entity, 'entity_id', a.entity_id,
           'after', a.after) ORDER BY a.seq), '[]'), count(*)
    INTO v, v_n
    FROM (SELECT * FROM ssc.audit x
           WHERE x.seq > v_after AND x.seq <= v_upto
             AND (cardinality(v_kinds) = 0 OR x.entity = ANY (v_kinds))
           ORDER BY x.seq LIMIT v_lim) a;
  RETURN jsonb_build_object(
    'head', v_head,
    'next', CASE WHEN v_n >= v_lim THEN (v -> (v_n - 1) ->> 'seq')::bigint ELSE v_upto END,
    'changes', v);
END
$$;

-- ---- Radar/Watch ------------------------------------------------------------------

-- Every event of the horizon from p.as_of, filtered as radar_list filters,
-- in the list's order: {"events": [...]} with at most p_max + 1 of them
-- (sscd refuses a watch whose horizon holds more than p_max: [radar]
-- watch_max_events). One statement, so one snapshot: a watch compares
-- whole pictures of the radar, never two halves of different moments.
CREATE FUNCTION ssc.radar_watch_read(p jsonb, p_max int) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
  SET plan_cache_mode = force_custom_plan
AS $$
DECLARE
  v_as_of date := ssc.req_as_of(p);
  v_leads int[] := ssc.radar_lead_days();
  v_horizon int := ssc.radar_horizon_arg(p, v_leads);
  v_kinds text[] := ssc.radar_kinds_arg(p);
  v_collab bigint := ssc.req_id(p, 'collaboration_id');
  v_org bigint := ssc.req_id(p, 'organisation_id');
BEGIN
  IF p_max IS NULL OR p_max NOT BETWEEN 1 AND 100000 THEN
    RAISE EXCEPTION 'p_max: must be between 1 and 100000' USING ERRCODE = 'SC400';
  END IF;
  RETURN jsonb_build_object('events', (
    SELECT coalesce(jsonb_agg(ssc.radar_event_json(e, v_as_of, v_leads)
                              ORDER BY e.on_date, e.kind COLLATE "C", e.entity_id), '[]')
      FROM (SELECT * FROM ssc.radar_events(v_as_of, v_as_of, v_as_of + v_horizon, v_kinds) x
             WHERE (v_collab = 0 OR x.collaboration_id = v_collab)
               AND (v_org = 0 OR v_org = ANY (x.organisation_ids))
             ORDER BY x.on_date, x.kind COLLATE "C", x.entity_id
             LIMIT p_max + 1) e));
END
$$;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA ssc FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ssc.audit_last_seq(), ssc.words_arg(jsonb, text, text[]),
  ssc.changes_watch(jsonb, text, int), ssc.radar_watch_read(jsonb, int) TO ssc_app;
