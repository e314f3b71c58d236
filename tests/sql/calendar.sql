-- Calendar: the month arithmetic of 0017, case by case. Each row states
-- the expected answer next to the computed one, and `ok` compares them, so
-- a wrong answer shows as f in the golden output as well as a changed value.
\c - ssc_app

-- add_months: the day clamped to the target month's last day; leap years.
SELECT d, n, ssc.add_months(d, n) AS got, want, ssc.add_months(d, n) = want AS ok
  FROM (VALUES
    ('2023-08-31'::date, 6, '2024-02-29'::date),  -- the issue's case, leap year
    ('2022-08-31', 6, '2023-02-28'),               -- not a leap year
    ('2100-01-31', 1, '2100-02-28'),               -- divisible by 100: not leap
    ('2000-01-31', 1, '2000-02-29'),               -- divisible by 400: leap
    ('2024-02-29', 12, '2025-02-28'),
    ('2024-02-29', 48, '2028-02-29'),
    ('2024-01-31', 3, '2024-04-30'),
    ('2024-03-31', -1, '2024-02-29'),
    ('2024-05-15', -6, '2023-11-15'),
    ('2024-12-31', 1, '2025-01-31'),
    ('2011-06-30', 0, '2011-06-30')) v (d, n, want);

-- month_start, month_end, days_in_month.
SELECT d, ssc.month_start(d) AS first, ssc.month_end(d) AS last, ssc.days_in_month(d) AS days
  FROM (VALUES ('2024-02-10'::date), ('2023-02-28'), ('1900-02-01'), ('2024-12-31'),
               ('2024-04-01')) v (d);

-- notice_end: notice date plus the period; an agreement with 6 months'
-- notice given on 31 August ends on the last day of February.
SELECT notice, months, ssc.notice_end(notice, months) AS ends, want,
       ssc.notice_end(notice, months) = want AS ok
  FROM (VALUES
    ('2023-08-31'::date, 6, '2024-02-29'::date),
    ('2013-08-31', 6, '2014-02-28'),
    ('2012-05-15', 6, '2012-11-15'),
    ('2012-05-15', 0, '2012-05-15'),
    ('2011-12-31', 2, '2012-02-29')) v (notice, months, want);
SELECT ssc.notice_end('2012-01-01', -1);
SELECT ssc.notice_end('2012-01-01', NULL);

-- last_notice_day: the latest day notice can be given for the agreement to
-- end by end_date: notice then ends it by end_date, a day later after it.
SELECT end_date, months, ssc.last_notice_day(end_date, months) AS last_day,
       ssc.notice_end(ssc.last_notice_day(end_date, months), months) AS ends,
       ssc.notice_end(ssc.last_notice_day(end_date, months), months) <= end_date
         AND ssc.notice_end(ssc.last_notice_day(end_date, months) + 1, months) > end_date AS ok
  FROM (VALUES ('2013-12-31'::date, 6), ('2014-02-28', 6), ('2024-02-29', 12),
               ('2024-08-31', 6), ('2024-03-30', 1), ('2024-04-30', 2),
               ('2013-12-15', 6), ('2012-02-29', 0)) v (end_date, months);

-- lasts_months: long stay from 6 months, the period inclusive.
SELECT first, last, n, ssc.lasts_months(first, last, n) AS got, want,
       ssc.lasts_months(first, last, n) = want AS ok
  FROM (VALUES
    ('2024-03-01'::date, '2024-08-31'::date, 6, true),
    ('2024-03-01', '2024-08-30', 6, false),
    ('2023-08-31', '2024-02-28', 6, true),   -- 31 Aug + 6 months = 29 Feb: reached by the 28th
    ('2023-08-31', '2024-02-27', 6, false),
    ('2024-01-15', '2024-01-15', 1, false),
    ('2024-01-15', '2024-02-14', 1, true)) v (first, last, n, want);

-- days_in_period: the days of a period within one month, for pro rata.
SELECT m, first, last, ssc.days_in_period(m, first, last) AS days, want,
       ssc.days_in_period(m, first, last) = want AS ok
  FROM (VALUES
    ('2024-02-01'::date, '2024-02-10'::date, '2024-03-31'::date, 20),  -- leap February
    ('2023-02-15', '2023-02-10', '2023-03-31', 19),
    ('2024-03-01', '2024-02-10', '2024-03-31', 31),
    ('2024-04-01', '2024-02-10', '2024-03-31', 0),
    ('2024-01-01', '2024-02-10', '2024-03-31', 0),
    ('2024-06-01', '2024-06-15', '2024-06-15', 1)) v (m, first, last, want);
