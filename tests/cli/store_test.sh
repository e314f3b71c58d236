#!/usr/bin/env bash
# store_test.sh - the ssc commands of the store end to end: real PostgreSQL,
# real sscd, real ssc.
#
#   tests/cli/store_test.sh SSCD SSC SOURCE_DIR
#
# Starts a private PostgreSQL cluster (scripts/pg.sh setup) and a development
# PKI (scripts/dev-certs.sh) in a temp dir under /tmp, applies the migrations
# (sscd migrate), makes the admin certificate an admin (sscd add-admin),
# starts sscd, and then drives ssc as the people in ../shared/domain.md do:
# the admin registers the secretariat, Danish authorities, partner
# authorities, an embassy and regions, and the principals for the dev
# certificates; then it checks what a user or a script sees: tables, --json
# (parsed), paging, idempotency, and the exit status and one stderr line of
# every failure class (validation 5, not found 6, duplicate 7, wrong role 8).
# Prints one line per case and "N passed, M failed". KEEP=1 keeps the temp
# dir (and leaves the cluster running) for a look afterwards.
set -uo pipefail

if [ $# -ne 3 ]; then
  echo "usage: $0 SSCD SSC SOURCE_DIR" >&2
  exit 2
fi
sscd_bin=$1
ssc_bin=$2
src=$3
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/cli/stack.sh
. "$(dirname "$0")/stack.sh"
stack_workdir ssc-store-test

die() {
  echo "store_test: $*" >&2
  exit 1
}

# ---- setup ----------------------------------------------------------------

stack_setup admin secretariat ministry-a ministry-b reconciler auditor stranger

"$sscd_bin" migrate --config "$tmp/sscd.ini" >"$tmp/migrate.out" 2>&1 ||
  die "sscd migrate failed: $(cat "$tmp/migrate.out")"
pass "sscd migrate"
"$sscd_bin" migrate --config "$tmp/sscd.ini" >"$tmp/migrate2.out" 2>&1 ||
  die "sscd migrate (again) failed: $(cat "$tmp/migrate2.out")"
pass "sscd migrate again is a no-op"
"$sscd_bin" add-admin --config "$tmp/sscd.ini" --cert "$certs/admin.pem" \
  --name "operator" >"$tmp/add-admin.out" 2>&1 ||
  die "sscd add-admin failed: $(cat "$tmp/add-admin.out")"
pass "sscd add-admin"

stack_start

# Adds an organisation as admin and stores its id in the variable named $1.
add_org() {
  local var=$1
  shift
  as admin --json org add "$@"
  if [ "$rc" -ne 0 ]; then
    fail "org add $*" "exit status $rc: $err"
    printf -v "$var" '%s' 0
    return
  fi
  printf -v "$var" '%s' "$(js 'd["id"]')"
  pass "org add $2 ($(js 'd["kind"]'), $(js 'd["country"]'))"
}

# ---- sectors ----------------------------------------------------------------

as admin sector list --all
expect "sector list" 0
if printf '%s\n' "${out%%$'\n'*}" | grep -Eq '^CODE +CATEGORY +NAME$' &&
  printf '%s\n' "$out" | grep -Eq '^23110 +231 +'; then
  pass "sector list: header and 23110 energy policy"
else
  fail "sector list: header and 23110" "stdout: ${out:0:400}"
fi

as admin --json sector list --category 231 --all
expect "sector list --category 231 --json" 0
check "sector list --category 231: only 231, 23110 among them" \
  'all(s["category"] == "231" and s["code"].startswith("231") for s in d["sectors"]) and "23110" in [s["code"] for s in d["sectors"]] and d["next_page_token"] == ""'

as admin --json sector list --all --page-size 500
all_sectors=$(js '[s["code"] for s in d["sectors"]]')
as admin --json sector list --all --page-size 2
check "sector list --page-size 2 --all: every sector once, in order" \
  "[s['code'] for s in d['sectors']] == $all_sectors and len(d['sectors']) > 2"

# ---- organisations ------------------------------------------------------------

add_org sec --name "Sekretariatet for Myndighedssamarbejde" --kind secretariat \
  --country DK --short-name SMS
add_org kefm --name "Ministry of Climate, Energy and Utilities" \
  --kind danish-authority --country DK --short-name KEFM
add_org dea --name "Danish Energy Agency" --kind danish-authority \
  --country DK --short-name DEA --parent "$kefm"
add_org dst --name "Statistics Denmark" --kind danish-authority --country DK \
  --short-name DST
add_org dmi --name "Danish Meteorological Institute" --kind danish-authority \
  --country DK --short-name DMI --parent "$kefm"
add_org erea --name "Electricity and Renewable Energy Authority" \
  --kind partner-authority --country VN --short-name EREA
add_org moe_ke --name "Ministry of Energy" --kind partner-authority \
  --country KE
add_org gss --name "Ghana Statistical Service" --kind partner-authority \
  --country GH --short-name GSS
add_org hanoi --name "Embassy of Denmark in Hanoi" --kind embassy --country VN
add_org rm --name "Region Midtjylland" --kind region --country DK
add_org gyor --name "Győr-Moson-Sopron megye" --kind region --country HU
add_org shanghai --name "上海市 Shanghai Municipality" --kind region --country CN

as admin org show "$dea"
expect "org show" 0
if [ "$(printf '%s\n' "${out%%$'\n'*}")" = "$(printf '%s\n' "${out%%$'\n'*}" | sed -E 's/ +$//')" ] &&
  printf '%s\n' "${out%%$'\n'*}" | grep -Eq '^ID +NAME +SHORT +KIND +COUNTRY +PARENT +VERSION$' &&
  printf '%s\n' "$out" | sed -n 2p | grep -Eq "^ *$dea +Danish Energy Agency +DEA +danish-authority +DK +$kefm +1\$"; then
  pass "org show: header and one row"
else
  fail "org show: header and one row" "stdout: $out"
fi

as admin --json org show "$dea"
check "org show --json: every field" \
  "d['id'] == $dea and d['name'] == 'Danish Energy Agency' and d['short_name'] == 'DEA' and d['kind'] == 'danish-authority' and d['country'] == 'DK' and d['parent_id'] == $kefm and d['version'] == 1 and d['created_at'].endswith('Z') and d['updated_at'] != ''"

as admin org list --all
expect "org list --all" 0
if printf '%s' "$out" | grep -q $'\033'; then
  fail "org list: no ANSI escapes when piped" "found one"
else
  pass "org list: no ANSI escapes when piped"
fi
# Columns line up on a terminal: every cell of the KIND column starts at the
# header's column, counting East Asian wide characters as two columns and
# combining marks as none (the names include "ő" and "上海市").
printf '%s\n' "$out" >"$tmp/table.txt"
if "$python" - "$tmp/table.txt" <<'EOF'; then
import sys, unicodedata
def cols(s):
    return sum(0 if unicodedata.combining(c) else
               2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
col = lines[0].index("KIND")
def at(line):  # the character index where column col starts
    for i in range(len(line) + 1):
        if cols(line[:i]) >= col:
            return i
ok = len(lines) > 10
for l in lines[1:]:
    i = at(l)
    ok = ok and cols(l[:i]) == col and l[i - 2:i] == "  " and l[i] != " "
sys.exit(0 if ok else 1)
EOF
  pass "org list: columns aligned on a terminal (UTF-8, CJK names)"
else
  fail "org list: columns aligned" "$out"
fi
if printf '%s\n' "$out" | grep -Eq "^ *$moe_ke +Ministry of Energy +- +partner-authority +KE +- +1\$"; then
  pass "org list: empty short name and no parent show as -"
else
  fail "org list: - for empty cells" "$out"
fi

as admin --json org list --all --page-size 500
expect "org list --json" 0
all_orgs=$(js '[o["id"] for o in d["organisations"]]')
check "org list --json: all twelve, in id order" \
  "len(d['organisations']) == 12 and $all_orgs == sorted($all_orgs) and d['next_page_token'] == ''"

as admin --json org list --page-size 2 --all
check "org list --page-size 2 --all: every organisation exactly once" \
  "[o['id'] for o in d['organisations']] == $all_orgs"

as admin --json org list --page-size 2
check "org list --page-size 2: one page and a token" \
  "len(d['organisations']) == 2 and d['next_page_token'] != ''"
token=$(js 'd["next_page_token"]')
as admin --json org list --page-size 2 --page-token "$token"
check "org list --page-token: the next page" \
  "[o['id'] for o in d['organisations']] == $all_orgs[2:4]"

as admin --json org list --kind danish-authority --all
check "org list --kind danish-authority" \
  "sorted(o['id'] for o in d['organisations']) == sorted([$kefm, $dea, $dst, $dmi])"
as admin --json org list --country VN --all
check "org list --country VN" \
  "sorted(o['id'] for o in d['organisations']) == sorted([$erea, $hanoi])"

# ---- organisations: failures --------------------------------------------------

as admin org add --name "Danish Energy Agency" --kind danish-authority --country dk
expect_err "country in lower case: INVALID_ARGUMENT (5)" 5 \
  '^ssc: org add: INVALID_ARGUMENT: country: .*"dk"'
as admin org add --name "Danish Energy Agency" --kind danish-authority --country DNK
expect_err "three-letter country: 5" 5 '^ssc: org add: INVALID_ARGUMENT: country: '
as admin org add --name "" --kind danish-authority --country DK
expect_err "empty name: 5" 5 '^ssc: org add: INVALID_ARGUMENT: name: '
as admin org add --name "   " --kind danish-authority --country DK
expect_err "blank name: 5" 5 '^ssc: org add: INVALID_ARGUMENT: name: '
as admin org add --name "$(printf 'x%.0s' $(seq 201))" --kind region --country DK
expect_err "name of 201 characters: 5" 5 '^ssc: org add: INVALID_ARGUMENT: name: '
as admin org add --name "Somewhere" --kind region --country DK \
  --short-name "$(printf 'S%.0s' $(seq 33))"
expect_err "short name of 33 characters: 5" 5 \
  '^ssc: org add: INVALID_ARGUMENT: short_name: '
as admin org add --name "Agency of Nothing" --kind danish-authority --country DK \
  --parent "$erea"
expect_err "parent not a Danish authority: 5" 5 \
  '^ssc: org add: INVALID_ARGUMENT: parent_id: '
as admin org add --name "Agency of Nothing" --kind danish-authority --country DK \
  --parent 999999
expect_err "parent that does not exist: 5" 5 \
  '^ssc: org add: INVALID_ARGUMENT: parent_id: '
as admin org update "$kefm" --parent "$dea"
expect_err "parent loop: 5" 5 '^ssc: org update: INVALID_ARGUMENT: parent_id: .*loop'

as admin org add --name "danish energy agency" --kind danish-authority --country DK
expect_err "duplicate (name, country), any case: ALREADY_EXISTS (7)" 7 \
  '^ssc: org add: ALREADY_EXISTS: '
as admin org add --name "Danish Energy Agency" --kind partner-authority --country VN
expect "same name in another country is another organisation" 0

as admin org show 999999
expect_err "org show of no such id: NOT_FOUND (6)" 6 '^ssc: org show: NOT_FOUND: '
as admin org update 999999 --name "Nobody"
expect_err "org update of no such id: 6" 6 '^ssc: org update: NOT_FOUND: '

as admin org add --name X --kind ministry --country DK
expect_err "unknown kind: usage (2)" 2 '^ssc: org add: --kind: unknown value "ministry"'
as admin org update "$dea"
expect_err "org update without fields: usage (2)" 2 '^ssc: org update: nothing to change'
as admin org show
expect_err "org show without ID: usage (2)" 2 '^ssc: org show: missing ID'
as admin org list --page-size 0
expect_err "org list --page-size 0: usage (2)" 2 '^ssc: org list: --page-size: must be at least 1, not 0'
as auditor audit list --page-size many
expect_err "audit list --page-size many: usage (2)" 2 '^ssc: audit list: --page-size: '

# ---- organisations: update ------------------------------------------------------

as admin --json org update "$dst" --name "Danmarks Statistik" --expected-version 1
expect "org update --expected-version 1" 0
check "org update: name changed, version 2, the rest kept" \
  "d['name'] == 'Danmarks Statistik' and d['version'] == 2 and d['short_name'] == 'DST' and d['country'] == 'DK'"
as admin org update "$dst" --name "Statistics Denmark" --expected-version 1
expect_err "stale --expected-version: FAILED_PRECONDITION (5)" 5 \
  '^ssc: org update: FAILED_PRECONDITION: expected version 1, found 2'
as admin --json org update "$dst" --short-name "" --name "Statistics Denmark"
check "org update: two fields at once; short name cleared" \
  "d['name'] == 'Statistics Denmark' and d['short_name'] == '' and d['version'] == 3"
as admin --json org update "$dmi" --parent 0
check "org update --parent 0 clears the parent" "d['parent_id'] == 0"

# ---- idempotency ------------------------------------------------------------------

as admin --json org add --name "Kenya Power" --kind partner-authority --country KE \
  --idempotency-key store-test-k1
expect "org add with --idempotency-key" 0
first=$out
k1_id=$(js 'd["id"]')
as admin --json org list --all --page-size 500
count_before=$(js 'len(d["organisations"])')
as admin --json audit list --all --page-size 500
audit_before=$(js 'len(d["entries"])')
as admin --json org add --name "Kenya Power" --kind partner-authority --country KE \
  --idempotency-key store-test-k1
expect "the same request with the same key again" 0
if [ "$out" = "$first" ]; then
  pass "the retry returns the first result, unchanged (id $k1_id)"
else
  fail "the retry returns the first result" "first $first, then $out"
fi
as admin --json org list --all --page-size 500
check "the retry wrote no organisation" "len(d['organisations']) == $count_before"
as admin --json audit list --all --page-size 500
check "the retry wrote no audit entry" "len(d['entries']) == $audit_before"
as admin org add --name "Kenya Power Ltd" --kind partner-authority --country KE \
  --idempotency-key store-test-k1
expect_err "the same key with another request: ALREADY_EXISTS (7)" 7 \
  '^ssc: org add: ALREADY_EXISTS: idempotency key "store-test-k1"'
as admin --json org update "$rm" --short-name RM --idempotency-key store-test-k2
v1=$(js 'd["version"]')
as admin --json org update "$rm" --short-name RM --idempotency-key store-test-k2
check "an update retried with its key is applied once" \
  "d['version'] == $v1 and d['short_name'] == 'RM'"

as admin --verbose org add --name "Ghana Energy Commission" --kind partner-authority \
  --country GH
if [ "$rc" -eq 0 ] && printf '%s' "$err" | grep -Eq '^ssc: org add: idempotency key [0-9a-f]{32}$'; then
  pass "--verbose shows the generated 128-bit key"
else
  fail "--verbose shows the key" "status $rc, stderr: $err"
fi
as admin --verbose --endpoint "127.0.0.1:$(free_port)" org add --name X \
  --kind region --country DK --idempotency-key store-test-k3
if [ "$rc" -eq 3 ] && printf '%s' "$err" | grep -q 'retrying once with the same idempotency key' &&
  [ "$(printf '%s' "$err" | grep -c 'UNAVAILABLE')" -eq 2 ]; then
  pass "UNAVAILABLE is retried once with the same key, then exit 3"
else
  fail "UNAVAILABLE retried once" "status $rc, stderr: $err"
fi

# ---- principals ----------------------------------------------------------------------

fp() {
  openssl x509 -in "$certs/$1.pem" -outform DER | sha256sum | cut -d' ' -f1
}

as admin --json principal add --cert "$certs/secretariat.pem" --role secretariat \
  --org "$sec" --name "Secretariat desk"
expect "principal add --cert (secretariat)" 0
check "principal add --cert: the fingerprint of the DER, computed locally" \
  "d['fingerprint'] == '$(fp secretariat)' and d['subject'] == '' and d['role'] == 'secretariat' and d['organisation_id'] == $sec and d['active'] == True"
p_sec=$(js 'd["id"]')

as admin --json principal add --fingerprint "$(fp ministry-a | tr a-f A-F | sed 's/../&:/g; s/:$//')" \
  --role ministry --org "$dea" --name "DEA programme officer"
expect "principal add --fingerprint AB:CD:... (ministry-a)" 0
check "--fingerprint in OpenSSL's spelling is normalised" \
  "d['fingerprint'] == '$(fp ministry-a)'"
p_ma=$(js 'd["id"]')

as admin --json principal add --subject "CN=ministry-b,O=ssc-dev" --role ministry \
  --org "$dst" --name "DST international unit"
expect "principal add --subject (ministry-b)" 0
p_mb=$(js 'd["id"]')

as admin --json principal add --cert "$certs/reconciler.pem" --role reconciler \
  --org "$sec" --name "payroll reconciliation job"
expect "principal add (reconciler)" 0
as admin --json principal add --cert "$certs/auditor.pem" --role auditor \
  --name "National Audit Office"
expect "principal add (auditor, no organisation)" 0

as admin principal add --cert "$certs/auditor.pem" --role auditor
expect_err "the same certificate twice: 7" 7 '^ssc: principal add: ALREADY_EXISTS: '
as admin principal add --fingerprint xyz --role auditor
expect_err "malformed fingerprint: 5" 5 '^ssc: principal add: INVALID_ARGUMENT: fingerprint'
as admin principal add --cert "$certs/stranger.pem" --role ministry
expect_err "ministry without an organisation: 5" 5 '^ssc: principal add: INVALID_ARGUMENT: '
as admin principal add --cert "$certs/stranger.pem" --role ministry --org 999999
if [ "$rc" -eq 5 ] || [ "$rc" -eq 6 ]; then
  expect_err "organisation that does not exist: 5 or 6" "$rc" '^ssc: principal add: (INVALID_ARGUMENT|NOT_FOUND|FAILED_PRECONDITION): '
else
  fail "organisation that does not exist" "status $rc, stderr $err"
fi
as admin principal add --subject "CN=x" --fingerprint "$(fp stranger)" --role auditor
expect_err "--subject and --fingerprint together: usage (2)" 2 \
  '^ssc: principal add: give exactly one of'
as admin principal add --cert "$tmp/none.pem" --role auditor
expect_err "--cert of a missing file: 2" 2 '^ssc: principal add: could not read certificate'
as admin principal disable 999999
expect_err "principal disable of no such id: 6" 6 '^ssc: principal disable: NOT_FOUND: '

as stranger org list
expect_err "a certificate that is nobody: UNAUTHENTICATED (8)" 8 \
  '^ssc: org list: UNAUTHENTICATED: '

# ssc's own --cert before the command, the principal's after it.
env -i PATH="$PATH" HOME="$tmp" ${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS} \
  "$ssc_bin" --endpoint "localhost:$port" --ca "$certs/ca.pem" \
  --cert "$certs/admin.pem" --key "$certs/admin.key" --json \
  principal add --cert "$certs/stranger.pem" --role auditor --name stranger \
  >"$tmp/ssc.out" 2>"$tmp/ssc.err"
rc=$?
out=$(cat "$tmp/ssc.out")
err=$(cat "$tmp/ssc.err")
expect "global --cert before the command, principal's --cert after" 0
check "... registered the stranger's fingerprint" "d['fingerprint'] == '$(fp stranger)'"
p_stranger=$(js 'd["id"]')

as admin principal list --all
expect "principal list" 0
if printf '%s\n' "${out%%$'\n'*}" | grep -Eq '^ID +ROLE +ORG +ACTIVE +NAME +SUBJECT +FINGERPRINT$'; then
  pass "principal list: header"
else
  fail "principal list: header" "$out"
fi
as admin --json principal list --all --page-size 500
all_principals=$(js '[p["id"] for p in d["principals"]]')
check "principal list: the admin and six more" "len(d['principals']) == 7"
as admin --json principal list --page-size 2 --all
check "principal list --page-size 2 --all: every principal once" \
  "[p['id'] for p in d['principals']] == $all_principals"
as admin --json principal list --org "$dea" --all
check "principal list --org" "[p['id'] for p in d['principals']] == [$p_ma]"

# ---- roles ---------------------------------------------------------------------------

as secretariat --json org add --name "Danish Agency for Higher Education and Science" \
  --kind danish-authority --country DK --idempotency-key store-test-k1
expect "the secretariat adds an organisation (keys are per principal)" 0
as secretariat principal list
expect_err "secretariat may not list principals: PERMISSION_DENIED (8)" 8 \
  '^ssc: principal list: PERMISSION_DENIED: '
as ministry-a org add --name "Danish Energy Agency II" --kind danish-authority --country DK
expect_err "a ministry may not add organisations: 8" 8 '^ssc: org add: PERMISSION_DENIED: '
as ministry-a --json org update "$dea" --short-name ENS
expect "a ministry updates its own organisation" 0
as ministry-a org update "$dst" --short-name X
expect_err "a ministry may not update another's: 8" 8 '^ssc: org update: PERMISSION_DENIED: '
as ministry-b --json org list --all
expect "ministry-b (matched by subject) reads organisations" 0
as auditor org add --name "Audit Office" --kind region --country DK
expect_err "the auditor changes nothing: 8" 8 '^ssc: org add: PERMISSION_DENIED: '
as reconciler principal disable "$p_ma"
expect_err "the reconciler may not disable principals: 8" 8 \
  '^ssc: principal disable: PERMISSION_DENIED: '

as admin --json principal disable "$p_mb"
expect "principal disable" 0
check "principal disable: active false" "d['id'] == $p_mb and d['active'] == False"
as ministry-b org list
expect_err "a disabled principal: UNAUTHENTICATED (8)" 8 '^ssc: org list: UNAUTHENTICATED: '
as admin --json principal disable "$p_stranger"
expect "principal disable (the stranger)" 0
as stranger org list
expect_err "a disabled principal matched by fingerprint: 8" 8 \
  '^ssc: org list: UNAUTHENTICATED: '

# ---- audit -------------------------------------------------------------------------------

as auditor audit verify
if [ "$rc" -eq 0 ] && printf '%s' "$out" | grep -Eq '^audit chain intact: [0-9]+ entries$'; then
  pass "audit verify: intact"
else
  fail "audit verify" "status $rc, stdout $out, stderr $err"
fi
as auditor --json audit verify
check "audit verify --json" "d['ok'] == True and d['entries_checked'] > 20 and d['first_broken_seq'] == 0"

as auditor audit list --all
expect "audit list" 0
if printf '%s\n' "${out%%$'\n'*}" | grep -Eq '^SEQ +AT +PRINCIPAL +METHOD +ENTITY +ENTITY_ID$' &&
  printf '%s\n' "$out" | grep -Eq "/ssc.v1.Organisations/Create +organisation +$dea\$"; then
  pass "audit list: header, and the DEA's creation"
else
  fail "audit list: table" "${out:0:600}"
fi
as auditor --json audit list --all --page-size 500
all_seqs=$(js '[e["seq"] for e in d["entries"]]')
check "audit list --json: seq strictly increasing" \
  "all(a < b for a, b in zip($all_seqs, $all_seqs[1:]))"
check "audit list --json: before/after as JSON, hashes as hex" \
  "all(len(e['hash']) == 64 and len(e['prev_hash']) == 64 for e in d['entries']) and any(e['entity'] == 'organisation' and e['before'] is None and e['after']['name'] == 'Danish Energy Agency' for e in d['entries'])"
check "audit list --json: chained" \
  "all(a['hash'] == b['prev_hash'] for a, b in zip(d['entries'], d['entries'][1:]))"
check "audit list: the secretariat's changes carry its certificate" \
  "any(e['principal'] == 'sha256:$(fp secretariat)' for e in d['entries'])"
as auditor --json audit list --page-size 2 --all
check "audit list --page-size 2 --all: every entry once" \
  "[e['seq'] for e in d['entries']] == $all_seqs"
as auditor --json audit list --entity principal --all
check "audit list --entity principal" \
  "len(d['entries']) >= 7 and all(e['entity'] == 'principal' for e in d['entries'])"
third=$(printf '%s' "$all_seqs" | "$python" -c 'import json,sys; print(json.load(sys.stdin)[2])')
as auditor --json audit list --after "$third" --all
check "audit list --after SEQ" "[e['seq'] for e in d['entries']] == $all_seqs[3:]"
as ministry-a --json audit list --all
check "a ministry sees only its own organisation's entries" \
  "len(d['entries']) > 0 and all(e['organisation_id'] == $dea for e in d['entries'])"

# ---- sanitizers --------------------------------------------------------------------------

sanitizer='ERROR: AddressSanitizer|runtime error:|LeakSanitizer'
if grep -qE "$sanitizer" "$tmp/ssc-all.log" "$tmp/sscd.err" 2>/dev/null; then
  fail "no sanitizer reports" "$(grep -hE "$sanitizer" "$tmp/ssc-all.log" "$tmp/sscd.err" | head -5)"
else
  pass "no sanitizer reports"
fi

kill -TERM "$sscd_pid"
sscd_rc=0
wait "$sscd_pid" || sscd_rc=$?
sscd_pid=""
if [ "$sscd_rc" -eq 0 ]; then
  pass "SIGTERM: sscd exits 0"
else
  fail "SIGTERM: sscd exits 0" "exit status $sscd_rc; stderr: $(tail -5 "$tmp/sscd.err")"
fi

finish
