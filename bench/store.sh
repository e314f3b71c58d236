#!/usr/bin/env bash
# store.sh - sscd's store path against bare PostgreSQL, measured in one run.
#
#   bench/store.sh [--build DIR] [--connections C] [--pool N] [--duration S]
#                  [--warm-up S] [--rounds R] [--layout separate|shared|none]
#                  [--calls LIST] [--hot-connections H] [--approve-rate R]
#                  [--keep]
#
# Six calls (--calls picks some; default all), each run through sscd by
# ssc-loadgen (C connections, one call in flight on each, client
# certificates) and, as the reference, by pgbench
# (-c C -j 1 -M prepared, one transaction in flight per connection) sending
# PostgreSQL the very statements sscd sends for that call, as the same role
# (ssc_app), over the same Unix socket of the same private cluster:
#   Get:    Organisations/Get of one organisation: set_config
#           (statement_timeout and the deadline), ssc.begin_call(...), the
#           re-arm of statement_timeout (daemon/db/db.c), ssc.org_get($1);
#   Create: Organisations/Create with a unique idempotency key and name per
#           request: set_config, ssc.begin_call(...), ssc.org_create(...)
#           (the row, its audit entry and the idempotency record);
#   AgrGet: Agreements/Get of one agreement with two versions (the declared
#           READ path of daemon/services/declare.c): set_config,
#           ssc.begin_call(...), the re-arm, ssc.agreement_get($1::jsonb)
#           (the agreement, the version in force and its status as of today);
#   SecCreate: Secondments/Create (the declared MUTATE path) with a unique
#           idempotency key and employee_ref per request, at 100 % of full
#           time, so the full-time trigger (its advisory lock and its sum)
#           runs and never refuses: set_config, ssc.begin_call(...), the
#           re-arm, ssc.secondment_create($1::jsonb, $2::bytea) (the row, its
#           audit entry and the idempotency record);
#   Approve: Applications/Approve, the approval that completes a
#           single-approval application (DKK 800,000, under the DKK 10
#           million of the first tier), with a unique idempotency key per
#           request, each approving an application of its own that is under
#           review, each for a collaboration of its own in matchmaking:
#           set_config, ssc.begin_call(...), the re-arm,
#           ssc.application_approve($1::jsonb, $2::bytea) (the approval, the
#           application approved, the allocation committed on its pool row,
#           the collaboration moved into inception, their audit rows and the
#           idempotency record). Approval j of a run (ssc-loadgen's call j;
#           pgbench client c's n-th is j = (n - 1) * C + c) takes pool j %
#           P of P pools (P a multiple of C, at most 100), so two approvals
#           in flight almost never meet on a pool row, and pgbench's never;
#   ApproveHot: the same with H (--hot-connections, 16) connections on both
#           sides, every approval on one pool: the hot row.
# The request JSON of AgrGet, SecCreate and Approve on the pgbench side is
# the text daemon/db/pb_json.c writes for the request ssc-loadgen sends:
# every plain field by its proto name in field order, no spaces, Money as an
# object.
# sscd sends each call's statements as one pipeline ending in one sync, which
# is one implicit transaction and one round trip; pgbench does the same with
# \startpipeline ... \endpipeline, so only what sits in front of the database
# differs: TLS, HTTP/2, gRPC, protobuf <-> JSON, the pool.
#
# sscd runs with threads = 1 and [database] pool_size = N (default C, or H
# when ApproveHot runs and H is more). Where the processes run is the layout:
#   separate (default): PostgreSQL alone on the last core, the front (sscd
#     and ssc-loadgen, or pgbench) on the others. Both runs give the database
#     the same CPU to itself, as a deployment would, so the ratio says how
#     much of the database's work each front lets through;
#   shared: sscd on core 0, ssc-loadgen and pgbench on core 1, PostgreSQL
#     unpinned; sscd's own CPU then comes straight out of the database's;
#   none: nothing pinned.
# The runs alternate (sscd, pgbench, sscd, pgbench,
# ...) for R rounds and the medians are reported: requests/s (transactions/s
# for pgbench), p99 latency and the ratio sscd/pgbench of requests/s; also the
# CPU time per call of sscd and of its PostgreSQL backends, and of pgbench's
# backends, to tell where the time goes. Each side warms up on the
# connections it is measured on: ssc-loadgen does not count the calls of the
# warm-up, and pgbench runs the warm-up and the measured time in one run,
# counted from its per-transaction log. Target: each ratio >= 0.7
# ("TARGET MISSED" otherwise). This is a benchmark, not a test: it exits 0
# whether or not the target is met, and non-zero only when it cannot
# measure.
#
# Setup, all under a temporary directory removed on exit (--keep keeps it):
# development certificates (scripts/dev-certs.sh), a private cluster
# (scripts/pg.sh setup), sscd migrate, sscd add-admin for admin.pem, a
# secretariat principal for the load certificate, one organisation to Get;
# for AgrGet, SecCreate, Approve and ApproveHot, made with the ssc client as
# that secretariat: a Danish authority (the employer), a partner authority in
# VN (the host), a collaboration of the two, and an agreement of the two,
# signed and amended (two versions). For Approve and ApproveHot also a
# ministry principal of the employer and P + 1 DKK pools; and before every
# run of theirs (each side's: an application is approved once) a fresh set of
# applications under review (fresh_apps: through the SQL API as ssc_app with
# begin_call, each step by the role that takes it), twice as many as the
# most either side has approved per second so far (at first, --approve-rate,
# 150) would approve, so that a run never runs out.
#
# Needs: sscd and ssc-loadgen (and ssc, for the calls but Get and Create) built in
# DIR (default build/), PostgreSQL 15
# server and pgbench (postgresql-15, postgresql-client-15), taskset
# (util-linux), openssl, jq.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build
connections=8
pool=""
duration=10
warmup=2
rounds=3
keep=0
layout=separate
calls_arg=get,create,agrget,seccreate,approve,approvehot
hot=16
approve_rate=150
pgbin=${SSC_PG_BINDIR:-/usr/lib/postgresql/15/bin}

