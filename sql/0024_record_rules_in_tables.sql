-- 0024 rules of the record held by the tables, not only by the functions
-- that write them. ssc_app may insert and update the columns the functions
-- write, so whatever it does with plain SQL inside a call (begin_call set,
-- row-level security applying) must keep the record whole too:
--
--   collaborations   the phase moves only by a recorded transition. A row
--                    inserted into collaboration_transitions is checked
--                    against the phase machine (collaboration_phase_steps)
--                    and then moves its collaboration, in the same
--                    statement; ssc_app may no longer write phase,
--                    suspended_from or phase_since. So no phase changes
--                    without its transition, and no transition is recorded
--                    that the phase did not make.
--   demand_signals   the country is the embassy's (the embassy an
--                    organisation of kind embassy), the partner a partner
--                    authority there.
--   demand_signals,  a status that left open never returns to it or moves
--   interests        on (withdrawn stays withdrawn, matched stays matched).
--   secondments      the country and the lead are the collaboration's, the
--                    host a partner authority in that country, the
--                    employer a Danish authority.
--
-- collab_transition (last replaced in 0022 for its resume fix, which 0022
-- now leaves to this file) records the transition and reads the moved
-- collaboration back.
--
-- Definer or invoker: collaboration_transitions_step is SECURITY DEFINER,
-- because ssc_app may no longer update the phase columns; it first asks
-- writes_collaboration, the predicate of the collaborations' update policy,
-- so it moves only what the caller could have moved and tells nothing of a
-- collaboration the caller may not write. The other triggers run as the
-- caller: they read organisations and collaborations under row-level
-- security, as the functions do.

-- ---- collaborations: the phase moves by a transition -----------------------

CREATE FUNCTION ssc.collaboration_transitions_step() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  c ssc.collaborations;
  v_step text;
BEGIN
  -- Asked before the row is locked, so a caller that may not write it
  -- neither holds nor waits for its lock.
  SELECT * INTO c FROM ssc.collaborations x WHERE x.id = NEW.collaboration_id;
  IF NOT FOUND OR NOT ssc.writes_collaboration(c.lead_id) THEN
    RAISE EXCEPTION 'role % may not move collaboration %', ssc.session_role(),
      NEW.collaboration_id USING ERRCODE = 'SC403';
  END IF;
  SELECT * INTO c FROM ssc.collaborations x WHERE x.id = NEW.collaboration_id FOR UPDATE;
  IF NEW.from_phase IS DISTINCT FROM c.phase THEN
    RAISE EXCEPTION 'collaboration % is in %, not %', c.id, c.phase, NEW.from_phase
      USING ERRCODE = 'SC412';
  END IF;
  v_step := CASE WHEN c.phase = 'suspended' AND NEW.to_phase = c.suspended_from
                 THEN 'resume' ELSE NEW.to_phase END;
  IF NOT EXISTS (SELECT FROM ssc.collaboration_phase_steps s
                  WHERE s.from_phase = c.phase AND s.to_phase = v_step) THEN
    RAISE EXCEPTION 'collaboration % is in %; the phase machine has no step to %', c.id,
      c.phase, NEW.to_phase USING ERRCODE = 'SC412';
  END IF;
  IF NEW.on_date < c.phase_since THEN
    RAISE EXCEPTION 'on_date: % is before the current phase began (%)', NEW.on_date,
      c.phase_since USING ERRCODE = 'SC400';
  END IF;
  UPDATE ssc.collaborations x
     SET phase = NEW.to_phase,
         suspended_from = CASE WHEN NEW.to_phase = 'suspended' THEN c.phase END,
         phase_since = NEW.on_date
   WHERE x.id = c.id;
  RETURN NEW;
END
$$;
CREATE TRIGGER collaboration_transitions_step BEFORE INSERT ON ssc.collaboration_transitions
  FOR EACH ROW EXECUTE FUNCTION ssc.collaboration_transitions_step();
