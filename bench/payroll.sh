#!/usr/bin/env bash
# payroll.sh - `ssc payroll import` of a million lines against psql doing
# the same work on the same database and file, measured in one run.
#
#   bench/payroll.sh [--build DIR] [--lines N] [--seed S] [--rounds R]
#                    [--timeout S] [--pg-setting NAME=VALUE]... [--keep]
#
# bench/payroll_gen.py writes, deterministically for (N, S), the world
# (world.sql), the payroll file (payroll.csv, N lines: 36 months, 13
# authorities, ~2,100 employees each, ~5 % flagged over every flag of
# sql/0034), the same lines as the COPY text sscd sends (payroll.copy) and
# the count per flag it expects (expected.txt). world.sql runs once, through
# the SQL API, on a freshly migrated database, which is then the template of
# every run: each import runs on a database of its own made from it
# (CREATE DATABASE ... TEMPLATE), so every import meets the same state (a
# second import of the same lines into one database would be all
# DUPLICATE_CLAIM). Per round, in alternating order (sscd first in odd
# rounds, the reference first in even ones):
#   sscd:      sscd is started on the run's database (not timed), then
#              `ssc payroll import payroll.csv --batch B-sscd-R --json` as
#              the reconciler is timed from start to end under
#              /usr/bin/time (parse, stream, COPY, reconcile, book, commit,
#              the answer); its peak RSS is GNU time's maximum resident set
#              size, sscd's is VmHWM from /proc when the import is over
#              (sscd lives for this one run, so it covers it whole);
#   reference: one psql session as ssc_app, the role sscd uses, doing in
#              one transaction what sscd does (daemon/services/
#              payroll_import.c): begin_call with the reconciler's
#              fingerprint and the roles sscd passes, statement_timeout,
#              ssc.payroll_stage(), \copy of payroll.copy into
#              pg_temp.payroll_staging, ssc.payroll_reconcile with the
#              header and the SHA-256 of payroll.copy, COMMIT; timed from
#              the start of psql to its end.
# Both must give the same count per flag (the script exits 1 otherwise) and
# the same content hash, which must be the SHA-256 of payroll.copy: sscd
# hashes the COPY rows it writes, so this proves that both loaded the very
# same lines. The counts are printed next to what the generator intended;
# where they differ, the first lines whose flag differs are listed (that is
# a finding about sql/0034 or the generator, not a failed run).
#
# Printed: the counts, per round the times, sscd/reference (target <= 1.25),
# lines per second of both, the share of each side's time spent in COPY,
# in payroll_reconcile and in COMMIT (PostgreSQL's statement log), the
# 1-minute load average when each run started, each side's time outside
# payroll_reconcile (the one statement both run alike: what is left is
# parsing, streaming and COPY, the part sscd and ssc add to, and varies far
# less with the machine's load than the whole), sscd's peak RSS (target <
# 200 MiB) and ssc's (target < 50 MiB); then the medians.
# A target missed prints "TARGET MISSED"; the exit status is 0 unless the
# script cannot measure (a failed import, counts or hashes that differ).
# A warm-up import (the reference's, not counted) runs before the rounds:
# the first import after the cluster starts creates the WAL segments the
# later ones recycle.
#
# Options: --lines N (default 1000000), --seed S (1), --rounds R (2),
# --timeout S: sscd's [payroll] import_timeout_s and the reference's
# statement_timeout (3600, sscd's default); --pg-setting NAME=VALUE (any
# number): added to the private cluster's postgresql.conf before the runs,
# for both sides alike (for example work_mem=64MB, or auto_explain's
# settings with session_preload_libraries=auto_explain);
# --keep keeps the temporary directory (data, logs, the cluster).
#
# Needs: sscd and ssc built in DIR (default build/; bash scripts/build.sh
# DIR), PostgreSQL 15 (postgresql-15, postgresql-client-15), GNU time
# (Debian package "time", /usr/bin/time), openssl, python3. Everything runs
# on a private cluster under a temporary directory in /tmp (scripts/pg.sh)
# and 127.0.0.1; every process started is stopped on exit. About 2.5 GB of
# disk for a million lines (files, WAL, the two databases of a round).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build
lines=1000000
seed=1
rounds=2
timeout=3600
keep=0
pg_settings=()
pgbin=${SSC_PG_BINDIR:-/usr/lib/postgresql/15/bin}

