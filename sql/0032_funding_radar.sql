-- 0032 the funding events of the deadline radar (0025 "Adding a kind"):
--
--   decision_due    an application submitted or under review whose wait
--                   for a decision reaches [radar] decision_due_days (sscd
--                   passes it on every connection as the setting
--                   ssc.radar_decision_due_days; default 60): the date is
--                   the day of its last submission (UTC) plus that many
--                   days. Like every radar event it is shown from as_of
--                   on; one already overdue is not an event any more, and
--                   Applications/List (status submitted, under_review)
--                   says what still waits.
--   allocation_end  ends_on of an allocation (the approved application's
--                   period) not yet released; its title is the
--                   application's with the amount.
--
-- Both read through an index on their date (applications_waiting_idx on
-- submitted_at, allocations_ends_idx) and as the caller: a ministry sees
-- its scope's, the secretariat and the auditor all, an embassy none.

CREATE FUNCTION ssc.radar_decision_due_days() RETURNS int
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN coalesce(NULLIF(pg_catalog.current_setting('ssc.radar_decision_due_days', true), '')::int, 60);

CREATE FUNCTION ssc.radar_decision_due(as_of date, from_d date, until date)
  RETURNS SETOF ssc.radar_event
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_days int := ssc.radar_decision_due_days();
BEGIN
  RETURN QUERY
    SELECT (a.submitted_at AT TIME ZONE 'UTC')::date + v_days, 'decision_due'::text,
           'application'::text, a.id, a.title, a.collaboration_id, ARRAY[a.applicant_id]
      FROM ssc.applications a
     WHERE a.status IN ('submitted', 'under_review')
       AND a.submitted_at >= ((from_d - v_days)::timestamp AT TIME ZONE 'UTC')
       AND a.submitted_at < ((until - v_days + 1)::timestamp AT TIME ZONE 'UTC');
END
$$;

CREATE FUNCTION ssc.radar_allocation_end(as_of date, from_d date, until date)
  RETURNS SETOF ssc.radar_event
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  RETURN QUERY
    SELECT al.ends_on, 'allocation_end'::text, 'allocation'::text, al.id,
           a.title || ' (' || ssc.money_text(al.amount_minor, al.currency) || ')',
           al.collaboration_id, ARRAY[al.organisation_id]
      FROM ssc.allocations al
      JOIN ssc.applications a ON a.id = al.application_id
     WHERE al.released_at IS NULL
       AND al.ends_on BETWEEN from_d AND until;
END
$$;

CREATE OR REPLACE FUNCTION ssc.radar_kinds() RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN ARRAY['agreement_end', 'notice_end', 'review', 'notice_deadline', 'secondment_end',
               'phase_end', 'decision_due', 'allocation_end'];

CREATE OR REPLACE FUNCTION ssc.radar_events(as_of date, from_d date, until date, kinds text[])
  RETURNS SETOF ssc.radar_event
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  RETURN QUERY
    SELECT * FROM ssc.radar_agreement_end(as_of, from_d, until) WHERE 'agreement_end' = ANY (kinds)
    UNION ALL
    SELECT * FROM ssc.radar_notice_end(as_of, from_d, until) WHERE 'notice_end' = ANY (kinds)
    UNION ALL
    SELECT * FROM ssc.radar_review(as_of, from_d, until) WHERE 'review' = ANY (kinds)
    UNION ALL
    SELECT * FROM ssc.radar_notice_deadline(as_of, from_d, until) WHERE 'notice_deadline' = ANY (kinds)
    UNION ALL
    SELECT * FROM ssc.radar_secondment_end(as_of, from_d, until) WHERE 'secondment_end' = ANY (kinds)
    UNION ALL
    SELECT * FROM ssc.radar_phase_end(as_of, from_d, until) WHERE 'phase_end' = ANY (kinds)
    UNION ALL
    SELECT * FROM ssc.radar_decision_due(as_of, from_d, until) WHERE 'decision_due' = ANY (kinds)
    UNION ALL
    SELECT * FROM ssc.radar_allocation_end(as_of, from_d, until) WHERE 'allocation_end' = ANY (kinds);
END
$$;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA ssc FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
  ssc.radar_decision_due_days(), ssc.radar_decision_due(date, date, date),
  ssc.radar_allocation_end(date, date, date), ssc.radar_kinds(),
  ssc.radar_events(date, date, date, text[])
  TO ssc_app;
