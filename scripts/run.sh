#!/usr/bin/env bash
# The main job: install what is missing, build, create a private PostgreSQL
# cluster and development certificates under var/, apply the migrations,
# start sscd and walk through the programme's set-up with ssc.
#
#   scripts/run.sh [--database URL [--owner-database URL2]]
#   scripts/run.sh --stop
#
# Without --database the store is a private cluster in var/pg (scripts/pg.sh:
# reachable only through its socket there). --database URL uses a real server
# instead: URL is what sscd connects with, and also what `sscd migrate` and
# `sscd add-admin` use unless --owner-database names the owner's URL.
#
# sscd keeps running afterwards (var/sscd.pid, log in var/sscd.log), and so
# does the private cluster; running this script again restarts sscd and
# repeats the walk-through, which changes nothing the second time: every
# change is sent with a fixed idempotency key, so the server answers a repeat
# with the first result. `scripts/run.sh --stop` stops sscd and the cluster.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
var=$root/var
port=${SSC_PORT:-50051}
database=""
owner_database=""

usage() {
  echo "usage: $0 [--database URL [--owner-database URL2]] | --stop" >&2
  exit 2
}

stop_sscd() {
  if [ -f "$var/sscd.pid" ] && kill -0 "$(cat "$var/sscd.pid")" 2>/dev/null; then
    kill -TERM "$(cat "$var/sscd.pid")"
    for _ in $(seq 100); do
      kill -0 "$(cat "$var/sscd.pid")" 2>/dev/null || break
      sleep 0.1
    done
  fi
  rm -f "$var/sscd.pid"
}

while [ $# -gt 0 ]; do
  case $1 in
  --stop)
    stop_sscd
    if [ -f "$var/pg/PG_VERSION" ]; then
      bash "$root/scripts/pg.sh" stop "$var/pg"
    fi
    exit 0
    ;;
  --database)
    [ $# -ge 2 ] || usage
    database=$2
    shift 2
    ;;
  --database=*)
    database=${1#*=}
    shift
    ;;
  --owner-database)
    [ $# -ge 2 ] || usage
    owner_database=$2
    shift 2
    ;;
  --owner-database=*)
    owner_database=${1#*=}
    shift
    ;;
  *) usage ;;
  esac
done
if [ -n "$owner_database" ] && [ -z "$database" ]; then
  echo "$0: --owner-database needs --database" >&2
  exit 2
fi

echo "==> installing missing packages"
bash "$root/scripts/deps.sh"
echo "==> building"
bash "$root/scripts/build.sh" "$root/build"
sscd=$root/build/daemon/sscd
ssc=$root/build/client/ssc

mkdir -p "$var"
if [ -n "$database" ]; then
  echo "==> the database: $database"
  app_url=$database
  owner_url=${owner_database:-$database}
else
  echo "==> a private PostgreSQL cluster in var/pg"
  urls=$(bash "$root/scripts/pg.sh" setup "$var/pg")
  owner_url=$(grep 'user=ssc_owner' <<<"$urls")
  app_url=$(grep 'user=ssc_app' <<<"$urls")
fi

echo "==> development certificates in var/certs"
bash "$root/scripts/dev-certs.sh" "$var/certs" admin secretariat secretariat-2 ministry-a \
  ministry-b reconciler auditor embassy-hanoi

# The URLs may hold a password: keep the file to ourselves.
(
  umask 077
  cat >"$var/sscd.ini" <<INI
; written by scripts/run.sh
[server]
listen = 127.0.0.1:$port
shutdown_grace_s = 10

[tls]
cert = certs/server.pem
key = certs/server.key
client_ca = certs/ca.pem
client_auth = require

[database]
url = $app_url
owner_url = $owner_url
INI
)

stop_sscd
echo "==> sscd migrate"
"$sscd" migrate --config "$var/sscd.ini"
echo "==> sscd add-admin: var/certs/admin.pem is the first admin"
"$sscd" add-admin --config "$var/sscd.ini" --cert "$var/certs/admin.pem" \
  --name "operator (scripts/run.sh)"

echo "==> starting sscd on 127.0.0.1:$port"
"$sscd" --config "$var/sscd.ini" >>"$var/sscd.log" 2>&1 &
echo $! >"$var/sscd.pid"

export SSC_ENDPOINT=localhost:$port SSC_CA=$var/certs/ca.pem \
  SSC_CERT=$var/certs/admin.pem SSC_KEY=$var/certs/admin.key
