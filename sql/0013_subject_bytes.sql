-- 0013 subject bytes: a registered subject is at most 2048 bytes.
--
-- sscd reads a client certificate's subject whole (RFC 2253, as OpenSSL
-- prints it) and begin_call compares it whole, so the only bound left is on
-- what may be registered. 0004 and 0009 counted characters (1024), which in
-- UTF-8 is up to 4096 bytes; the bound is now in bytes, the unit sscd and
-- the index see:
--
--   - 2048 bytes is room for real subjects with room to spare: RFC 5280's
--     upper bounds for the usual attributes (CN, O, OU, L, ST, C,
--     serialNumber) add up to about 550 characters, and RFC 2253 prints
--     each byte of a non-ASCII character as \XX (an ø takes 6 bytes), so a
--     subject full of Danish names still fits.
--   - It keeps every subject within what one entry of the unique index
--     principals_subject_key may hold (2704 bytes in a btree), so a long
--     subject is refused here with SC400 and a message naming the field,
--     never by the index with an internal error.
--
-- No existing row is longer: until now sscd refused subjects over 255 bytes.
-- principal_identity_args is replaced with the same signature, so it keeps
-- its privileges; it stays IMMUTABLE and SECURITY INVOKER (it reads nothing).

ALTER TABLE ssc.principals
  ADD CONSTRAINT principals_subject_bytes CHECK (octet_length(subject) <= 2048);
ALTER TABLE ssc.principals DROP CONSTRAINT principals_subject_check;

CREATE OR REPLACE FUNCTION ssc.principal_identity_args(p_subject text, p_fingerprint text) RETURNS void
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  IF (p_subject = '') = (p_fingerprint = '') THEN
    RAISE EXCEPTION 'subject, fingerprint: exactly one must be set' USING ERRCODE = 'SC400';
  END IF;
  IF octet_length(p_subject) > 2048 THEN
    RAISE EXCEPTION 'subject: must be at most 2048 bytes, not %', octet_length(p_subject)
      USING ERRCODE = 'SC400';
  END IF;
  IF p_fingerprint <> '' AND p_fingerprint !~ '^[0-9a-f]{64}$' THEN
    RAISE EXCEPTION 'fingerprint: must be 64 lower-case hex digits (the SHA-256 of the certificate)'
      USING ERRCODE = 'SC400';
  END IF;
END
$$;