REVOKE UPDATE (phase, suspended_from, phase_since) ON ssc.collaborations FROM ssc_app;

-- Leaving a suspension ends the phase the collaboration was suspended
-- from (0022's fix); the transition recorded moves the collaboration.
CREATE OR REPLACE FUNCTION ssc.collab_transition(p jsonb, p_hash bytea) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v jsonb := ssc.idem_claim(ssc.req_text(p, 'idempotency_key'), p_hash);
  v_id bigint := ssc.req_required_id(p, 'id');
  v_to text := ssc.req_text(p, 'to_phase');
  v_resume boolean := ssc.req_bool(p, 'resume');
  v_on date := coalesce(ssc.req_date(p, 'on_date'), (now() AT TIME ZONE 'UTC')::date);
  v_start date := ssc.req_date(p, 'planned_start');
  v_end date := ssc.req_date(p, 'planned_end');
  v_note text := ssc.req_words(p, 'note', 2000, false, true);
  v_step text;
  v_allowed text;
  c ssc.collaborations;
  v_from text;
BEGIN
  IF v IS NOT NULL THEN
    RETURN v;
  END IF;
  IF v_resume AND v_to <> '' THEN
    RAISE EXCEPTION 'to_phase: give either to_phase or resume, not both' USING ERRCODE = 'SC400';
  END IF;
  IF NOT v_resume AND v_to = '' THEN
    RAISE EXCEPTION 'to_phase: must be set (or resume)' USING ERRCODE = 'SC400';
  END IF;
  IF v_end < v_start THEN
    RAISE EXCEPTION 'planned_end: % is before planned_start %', v_end, v_start USING ERRCODE = 'SC400';
  END IF;
  c := ssc.collab_for_update(v_id);
  v_from := c.phase;
  v_step := CASE WHEN v_resume THEN 'resume' ELSE v_to END;
  IF NOT EXISTS (SELECT FROM ssc.collaboration_phase_steps s
                  WHERE s.from_phase = v_from AND s.to_phase = v_step) THEN
    SELECT string_agg(CASE WHEN s.to_phase = 'resume' THEN 'resume (to ' || c.suspended_from || ')'
                           ELSE s.to_phase END, ', '
                      ORDER BY array_position(ARRAY['inception', 'long_term', 'phase_2', 'closed',
                                                    'suspended', 'resume', 'cancelled'], s.to_phase))
      INTO v_allowed
      FROM ssc.collaboration_phase_steps s WHERE s.from_phase = v_from;
    RAISE EXCEPTION 'collaboration % is in %; it may move to %, not %', v_id, v_from,
      coalesce(v_allowed, 'nothing (the phase is final)'),
      CASE WHEN v_resume THEN 'resume' ELSE v_to END
      USING ERRCODE = 'SC412';
  END IF;
  IF v_on < c.phase_since THEN
    RAISE EXCEPTION 'on_date: % is before the current phase began (%)', v_on, c.phase_since
      USING ERRCODE = 'SC400';
  END IF;
  IF v_resume THEN
    v_to := c.suspended_from;
  END IF;
  -- The phase left ends, unless it is only suspended (leaving a suspension
  -- leaves the phase suspended from); the phase entered starts, unless it
  -- is resumed (it goes on). New plans replace old ones.
  IF v_to <> 'suspended' THEN
    UPDATE ssc.collaboration_phases x SET ended_on = v_on
     WHERE x.collaboration_id = v_id AND x.phase = coalesce(c.suspended_from, v_from);
  END IF;
  IF v_to IN ('inception', 'long_term', 'phase_2') THEN
    INSERT INTO ssc.collaboration_phases AS x (collaboration_id, phase, planned_start, planned_end,
                                               started_on)
      VALUES (v_id, v_to, v_start, v_end, v_on)
      ON CONFLICT (collaboration_id, phase) DO UPDATE
        SET started_on = CASE WHEN v_resume THEN x.started_on ELSE EXCLUDED.started_on END,
            ended_on = NULL,
            planned_start = coalesce(EXCLUDED.planned_start, x.planned_start),
            planned_end = coalesce(EXCLUDED.planned_end, x.planned_end);
  END IF;
  -- The recorded transition moves the collaboration (collaboration_transitions_step).
  INSERT INTO ssc.collaboration_transitions (collaboration_id, from_phase, to_phase, on_date, note)
    VALUES (v_id, v_from, v_to, v_on, v_note);
  SELECT * INTO c FROM ssc.collaborations x WHERE x.id = v_id;
  v := ssc.collab_json(c, v_on);
  PERFORM ssc.idem_store(ssc.req_text(p, 'idempotency_key'), v);
  RETURN v;
END
$$;


-- ---- demand signals and interests ------------------------------------------

CREATE FUNCTION ssc.demand_signals_before_insert() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_country text;
BEGIN
  SELECT o.country INTO v_country FROM ssc.organisations o
   WHERE o.id = NEW.embassy_id AND o.kind = 'embassy';
  IF NOT FOUND THEN
    RAISE EXCEPTION 'embassy_id: organisation % is not an embassy', NEW.embassy_id
      USING ERRCODE = 'SC400';
  END IF;
  NEW.country := v_country;
  IF NEW.partner_id IS NOT NULL
     AND NOT EXISTS (SELECT FROM ssc.organisations o
                      WHERE o.id = NEW.partner_id AND o.kind = 'partner_authority'
                        AND o.country = v_country) THEN
    RAISE EXCEPTION 'partner_id: organisation % is not a partner authority in %', NEW.partner_id,
      v_country USING ERRCODE = 'SC400';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER demand_signals_before_insert BEFORE INSERT ON ssc.demand_signals
  FOR EACH ROW EXECUTE FUNCTION ssc.demand_signals_before_insert();

-- open -> matched | withdrawn, and no further.
CREATE FUNCTION ssc.status_leaves_open() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status AND OLD.status <> 'open' THEN
    RAISE EXCEPTION '% % is %; only an open one changes status', TG_ARGV[0], OLD.id, OLD.status
      USING ERRCODE = 'SC412';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER demand_signals_status BEFORE UPDATE OF status ON ssc.demand_signals
  FOR EACH ROW EXECUTE FUNCTION ssc.status_leaves_open('demand signal');
CREATE TRIGGER interests_status BEFORE UPDATE OF status ON ssc.interests
  FOR EACH ROW EXECUTE FUNCTION ssc.status_leaves_open('interest');

-- ---- secondments -----------------------------------------------------------

CREATE FUNCTION ssc.secondments_before_insert() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  c ssc.collaborations;
BEGIN
  SELECT * INTO c FROM ssc.collaborations x WHERE x.id = NEW.collaboration_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'collaboration_id: collaboration % not found', NEW.collaboration_id
      USING ERRCODE = 'SC400';
  END IF;
  NEW.country := c.country;
  NEW.lead_id := c.lead_id;
  IF NOT EXISTS (SELECT FROM ssc.organisations o
                  WHERE o.id = NEW.host_id AND o.kind = 'partner_authority'
                    AND o.country = c.country) THEN
    RAISE EXCEPTION 'host_id: organisation % is not a partner authority in %', NEW.host_id,
      c.country USING ERRCODE = 'SC400';
  END IF;
  IF NOT EXISTS (SELECT FROM ssc.organisations o
                  WHERE o.id = NEW.employer_id AND o.kind = 'danish_authority') THEN
    RAISE EXCEPTION 'employer_id: organisation % is not a Danish authority', NEW.employer_id
      USING ERRCODE = 'SC400';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER secondments_before_insert BEFORE INSERT ON ssc.secondments
  FOR EACH ROW EXECUTE FUNCTION ssc.secondments_before_insert();

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA ssc FROM PUBLIC;