usage() {
  sed -n '5,6p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

die() {
  echo "payroll.sh: $*" >&2
  exit 1
}

positive() { # NAME VALUE
  [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 must be a positive integer, not \"$2\""
}

while [ $# -gt 0 ]; do
  case $1 in
  --build) build=${2:?}; shift 2 ;;
  --lines) lines=${2:?}; shift 2 ;;
  --seed) seed=${2:?}; shift 2 ;;
  --rounds) rounds=${2:?}; shift 2 ;;
  --timeout) timeout=${2:?}; shift 2 ;;
  --pg-setting)
    [[ ${2:-} =~ ^[a-z_.]+=[^\']*$ ]] || die "--pg-setting wants NAME=VALUE, not \"${2:-}\""
    pg_settings+=("$2"); shift 2 ;;
  --keep) keep=1; shift ;;
  -h | --help) usage ;;
  *) echo "payroll.sh: unknown option $1" >&2; usage ;;
  esac
done
positive --lines "$lines"
positive --rounds "$rounds"
positive --timeout "$timeout"
[[ $seed =~ ^[0-9]+$ ]] || die "--seed must be a whole number, not \"$seed\""
[ "$lines" -ge 1000 ] || die "--lines must be at least 1000"

sscd=$build/daemon/sscd
ssc=$build/client/ssc
for f in "$sscd" "$ssc"; do
  [ -x "$f" ] || die "no $f: build first (bash scripts/build.sh $build) or pass --build DIR"
done
"$ssc" help payroll import >/dev/null 2>&1 || die "$ssc has no 'payroll import': build a newer tree"
for tool in "$pgbin/psql" "$pgbin/postgres"; do
  [ -x "$tool" ] || die "$tool not found (apt-get install postgresql-15 postgresql-client-15)"
done
[ -x /usr/bin/time ] || die "/usr/bin/time not found: GNU time measures ssc's peak RSS (apt-get install time)"
command -v openssl >/dev/null || die "openssl not found (apt-get install openssl)"
python=$(command -v python3 || true)
[ -n "$python" ] || die "python3 not found"

# pg.sh keeps the cluster's socket in its directory, so the path must be short.
tmp=$(mktemp -d /tmp/ssc-payroll.XXXXXX)
chmod 755 "$tmp"
sscd_pid=""
failed=0

# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  [ -z "$sscd_pid" ] || stop_pid "$sscd_pid"
  bash "$root/scripts/pg.sh" stop "$tmp/pg" immediate >/dev/null 2>&1 || true
  if [ "$keep" -eq 1 ]; then
    echo "payroll.sh: kept $tmp" >&2
  else
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# --- setup ---------------------------------------------------------------------

t_setup=$(now)
data=$tmp/data
t0=$(now)
"$python" "$root/bench/payroll_gen.py" --lines "$lines" --seed "$seed" --out "$data" ||
  die "payroll_gen.py failed"
t_gen=$(elapsed "$t0" "$(now)")
csv=$data/payroll.csv
copy=$data/payroll.copy
copy_hash=$(sha256sum "$copy" | cut -c1-64)
declare -A want=()
while read -r k v; do want[$k]=$v; done <"$data/expected.txt"
[ "${want[content_hash]}" = "$copy_hash" ] || die "payroll.copy's SHA-256 is not the generator's"

