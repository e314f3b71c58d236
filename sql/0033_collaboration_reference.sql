-- 0033 the default reference of a collaboration past id 9999.
--
-- 0019 made it SSC-<country>-<id padded to four digits> with lpad, which
-- also cuts a longer id to four characters: collaboration 10000 in VN got
-- SSC-VN-1000, collaboration 1000's reference, and its creation failed as
-- a duplicate (found by bench/store.sh's Approve setup). From 10000 on the
-- id is written whole; below, the references stay as they were.

CREATE OR REPLACE FUNCTION ssc.collaborations_before_write() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_bad bigint;
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.reference := coalesce(NULLIF(NEW.reference, ''),
                              'SSC-' || NEW.country || '-'
                              || CASE WHEN NEW.id < 10000 THEN lpad(NEW.id::text, 4, '0')
                                      ELSE NEW.id::text END);
  ELSE
    IF (NEW.reference, NEW.country, NEW.lead_id) IS DISTINCT FROM
       (OLD.reference, OLD.country, OLD.lead_id) THEN
      RAISE EXCEPTION 'reference, country and lead_id cannot change' USING ERRCODE = 'SC400';
    END IF;
    NEW.created_at := OLD.created_at;
    NEW.version := OLD.version + 1;
    NEW.updated_at := now();
  END IF;
  -- Every partner is a partner authority in the collaboration's country.
  SELECT x INTO v_bad FROM unnest(NEW.partner_ids) x
   WHERE NOT EXISTS (SELECT FROM ssc.organisations o
                      WHERE o.id = x AND o.kind = 'partner_authority' AND o.country = NEW.country)
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'partner_ids: organisation % is not a partner authority in %', v_bad, NEW.country
      USING ERRCODE = 'SC400';
  END IF;
  IF NEW.embassy_id IS NOT NULL
     AND NOT EXISTS (SELECT FROM ssc.organisations o
                      WHERE o.id = NEW.embassy_id AND o.kind = 'embassy' AND o.country = NEW.country) THEN
    RAISE EXCEPTION 'embassy_id: organisation % is not an embassy in %', NEW.embassy_id, NEW.country
      USING ERRCODE = 'SC400';
  END IF;
  RETURN NEW;
END
$$;
