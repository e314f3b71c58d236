#!/usr/bin/env bash
# watch.sh - sscd's change stream (Changes/Watch) against bare PostgreSQL
# LISTEN clients, measured in one run.
#
#   bench/watch.sh [--build DIR] [--watchers N] [--connections C] [--changes M]
#                  [--rate R] [--listeners K] [--threads T] [--grace S] [--keep]
#
# Two phases on one private cluster and one sscd, each fed M changes
# committed at a steady R per second (default 2,000 at 200/s) by one writer
# connection as the owner, one change per transaction:
#   SELECT ssc.audit_append('organisation', '<org id>', NULL,
#            jsonb_build_object('n', i, 'at', clock_timestamp()))
#   1. reference: K libpq clients (default 10), each LISTENing on ssc_changes
#      and, on each notification, reading what is new as the owner with
#        SELECT seq, at, principal, method, entity, entity_id, after
#          FROM ssc.audit WHERE seq > $last ORDER BY seq
#      which is the work one watcher costs without sscd. K is not N by
#      default: N listeners would be N PostgreSQL backends each reading
#      every change (200,000 reads/s at the defaults), more than this kind of
#      machine has; the figures are therefore per listener and per delivered
#      change (--listeners N runs as many as there are watchers: on 2 cores
#      PostgreSQL then cannot keep up, see bench/README.md).
#   2. sscd: N watchers (default 1,000) on ssc.v1.Changes/Watch with
#      from_now, as an auditor principal, over C TLS connections (default 10,
#      so N/C streams on each; sscd's [limits] max_concurrent_streams is
#      raised to N/C when that is above its default of 100). Each connection
#      makes one Health/Check call before it opens its watches (on a fresh
#      connection sscd refuses some of 100 streams opened at once: see
#      bench/README.md).
# The watchers and the listeners are bench/watchbench.c (ssc-watchbench):
# one thread each, every change stamped with CLOCK_REALTIME as it arrives.
# Before each phase the script commits probe changes until every receiver
# has had one (so every from_now watch is live), then notes the head, runs
# the writer, and hands the receivers the seq and the audit row's `at` of
# each committed change.
#
# Figures per phase: delivery latency of every (change, receiver) pair, the
# arrival time minus the audit row's `at` (the same machine's clock; `at` is
# taken just before the insert, so the commit itself is in it): p50, p90,
# p99, p99.9, max, and per change the latency at which the first and the
# last receiver had it (and the three slowest changes, with the last arrival
# on each connection); every receiver's changes checked for missing,
# duplicate, out-of-order and unexpected ones; CPU time (utime + stime from /proc/PID/stat, from
# just before the writer starts until every receiver has the last change)
# of sscd or of the listener client, and of their PostgreSQL backends, per
# delivered change and per committed change; sscd's VmRSS before the
# watchers, with them, and after the changes. Ratios sscd/reference: latency
# p50 and p99, CPU per delivered change. This is a benchmark, not a test: it
# has no target, prints the figures and exits 0 whenever it could measure,
# even when changes went missing; non-zero only when it cannot measure.
#
# Setup, all under a temporary directory removed on exit (--keep keeps it):
# development certificates (scripts/dev-certs.sh), a private cluster
# (scripts/pg.sh setup), sscd migrate, sscd add-admin, an auditor principal
# for the watchers' certificate and one organisation (the entity the changes
# name), both added as the admin through the SQL API.
#
# Needs: sscd, ssc-loadgen and ssc-watchbench built in DIR (default build/),
# PostgreSQL 15 (postgresql-15, postgresql-client-15), openssl.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build
watchers=1000
connections=10
changes=2000
rate=200
listeners=10
threads=0
grace=10
keep=0
pgbin=${SSC_PG_BINDIR:-/usr/lib/postgresql/15/bin}