usage() {
  sed -n '4,7p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

die() {
  echo "store.sh: $*" >&2
  exit 1
}

positive() { # NAME VALUE
  [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 must be a positive integer, not \"$2\""
}

while [ $# -gt 0 ]; do
  case $1 in
  --build) build=${2:?}; shift 2 ;;
  --connections) connections=${2:?}; shift 2 ;;
  --pool) pool=${2:?}; shift 2 ;;
  --duration) duration=${2:?}; shift 2 ;;
  --warm-up) warmup=${2:?}; shift 2 ;;
  --rounds) rounds=${2:?}; shift 2 ;;
  --layout) layout=${2:?}; shift 2 ;;
  --calls) calls_arg=${2:?}; shift 2 ;;
  --hot-connections) hot=${2:?}; shift 2 ;;
  --approve-rate) approve_rate=${2:?}; shift 2 ;;
  --no-pin) layout=none; shift ;;
  --keep) keep=1; shift ;;
  -h | --help) usage ;;
  *) echo "store.sh: unknown option $1" >&2; usage ;;
  esac
done
positive --connections "$connections"
positive --hot-connections "$hot"
positive --approve-rate "$approve_rate"
positive --duration "$duration"
positive --rounds "$rounds"
[[ $warmup =~ ^[0-9]+$ ]] || die "--warm-up must be a whole number of seconds"
IFS=, read -r -a calls <<<"$calls_arg"
[ "${#calls[@]}" -gt 0 ] || die "--calls needs one call or more"
declare -A call_name=([get]=Get [create]=Create [agrget]=AgrGet [seccreate]=SecCreate
  [approve]=Approve [approvehot]=ApproveHot)
declare -A seen=()
for c in "${calls[@]}"; do
  [ -n "${call_name[$c]:-}" ] ||
    die "--calls: \"$c\" is none of get, create, agrget, seccreate, approve, approvehot"
  [ -z "${seen[$c]:-}" ] || die "--calls: $c is named twice"
  seen[$c]=1
done
wants() { [[ ,$calls_arg, == *,$1,* ]]; } # CALL -> whether it is run
# sscd's pool must hold every connection of every call measured: ApproveHot
# has its own count.
if [ -z "$pool" ]; then
  pool=$connections
  if wants approvehot && [ "$hot" -gt "$pool" ]; then pool=$hot; fi
fi
positive --pool "$pool"
[ "$pool" -le 64 ] || die "--pool must be at most 64 (sscd's limit)"
if wants approvehot && [ "$pool" -lt "$hot" ]; then
  die "--pool $pool is below ApproveHot's $hot connections: its approvers would queue in sscd, not on the pool row"
fi

sscd=$build/daemon/sscd
loadgen=$build/bench/ssc-loadgen
ssc=$build/client/ssc
need=("$sscd" "$loadgen")
records() { wants agrget || wants seccreate || wants approve || wants approvehot; }
if records; then need+=("$ssc"); fi
for f in "${need[@]}"; do
  [ -x "$f" ] || die "no $f: build first (cmake -S . -B $build && cmake --build $build) or pass --build DIR"
done
for tool in "$pgbin/pgbench" "$pgbin/psql"; do
  [ -x "$tool" ] || die "$tool not found (apt-get install postgresql-15 postgresql-client-15)"
done
for tool in taskset openssl jq; do
  command -v "$tool" >/dev/null || die "$tool not found (apt-get install util-linux openssl jq)"
done

cores=$(nproc)
last=$((cores - 1))
case $layout in
separate)
  [ "$cores" -ge 2 ] || die "--layout separate needs two cores or more; use --layout none"
  db_cpu=$last
  server_cpu=0
  [ "$last" -eq 1 ] || server_cpu=0-$((last - 1))
  client_cpu=$server_cpu
  where="PostgreSQL alone on core $db_cpu; sscd, ssc-loadgen and pgbench on core(s) $server_cpu"
  ;;
shared)
  db_cpu=0-$last
  server_cpu=0
  client_cpu=$((cores > 1 ? 1 : 0))
  where="sscd on core $server_cpu, ssc-loadgen and pgbench on core $client_cpu, PostgreSQL unpinned"
  ;;
none)
  db_cpu=0-$last
  server_cpu=$db_cpu
  client_cpu=$db_cpu
  where="nothing pinned"
  ;;
*) die "--layout must be separate, shared or none, not \"$layout\"" ;;
esac

# pg.sh keeps the cluster's socket in its directory, so the path must be short.
tmp=$(mktemp -d /tmp/ssc-store.XXXXXX)
chmod 755 "$tmp"
sscd_pid=""

# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  [ -z "$sscd_pid" ] || stop_pid "$sscd_pid"
  bash "$root/scripts/pg.sh" stop "$tmp/pg" immediate >/dev/null 2>&1 || true
  if [ "$keep" -eq 1 ]; then
    echo "store.sh: kept $tmp" >&2
  else
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- setup ---------------------------------------------------------------------

bash "$root/scripts/dev-certs.sh" "$tmp/certs" admin loadgen
{ read -r owner_url; read -r app_url; } < <(bash "$root/scripts/pg.sh" setup "$tmp/pg")
[ -n "${app_url:-}" ] || die "scripts/pg.sh setup printed no URLs"

# The layout's cores for PostgreSQL: the postmaster and what runs now; every
# backend forked later inherits the postmaster's affinity.
postmaster=$(head -1 "$tmp/pg/postmaster.pid")
for pid in "$postmaster" $(pgrep -P "$postmaster"); do
  taskset -p -c "$db_cpu" "$pid" >/dev/null || die "could not pin PostgreSQL ($pid) to cores $db_cpu"
