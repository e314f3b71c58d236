#!/usr/bin/env bash
# run.sh - the SQL regression tests, in the style of PostgreSQL's own
# src/test/regress: each tests/sql/NAME.sql is fed to psql with its input
# echoed (-a), and the output must equal tests/sql/expected/NAME.out.
#
#   bash tests/sql/run.sh [SOURCE_ROOT [NAME...]]
#
# It makes a throwaway cluster (scripts/pg.sh setup) in a temporary
# directory, applies sql/0*.sql in order as ssc_owner, each in its own
# transaction as `sscd migrate` does, and checks that applying each of them a
# second time, right after the first, fails or changes nothing. Then each
# test runs in its own database, a copy of the migrated one, so tests
# neither see nor depend on each other. A test starts
# connected as ssc_owner and switches with `\c - ssc_app` where it acts as
# the application; most begin with `\ir fixtures.psql`, a small world of
# organisations and principals made through the API.
#
# psql runs with VERBOSITY=verbose (errors show their SQLSTATE),
# SHOW_CONTEXT=never, and ON_ERROR_ROLLBACK=on (an error inside BEGIN ...
# COMMIT undoes only its own statement, so one transaction can hold a whole
# call and the refusals around it). LOCATION lines name PostgreSQL source
# lines, so they are dropped before comparing.
#
# SSC_SQL_ACCEPT=1 writes the outputs as the new expected files: read the
# diff of every one before committing it; the golden file is the assertion.
# SSC_SQL_RESULTS=DIR keeps the outputs there.
set -euo pipefail

root=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
shift || true
here=$root/tests/sql
pg=$root/scripts/pg.sh
psql=${SSC_PG_BINDIR:-/usr/lib/postgresql/15/bin}/psql

tmp=$(mktemp -d /tmp/ssc-sql.XXXXXX)
chmod 711 "$tmp"  # the postgres user must reach the cluster inside
cluster=$tmp/pg
cleanup() {
  bash "$pg" stop "$cluster" immediate >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

url() {  # url DATABASE
  printf 'postgresql:///%s?host=%s&user=ssc_owner' "$1" "$cluster"
}

bash "$pg" setup "$cluster" >/dev/null

migrations=("$root"/sql/0*.sql)

passed=0
failed=0
pass() {
  passed=$((passed + 1))
  echo "ok   $1"
}
fail() {
  failed=$((failed + 1))
  echo "FAIL $1"
}

# Applying a migration again right after it must fail loudly ("already
# exists") or change nothing at all (a migration that only replaces
# functions), never silently duplicate: a second run that succeeds must leave
# a dump of the schema and the data exactly as it was. It is checked on a
# copy of the database as that migration left it, since a later migration
# may replace the same function again.
pg_dump=${SSC_PG_BINDIR:-/usr/lib/postgresql/15/bin}/pg_dump
dump() { # DATABASE FILE: schema and data, without the random \restrict key of a dump
  "$pg_dump" -d "$(url "$1")" | grep -Ev '^\\(un)?restrict ' >"$2"
}
for f in "${migrations[@]}"; do
  if ! "$psql" -X -q -1 -v ON_ERROR_STOP=1 -d "$(url ssc)" -f "$f" >"$tmp/migrate.log" 2>&1; then
    cat "$tmp/migrate.log"
    echo "migration $(basename "$f") failed"
    exit 1
  fi
  if [ $# -eq 0 ]; then
    name=rerun_$(basename "$f" .sql)
    "$psql" -X -q -d "$(url ssc)" -c "CREATE DATABASE rerun TEMPLATE ssc" >/dev/null
    dump rerun "$tmp/before.sql"
    if "$psql" -X -q -1 -v ON_ERROR_STOP=1 -d "$(url rerun)" -f "$f" >"$tmp/rerun.log" 2>&1; then
      dump rerun "$tmp/after.sql"
      if cmp -s "$tmp/before.sql" "$tmp/after.sql"; then
        pass "$name (a second run changed nothing)"
      else
        fail "$name (a second run succeeded and changed the database)"
        diff "$tmp/before.sql" "$tmp/after.sql" | head -40 || true
      fi
    elif ! grep -q 'already exists' "$tmp/rerun.log"; then
      fail "$name (failed, but not for an existing object)"
      cat "$tmp/rerun.log"
    else
      pass "$name"
    fi
    "$psql" -X -q -d "$(url ssc)" -c "DROP DATABASE rerun" >/dev/null
  fi
done
if [ $# -eq 0 ]; then
  "$psql" -X -q -d "$(url ssc)" -c "CREATE DATABASE fresh" -c "ALTER ROLE ssc_app BYPASSRLS" >/dev/null
  if "$psql" -X -q -1 -v ON_ERROR_STOP=1 -d "$(url fresh)" -f "${migrations[0]}" >"$tmp/guard.log" 2>&1 ||
    ! grep -q 'must have neither SUPERUSER nor BYPASSRLS' "$tmp/guard.log"; then
    fail "role_guard (0001 accepted an ssc_app with BYPASSRLS)"
    cat "$tmp/guard.log"
  else
    pass "role_guard"
  fi
  "$psql" -X -q -d "$(url ssc)" -c "ALTER ROLE ssc_app NOBYPASSRLS" -c "DROP DATABASE fresh" >/dev/null
fi

if [ $# -gt 0 ]; then
  tests=("$@")
else
  tests=()
  for f in "$here"/*.sql; do
    tests+=("$(basename "$f" .sql)")
  done
fi

for name in "${tests[@]}"; do
  db=t_$name
  "$psql" -X -q -d "$(url ssc)" -c "CREATE DATABASE \"$db\" TEMPLATE ssc" >/dev/null
  out=$tmp/$name.out
  # From tests/sql, so that \ir fixtures.psql finds the shared fixtures;
  # in UTC, so that any instant shown reads the same everywhere.
  (cd "$here" && PGTZ=UTC PGDATESTYLE=ISO "$psql" -X -a -q -v VERBOSITY=verbose -v SHOW_CONTEXT=never \
    -v ON_ERROR_ROLLBACK=on -d "$(url "$db")" <"$name.sql" 2>&1) |
    grep -v '^LOCATION:  ' >"$out" || true
  if [ -n "${SSC_SQL_RESULTS:-}" ]; then
    mkdir -p "$SSC_SQL_RESULTS"
    cp "$out" "$SSC_SQL_RESULTS/"
  fi
  if [ "${SSC_SQL_ACCEPT:-}" = 1 ]; then
    mkdir -p "$here/expected"
    cp "$out" "$here/expected/$name.out"
  fi
  if diff -u "$here/expected/$name.out" "$out" >"$tmp/$name.diff" 2>&1; then
    pass "$name"
  else
    fail "$name"
    head -n 200 "$tmp/$name.diff"
  fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