usage() {
  sed -n '4,6p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

die() {
  echo "watch.sh: $*" >&2
  exit 1
}

positive() { # NAME VALUE
  [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 must be a positive integer, not \"$2\""
}

while [ $# -gt 0 ]; do
  case $1 in
  --build) build=${2:?}; shift 2 ;;
  --watchers) watchers=${2:?}; shift 2 ;;
  --connections) connections=${2:?}; shift 2 ;;
  --changes) changes=${2:?}; shift 2 ;;
  --rate) rate=${2:?}; shift 2 ;;
  --listeners) listeners=${2:?}; shift 2 ;;
  --threads) threads=${2:?}; shift 2 ;;
  --grace) grace=${2:?}; shift 2 ;;
  --keep) keep=1; shift ;;
  -h | --help) usage ;;
  *) echo "watch.sh: unknown option $1" >&2; usage ;;
  esac
done
positive --watchers "$watchers"
positive --connections "$connections"
positive --changes "$changes"
positive --rate "$rate"
positive --listeners "$listeners"
positive --grace "$grace"
[[ $threads =~ ^[0-9]+$ ]] || die "--threads must be a whole number (0: one per core)"
[ $((watchers % connections)) -eq 0 ] ||
  die "--watchers ($watchers) must be a multiple of --connections ($connections)"
streams=$((watchers / connections))
[ "$streams" -le 10000 ] || die "at most 10000 watchers per connection (sscd's limit)"
[ "$listeners" -le 10000 ] || die "--listeners: at most 10000"

sscd=$build/daemon/sscd
loadgen=$build/bench/ssc-loadgen
wb=$build/bench/ssc-watchbench
for f in "$sscd" "$loadgen" "$wb"; do
  [ -x "$f" ] || die "no $f: build first (cmake -S . -B $build && cmake --build $build) or pass --build DIR"
done
for tool in "$pgbin/postgres" "$pgbin/psql"; do
  [ -x "$tool" ] || die "$tool not found (apt-get install postgresql-15 postgresql-client-15)"
done
command -v openssl >/dev/null || die "openssl not found (apt-get install openssl)"

# pg.sh keeps the cluster's socket in its directory, so the path must be short.
tmp=$(mktemp -d /tmp/ssc-watch.XXXXXX)
chmod 755 "$tmp"
sscd_pid=""
recv_pid=""

# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  [ -z "$recv_pid" ] || stop_pid "$recv_pid"
  [ -z "$sscd_pid" ] || stop_pid "$sscd_pid"
  bash "$root/scripts/pg.sh" stop "$tmp/pg" immediate >/dev/null 2>&1 || true
  if [ "$keep" -eq 1 ]; then
    echo "watch.sh: kept $tmp" >&2
  else
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- setup ---------------------------------------------------------------------

bash "$root/scripts/dev-certs.sh" "$tmp/certs" admin auditor
{ read -r owner_url; read -r app_url; } < <(bash "$root/scripts/pg.sh" setup "$tmp/pg")
[ -n "${app_url:-}" ] || die "scripts/pg.sh setup printed no URLs"