done

port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$tmp/sscd.ini" <<INI
; written by bench/store.sh
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
url = $app_url
owner_url = $owner_url
pool_size = $pool
INI

"$sscd" migrate --config "$tmp/sscd.ini" >"$tmp/migrate.log" 2>&1 ||
  { cat "$tmp/migrate.log" >&2; die "sscd migrate failed"; }
"$sscd" add-admin --config "$tmp/sscd.ini" --cert "$tmp/certs/admin.pem" \
  >"$tmp/add-admin.log" 2>&1 ||
  { cat "$tmp/add-admin.log" >&2; die "sscd add-admin failed"; }

# The identity sscd sees for a certificate (transport/tls.c): the lower-case
# hex SHA-256 of its DER and its RFC 2253 subject.
fingerprint() { openssl x509 -in "$1" -outform DER | sha256sum | cut -c1-64; }
subject() { openssl x509 -in "$1" -noout -subject -nameopt RFC2253 | sed 's/^subject=//'; }
admin_fp=$(fingerprint "$tmp/certs/admin.pem")
load_fp=$(fingerprint "$tmp/certs/loadgen.pem")
load_subject=$(subject "$tmp/certs/loadgen.pem")

owner_psql() { "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -tA "$owner_url" "$@"; }

# The load certificate becomes a secretariat principal, added the way an
# admin adds one (as the admin, through the SQL API).
owner_psql >"$tmp/principal.log" 2>&1 <<SQL ||
BEGIN;
SELECT * FROM ssc.begin_call('$admin_fp', '', '{admin}', '/ssc.v1.Principals/Add');
SELECT ssc.principal_add('', '\\x00', '', '$load_fp', NULL, 'secretariat', 'ssc-loadgen');
COMMIT;
SQL
  { cat "$tmp/principal.log" >&2; die "could not add the load principal"; }

taskset -c "$server_cpu" "$sscd" --config "$tmp/sscd.ini" >"$tmp/sscd.log" 2>&1 &
sscd_pid=$!

lg() { # ARGS... -> ssc-loadgen as the load principal, on the client core
  taskset -c "$client_cpu" "$loadgen" --endpoint "127.0.0.1:$port" \
    --ca "$tmp/certs/ca.pem" --cert "$tmp/certs/loadgen.pem" \
    --key "$tmp/certs/loadgen.key" --json "$@"
}

for i in $(seq 100); do
  kill -0 "$sscd_pid" 2>/dev/null || { cat "$tmp/sscd.log" >&2; die "sscd exited during start-up"; }
  if lg --method /grpc.health.v1.Health/Check --requests 1 >/dev/null 2>&1; then
    break
  fi
  [ "$i" -lt 100 ] || die "sscd did not answer Health/Check within 10 s"
  sleep 0.1
done

# Protobuf by hand: the request bytes as hex.
varint() { # N -> hex of its base-128 varint
  local v=$1 out=""
  while [ "$v" -ge 128 ]; do
    out+=$(printf '%02x' $(((v & 127) | 128)))
    v=$((v >> 7))
  done
  printf '%s%02x' "$out" "$v"
}
str_field() { # FIELD STRING -> hex of a length-delimited field
  local hex
  hex=$(printf '%s' "$2" | od -An -v -tx1 | tr -d ' \n')
  printf '%s%s%s' "$(varint $(($1 << 3 | 2)))" "$(varint $((${#hex} / 2)))" "$hex"
}

# CreateOrganisationRequest{kind = DANISH_AUTHORITY (4: 1), country = "DK"
# (5)}; ssc-loadgen appends a unique idempotency_key (1) and name (2).
create_hex=20$(varint 1)$(str_field 5 DK)
# One organisation to Get, created through sscd like the others.
out=$(lg --method /ssc.v1.Organisations/Create --data-hex "$create_hex" \
  --vary-key --template-name "store bench get " --requests 1) || true
[ "$(jq -r .succeeded <<<"$out")" = 1 ] ||
  die "Organisations/Create failed: $(jq -r .first_error <<<"$out")"
org_id=$(owner_psql -c "SELECT max(id) FROM ssc.organisations WHERE name LIKE 'store bench get %'")
positive "organisation id" "$org_id"
get_hex=08$(varint "$org_id")

int_field() { # FIELD N -> hex of a varint field
  printf '%s%s' "$(varint $(($1 << 3)))" "$(varint "$2")"
}
msg_field() { # FIELD HEX -> hex of a length-delimited field holding HEX
  printf '%s%s%s' "$(varint $(($1 << 3 | 2)))" "$(varint $((${#2} / 2)))" "$2"
}

# The records AgrGet and SecCreate need, made the way a user makes them: with
# the ssc client, as the load principal (a secretariat).
ssc_cli() { # ARGS... -> ssc --json ARGS (no config file of the user's)
  XDG_CONFIG_HOME=$tmp HOME=$tmp "$ssc" --endpoint "127.0.0.1:$port" \
    --ca "$tmp/certs/ca.pem" --cert "$tmp/certs/loadgen.pem" \
    --key "$tmp/certs/loadgen.key" --json "$@"
}
made_id() { # WHAT ARGS... -> the id of what `ssc ARGS` made
  local what=$1 out
  shift
  out=$(ssc_cli "$@" 2>&1) || die "could not make the $what (ssc $*): $out"
  jq -er '.id | numbers' <<<"$out" 2>/dev/null || die "no id of the $what in: $out"
}
if records; then
  employer=$(made_id employer org add --name "store bench employer" \
    --kind danish-authority --country DK)
  host=$(made_id host org add --name "store bench host" --kind partner-authority \
    --country VN)
fi
if wants agrget; then
  agr_id=$(made_id agreement agreement add --kind cooperation \
    --title "store bench agreement" --party "$employer" --party "$host" \
    --from 2020-01-01 --to 2023-12-31 --notice-months 6 --scope "store bench")
  ssc_cli agreement sign "$agr_id" --on 2019-12-01 >"$tmp/sign.log" 2>&1 ||
    { cat "$tmp/sign.log" >&2; die "could not sign agreement $agr_id"; }
  ssc_cli agreement amend "$agr_id" --from 2024-01-01 --open-ended >"$tmp/amend.log" 2>&1 ||
    { cat "$tmp/amend.log" >&2; die "could not amend agreement $agr_id"; }
  [ "$(jq -r .versions "$tmp/amend.log")" = 2 ] ||
    die "agreement $agr_id has not two versions: $(cat "$tmp/amend.log")"
  # GetAgreementRequest{id = agr_id}; as_of "" is today.
  agrget_hex=08$(varint "$agr_id")
fi
if wants seccreate; then
  collab_id=$(made_id collaboration collab add --title "store bench collaboration" \
    --lead "$employer" --country VN --partner "$host" --sector 23110=100)
  # CreateSecondmentRequest{collaboration_id (2), employer_id (3),
  # expert_name (5), host_id (6), starts_on (7), ends_on (8), share_bp (9) =
  # 10000, monthly_compensation (10) = Money{amount_minor (1), currency (2)}};
  # ssc-loadgen appends a unique idempotency_key (1) and employee_ref (4).
  sec_name="Store bench expert" sec_from=2027-01-04 sec_to=2027-06-30
  sec_share=10000 sec_minor=3600000 sec_currency=DKK
  seccreate_hex=$(int_field 2 "$collab_id")$(int_field 3 "$employer")
  seccreate_hex+=$(str_field 5 "$sec_name")$(int_field 6 "$host")
  seccreate_hex+=$(str_field 7 "$sec_from")$(str_field 8 "$sec_to")
  seccreate_hex+=$(int_field 9 "$sec_share")
  seccreate_hex+=$(msg_field 10 "$(int_field 1 "$sec_minor")$(str_field 2 "$sec_currency")")
fi

# Approve and ApproveHot: a ministry principal of the employer (the
# applicant: an approver may not be of its organisation), added as the admin
# adds one; DKK pools (one per fiscal year: ids in a row), each holding far
# more than a run commits. Approve spreads its approvals over the first
# approve_pools of them (the next approval on the next pool, so two
# approvals in flight meet on one pool row about never: see "pool" in the
# pgbench script), ApproveHot puts all of its on the last one. The
# applications themselves are made fresh before each run (fresh_apps).
app_psql() { "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -tA "$app_url"; } # SQL on stdin
if wants approve || wants approvehot; then
  ministry_subject="CN=store bench ministry"
  owner_psql >"$tmp/ministry.log" 2>&1 <<SQL ||
BEGIN;
SELECT * FROM ssc.begin_call('$admin_fp', '', '{admin}', '/ssc.v1.Principals/Add');
SELECT ssc.principal_add('', '\\x00', '$ministry_subject', '', $employer, 'ministry', 'store bench ministry');
COMMIT;
SQL
    { cat "$tmp/ministry.log" >&2; die "could not add the ministry principal"; }
  # A multiple of C, so that pgbench's clients (client c takes approvals c,
  # c + C, c + 2C, ...) never share a pool; at most 100, since the years
  # 2000 to 2100 hold 101 pools of one currency (the last is ApproveHot's).
  approve_pools=$((connections <= 100 ? connections * (100 / connections) : 100))
  app_minor=80000000 app_currency=DKK # DKK 800,000: one approval completes it
  out=$(
    app_psql 2>&1 <<SQL
BEGIN;
SELECT count(*) FROM ssc.begin_call('$load_fp', '', '{secretariat}', '/ssc.v1.Pools/Create');
SELECT count(ssc.pool_create(jsonb_build_object('name', 'store bench ' || y, 'fiscal_year', y,
         'total', ssc.money(1000000000000000, '$app_currency')), NULL))
  FROM generate_series(2000, 2000 + $approve_pools) y;
SELECT min(id) || ' ' || max(id) FROM ssc.pools WHERE name LIKE 'store bench %';
COMMIT;
SQL
  ) || die "could not make the pools: $out"
  read -r pool_first pool_last <<<"$(tail -1 <<<"$out")"
  [ "$((pool_last - pool_first))" = "$approve_pools" ] || die "the pools' ids are not in a row: $out"
  hot_pool=$pool_last
  # ApproveRequest{amount (4) = Money{amount_minor (1), currency (2)}};
  # ssc-loadgen appends a unique idempotency_key (1), the application id (2)
  # and the pool id (3).
  approve_hex=$(msg_field 4 "$(int_field 1 "$app_minor")$(str_field 2 "$app_currency")")
fi

# Makes N applications under review and sets apps_first to the first of
# their ids, which are in a row. Each is for a collaboration of its own, in
# matchmaking, led by the employer with the host as partner, and asks for
# DKK 800,000 for its inception phase (one budget line), so that its
# approval also moves the collaboration into inception
# (ssc.application_complete). Made through the SQL API as the users would,
# each as the role that may (ssc_app, begin_call): the secretariat creates
# the collaboration, the ministry creates and submits the application, the
# secretariat starts the review. Ten applications to a transaction, without
# waiting for the commits to reach the disk: not one transaction for all,
# since each audit row updates the one row of ssc.audit_head, and the
# versions one transaction leaves of a row cannot be pruned before it ends,
# so that every update walks all of them (2,000 applications took 58 s in
# one transaction, 10 s one to a transaction). Each collaboration gets a
# reference of its own: the default one, SSC-<country>-<id> (0019), is
# lpad(id, 4), which cuts ids above 9999 to four digits, so that
# collaboration 10000 collides with 1000 (SC409 "collaboration exists
# already"). Then VACUUM ANALYZE, so that what a run finds does not depend
# on autovacuum's timing.
batches=0
fresh_apps() { # N
  local n=$1 out first last count
  batches=$((batches + 1))
  out=$(
    app_psql 2>&1 <<SQL
SET synchronous_commit = off;
DO \$\$
DECLARE
  c bigint;
  a bigint;
BEGIN
  FOR i IN 1..$n LOOP
    PERFORM ssc.begin_call('$load_fp', '', '{secretariat}', '/ssc.v1.Collaborations/Create');
    c := ssc.collab_create(jsonb_build_object('title', 'store bench collaboration $batches.' || i,
           'reference', 'STORE-BENCH-$batches-' || i, 'lead_id', $employer, 'country', 'VN',
           'partner_ids', jsonb_build_array($host),
           'sectors', '[{"code": "23110", "percentage": 100}]'::jsonb), NULL) ->> 'id';
    PERFORM ssc.begin_call('', '$ministry_subject', '{ministry}', '/ssc.v1.Applications/Create');
    a := ssc.application_create(jsonb_build_object('collaboration_id', c, 'phase', 'inception',
           'title', 'store bench application $batches', 'starts_on', '2027-01-01',
           'ends_on', '2027-06-30', 'currency', '$app_currency',
           'budget', jsonb_build_array(jsonb_build_object('category', 'workshops', 'year', 2027,
                       'amount', ssc.money($app_minor, '$app_currency')))), NULL) ->> 'id';
    PERFORM ssc.begin_call('', '$ministry_subject', '{ministry}', '/ssc.v1.Applications/Submit');
    PERFORM ssc.application_submit(jsonb_build_object('id', a), NULL);
    PERFORM ssc.begin_call('$load_fp', '', '{secretariat}', '/ssc.v1.Applications/StartReview');
    PERFORM ssc.application_start_review(jsonb_build_object('id', a), NULL);
    IF i % 10 = 0 THEN
      COMMIT;
    END IF;
  END LOOP;
END
\$\$;
BEGIN;
SELECT count(*) FROM ssc.begin_call('$load_fp', '', '{secretariat}', '/ssc.v1.Applications/List');
SELECT min(id) || ' ' || max(id) || ' ' || count(*) FROM ssc.applications
 WHERE title = 'store bench application $batches' AND status = 'under_review';
COMMIT;
SQL
  ) || die "could not make $n applications: $out"
  read -r first last count <<<"$(tail -1 <<<"$out")"
  if [ "$count" != "$n" ] || [ "$((last - first + 1))" != "$n" ]; then
    die "the $n applications' ids are not in a row: $out"
  fi
  owner_psql -c "SET client_min_messages = error" -c "VACUUM ANALYZE" >/dev/null ||
    die "VACUUM ANALYZE failed"
  apps_first=$first
}

# --- the pgbench scripts: what sscd sends (daemon/services/store.c and
# declare.c, daemon/db/db.c): the request as one JSON object, as
# daemon/db/pb_json.c writes it
readers='{ministry,secretariat,reconciler,auditor,admin}'
staff='{admin,secretariat}'
cat >"$tmp/get.sql" <<'SQL'
\startpipeline
SELECT set_config('statement_timeout', :timeout::text, true), set_config('ssc.deadline_at', (floor(extract(epoch FROM clock_timestamp()) * 1000) + :timeout::bigint)::text, true);
SELECT * FROM ssc.begin_call(:fp, :subject, :roles::text[], :method);
SELECT set_config('statement_timeout', greatest(1, least(2147483647, ceil(current_setting('ssc.deadline_at')::numeric - extract(epoch FROM clock_timestamp()) * 1000)))::bigint::text, true);
SELECT ssc.org_get(('{"id": ' || :id || '}')::jsonb);
\endpipeline
SQL
# Keys and names: a per-client counter (pgbench keeps a client's variables
# from one transaction to the next) under a base that differs per pgbench run
# (the database lives as long as this script, so no earlier run collides).
# short_name is written literally because pgbench cannot define an empty
# variable.
cat >"$tmp/create.sql" <<'SQL'
\set n :n + 1
\set k :base + :client_id * 1000000000 + :n
\startpipeline
SELECT set_config('statement_timeout', :timeout::text, true), set_config('ssc.deadline_at', (floor(extract(epoch FROM clock_timestamp()) * 1000) + :timeout::bigint)::text, true);
SELECT * FROM ssc.begin_call(:fp, :subject, :roles::text[], :method);
SELECT set_config('statement_timeout', greatest(1, least(2147483647, ceil(current_setting('ssc.deadline_at')::numeric - extract(epoch FROM clock_timestamp()) * 1000)))::bigint::text, true);
SELECT ssc.org_create(('{"idempotency_key": "' || :k || '", "name": "' || :k || '", "short_name": "", "kind": "' || :kind || '", "country": "' || :country || '", "parent_id": ' || :parent || '}')::jsonb, :hash::bytea);
\endpipeline
SQL
# AgrGet: the request is constant, so it is one variable holding the very
# text sscd sends as $1 (pb_json.c: {"id":N,"as_of":""}).
cat >"$tmp/agrget.sql" <<'SQL'
\startpipeline
SELECT set_config('statement_timeout', :timeout::text, true), set_config('ssc.deadline_at', (floor(extract(epoch FROM clock_timestamp()) * 1000) + :timeout::bigint)::text, true);
SELECT * FROM ssc.begin_call(:fp, :subject, :roles::text[], :method);
SELECT set_config('statement_timeout', greatest(1, least(2147483647, ceil(current_setting('ssc.deadline_at')::numeric - extract(epoch FROM clock_timestamp()) * 1000)))::bigint::text, true);
SELECT ssc.agreement_get(:req::jsonb);
\endpipeline
SQL
# SecCreate: keys as for Create; the employee_ref is "ref-pg" and the key. The
# JSON is pb_json.c's text for the request ssc-loadgen sends, put together
# from its constant parts (head, mid, tail) and the key.
cat >"$tmp/seccreate.sql" <<'SQL'
\set n :n + 1
\set k :base + :client_id * 1000000000 + :n
\startpipeline
SELECT set_config('statement_timeout', :timeout::text, true), set_config('ssc.deadline_at', (floor(extract(epoch FROM clock_timestamp()) * 1000) + :timeout::bigint)::text, true);
SELECT * FROM ssc.begin_call(:fp, :subject, :roles::text[], :method);
SELECT set_config('statement_timeout', greatest(1, least(2147483647, ceil(current_setting('ssc.deadline_at')::numeric - extract(epoch FROM clock_timestamp()) * 1000)))::bigint::text, true);
SELECT ssc.secondment_create((:head::text || :k || :mid || :k || :tail)::jsonb, :hash::bytea);
\endpipeline
SQL
# Approve and ApproveHot: keys as for Create. Client c's n-th approval is
# approval j = (n - 1) * clients + c of the run: application first + j, pool
# pool0 + j % pools (ssc-loadgen's --vary-int gives call j the same). The
# JSON is pb_json.c's text of the ApproveRequest, put together as for
# SecCreate.
cat >"$tmp/approve.sql" <<'SQL'
\set n :n + 1
\set k :base + :client_id * 1000000000 + :n
\set a :first + (:n - 1) * :clients + :client_id
\set p :pool0 + ((:n - 1) * :clients + :client_id) % :pools
\startpipeline
SELECT set_config('statement_timeout', :timeout::text, true), set_config('ssc.deadline_at', (floor(extract(epoch FROM clock_timestamp()) * 1000) + :timeout::bigint)::text, true);
SELECT * FROM ssc.begin_call(:fp, :subject, :roles::text[], :method);
SELECT set_config('statement_timeout', greatest(1, least(2147483647, ceil(current_setting('ssc.deadline_at')::numeric - extract(epoch FROM clock_timestamp()) * 1000)))::bigint::text, true);
SELECT ssc.application_approve((:head::text || :k || :mid || :a || :pmid || :p || :tail)::jsonb, :hash::bytea);
\endpipeline
SQL
# sscd's statement_timeout for calls without a deadline (db_statement_timeout_ms).
pg_common=(-D timeout=30000 -D "fp=$load_fp" -D "subject=$load_subject")
pg_get=("${pg_common[@]}" -D "roles=$readers" -D method=/ssc.v1.Organisations/Get
  -D "id=$org_id")
pg_create=("${pg_common[@]}" -D "roles=$staff"
  -D method=/ssc.v1.Organisations/Create -D n=0 -D kind=danish_authority
  -D country=DK -D parent=0 -D "hash=\\x$(printf 'store.sh' | sha256sum | cut -c1-64)")
# The role lists sscd passes (daemon/services/roles.c, in that order):
# ssc_roles_domain_readers for Agreements/Get, ssc_roles_domain_writers for
# Secondments/Create.
domain_readers='{secretariat,auditor,ministry,embassy}'
domain_writers='{secretariat,ministry}'
if wants agrget; then
  pg_agrget=("${pg_common[@]}" -D "roles=$domain_readers"
    -D method=/ssc.v1.Agreements/Get -D "req={\"id\":$agr_id,\"as_of\":\"\"}")
fi
if wants seccreate; then
  pg_seccreate=("${pg_common[@]}" -D "roles=$domain_writers"
    -D method=/ssc.v1.Secondments/Create -D n=0
    -D "head={\"idempotency_key\":\""
    -D "mid=\",\"collaboration_id\":$collab_id,\"employer_id\":$employer,\"employee_ref\":\"ref-pg"
    -D "tail=\",\"expert_name\":\"$sec_name\",\"host_id\":$host,\"starts_on\":\"$sec_from\",\"ends_on\":\"$sec_to\",\"share_bp\":$sec_share,\"monthly_compensation\":{\"amount_minor\":$sec_minor,\"currency\":\"$sec_currency\"},\"contract_id\":0,\"staff_category\":\"\"}"
    -D "hash=\\x$(printf 'store.sh seccreate' | sha256sum | cut -c1-64)")
fi
# ApproveRequest: ssc_roles_secretariat; first (the first application) is
# added per pgbench run (supply).
if wants approve || wants approvehot; then
  pg_approve=("${pg_common[@]}" -D "roles={secretariat}"
    -D method=/ssc.v1.Applications/Approve -D n=0
    -D "head={\"idempotency_key\":\"" -D "mid=\",\"id\":" -D "pmid=,\"pool_id\":"
    -D "tail=,\"amount\":{\"amount_minor\":$app_minor,\"currency\":\"$app_currency\"}}"
    -D "hash=\\x$(printf 'store.sh approve' | sha256sum | cut -c1-64)")
fi

# --- runs ------------------------------------------------------------------------

cpu_ticks() { # PID... -> user + system clock ticks, summed
  local p t=0
  for p in "$@"; do
    t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo "$t"
}
per_call_us() { # TICKS CALLS/S -> µs per call over warm-up + measured time
  awk -v t="$1" -v hz="$(getconf CLK_TCK)" -v r="$2" -v s=$((duration + warmup)) \
    'BEGIN { printf "%.0f", t / hz * 1e6 / (r * s) }'
}

# Sets rps and p99 (ms) from one ssc-loadgen run, and the CPU time per call of
# sscd (cpu_us) and of its PostgreSQL backends (pg_us), over the warm-up and
# the measured time together (so the few handshakes are in it too). Fails on
# any failed call.
run_sscd() { # LABEL ARGS...
  local label=$1 out t0 t1 b0 b1 backends
  shift
  # sscd's pool connections, by the application_name sscd gives them
  # (daemon/db/db.c): not the backends of a pgbench run that just ended,
  # which may still be exiting, and whose CPU would be subtracted when
  # their /proc entries are gone by the second reading.
  backends=$(owner_psql -c "SELECT pid FROM pg_stat_activity WHERE usename = 'ssc_app' AND application_name = 'sscd'")
  t0=$(cpu_ticks "$sscd_pid")
  # shellcheck disable=SC2086 # one PID per word
  b0=$(cpu_ticks $backends)
  out=$(lg --connections "$conns" --streams 1 --duration "$duration" \
    --warmup "$warmup" "$@") || true
  t1=$(cpu_ticks "$sscd_pid")
  # shellcheck disable=SC2086 # one PID per word
  b1=$(cpu_ticks $backends)
  echo "$out" >"$tmp/$label.json"
  [ -n "$out" ] || die "$label: ssc-loadgen printed nothing"
  if [ "$(jq -r .failed <<<"$out")" != 0 ] || [ "$(jq -r .succeeded <<<"$out")" = 0 ]; then
    die "$label: $(jq -r '"\(.failed) of \(.requests) calls failed: \(.first_error)"' <<<"$out")$ran_out"
  fi
  rps=$(jq -r '.rps | floor' <<<"$out")
  p99=$(jq -r '.latency_us.p99 / 1000' <<<"$out")
  cpu_us=$(per_call_us $((t1 - t0)) "$rps")
  pg_us=$(per_call_us $((b1 - b0)) "$rps")
}

# The calls that approve need fresh applications for every run (an
# application is approved once): fresh_apps makes, before each ssc-loadgen
# run and each pgbench run, as many as twice the most this call has done per
# second so far (at first, --approve-rate) would approve in that run, and 20
# more per connection. ran_out is what a failed run says about it.
declare -A best_rps=()
supply() { # CALL SECONDS
  local rate=${best_rps[$1]:-$approve_rate}
  fresh_apps $((2 * rate * $2 + 20 * conns))
}
ran_out=""

# Sets rps and p99 (ms) from one pgbench run of the warm-up and the measured
# time (and a spare second), counted as ssc-loadgen counts: the transactions
# that start after the warm-up (from the first transaction's start) and end
# within the measured time. One run, so that the warm-up warms the very
# backends that are measured: a run of its own before it, on connections of
# its own, left each measured backend to plan and compile every function
# afresh in the measured time (an Approve run did 15, 97, 141, 162 and then
# about 200 transactions in its first five seconds).
# Also sets pg_us, the CPU time per transaction of pgbench's backends (by
# application_name) over the measured time: read from /proc when the warm-up
# is over and again when the measured time is, and divided by tx/s times
# those seconds. Not over the warm-up, as sscd's are: each pgbench run starts
# backends that compile and plan everything afresh (about 0.25 s of CPU each
# for Approve), where sscd's backends have done it in an earlier run.
pg_runs=0
run_pgbench() { # LABEL SCRIPT ARGS...
  local label=$1 script=$2 dir=$tmp/$1 more=() secs=$((warmup + duration + 1)) bench b0 b1
  local backends
  shift 2
  mkdir -p "$dir"
  pg_runs=$((pg_runs + 1))
  if [ "$fresh" -eq 1 ]; then
    supply "$call" "$secs"
    more=(-D "first=$apps_first")
  fi
  (cd "$dir" && exec taskset -c "$client_cpu" "$pgbin/pgbench" -n -f "$script" -c "$conns" \
    -j 1 -M prepared "$@" "${more[@]}" -D "base=$((pg_runs * 10 ** 15))" -T "$secs" -l \
    "$app_url" >"$dir/out" 2>&1) &
  bench=$!
  sleep "$warmup"
  backends=$(owner_psql -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'pgbench'")
  # shellcheck disable=SC2086 # one PID per word
  b0=$(cpu_ticks $backends)
  sleep "$duration"
  # shellcheck disable=SC2086 # one PID per word
  b1=$(cpu_ticks $backends)
  wait "$bench" || { cat "$dir/out" >&2; die "$label: pgbench failed$ran_out"; }
  # pgbench aborts a client (and exits non-zero) on any SQL error.
  # Per-transaction log: client, transaction, latency in µs, script, end (s
  # and µs).
  read -r rps p99 < <(cat "$dir"/pgbench_log.* | awk -v w="$warmup" '
    { e[NR] = $5 + $6 / 1e6; l[NR] = $3; s = e[NR] - $3 / 1e6; b[NR] = s
      if (NR == 1 || s < t0) t0 = s }
    END { for (i = 1; i <= NR; i++) print b[i] - t0 - w, e[i] - t0 - w, l[i] }' |
    awk -v d="$duration" '$1 >= 0 && $2 <= d { print $3 }' | sort -n | awk -v d="$duration" '
    { v[NR] = $1 }
    END { r = int(NR * 0.99); if (r < NR * 0.99) r++
          if (NR > 0) printf "%d %.3f\n", NR / d, v[r] / 1000; else print "0 0" }')
  rm -f "$dir"/pgbench_log.*
  if [ "$rps" -eq 0 ]; then
    cat "$dir/out" >&2
    die "$label: no transactions in pgbench's measured time"
  fi
  pg_us=$(awk -v t=$((b1 - b0)) -v hz="$(getconf CLK_TCK)" -v r="$rps" -v s="$duration" \
    'BEGIN { printf "%.0f", t / hz * 1e6 / (r * s) }')
}

median() { # VALUES... -> the median (mean of the middle two for an even count)
  printf '%s\n' "$@" | sort -g | awk '
    { v[NR] = $1 }
    END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

echo "store benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, $("$pgbin/postgres" --version)"
echo "$connections connections, one request in flight on each; sscd pool_size $pool; -T $duration s after $warmup s warm-up; $rounds round(s), alternating; medians below"
if wants approvehot; then echo "ApproveHot: $hot connections"; fi
echo "layout $layout: $where; sscd threads = 1"
echo

declare -A res
# Runs call c (CALL) once through each side with conns connections; with
# fresh = 1, on applications made for the run (supply): ssc-loadgen's call
# j approves application apps_first + j.
measure() { # ROUND CALL PGBENCH-SCRIPT PGBENCH-ARGS... -- LOADGEN-ARGS...
  local r=$1 c=$2 script=$3 pgargs=() lgargs=()
  shift 3
  while [ "$1" != -- ]; do
    pgargs+=("$1")
    shift
  done
  shift
  call=$c
  if [ "$fresh" -eq 1 ]; then
    supply "$c" $((duration + warmup))
    lgargs=(--vary-int "2:$apps_first")
  fi
  run_sscd "sscd.$c.$r" "$@" "${lgargs[@]}"
  res[sscd.$c.rps]+="$rps " res[sscd.$c.p99]+="$p99 " res[sscd.$c.cpu]+="$cpu_us "
  res[sscd.$c.pg]+="$pg_us "
  [ "$rps" -le "${best_rps[$c]:-0}" ] || best_rps[$c]=$rps
  printf 'round %d  %-10s sscd    %7d req/s  p99 %7.2f ms  CPU/call: sscd %d us, PostgreSQL %d us\n' \
    "$r" "${call_name[$c]}" "$rps" "$p99" "$cpu_us" "$pg_us"
  run_pgbench "pgbench.$c.$r" "$script" "${pgargs[@]}"
  res[pg.$c.rps]+="$rps " res[pg.$c.p99]+="$p99 " res[pg.$c.pg]+="$pg_us "
  [ "$rps" -le "${best_rps[$c]:-0}" ] || best_rps[$c]=$rps
  printf 'round %d  %-10s pgbench %7d tx/s   p99 %7.2f ms  CPU/call: PostgreSQL %d us\n' \
    "$r" "${call_name[$c]}" "$rps" "$p99" "$pg_us"
}
for r in $(seq "$rounds"); do
  for c in "${calls[@]}"; do
    conns=$connections fresh=0 ran_out=""
    case $c in
    get)
      measure "$r" get "$tmp/get.sql" "${pg_get[@]}" -- \
        --method /ssc.v1.Organisations/Get --data-hex "$get_hex" ;;
    create)
      measure "$r" create "$tmp/create.sql" "${pg_create[@]}" -- \
        --method /ssc.v1.Organisations/Create --data-hex "$create_hex" \
        --vary-key --template-name "store bench " ;;
    agrget)
      measure "$r" agrget "$tmp/agrget.sql" "${pg_agrget[@]}" -- \
        --method /ssc.v1.Agreements/Get --data-hex "$agrget_hex" ;;
    seccreate)
      measure "$r" seccreate "$tmp/seccreate.sql" "${pg_seccreate[@]}" -- \
        --method /ssc.v1.Secondments/Create --data-hex "$seccreate_hex" \
        --vary-key --template-name ref- --name-field 4 ;;
    approve | approvehot)
      # Approve: approval j on pool pool_first + j % approve_pools;
      # ApproveHot: hot connections, every approval on hot_pool.
      npools=$approve_pools pool0=$pool_first
      if [ "$c" = approvehot ]; then conns=$hot npools=1 pool0=$hot_pool; fi
      fresh=1
      ran_out=" (if the applications ran out: the run approved more than twice as many per second as --approve-rate or any run before it; raise --approve-rate)"
      measure "$r" "$c" "$tmp/approve.sql" "${pg_approve[@]}" -D "clients=$conns" \
        -D "pool0=$pool0" -D "pools=$npools" -- \
        --method /ssc.v1.Applications/Approve --data-hex "$approve_hex" --vary-key \
        --vary-int "3:$pool0:$npools" ;;
    esac
  done
