-- 0006 idempotency: a mutating call's key, claimed in the same transaction
-- as its writes, and the response it gave.
--
-- A key belongs to a principal: (principal_id, key) is the primary key, so
-- two callers never collide and one caller cannot read another's responses.
-- The claim is an INSERT ... ON CONFLICT DO NOTHING: a second transaction
-- with the same key waits for the first to finish, then either claims the
-- key (the first rolled back) or finds the committed row and its response.
-- A row is claimed and given its response in one transaction, so a committed
-- row always has one.
--
-- idem_claim and idem_store are SECURITY DEFINER and ssc_app has no
-- privilege on the table: the functions are the only way in, and they act
-- only for the principal begin_call identified. Keys do not expire yet.

CREATE TABLE ssc.idempotency (
  principal_id bigint NOT NULL REFERENCES ssc.principals (id),
  key          text NOT NULL,
  hash         bytea NOT NULL,
  method       text NOT NULL,
  response     jsonb,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (principal_id, key),
  CONSTRAINT idempotency_key_check CHECK (char_length(key) BETWEEN 1 AND 128),
  CONSTRAINT idempotency_hash_check CHECK (octet_length(hash) = 32)
);
COMMENT ON TABLE ssc.idempotency IS 'idempotency keys and first responses (API.md "Idempotency")';

ALTER TABLE ssc.idempotency ENABLE ROW LEVEL SECURITY;  -- no policy: only the owner

-- The caller's principal id, or SC401 outside a call.
CREATE FUNCTION ssc.idem_principal(p_key text) RETURNS bigint
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v bigint := NULLIF(current_setting('ssc.principal_id', true), '')::bigint;
BEGIN
  IF v IS NULL THEN
    RAISE EXCEPTION 'idempotency key "%" needs a caller, and begin_call has not run', p_key
      USING ERRCODE = 'SC401';
  END IF;
  RETURN v;
END
$$;

-- Claims p_key for the caller. Returns NULL when the key is new (or p_key is
-- '': no key), the stored response when the same request came before, and
-- raises SC409 when the key came before with another request.
CREATE FUNCTION ssc.idem_claim(p_key text, p_hash bytea) RETURNS jsonb
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_principal bigint;
  v_hash bytea;
  v_response jsonb;
BEGIN
  IF coalesce(p_key, '') = '' THEN
    RETURN NULL;
  END IF;
  v_principal := ssc.idem_principal(p_key);
  IF char_length(p_key) > 128 THEN
    RAISE EXCEPTION 'idempotency_key: must be at most 128 characters' USING ERRCODE = 'SC400';
  END IF;
  IF octet_length(p_hash) IS DISTINCT FROM 32 THEN
    RAISE EXCEPTION 'idempotency hash: must be 32 bytes (SHA-256), not %',
      coalesce(octet_length(p_hash)::text, 'null')
      USING ERRCODE = 'SC400';
  END IF;
  INSERT INTO ssc.idempotency (principal_id, key, hash, method)
    VALUES (v_principal, p_key, p_hash, coalesce(current_setting('ssc.method', true), ''))
    ON CONFLICT DO NOTHING;
  IF FOUND THEN
    RETURN NULL;
  END IF;
  SELECT i.hash, i.response INTO STRICT v_hash, v_response
    FROM ssc.idempotency i WHERE i.principal_id = v_principal AND i.key = p_key;
  IF v_hash <> p_hash THEN
    RAISE EXCEPTION 'idempotency key "%" was already used for a different request', p_key
      USING ERRCODE = 'SC409';
  END IF;
  IF v_response IS NULL THEN
    -- Only this very transaction can hold a claim without a response.
    RAISE EXCEPTION 'idempotency key "%" was already claimed in this transaction', p_key
      USING ERRCODE = 'SC409';
  END IF;
  RETURN v_response;
END
$$;

-- Records the response for the key this transaction claimed ('' : nothing).
CREATE FUNCTION ssc.idem_store(p_key text, p_response jsonb) RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_principal bigint;
BEGIN
  IF coalesce(p_key, '') = '' THEN
    RETURN;
  END IF;
  v_principal := ssc.idem_principal(p_key);
  IF p_response IS NULL THEN
    RAISE EXCEPTION 'idem_store: the response for key "%" is null', p_key;
  END IF;
  UPDATE ssc.idempotency i SET response = p_response
   WHERE i.principal_id = v_principal AND i.key = p_key AND i.response IS NULL;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'idem_store: key "%" was not claimed in this transaction', p_key;
  END IF;
END
$$;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA ssc FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ssc.idem_claim(text, bytea), ssc.idem_store(text, jsonb) TO ssc_app;
