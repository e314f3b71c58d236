-- Functions PostgreSQL plans again on every call (sql/0023): a LANGUAGE
-- sql function is either inlined into its caller (one expression, no
-- subquery, no SET, not SECURITY DEFINER) or planned anew each time the
-- statement calling it starts, which for sscd is every call. Such a
-- function belongs off the read paths; this list is the golden record of
-- them, so a new one shows up here to be looked at.
SELECT p.oid::regprocedure AS function,
       p.prosqlbody::text LIKE '%SUBLINK%' AS subquery,
       p.proconfig IS NOT NULL AS sets,
       p.prosecdef AS definer
  FROM pg_proc p
 WHERE p.pronamespace = 'ssc'::regnamespace
   AND p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'sql')
   AND (p.prosqlbody::text LIKE '%SUBLINK%' OR p.proconfig IS NOT NULL OR p.prosecdef)
 ORDER BY p.oid::regprocedure::text;

-- Every read path's per-row functions are PL/pgSQL (plans kept for the
-- connection) or inlined.
SELECT p.oid::regprocedure AS function, l.lanname AS language
  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
 WHERE p.pronamespace = 'ssc'::regnamespace
   AND p.proname IN ('org_subtree', 'sees_agreement', 'agreement_version_on',
                     'agreement_status', 'agreement_json', 'collab_json')
 ORDER BY p.oid::regprocedure::text;
