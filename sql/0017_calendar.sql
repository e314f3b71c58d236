-- 0017 calendar: the arithmetic on months every date rule of the record
-- uses, done once and tested with a table of cases (tests/sql/calendar.sql).
--
-- Dates are calendar dates (`date`), never instants. A month added to a day
-- that the target month lacks lands on that month's last day: 31 August plus
-- 6 months is the last day of February, 29 February in a leap year. Periods
-- are inclusive of both ends, as agreements and secondments state them
-- ("1 March to 31 August").
--
-- IMMUTABLE, PARALLEL SAFE, SECURITY INVOKER: they read nothing.

-- d plus n months (n may be negative), the day clamped to the target
-- month's last day.
CREATE FUNCTION ssc.add_months(d date, n int) RETURNS date
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  RETURN (d + make_interval(months => n))::date;

CREATE FUNCTION ssc.month_start(d date) RETURNS date
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  RETURN date_trunc('month', d)::date;

CREATE FUNCTION ssc.month_end(d date) RETURNS date
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  RETURN (date_trunc('month', d) + interval '1 month - 1 day')::date;

CREATE FUNCTION ssc.days_in_month(d date) RETURNS int
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  RETURN extract(day FROM ssc.month_end(d))::int;

-- When an agreement under notice ends: the notice date plus the notice
-- period in months, clamped as add_months clamps. A period of 0 ends it on
-- the notice date.
CREATE FUNCTION ssc.notice_end(notice date, months int) RETURNS date
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  IF months IS NULL OR months < 0 THEN
    RAISE EXCEPTION 'notice_months: must not be negative' USING ERRCODE = 'SC400';
  END IF;
  RETURN ssc.add_months(notice, months);
END
$$;

-- The last day on which notice can be given for an agreement to end by
-- end_date: the latest d with notice_end(d, months) <= end_date. Where
-- end_date is the last day of its month, every day from the clamp on ends it
-- there too (notice on 31 August and on 28 August, 6 months, both end on 28
-- February), so the answer is the last day of the month n months before.
CREATE FUNCTION ssc.last_notice_day(end_date date, months int) RETURNS date
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  RETURN CASE WHEN end_date = ssc.month_end(end_date)
              THEN ssc.month_end(ssc.add_months(end_date, -months))
              ELSE ssc.add_months(end_date, -months) END;

-- Whether the inclusive period [first, last] lasts at least n months: it
-- reaches the day before first + n months. 1 March to 31 August is 6
-- months; 1 March to 30 August is not.
CREATE FUNCTION ssc.lasts_months(first date, last date, n int) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  RETURN last + 1 >= ssc.add_months(first, n);

-- Days of the inclusive period [first, last] that fall in the month of m
-- (0 when none): the numerator of a pro rata share of that month.
CREATE FUNCTION ssc.days_in_period(m date, first date, last date) RETURNS int
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  RETURN greatest(0, least(last, ssc.month_end(m)) - greatest(first, ssc.month_start(m)) + 1);

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA ssc FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
  ssc.add_months(date, int), ssc.month_start(date), ssc.month_end(date),
  ssc.days_in_month(date), ssc.notice_end(date, int), ssc.last_notice_day(date, int),
  ssc.lasts_months(date, date, int), ssc.days_in_period(date, date, date)
  TO ssc_app;
