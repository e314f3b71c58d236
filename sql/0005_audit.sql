-- 0005 audit: the hash-chained trail of every change.
--
-- Entry seq = 1, 2, 3, ... without gaps. Each entry's hash is
--   sha256(prev_hash || canonical)
-- where prev_hash is the previous entry's hash (32 zero bytes before the
-- first) and canonical is the UTF-8 of the nine fields below, each written as
-- <length in characters>:<text> and concatenated:
--   seq, at (YYYY-MM-DDTHH:MI:SS.USZ, UTC), principal, organisation_id or '',
--   method, entity, entity_id, before::text or '', after::text or ''
-- so rewriting, inserting or deleting an entry breaks the chain at that
-- entry, and the head row (last seq and hash) reveals a cut tail.
--
-- Who writes: only audit_append, SECURITY DEFINER, under a row lock on the
-- single audit_head row, which orders every writer's entries. ssc_app has no
-- INSERT, UPDATE or DELETE on either table. Who, which organisation and
-- which method come from the session begin_call set (ssc.principal,
-- ssc.org_id, ssc.method), so an entry's organisation_id is the caller's;
-- outside a call (an operator's SQL as the owner) the principal is
-- db:<session user> and the method `sql`, so even manual fixes are recorded.
--
-- Triggers on organisations and principals call audit_append for every
-- INSERT, UPDATE and DELETE with the API's row objects as before and after,
-- so a change cannot skip its audit entry, whoever makes it and however.
--
-- Who reads: audit_list is SECURITY INVOKER, so row-level security applies
-- (secretariat, auditor, admin: every entry; ministry and reconciler: their
-- organisation's). audit_verify is SECURITY DEFINER because the chain can be
-- checked only whole; it returns where the chain breaks, not entry contents.

CREATE TABLE ssc.audit (
  seq             bigint PRIMARY KEY,
  at              timestamptz NOT NULL,
  principal       text NOT NULL,
  organisation_id bigint,
  method          text NOT NULL,
  entity          text NOT NULL,
  entity_id       text NOT NULL,
  before          jsonb,
  after           jsonb,
  prev_hash       bytea NOT NULL,
  hash            bytea NOT NULL,
  CONSTRAINT audit_seq_check CHECK (seq >= 1),
  CONSTRAINT audit_entity_check CHECK (entity <> ''),
  CONSTRAINT audit_prev_hash_check CHECK (octet_length(prev_hash) = 32),
  CONSTRAINT audit_hash_check CHECK (octet_length(hash) = 32)
);
COMMENT ON TABLE ssc.audit IS 'hash-chained audit trail (API.md "Audit"); written only by ssc.audit_append';
CREATE INDEX audit_organisation_id_idx ON ssc.audit (organisation_id, seq);
CREATE INDEX audit_entity_idx ON ssc.audit (entity, seq);

-- The chain's end: the last seq and its hash. Exactly one row.
CREATE TABLE ssc.audit_head (
  only_row boolean PRIMARY KEY DEFAULT true,
  seq      bigint NOT NULL,
  hash     bytea NOT NULL,
  CONSTRAINT audit_head_one_row CHECK (only_row),
  CONSTRAINT audit_head_seq_check CHECK (seq >= 0),
  CONSTRAINT audit_head_hash_check CHECK (octet_length(hash) = 32)
);
INSERT INTO ssc.audit_head (seq, hash) VALUES (0, decode(repeat('00', 32), 'hex'));

-- One field of the canonical form: <length in characters>:<text>.
CREATE FUNCTION ssc.audit_field(t text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN char_length(t)::text || ':' || t;

-- An entry's hash from its fields (see the top of this file).
CREATE FUNCTION ssc.audit_hash(prev_hash bytea, seq bigint, at timestamptz, principal text,
                               organisation_id bigint, method text, entity text,
                               entity_id text, before jsonb, after jsonb) RETURNS bytea
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN sha256(prev_hash || convert_to(
    ssc.audit_field(seq::text) || ssc.audit_field(ssc.rfc3339(at)) ||
    ssc.audit_field(principal) || ssc.audit_field(coalesce(organisation_id::text, '')) ||
    ssc.audit_field(method) || ssc.audit_field(entity) || ssc.audit_field(entity_id) ||
    ssc.audit_field(coalesce(before::text, '')) || ssc.audit_field(coalesce(after::text, '')),
    'UTF8'));

CREATE FUNCTION ssc.audit_append(entity text, entity_id text, before jsonb, after jsonb)
  RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_entity text := coalesce(entity, '');
  v_entity_id text := coalesce(entity_id, '');
  v_before jsonb := before;
  v_after jsonb := after;
  v_principal text := coalesce(NULLIF(current_setting('ssc.principal', true), ''),
                               'db:' || session_user);
  v_method text := coalesce(NULLIF(current_setting('ssc.method', true), ''), 'sql');
  v_org bigint := ssc.session_org_id();
  h ssc.audit_head;
  v_at timestamptz;
  v_hash bytea;
BEGIN
  IF v_entity = '' THEN
    RAISE EXCEPTION 'entity: must not be empty' USING ERRCODE = 'SC400';
  END IF;
  SELECT * INTO STRICT h FROM ssc.audit_head FOR UPDATE;
  -- Taken after the lock, so that at never decreases along the chain.
  v_at := clock_timestamp();
  v_hash := ssc.audit_hash(h.hash, h.seq + 1, v_at, v_principal, v_org, v_method,
                           v_entity, v_entity_id, v_before, v_after);
  INSERT INTO ssc.audit (seq, at, principal, organisation_id, method, entity, entity_id,
                         before, after, prev_hash, hash)
    VALUES (h.seq + 1, v_at, v_principal, v_org, v_method, v_entity, v_entity_id,
            v_before, v_after, h.hash, v_hash);
  UPDATE ssc.audit_head SET seq = h.seq + 1, hash = v_hash;
END
$$;

-- Walks the whole chain up to the head and reports the first entry that is
-- wrong: {"ok": true, "checked": N} or {"ok": false, "checked": N,
-- "first_broken_seq": S, "reason": "..."}, where checked counts the entries
-- found intact before S. STABLE, so every statement sees one snapshot: the
-- head and the entries agree even while others append.
CREATE FUNCTION ssc.audit_verify() RETURNS jsonb
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  zero constant bytea := decode(repeat('00', 32), 'hex');
  h ssc.audit_head;
  r record;
  v_count bigint;
  v_last_seq bigint;
  v_last_hash bytea;
BEGIN
  SELECT * INTO STRICT h FROM ssc.audit_head;
  SELECT x.seq, x.n, x.prev_seq, x.prev_row_hash, x.prev_hash, x.hash, x.computed INTO r
    FROM (SELECT a.seq, a.prev_hash, a.hash,
                 row_number() OVER w - 1 AS n,
                 lag(a.seq) OVER w AS prev_seq,
                 lag(a.hash) OVER w AS prev_row_hash,
                 ssc.audit_hash(a.prev_hash, a.seq, a.at, a.principal, a.organisation_id,
                                a.method, a.entity, a.entity_id, a.before, a.after) AS computed
            FROM ssc.audit a
           WINDOW w AS (ORDER BY a.seq)) x
   WHERE x.seq <> coalesce(x.prev_seq, 0) + 1
      OR x.prev_hash <> coalesce(x.prev_row_hash, zero)
      OR x.hash <> x.computed
      OR x.seq > h.seq
   ORDER BY x.seq
   LIMIT 1;
  IF FOUND THEN
    IF r.seq <> coalesce(r.prev_seq, 0) + 1 THEN
      RETURN jsonb_build_object('ok', false, 'checked', r.n,
        'first_broken_seq', coalesce(r.prev_seq, 0) + 1,
        'reason', format('entry %s is missing', coalesce(r.prev_seq, 0) + 1));
    ELSIF r.seq > h.seq THEN
      RETURN jsonb_build_object('ok', false, 'checked', r.n, 'first_broken_seq', r.seq,
        'reason', format('entry %s lies beyond the audit head (seq %s)', r.seq, h.seq));
    ELSIF r.prev_hash <> coalesce(r.prev_row_hash, zero) THEN
      RETURN jsonb_build_object('ok', false, 'checked', r.n, 'first_broken_seq', r.seq,
        'reason', CASE WHEN r.prev_seq IS NULL
                       THEN 'prev_hash of the first entry is not 32 zero bytes'
                       ELSE format('prev_hash does not match the hash of entry %s', r.prev_seq)
                  END);
    ELSE
      RETURN jsonb_build_object('ok', false, 'checked', r.n, 'first_broken_seq', r.seq,
        'reason', 'hash does not match the entry''s contents');
    END IF;
  END IF;

  -- Every entry is intact and linked; the head must end where they end.
  SELECT count(*), max(a.seq) INTO v_count, v_last_seq FROM ssc.audit a;
  v_last_seq := coalesce(v_last_seq, 0);
  IF v_last_seq < h.seq THEN
    RETURN jsonb_build_object('ok', false, 'checked', v_count, 'first_broken_seq', v_last_seq + 1,
      'reason', format('entry %s is missing (the audit head is at %s)', v_last_seq + 1, h.seq));
  END IF;
  IF v_last_seq > 0 THEN
    SELECT a.hash INTO v_last_hash FROM ssc.audit a WHERE a.seq = v_last_seq;
    IF v_last_hash <> h.hash THEN
      RETURN jsonb_build_object('ok', false, 'checked', v_count - 1, 'first_broken_seq', v_last_seq,
        'reason', 'hash does not match the audit head');
    END IF;
  END IF;
  RETURN jsonb_build_object('ok', true, 'checked', v_count);
END
$$;

-- Up to lim entries with seq > after_seq, of one entity ('' = all), ordered
-- by seq, as far as row-level security lets the caller see.
CREATE FUNCTION ssc.audit_list(after_seq bigint, entity text, lim int) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_after bigint := coalesce(after_seq, 0);
  v_entity text := coalesce(entity, '');
  v_lim int := ssc.page_limit(lim);
  v jsonb;
BEGIN
  SELECT coalesce(jsonb_agg(jsonb_build_object(
           'seq', a.seq, 'at', ssc.rfc3339(a.at), 'principal', a.principal,
           'organisation_id', a.organisation_id, 'method', a.method, 'entity', a.entity,
           'entity_id', a.entity_id, 'before', coalesce(a.before::text, ''),
           'after', coalesce(a.after::text, ''), 'prev_hash', encode(a.prev_hash, 'hex'),
           'hash', encode(a.hash, 'hex')) ORDER BY a.seq), '[]')
    INTO v
    FROM (SELECT * FROM ssc.audit x
          WHERE x.seq > v_after AND (v_entity = '' OR x.entity = v_entity)
          ORDER BY x.seq LIMIT v_lim) a;
  RETURN v;
END
$$;

ALTER TABLE ssc.audit ENABLE ROW LEVEL SECURITY;
ALTER TABLE ssc.audit_head ENABLE ROW LEVEL SECURITY;  -- no policy: only the owner

CREATE POLICY audit_select ON ssc.audit FOR SELECT
  USING (ssc.session_role() IN ('secretariat', 'auditor', 'admin')
         OR (ssc.session_role() IN ('ministry', 'reconciler')
             AND organisation_id = ssc.session_org_id()));

GRANT SELECT ON ssc.audit TO ssc_app;

-- Audit triggers: every change to an audited table, by anyone.
CREATE FUNCTION ssc.organisations_audit() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM ssc.audit_append('organisation', NEW.id::text, NULL, ssc.org_json(NEW));
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM ssc.audit_append('organisation', NEW.id::text, ssc.org_json(OLD), ssc.org_json(NEW));
  ELSE
    PERFORM ssc.audit_append('organisation', OLD.id::text, ssc.org_json(OLD), NULL);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER organisations_audit
  AFTER INSERT OR UPDATE OR DELETE ON ssc.organisations
  FOR EACH ROW EXECUTE FUNCTION ssc.organisations_audit();

CREATE FUNCTION ssc.principals_audit() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = ssc, pg_temp
AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM ssc.audit_append('principal', NEW.id::text, NULL, ssc.principal_json(NEW));
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM ssc.audit_append('principal', NEW.id::text, ssc.principal_json(OLD),
                             ssc.principal_json(NEW));
  ELSE
    PERFORM ssc.audit_append('principal', OLD.id::text, ssc.principal_json(OLD), NULL);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER principals_audit
  AFTER INSERT OR UPDATE OR DELETE ON ssc.principals
  FOR EACH ROW EXECUTE FUNCTION ssc.principals_audit();

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA ssc FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ssc.audit_append(text, text, jsonb, jsonb), ssc.audit_verify(),
  ssc.audit_list(bigint, text, int) TO ssc_app;
