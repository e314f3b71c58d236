-- 0012 text arguments: one check for every free-text argument.
--
-- 0008 and 0009 each wrote out the same checks for a name-like argument
-- (trim, not empty when required, a length limit, no control characters).
-- text_arg holds them once, with the field's name in every message, and
-- the argument functions of 0008 and 0009 become one line each; later
-- migrations call text_arg directly. The messages are unchanged.
--
-- IMMUTABLE and SECURITY INVOKER: it reads nothing.

CREATE FUNCTION ssc.text_arg(p_field text, p text, p_max int, p_required boolean)
  RETURNS text
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v text := btrim(coalesce(p, ''), E' \t\r\n');
BEGIN
  IF p_required AND v = '' THEN
    RAISE EXCEPTION '%: must not be empty', p_field USING ERRCODE = 'SC400';
  END IF;
  IF char_length(v) > p_max THEN
    RAISE EXCEPTION '%: must be at most % characters, not %', p_field, p_max, char_length(v)
      USING ERRCODE = 'SC400';
  END IF;
  IF v ~ '[[:cntrl:]]' THEN
    RAISE EXCEPTION '%: must not contain control characters', p_field USING ERRCODE = 'SC400';
  END IF;
  RETURN v;
END
$$;

CREATE OR REPLACE FUNCTION ssc.org_name_arg(p text) RETURNS text
  LANGUAGE sql IMMUTABLE
  SET search_path = ssc, pg_temp
  RETURN ssc.text_arg('name', p, 200, true);

CREATE OR REPLACE FUNCTION ssc.org_short_name_arg(p text) RETURNS text
  LANGUAGE sql IMMUTABLE
  SET search_path = ssc, pg_temp
  RETURN ssc.text_arg('short_name', p, 32, false);

CREATE OR REPLACE FUNCTION ssc.principal_name_arg(p text) RETURNS text
  LANGUAGE sql IMMUTABLE
  SET search_path = ssc, pg_temp
  RETURN ssc.text_arg('name', p, 200, false);

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA ssc FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ssc.text_arg(text, text, int, boolean) TO ssc_app;
