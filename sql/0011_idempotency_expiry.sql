-- 0011 idempotency expiry: keys are kept for a while, not for ever.
--
-- A key protects a retry; a retry comes within minutes or hours, not
-- months, and a table that only grows slows every claim. sscd calls
-- idem_expire every few minutes with its configured keep time
-- ([database] idempotency_keep_h, a week by default): a key is honoured at
-- least that long after it was claimed and forgotten some time after, and
-- then the same key is a new key. The keep time may not be under an hour,
-- so no caller of this function can cut a retry window to nothing.
--
-- SECURITY DEFINER, like idem_claim: ssc_app has no privilege on the table.
-- Rows go oldest first in batches of at most p_limit, so one sweep is one
-- short transaction however much has piled up; SKIP LOCKED lets sweeps of
-- several sscd instances run at once without waiting for each other.

CREATE INDEX idempotency_created_at_idx ON ssc.idempotency (created_at);

CREATE FUNCTION ssc.idem_expire(p_keep_seconds bigint, p_limit int) RETURNS bigint
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_count bigint;
BEGIN
  IF p_keep_seconds IS NULL OR p_keep_seconds < 3600 THEN
    RAISE EXCEPTION 'keep: must be at least 3600 seconds (one hour), not %',
      coalesce(p_keep_seconds::text, 'null')
      USING ERRCODE = 'SC400';
  END IF;
  IF p_limit IS NULL OR p_limit < 1 OR p_limit > 100000 THEN
    RAISE EXCEPTION 'limit: must be between 1 and 100000, not %', coalesce(p_limit::text, 'null')
      USING ERRCODE = 'SC400';
  END IF;
  DELETE FROM ssc.idempotency i
   WHERE (i.principal_id, i.key) IN (
     SELECT x.principal_id, x.key FROM ssc.idempotency x
      WHERE x.created_at < now() - make_interval(secs => p_keep_seconds)
      ORDER BY x.created_at
      LIMIT p_limit
      FOR UPDATE SKIP LOCKED);
  GET DIAGNOSTICS v_count = ROW_COUNT;
  RETURN v_count;
END
$$;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA ssc FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ssc.idem_expire(bigint, int) TO ssc_app;
