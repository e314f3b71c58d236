#!/usr/bin/env bash
# Runs the db layer test against a private PostgreSQL started for it.
#   run.sh DB_TEST_BINARY SOURCE_DIR
set -euo pipefail
bin=$1
src=$2
dir=$(mktemp -d /tmp/ssc-dbtest.XXXXXX)
trap 'bash "$src/scripts/pg.sh" stop "$dir/pg" immediate >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
bash "$src/scripts/pg.sh" setup "$dir/pg" >/dev/null
url=$(bash "$src/scripts/pg.sh" url "$dir/pg" owner)
# The test schema, in the database the tests use and in ssc_tmpl, the template
# of the databases the reconnect tests create and take away.
schema=$(cat <<'SQL'
CREATE SCHEMA ssc_test;
CREATE TABLE ssc_test.t (v text);
CREATE SEQUENCE ssc_test.calls;
-- Raises a serialization failure while the call count is at most n.
CREATE FUNCTION ssc_test.flaky(n int) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE c bigint := nextval('ssc_test.calls');
BEGIN
  IF c <= n THEN
    RAISE EXCEPTION 'forced conflict %', c USING ERRCODE = '40001';
  END IF;
  RETURN c;
END $$;
SQL
)
psql -X -q -v ON_ERROR_STOP=1 "$url" <<<"$schema"
psql -X -q -v ON_ERROR_STOP=1 "$url" -c "CREATE DATABASE ssc_tmpl"
psql -X -q -v ON_ERROR_STOP=1 "$(sed 's|:///ssc?|:///ssc_tmpl?|' <<<"$url")" <<<"$schema"
SSC_TEST_DB_URL=$url "$bin"