done
kill -0 "$sscd_pid" 2>/dev/null || die "sscd died during the runs"

med() { # KEY -> the median of its rounds
  # shellcheck disable=SC2086 # the per-round list is split on purpose
  median ${res[$1]}
}

echo
printf '%-10s %14s %12s %14s %12s %8s\n' call "sscd req/s" "sscd p99" "pgbench tx/s" "pgbench p99" ratio
for c in "${calls[@]}"; do
  s=$(med "sscd.$c.rps") p=$(med "pg.$c.rps")
  rt=$(ratio "$s" "$p")
  verdict=ok
  awk -v x="$rt" 'BEGIN { exit !(x >= 0.7) }' || verdict="TARGET MISSED"
  printf '%-10s %14.0f %9.2f ms %14.0f %9.2f ms %8s  (target >= 0.70: %s)\n' \
    "${call_name[$c]}" "$s" "$(med "sscd.$c.p99")" "$p" "$(med "pg.$c.p99")" "$rt" "$verdict"
done
cpu_line="CPU per call through sscd (medians):"
for c in "${calls[@]}"; do
  cpu_line+=" ${call_name[$c]}: sscd $(med "sscd.$c.cpu") us, PostgreSQL $(med "sscd.$c.pg") us;"
done
echo "${cpu_line%;}"
cpu_line="CPU per call of pgbench's PostgreSQL backends (medians):"
for c in "${calls[@]}"; do
  cpu_line+=" ${call_name[$c]}: $(med "pg.$c.pg") us;"
done
echo "${cpu_line%;}"