owner_psql() { "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -tA "$owner_url" "$@"; }

# Room for the listeners besides sscd's pools (threads x (pool_size + 1)),
# the writer and psql: PostgreSQL's default is 100 connections.
max_conn=$(owner_psql -c "SHOW max_connections")
if [ $((listeners + 60)) -gt "$max_conn" ]; then
  owner_psql -c "ALTER SYSTEM SET max_connections = $((listeners + 60))" >/dev/null
  bash "$root/scripts/pg.sh" stop "$tmp/pg" >/dev/null
  bash "$root/scripts/pg.sh" start "$tmp/pg" >/dev/null
fi

port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$tmp/sscd.ini" <<INI
; written by bench/watch.sh
[server]
listen = 127.0.0.1:$port
threads = $threads
shutdown_grace_s = 1
log_level = warn

[tls]
cert = $tmp/certs/server.pem
key = $tmp/certs/server.key
client_ca = $tmp/certs/ca.pem
client_auth = require

[limits]
max_concurrent_streams = $((streams > 100 ? streams : 100))

[database]
url = $app_url
owner_url = $owner_url
INI

"$sscd" migrate --config "$tmp/sscd.ini" >"$tmp/migrate.log" 2>&1 ||
  { cat "$tmp/migrate.log" >&2; die "sscd migrate failed"; }
"$sscd" add-admin --config "$tmp/sscd.ini" --cert "$tmp/certs/admin.pem" \
  >"$tmp/add-admin.log" 2>&1 ||
  { cat "$tmp/add-admin.log" >&2; die "sscd add-admin failed"; }

# The identity sscd sees for a certificate (transport/tls.c): the lower-case
# hex SHA-256 of its DER.
fingerprint() { openssl x509 -in "$1" -outform DER | sha256sum | cut -c1-64; }
admin_fp=$(fingerprint "$tmp/certs/admin.pem")
auditor_fp=$(fingerprint "$tmp/certs/auditor.pem")

# The watchers' certificate becomes an auditor (who reads every change), and
# the changes name one organisation; both added as the admin, through the
# SQL API, as store.sh adds its principal.
org_id=$(owner_psql 2>"$tmp/setup.log" <<SQL
BEGIN;
SELECT FROM ssc.begin_call('$admin_fp', '', '{admin}', '/ssc.v1.Principals/Add');
SELECT FROM ssc.principal_add('', '\\x00', '', '$auditor_fp', NULL, 'auditor', 'watch bench');
COMMIT;
BEGIN;
SELECT FROM ssc.begin_call('$admin_fp', '', '{admin}', '/ssc.v1.Organisations/Create');
SELECT ssc.org_create('', '\\x00', 'watch bench', '', 'danish_authority', 'DK', 0) ->> 'id';
COMMIT;
SQL
) || { cat "$tmp/setup.log" >&2; die "could not add the auditor and the organisation"; }
org_id=$(tr -d '[:space:]' <<<"$org_id")
positive "organisation id" "$org_id"

"$sscd" --config "$tmp/sscd.ini" >"$tmp/sscd.log" 2>&1 &
sscd_pid=$!

for i in $(seq 100); do
  kill -0 "$sscd_pid" 2>/dev/null || { cat "$tmp/sscd.log" >&2; die "sscd exited during start-up"; }
  if "$loadgen" --endpoint "127.0.0.1:$port" --ca "$tmp/certs/ca.pem" \
    --cert "$tmp/certs/auditor.pem" --key "$tmp/certs/auditor.key" \
    --method /grpc.health.v1.Health/Check --requests 1 >/dev/null 2>&1; then
    break
  fi
  [ "$i" -lt 100 ] || die "sscd did not answer Health/Check within 10 s"
  sleep 0.1
done

# --- measuring -------------------------------------------------------------------

hz=$(getconf CLK_TCK)
cpu_ticks() { # PID... -> user + system clock ticks, summed
  local p t=0
  for p in "$@"; do
    t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo "$t"
}
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
machine() { # -> "busy steal total" clock ticks of all cores, from /proc/stat
  awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8, $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat
}
backends() { # APPLICATION_NAME -> the PIDs of its PostgreSQL backends
  owner_psql -c "SELECT pid FROM pg_stat_activity WHERE application_name = '$1'"
}
head_seq() { owner_psql -c "SELECT coalesce(max(seq), 0) FROM ssc.audit"; }
probe() {
  owner_psql -c "SELECT ssc.audit_append('organisation', '$org_id', NULL, '{\"probe\": true}')" >/dev/null
}

# Commits probe changes until the receiver says every watcher or listener
# has had one: only then is every from_now watch known to be live.
await_ready() { # LABEL
  local label=$1 i
  for i in $(seq 60); do
    probe
    for _ in $(seq 20); do
      grep -qx ready "$tmp/$label.out" && return 0
      kill -0 "$recv_pid" 2>/dev/null ||
        { cat "$tmp/$label.err" >&2; die "$label: ssc-watchbench exited"; }
      sleep 0.05
    done
  done
  cat "$tmp/$label.err" >&2
  die "$label: not every receiver had a probe change after $i probes"
}

# The value of KEY in the result line of the receiver of LABEL.
field() { # LABEL KEY
  sed -n "s/^result.* $2=\([^ ]*\).*/\1/p" "$tmp/$1.out"
}
wfield() { # LABEL KEY -> from the writer's line
  sed -n "s/^written.* $2=\([^ ]*\).*/\1/p" "$tmp/$1.write"
}

# One phase: the receiver runs (started by the caller, recv_pid), probes
# until it is ready, then M changes are written, and once it has them all
# (or --grace passed) the CPU counters are read again. Sets, in res[], the
# receiver's result fields and cpu (the server's ticks: sscd or the
# listener client), pg (its backends' ticks), client (the watch client's
# ticks, sscd phase only).
declare -A res
phase() { # LABEL SERVER_PID BACKEND_APP
  local label=$1 server=$2 app=$3 h0 n last c0 c1 b0 b1 r0 r1 m0 m1 pgs i k busy steal
  await_ready "$label"
  h0=$(head_seq)
  pgs=$(backends "$app")
  # shellcheck disable=SC2086 # one PID per word
  b0=$(cpu_ticks $pgs)
  c0=$(cpu_ticks "$server")
  r0=$(cpu_ticks "$recv_pid")
  m0=$(machine)
  "$wb" write --db "$owner_url" --entity-id "$org_id" --changes "$changes" \
    --rate "$rate" >"$tmp/$label.write" 2>&1 ||
    { cat "$tmp/$label.write" >&2; die "$label: the writer failed"; }
  owner_psql -F ' ' -c "SELECT seq, round(extract(epoch FROM at) * 1000000)::bigint
    FROM ssc.audit WHERE seq > $h0 ORDER BY seq" >"$tmp/$label.expect"
  n=$(wc -l <"$tmp/$label.expect")
  last=$(tail -1 "$tmp/$label.expect" | cut -d' ' -f1)
  if [ "$n" -ne "$changes" ] || [ "$last" -ne $((h0 + changes)) ]; then
    echo "watch.sh: $label: $n changes after seq $h0 up to $last, not the $changes written" >&2
  fi
  kill -USR1 "$recv_pid"
  for i in $(seq $(((grace + 60) * 10))); do
    grep -q '^result ' "$tmp/$label.out" && break
    kill -0 "$recv_pid" 2>/dev/null ||
      { cat "$tmp/$label.err" >&2; die "$label: ssc-watchbench exited"; }
    [ "$i" -lt $(((grace + 60) * 10)) ] || die "$label: no result from ssc-watchbench"
    sleep 0.1
  done
  m1=$(machine)
  c1=$(cpu_ticks "$server")
  r1=$(cpu_ticks "$recv_pid")
  # shellcheck disable=SC2086 # one PID per word
  b1=$(cpu_ticks $pgs)
  res[$label.cpu]=$((c1 - c0)) res[$label.pg]=$((b1 - b0)) res[$label.client]=$((r1 - r0))
  res[$label.backends]=$(wc -w <<<"$pgs")
  # The whole machine meanwhile: the share of all cores busy, and the time
  # the hypervisor gave to others (steal).
  read -r busy steal < <(awk -v a="$m0" -v b="$m1" -v hz="$hz" 'BEGIN {
    split(a, x, " "); split(b, y, " "); t = y[3] - x[3]
    printf "%.0f %.2f\n", (t > 0 ? 100 * (y[1] - x[1]) / t : 0), (y[2] - x[2]) / hz }')
  res[$label.busy]=$busy res[$label.steal]=$steal
  for k in receivers delivered missing duplicates out_of_order extra closed \
    bad_messages p50_us p90_us p99_us p999_us max_us first_p50_us first_p99_us \
    first_max_us all_p50_us all_p99_us all_max_us; do
    res[$label.$k]=$(field "$label" "$k")
    [ -n "${res[$label.$k]}" ] || die "$label: no $k in the result: $(cat "$tmp/$label.out")"
  done
  for k in seconds commit_p50_us commit_p99_us behind_max_us; do
    res[$label.w_$k]=$(wfield "$label" "$k")
  done
  stop_pid "$recv_pid"
  recv_pid=""
}

echo "watch benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, $("$pgbin/postgres" --version)"
echo "load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg); nothing pinned"
echo "$changes changes at $rate/s, one per transaction; sscd threads = $threads$([ "$threads" -ne 0 ] || echo ' (one per core)')"
echo

# Phase 1: the reference. sscd runs meanwhile without watchers (its loops
# still LISTEN and wake on each change); its CPU is shown for that too.
"$wb" listen --db "$owner_url" --listeners "$listeners" --expect "$tmp/ref.expect" \
  --grace "$grace" --dump "$tmp/ref.dump" --capacity $((changes + 200)) \
  >"$tmp/ref.out" 2>"$tmp/ref.err" &
recv_pid=$!
idle0=$(cpu_ticks "$sscd_pid")
phase ref "$recv_pid" ssc-watchbench-listen
idle1=$(cpu_ticks "$sscd_pid")
# The listener client was both the server and the receiver of this phase.
res[ref.client]=0

# Phase 2: sscd.
rss0=$(rss_kib "$sscd_pid")
"$wb" watch --endpoint "127.0.0.1:$port" --ca "$tmp/certs/ca.pem" \
  --cert "$tmp/certs/auditor.pem" --key "$tmp/certs/auditor.key" \
  --connections "$connections" --streams "$streams" --expect "$tmp/sscd.expect" \
  --grace "$grace" --dump "$tmp/sscd.dump" --capacity $((changes + 200)) \
  >"$tmp/sscd.out" 2>"$tmp/sscd.err" &
recv_pid=$!
await_ready sscd
rss1=$(rss_kib "$sscd_pid")
phase sscd "$sscd_pid" sscd
rss2=$(rss_kib "$sscd_pid")

kill -0 "$sscd_pid" 2>/dev/null || die "sscd died during the runs"
sscd_rc=0
kill -TERM "$sscd_pid"
wait "$sscd_pid" || sscd_rc=$?
sscd_pid=""

# --- report ------------------------------------------------------------------------

ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }
secs() { awk -v t="$1" -v hz="$hz" 'BEGIN { printf "%.2f", t / hz }'; }
per_us() { # TICKS COUNT [DECIMALS] -> µs per item
  awk -v t="$1" -v hz="$hz" -v n="$2" -v d="${3:-2}" \
    'BEGIN { printf "%.*f", d, (n > 0 ? t / hz * 1e6 / n : 0) }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

row() { printf '%-44s %18s %18s\n' "$@"; }
s_del=${res[sscd.delivered]} r_del=${res[ref.delivered]}
s_cpu=${res[sscd.cpu]} s_pg=${res[sscd.pg]} r_cpu=${res[ref.cpu]} r_pg=${res[ref.pg]}
s_all=$((s_cpu + s_pg)) r_all=$((r_cpu + r_pg))
row "" "sscd" "reference"
row "receivers" "$watchers watchers" "$listeners listeners"
row "  over" "$connections TLS conns" "$listeners PG conns"
row "writer: seconds for $changes changes" "${res[sscd.w_seconds]}" "${res[ref.w_seconds]}"
row "writer: commit p50 / p99 ms" \
  "$(ms "${res[sscd.w_commit_p50_us]}") / $(ms "${res[sscd.w_commit_p99_us]}")" \
  "$(ms "${res[ref.w_commit_p50_us]}") / $(ms "${res[ref.w_commit_p99_us]}")"
row "writer: latest start behind schedule, ms" "$(ms "${res[sscd.w_behind_max_us]}")" \
  "$(ms "${res[ref.w_behind_max_us]}")"
row "deliveries expected (receivers x changes)" "$((watchers * changes))" "$((listeners * changes))"
row "delivered" "$s_del" "$r_del"
row "missing / duplicate / out of order" \
  "${res[sscd.missing]} / ${res[sscd.duplicates]} / ${res[sscd.out_of_order]}" \
  "${res[ref.missing]} / ${res[ref.duplicates]} / ${res[ref.out_of_order]}"
row "unexpected / receivers ended early" "${res[sscd.extra]} / ${res[sscd.closed]}" \
  "${res[ref.extra]} / ${res[ref.closed]}"
for p in p50 p90 p99 p999 max; do
  row "latency $p ms" "$(ms "${res[sscd.${p}_us]}")" "$(ms "${res[ref.${p}_us]}")"
done
row "first receiver per change p50 / p99 ms" \
  "$(ms "${res[sscd.first_p50_us]}") / $(ms "${res[sscd.first_p99_us]}")" \
  "$(ms "${res[ref.first_p50_us]}") / $(ms "${res[ref.first_p99_us]}")"
row "last receiver per change p50 / p99 ms" \
  "$(ms "${res[sscd.all_p50_us]}") / $(ms "${res[sscd.all_p99_us]}")" \
  "$(ms "${res[ref.all_p50_us]}") / $(ms "${res[ref.all_p99_us]}")"
row "last receiver per change max ms" "$(ms "${res[sscd.all_max_us]}")" "$(ms "${res[ref.all_max_us]}")"
row "CPU s: sscd / listener client" "$(secs "$s_cpu")" "$(secs "$r_cpu")"
row "CPU s: their PostgreSQL backends" \
  "$(secs "$s_pg") (${res[sscd.backends]})" "$(secs "$r_pg") (${res[ref.backends]})"
s_per=$(per_us "$s_cpu" "$s_del") r_per=$(per_us "$r_cpu" "$r_del")
s_per_all=$(per_us "$s_all" "$s_del") r_per_all=$(per_us "$r_all" "$r_del")
row "CPU us per delivered change: server" "$s_per" "$r_per"
row "  with PostgreSQL backends" "$s_per_all" "$r_per_all"
row "CPU us per committed change: server" "$(per_us "$s_cpu" "$changes" 0)" \
  "$(per_us "$r_cpu" "$changes" 0)"
row "  with PostgreSQL backends" "$(per_us "$s_all" "$changes" 0)" "$(per_us "$r_all" "$changes" 0)"
row "CPU s: the watch client (not in the above)" "$(secs "${res[sscd.client]}")" "-"
row "machine: all cores busy / steal s" "${res[sscd.busy]}% / ${res[sscd.steal]}" \
  "${res[ref.busy]}% / ${res[ref.steal]}"
echo
echo "sscd VmRSS: $rss0 KiB before the watchers, $rss1 KiB with $watchers watchers" \
  "($(awk -v a="$rss0" -v b="$rss1" -v n="$watchers" 'BEGIN { printf "%.1f", (b - a) / n }') KiB each)," \
  "$rss2 KiB after the changes"
echo "sscd CPU during the reference phase (no watchers, still LISTENing): $(secs $((idle1 - idle0))) s"
if [ "$listeners" -ne "$watchers" ]; then
  echo "reference extrapolated to $watchers listeners (linear, not measured): listener client and" \
    "backends $(awk -v u="$r_per_all" -v w="$watchers" 'BEGIN { printf "%.0f", u * w }') us of CPU" \
    "per committed change, against sscd's $(per_us "$s_all" "$changes" 0) us with its backends"
fi
echo
# The slowest changes, with the last arrival on each connection: a stall
# of one connection or one of sscd's loops shows as a few late columns,
# one of the whole machine as all of them late (first receiver too).
slowest() { # LABEL
  sort -k5,5nr "$tmp/$1.dump" | awk 'NR <= 3 {
    printf "  seq %s: first %.1f ms, last %.1f ms", $1, $4 / 1000, $5 / 1000
    if (NF > 5) {
      printf "; last per connection:"
      for (i = 6; i <= NF; i++) printf " %.1f", $i / 1000
    }
    printf "\n"
  }'
}
echo "slowest changes, sscd:"
slowest sscd
echo "slowest changes, reference (one column per listener):"
slowest ref
echo
echo "ratios sscd/reference:"
echo "  latency p50 $(ratio "${res[sscd.p50_us]}" "${res[ref.p50_us]}"), p99 $(ratio "${res[sscd.p99_us]}" "${res[ref.p99_us]}")"
echo "  CPU per delivered change: server $(ratio "$s_per" "$r_per"), with PostgreSQL backends $(ratio "$s_per_all" "$r_per_all")"
bad=0
for k in missing duplicates out_of_order extra closed; do
  bad=$((bad + ${res[sscd.$k]}))
done
if [ "$bad" -ne 0 ]; then
  echo
  echo "WARNING: sscd's watchers did not each get every change exactly once and in order (see above)"
  sed -n 's/^first_error /  first error: /p' "$tmp/sscd.out"
fi
echo
if [ -s "$tmp/sscd.log" ]; then
  echo "sscd log (warn and above), $(wc -l <"$tmp/sscd.log") line(s):"
  head -20 "$tmp/sscd.log" | sed 's/^/  /'
else
  echo "sscd log (warn and above): empty"
fi
echo "sscd exit status after SIGTERM: $sscd_rc"
exit 0