up=0
for _ in $(seq 100); do
  if "$ssc" --timeout 1 health >/dev/null 2>&1; then
    up=1
    break
  fi
  kill -0 "$(cat "$var/sscd.pid")" 2>/dev/null || break
  sleep 0.1
done
if [ "$up" -ne 1 ]; then
  echo "sscd did not come up; the end of var/sscd.log:" >&2
  tail -n 20 "$var/sscd.log" >&2
  exit 1
fi

echo "==> ssc health"
"$ssc" health

# ---- the walk-through ---------------------------------------------------------

# The words given, quoted where a shell would need it, for showing commands.
words() {
  local w out=""
  for w in "$@"; do
    if [[ $w =~ ^[A-Za-z0-9_./:=,+-]+$ ]]; then
      out+=" $w"
    else
      out+=" '${w//\'/\'\\\'\'}'"
    fi
  done
  printf '%s' "${out# }"
}

# as WHO ARGS...: runs ssc with var/certs/WHO.pem, showing the command first.
as() {
  local who=$1
  shift
  echo "--- $who\$ ssc $(words "$@")"
  SSC_CERT=$var/certs/$who.pem SSC_KEY=$var/certs/$who.key "$ssc" "$@"
}

# The id in ssc's compact JSON for one object ({"id":N,...}).
json_id() {
  sed -nE 's/^\{"id":([0-9]+),.*/\1/p'
}

# org DEST KEY ARGS...: the admin registers an organisation with idempotency
# key KEY and stores its id in the variable named DEST. A repeat with the
# same key gets the same organisation back. Should the key be unknown while
# the organisation exists (var/certs was made afresh, so the admin is a new
# principal, with keys of its own), the organisation is looked up by name
# and country instead, and reused_keys is set.
reused_keys=0
org() {
  local dest=$1 key=$2 out rc=0 name="" country=""
  shift 2
  local args=("$@")
  for ((i = 0; i < ${#args[@]}; i++)); do
    case ${args[i]} in
    --name) name=${args[i + 1]} ;;
    --country) country=${args[i + 1]} ;;
    esac
  done
  echo "--- admin\$ ssc org add $(words "$@") --idempotency-key $key"
  out=$("$ssc" --json org add "$@" --idempotency-key "$key" 2>"$var/ssc.err") || rc=$?
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 7 ]; then
    cat "$var/ssc.err" >&2
    exit "$rc"
  fi
  if [ "$rc" -eq 7 ]; then
    out=$("$ssc" --json org list --country "$country" --all | tr '{' '\n' |
      grep -F "\"name\":\"$name\"," | sed 's/^/{/')
    echo "    (registered before, under another key: reusing it)"
    reused_keys=1
  fi
  printf -v "$dest" '%s' "$(json_id <<<"$out")"
  [ -n "${!dest}" ] || {
    echo "could not find the id of $name in: $out" >&2
    exit 1
  }
  echo "    id ${!dest}: $name ($country)"
}

# principal WHO KEY ARGS...: the admin registers var/certs/WHO.pem (by its
# fingerprint, computed by ssc) with idempotency key KEY.
principal() {
  local who=$1 key=$2 rc=0
  shift 2
  echo "--- admin\$ ssc principal add --cert var/certs/$who.pem $(words "$@") --idempotency-key $key"
  "$ssc" principal add --cert "$var/certs/$who.pem" "$@" \
    --idempotency-key "$key" || rc=$?
  if [ "$rc" -eq 7 ]; then
    echo "    (var/certs/$who.pem was registered before, under another key)"
  elif [ "$rc" -ne 0 ]; then
    exit "$rc"
  fi
}

# Shows an expected refusal: its one stderr line and its exit status.
refused() {
  local rc=0
  "$@" 2>&1 || rc=$?
  echo "    (refused as it should be: exit status $rc)"
}

echo
echo "==> the operator (admin) registers the secretariat at the Ministry of Foreign Affairs"
org sec run-org-secretariat --name "Sekretariatet for Myndighedssamarbejde" \
  --kind secretariat --country DK

echo
echo "==> ... the Danish authorities: line ministries and their agencies"
org kefm run-org-kefm --name "Ministry of Climate, Energy and Utilities" \
  --kind danish-authority --country DK --short-name KEFM
org dea run-org-dea --name "Danish Energy Agency" --kind danish-authority \
  --country DK --short-name DEA --parent "$kefm"
org dmi run-org-dmi --name "Danish Meteorological Institute" \
  --kind danish-authority --country DK --short-name DMI --parent "$kefm"