bash "$root/scripts/dev-certs.sh" "$tmp/certs" reconciler
{ read -r owner_url; read -r app_url; } < <(bash "$root/scripts/pg.sh" setup "$tmp/pg")
[ -n "${app_url:-}" ] || die "scripts/pg.sh setup printed no URLs"
su_psql() { "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -tA -h "$tmp/pg" -U postgres -d postgres "$@"; }
url_of() { # ROLE DB -> the libpq URL of DB as ROLE
  local u=$owner_url
  [ "$1" = owner ] || u=$app_url
  echo "${u/\/\/\/ssc\?/\/\/\/$2?}"
}

fingerprint() { openssl x509 -in "$1" -outform DER | sha256sum | cut -c1-64; }
recon_fp=$(fingerprint "$tmp/certs/reconciler.pem")

port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
write_ini() { # DB -> sscd.DB.ini, sscd on DB
  cat >"$tmp/sscd.$1.ini" <<INI
; written by bench/payroll.sh
[server]
listen = 127.0.0.1:$port
threads = 1
shutdown_grace_s = 1
log_level = warn

[tls]
cert = $tmp/certs/server.pem
key = $tmp/certs/server.key
client_ca = $tmp/certs/ca.pem
client_auth = require

[database]
url = $(url_of app "$1")
owner_url = $(url_of owner "$1")
pool_size = 2

[payroll]
import_timeout_s = $timeout
INI
}
write_ini ssc
"$sscd" migrate --config "$tmp/sscd.ssc.ini" >"$tmp/migrate.log" 2>&1 ||
  { cat "$tmp/migrate.log" >&2; die "sscd migrate failed"; }

t0=$(now)
"$pgbin/psql" -X -q -tA -v ON_ERROR_STOP=1 -v "recon_fp=$recon_fp" "$owner_url" \
  -f "$data/world.sql" >"$tmp/world.log" 2>&1 ||
  { tail -20 "$tmp/world.log" >&2; die "world.sql failed"; }
t_world=$(elapsed "$t0" "$(now)")
"$pgbin/psql" -X -q -v ON_ERROR_STOP=1 "$owner_url" -c "SET client_min_messages = error" \
  -c "VACUUM ANALYZE" >/dev/null || die "VACUUM ANALYZE failed"

# The runs' settings: the statement log (durations of COPY, the
# reconciliation and COMMIT), and whatever --pg-setting asks, on both sides.
# Appended to the cluster's postgresql.conf (not ALTER SYSTEM, which refuses
# a module's settings, such as auto_explain's, before the module is loaded).
settings=("log_min_duration_statement=0" "log_line_prefix=%m [%p] %d ")
settings+=(${pg_settings[@]+"${pg_settings[@]}"})
{
  echo
  echo "# bench/payroll.sh: for the runs"
  for s in "${settings[@]}"; do echo "${s%%=*} = '${s#*=}'"; done
} >>"$tmp/pg/postgresql.conf"
bash "$root/scripts/pg.sh" stop "$tmp/pg" >/dev/null
bash "$root/scripts/pg.sh" start "$tmp/pg" >/dev/null ||
  die "PostgreSQL did not start with the settings ${settings[*]}"
pg_log=$tmp/pg/log
t_setup=$(elapsed "$t_setup" "$(now)")

ssc_cli() { # ARGS... -> ssc as the reconciler, no config file of the user's
  XDG_CONFIG_HOME=$tmp HOME=$tmp "$ssc" --endpoint "127.0.0.1:$port" \
    --ca "$tmp/certs/ca.pem" --cert "$tmp/certs/reconciler.pem" \
    --key "$tmp/certs/reconciler.key" "$@"
}

# --- runs ----------------------------------------------------------------------

fresh_db() { # DB: a copy of the world, checkpointed, so no run inherits another's writes
  su_psql -c "CREATE DATABASE $1 TEMPLATE ssc OWNER ssc_owner" -c "CHECKPOINT" >/dev/null ||
    die "cannot create database $1"
}
drop_db() { su_psql -c "DROP DATABASE IF EXISTS $1" >/dev/null || true; }

# Sets got_counts ("flag=n ..." in the order of FLAGS), got_hash and
# got_lines from the batch KEY in DB, as the owner.
read_batch() { # DB KEY
  local out
  out=$("$pgbin/psql" -X -q -tA -F ' ' -v ON_ERROR_STOP=1 "$(url_of owner "$1")" -c "
    SELECT b.lines, encode(b.content_hash, 'hex'),
           (SELECT string_agg(f || '=' || coalesce(b.counts ->> f, '0'), ' ' ORDER BY o)
              FROM unnest(ARRAY['accepted', 'no_cover', 'outside_period', 'rate_exceeded',
                                'hours_exceeded', 'duplicate_claim', 'allocation_exceeded',
                                'unknown_reference', 'period_locked']) WITH ORDINALITY AS u (f, o)),
           (SELECT count(*) FROM ssc.payroll_lines l WHERE l.batch_id = b.id),
           (SELECT count(*) || ':' || coalesce(sum(d.amount_minor), 0) FROM ssc.disbursements d
             WHERE d.payroll_batch_id = b.id)
      FROM ssc.payroll_batches b WHERE b.batch_key = '$2'") || die "cannot read batch $2 in $1"
  [ -n "$out" ] || die "batch $2 is not in $1"
  local w
  read -r -a w <<<"$out"
  [ "${#w[@]}" -eq 13 ] || die "batch $2 in $1: cannot read \"$out\""
  got_lines=${w[0]} got_hash=${w[1]} got_counts="${w[*]:2:9}" got_kept=${w[11]} got_paid=${w[12]}
}

# Durations PostgreSQL logged for DB, in seconds: COPY, the reconciliation,
# COMMIT (the first of each).
pg_durations() { # DB -> "copy reconcile commit"
  awk -v db="$1" '
    $0 !~ "\\] " db " " { next }
    /duration: / {
      for (i = 1; i <= NF; i++) if ($i == "duration:") d = $(i + 1) / 1000
      if (/(statement|execute [^:]*): COPY +pg_temp.payroll_staging/ && c == "") c = d
      else if (/(statement|execute [^:]*): SELECT ssc.payroll_reconcile/ && r == "") r = d
      else if (/(statement|execute [^:]*): COMMIT/ && m == "") m = d
    }
    END { printf "%s %s %s\n", (c == "" ? "?" : c), (r == "" ? "?" : r), (m == "" ? "?" : m) }' "$pg_log"
}

vm_kib() { # PID FIELD -> its value in KiB from /proc/PID/status
  awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}
cpu_s() { # PID -> user + system CPU seconds so far
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.1f", ($14 + $15) / hz }' "/proc/$1/stat"
}

declare -A res=()

load1() { cut -d' ' -f1 /proc/loadavg; }

run_sscd() { # ROUND
  local r=$1 db=run_sscd_$1 key=B-sscd-$1 t0 t1 hwm0 st out
  fresh_db "$db"
  write_ini "$db"
  "$sscd" --config "$tmp/sscd.$db.ini" >"$tmp/sscd.$db.log" 2>&1 &
  sscd_pid=$!
  for i in $(seq 100); do
    kill -0 "$sscd_pid" 2>/dev/null || { cat "$tmp/sscd.$db.log" >&2; die "sscd exited during start-up"; }
    if ssc_cli health >/dev/null 2>&1; then break; fi
    [ "$i" -lt 100 ] || die "sscd did not answer health within 10 s"
    sleep 0.1
  done
  hwm0=$(vm_kib "$sscd_pid" VmHWM)
  res[sscd.$r.load]=$(load1)
  st=0
  t0=$(now)
  /usr/bin/time -f '%e %M' -o "$tmp/time.$db" \
    env XDG_CONFIG_HOME="$tmp" HOME="$tmp" "$ssc" --endpoint "127.0.0.1:$port" \
    --ca "$tmp/certs/ca.pem" --cert "$tmp/certs/reconciler.pem" \
    --key "$tmp/certs/reconciler.key" --json payroll import "$csv" --batch "$key" \
    >"$tmp/out.$db" 2>"$tmp/err.$db" || st=$?
  t1=$(now)
  res[sscd.$r.hwm]=$(vm_kib "$sscd_pid" VmHWM)
  res[sscd.$r.cpu]=$(cpu_s "$sscd_pid")
  stop_pid "$sscd_pid"
  sscd_pid=""
  if [ "$st" -ne 0 ]; then
    cat "$tmp/err.$db" >&2
    tail -5 "$tmp/sscd.$db.log" >&2
    die "round $r: ssc payroll import failed (exit $st)"
  fi
  out=$("$python" -c 'import json, sys; print(json.load(sys.stdin).get("content_hash", ""))' \
    <"$tmp/out.$db") || die "round $r: ssc's answer is not JSON: $(head -c 300 "$tmp/out.$db")"
  res[sscd.$r.answer_hash]=$out
  res[sscd.$r.s]=$(elapsed "$t0" "$t1")
  res[sscd.$r.rss]=$(awk '{ print $2 }' "$tmp/time.$db")
  res[sscd.$r.hwm0]=$hwm0
  read_batch "$db" "$key"
  res[sscd.$r.counts]=$got_counts res[sscd.$r.hash]=$got_hash res[sscd.$r.lines]=$got_lines
  res[sscd.$r.kept]=$got_kept res[sscd.$r.paid]=$got_paid
  res[sscd.$r.pg]=$(pg_durations "$db")
  drop_db "$db"
}

run_ref() { # ROUND
  local r=$1 db=run_ref_$1 key=B-ref-$1 t0 t1 st
  fresh_db "$db"
  cat >"$tmp/ref.$db.sql" <<SQL
BEGIN;
SELECT count(*) FROM ssc.begin_call('$recon_fp', '', '{reconciler,ministry}', '/ssc.v1.Payroll/Import');
SELECT pg_catalog.set_config('statement_timeout', '$((timeout * 1000))', true);
SELECT ssc.payroll_stage();
\\copy pg_temp.payroll_staging (line_no, organisation, employee_ref, month, hours_hundredths, amount_minor, currency, collaboration) FROM '$copy'
SELECT ssc.payroll_reconcile('{"batch_id":"$key","source_name":"payroll.csv"}'::jsonb, '\\x$copy_hash'::bytea);
COMMIT;
SQL
  res[ref.$r.load]=$(load1)
  st=0
  t0=$(now)
  /usr/bin/time -f '%e %M' -o "$tmp/time.$db" "$pgbin/psql" -X -q -tA -v ON_ERROR_STOP=1 \
    "$(url_of app "$db")" -f "$tmp/ref.$db.sql" >"$tmp/out.$db" 2>"$tmp/err.$db" || st=$?
  t1=$(now)
  if [ "$st" -ne 0 ]; then
    cat "$tmp/err.$db" >&2
    die "round $r: the reference failed (psql exit $st)"
  fi
  res[ref.$r.s]=$(elapsed "$t0" "$t1")
  res[ref.$r.rss]=$(awk '{ print $2 }' "$tmp/time.$db")
  read_batch "$db" "$key"
  res[ref.$r.counts]=$got_counts res[ref.$r.hash]=$got_hash res[ref.$r.lines]=$got_lines
  res[ref.$r.kept]=$got_kept res[ref.$r.paid]=$got_paid
  res[ref.$r.pg]=$(pg_durations "$db")
  # the lines whose flag is not the generator's, when the counts differ
  if [ "$r" = 1 ] && [ "$got_counts" != "$want_counts" ]; then
    "$pgbin/psql" -X -q -tA -F $'\t' -v ON_ERROR_STOP=1 "$(url_of owner "$db")" -c "
      SELECT l.line_no, l.flag, l.detail FROM ssc.payroll_lines l
        JOIN ssc.payroll_batches b ON b.id = l.batch_id AND b.batch_key = '$key'
       ORDER BY l.line_no" >"$tmp/got_flags.tsv" || true
  fi
  drop_db "$db"
}

want_counts=""
for f in accepted no_cover outside_period rate_exceeded hours_exceeded duplicate_claim \
  allocation_exceeded unknown_reference period_locked; do
  want_counts+="$f=${want[$f]} "
done
want_counts=${want_counts% }

mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
per_s() { awk -v n="$lines" -v s="$1" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }'; }
median() { # VALUES... -> the median (mean of the middle two for an even count)
  printf '%s\n' "$@" | sort -g | awk '
    { v[NR] = $1 }
    END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
outside() { # WHOLE RECONCILE -> the seconds not in payroll_reconcile
  awk -v w="$1" -v r="$2" 'BEGIN { if (r == "?") print "?"; else printf "%.2f", w - r }'
}
share() { # PART WHOLE -> "x.x s (y %)"
  if [ "$1" = "?" ]; then echo "?"; return; fi
  awk -v p="$1" -v w="$2" 'BEGIN { printf "%.2f s (%.0f %%)", p, (w > 0 ? 100 * p / w : 0) }'
}

echo "payroll benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, $("$pgbin/postgres" --version)"
echo "$lines lines (seed $seed), ${want[employees]} employees, ${want[secondments]} secondments," \
  "${want[collaborations]} collaborations; $rounds round(s), alternating"
if [ "${#pg_settings[@]}" -gt 0 ]; then
  echo "PostgreSQL settings for both sides: ${pg_settings[*]}"
fi
echo "setup ${t_setup} s (generator ${t_gen} s, world.sql ${t_world} s)"
echo

# A warm-up import first, not counted: the first import after the cluster
# starts creates the WAL segments the later ones recycle, and took 1 to 7 s
# longer in payroll_reconcile (sscd's, being first in round 1).
run_ref 0
echo "warm-up (the reference, not counted): ${res[ref.0.s]} s"
for r in $(seq "$rounds"); do
  if [ $((r % 2)) -eq 1 ]; then run_sscd "$r"; run_ref "$r"; else run_ref "$r"; run_sscd "$r"; fi
  s=${res[sscd.$r.s]} p=${res[ref.$r.s]}
  read -r sc sr sm <<<"${res[sscd.$r.pg]}"
  read -r pc pr pm <<<"${res[ref.$r.pg]}"
  printf 'round %d  sscd      %8.2f s  %8s lines/s  COPY %s, reconcile %s, commit %s; load %s\n' \
    "$r" "$s" "$(per_s "$s")" "$(share "$sc" "$s")" "$(share "$sr" "$s")" "$(share "$sm" "$s")" \
    "${res[sscd.$r.load]}"
  printf 'round %d  reference %8.2f s  %8s lines/s  COPY %s, reconcile %s, commit %s; load %s\n' \
    "$r" "$p" "$(per_s "$p")" "$(share "$pc" "$p")" "$(share "$pr" "$p")" "$(share "$pm" "$p")" \
    "${res[ref.$r.load]}"
  res[sscd.$r.out]=$(outside "$s" "$sr") res[ref.$r.out]=$(outside "$p" "$pr")
  printf 'round %d  outside payroll_reconcile: sscd %s s, reference %s s (sscd - reference: %s s)\n' \
    "$r" "${res[sscd.$r.out]}" "${res[ref.$r.out]}" \
    "$(awk -v a="${res[sscd.$r.out]}" -v b="${res[ref.$r.out]}" 'BEGIN { printf "%.2f", a - b }')"
  printf 'round %d  sscd/reference %s; peak RSS: sscd %s MiB (%s after start-up), ssc %s MiB, psql %s MiB; sscd CPU %s s\n' \
    "$r" "$(ratio "$s" "$p")" "$(mib "${res[sscd.$r.hwm]}")" "$(mib "${res[sscd.$r.hwm0]}")" \
    "$(mib "${res[sscd.$r.rss]}")" "$(mib "${res[ref.$r.rss]}")" "${res[sscd.$r.cpu]}"
  if [ "${res[sscd.$r.counts]}" != "${res[ref.$r.counts]}" ]; then
    echo "round $r: COUNTS DIFFER: sscd ${res[sscd.$r.counts]}; reference ${res[ref.$r.counts]}"
    failed=1
  fi
  for side in sscd ref; do
    if [ "${res[$side.$r.hash]}" != "$copy_hash" ]; then
      echo "round $r: $side's content hash ${res[$side.$r.hash]} is not payroll.copy's $copy_hash"
      failed=1
    fi
    if [ "${res[$side.$r.lines]}" != "$lines" ] || [ "${res[$side.$r.kept]}" != "$lines" ]; then
      echo "round $r: $side's batch has ${res[$side.$r.lines]} lines, ${res[$side.$r.kept]} kept, not $lines"
      failed=1
    fi
  done
  if [ "${res[sscd.$r.answer_hash]}" != "$copy_hash" ]; then
    echo "round $r: ssc printed content hash ${res[sscd.$r.answer_hash]}, not payroll.copy's $copy_hash"
    failed=1
  fi
  if [ "${res[sscd.$r.paid]}" != "${res[ref.$r.paid]}" ]; then
    echo "round $r: BOOKINGS DIFFER: sscd ${res[sscd.$r.paid]}, reference ${res[ref.$r.paid]} (payments:sum)"
    failed=1
  fi
done

echo
echo "counts per flag (intended by payroll_gen.py / sscd / reference, round 1):"
read -r -a sc_list <<<"${res[sscd.1.counts]}"
read -r -a rf_list <<<"${res[ref.1.counts]}"
i=0
for kv in $want_counts; do
  f=${kv%%=*}
  g1=${sc_list[$i]#*=} g2=${rf_list[$i]#*=}
  mark=""
  [ "$g1" = "${kv#*=}" ] && [ "$g2" = "${kv#*=}" ] || mark="  <- differs"
  printf '  %-20s %9s %9s %9s%s\n' "$f" "${kv#*=}" "$g1" "$g2" "$mark"
  i=$((i + 1))
done
printf '  %-20s %9s (organisation %s, collaboration %s, employee %s)\n' "unknown kinds" "" \
  "${want[unknown_reference.organisation]}" "${want[unknown_reference.collaboration]}" \
  "${want[unknown_reference.employee]}"
echo "  compensation booked (payments:sum in minor units): ${res[sscd.1.paid]}"
echo "  content hash of every batch = SHA-256 of payroll.copy: $copy_hash"
if [ "${res[ref.1.counts]}" != "$want_counts" ] && [ -f "$tmp/got_flags.tsv" ]; then
  echo "the flags differ from the generator's on these lines (line, intended, got, detail):"
  awk -F '\t' 'NR == FNR { w[$1] = $2; next } w[$1] != $2 { print "  " $1, w[$1], $2, $3; if (++n == 20) exit }' \
    "$data/expected_flags.tsv" "$tmp/got_flags.tsv"
fi

sscd_list=() ref_list=() hwm_list=() rss_list=() so_list=() ro_list=()
for r in $(seq "$rounds"); do
  sscd_list+=("${res[sscd.$r.s]}") ref_list+=("${res[ref.$r.s]}")
  hwm_list+=("${res[sscd.$r.hwm]}") rss_list+=("${res[sscd.$r.rss]}")
  so_list+=("${res[sscd.$r.out]}") ro_list+=("${res[ref.$r.out]}")
done
s=$(median "${sscd_list[@]}") p=$(median "${ref_list[@]}")
rt=$(ratio "$s" "$p")
hwm=$(printf '%s\n' "${hwm_list[@]}" | sort -n | tail -1)
rss=$(printf '%s\n' "${rss_list[@]}" | sort -n | tail -1)
verdict() { if awk "BEGIN { exit !($1) }"; then echo ok; else echo "TARGET MISSED"; fi; }
echo
echo "medians over $rounds round(s):"
printf '  sscd      %8.2f s  %8s lines/s\n' "$s" "$(per_s "$s")"
printf '  reference %8.2f s  %8s lines/s\n' "$p" "$(per_s "$p")"
echo "  time sscd/reference:   $rt (target <= 1.25: $(verdict "$rt <= 1.25"))"
so=$(median "${so_list[@]}") ro=$(median "${ro_list[@]}")
echo "  outside payroll_reconcile: sscd $so s, reference $ro s; sscd/reference with the" \
  "reconciliation as long on both sides: $(awk -v p="$p" -v a="$so" -v b="$ro" \
  'BEGIN { printf "%.2f", (p > 0 ? (p + a - b) / p : 0) }')"
echo "  sscd peak RSS (max):   $(mib "$hwm") MiB (target < 200 MiB: $(verdict "$hwm < 200 * 1024"))"
echo "  ssc peak RSS (max):    $(mib "$rss") MiB (target < 50 MiB: $(verdict "$rss < 50 * 1024"))"
[ "$failed" -eq 0 ] || die "the two paths disagree (see above)"