org dst run-org-dst --name "Statistics Denmark" --kind danish-authority \
  --country DK --short-name DST

echo
echo "==> ... their partner authorities and the embassy in Hanoi"
org erea run-org-erea --name "Electricity and Renewable Energy Authority" \
  --kind partner-authority --country VN --short-name EREA
org moe_ke run-org-moe-ke --name "Ministry of Energy" --kind partner-authority \
  --country KE --short-name MoE
org gss run-org-gss --name "Ghana Statistical Service" \
  --kind partner-authority --country GH --short-name GSS
org hanoi run-org-hanoi --name "Embassy of Denmark in Hanoi" --kind embassy \
  --country VN

echo
echo "==> ... and regions with cooperation agreements of their own (the seeds)"
org midtjylland run-org-midtjylland --name "Region Midtjylland" --kind region --country DK
org slagelse run-org-slagelse --name "Slagelse Kommune" --kind region --country DK
org shanghai run-org-shanghai --name "Shanghai Municipality" --kind region \
  --country CN
org gyor run-org-gyor --name "Győr-Moson-Sopron County" --kind region --country HU
org bacs run-org-bacs --name "Bács-Kiskun County" --kind region --country HU
org leningrad run-org-leningrad --name "Leningrad Oblast" --kind region \
  --country RU

if [ "$reused_keys" -eq 0 ]; then
  echo
  echo "==> the same request with the same idempotency key again: the same organisation, nothing written"
  as admin org add --name "Danish Energy Agency" --kind danish-authority \
    --country DK --short-name DEA --parent "$kefm" --idempotency-key run-org-dea
  echo "==> the same key with another request is refused"
  refused as admin org add --name "Danish Energy Agency North" \
    --kind danish-authority --country DK --idempotency-key run-org-dea
fi

echo
echo "==> the admin says which certificate is who (ssc sends the SHA-256 fingerprint of each)"
principal secretariat run-principal-secretariat --role secretariat \
  --org "$sec" --name "Secretariat desk officer"
principal secretariat-2 run-principal-secretariat-2 --role secretariat \
  --org "$sec" --name "Secretariat head of section"
principal ministry-a run-principal-ministry-a --role ministry --org "$dea" \
  --name "DEA, Centre for Global Cooperation"
principal ministry-b run-principal-ministry-b --role ministry --org "$dst" \
  --name "DST, International Consulting"
principal reconciler run-principal-reconciler --role reconciler --org "$sec" \
  --name "payroll reconciliation job"
principal auditor run-principal-auditor --role auditor \
  --name "National Audit Office (Rigsrevisionen)"
echo
as admin principal list --all

echo
echo "==> the Danish Energy Agency keeps its own record up to date (ministry-a: Energistyrelsen, ENS)"
as ministry-a org update "$dea" --short-name ENS --idempotency-key run-update-dea
echo "==> ... but may not touch another authority's record, nor register organisations"
refused as ministry-a org update "$dst" --short-name X
refused as ministry-a org add --name "Danish Energy Agency II" \
  --kind danish-authority --country DK

echo
echo "==> everyone reads the organisations (the secretariat lists them)"
as secretariat org list --all
echo
echo "==> ... the Vietnamese ones"
as secretariat org list --country VN

echo
echo "==> the sectors (OECD-DAC purpose codes) cooperation is filed under"
as ministry-b sector list --all

# shellcheck source=scripts/walk-record.sh
. "$root/scripts/walk-record.sh"
# shellcheck source=scripts/walk-funding.sh
. "$root/scripts/walk-funding.sh"
# shellcheck source=scripts/walk-payroll.sh
. "$root/scripts/walk-payroll.sh"

echo
echo "==> the audit trail: who changed what, when (the auditor reads it)"
as auditor audit list --all
echo
echo "==> ... and checks that no entry was rewritten"
as auditor audit verify

cat <<MSG

sscd is running (pid $(cat "$var/sscd.pid"), log var/sscd.log), on the
database in var/sscd.ini. To use it as the admin:
  export SSC_ENDPOINT=$SSC_ENDPOINT SSC_CA=$SSC_CA \\
         SSC_CERT=$SSC_CERT SSC_KEY=$SSC_KEY
  build/client/ssc org list
(var/certs also has secretariat, secretariat-2, ministry-a, ministry-b, reconciler,
auditor and embassy-hanoi certificates.) Stop sscd and the cluster with: scripts/run.sh --stop
MSG
