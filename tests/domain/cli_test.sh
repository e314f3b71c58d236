#!/usr/bin/env bash
# cli_test.sh - the domain commands of ssc end to end: real PostgreSQL, real
# sscd, real ssc.
#
#   tests/domain/cli_test.sh SSCD SSC SOURCE_DIR
#
# Starts a private PostgreSQL cluster (scripts/pg.sh setup) and a development
# PKI (scripts/dev-certs.sh) in a temp dir under /tmp, migrates, makes the
# admin certificate an admin, starts sscd, registers a small world with
# `ssc org add` and `ssc principal add` (a ministry with an agency, a sibling
# ministry, partner authorities, embassies with embassy principals), and then
# runs every verb of `ssc demand|interest|match|collab|agreement|secondment`
# and `ssc radar` (also --watch) and `ssc watch` once at least, the way a
# user or a script does: tables, streamed lines,
# --json (parsed), paging flags, repeated flags (--sector, --partner,
# --party, --staff-category, --kind twice), bool flags (--resume,
# --open-ended), idempotency keys, and the exit status and one stderr line
# of failures. Prints one line per case and "N passed, M failed". KEEP=1
# keeps the temp dir.
set -uo pipefail

if [ $# -ne 3 ]; then
  echo "usage: $0 SSCD SSC SOURCE_DIR" >&2
  exit 2
fi
sscd_bin=$1
ssc_bin=$2
src=$3
# shellcheck source=tests/cli/lib.sh
. "$src/tests/cli/lib.sh"
# shellcheck source=tests/cli/stack.sh
. "$src/tests/cli/stack.sh"
stack_workdir ssc-domain-cli

die() {
  echo "cli_test: $*" >&2
  exit 1
}

# ---- setup ----------------------------------------------------------------

stack_setup admin secretariat ministry-a ministry-b ministry-s auditor embassy-vn \
  embassy-ke stranger
"$sscd_bin" migrate --config "$tmp/sscd.ini" >"$tmp/migrate.out" 2>&1 ||
  die "sscd migrate failed: $(cat "$tmp/migrate.out")"
"$sscd_bin" add-admin --config "$tmp/sscd.ini" --cert "$certs/admin.pem" \
  --name "operator" >"$tmp/add-admin.out" 2>&1 ||
  die "sscd add-admin failed: $(cat "$tmp/add-admin.out")"
stack_start

# table NAME HEADER_ERE ROW_ERE : the last run printed a table whose first
# line matches HEADER_ERE and one of whose other lines matches ROW_ERE.
table() {
  local name=$1 header=$2 row=$3
  if [ "$rc" -eq 0 ] && printf '%s\n' "${out%%$'\n'*}" | grep -Eq -- "$header" &&
    printf '%s\n' "$out" | sed 1d | grep -Eq -- "$row"; then
    pass "$name"
  else
    fail "$name" "status $rc; stdout: ${out:0:600}; stderr: $err"
  fi
}

# id_of VAR ARGS... : runs ssc ARGS (with --json after WHO) and stores the
# answer's id in VAR.
id_of() {
  local var=$1 who=$2
  shift 2
  as "$who" --json "$@"
  if [ "$rc" -ne 0 ]; then
    fail "$who $*" "exit status $rc: $err"
    printf -v "$var" '%s' 0
    return
  fi
  printf -v "$var" '%s' "$(js 'd["id"]')"
}

# ---- the world ------------------------------------------------------------------

id_of sac admin org add --name "Secretariat for Authority Cooperation" --kind secretariat --country DK
id_of kefm admin org add --name "Ministry of Climate, Energy and Utilities" --kind danish-authority --country DK
id_of dea admin org add --name "Danish Energy Agency" --kind danish-authority --country DK --parent "$kefm"
id_of fvm admin org add --name "Ministry of Food, Agriculture and Fisheries" --kind danish-authority --country DK
id_of erea admin org add --name "Electricity and Renewable Energy Authority" --kind partner-authority --country VN
id_of moit admin org add --name "Ministry of Industry and Trade" --kind partner-authority --country VN
id_of moe_ke admin org add --name "Ministry of Energy" --kind partner-authority --country KE
id_of hanoi admin org add --name "Embassy of Denmark in Hanoi" --kind embassy --country VN
id_of nairobi admin org add --name "Embassy of Denmark in Nairobi" --kind embassy --country KE

as admin principal add --cert "$certs/embassy-vn.pem" --role embassy --org "$kefm"
expect_err "principal add --role embassy for a ministry: 5" 5 \
  '^ssc: principal add: INVALID_ARGUMENT: organisation_id: role embassy needs an embassy'
while read -r who role org; do
  as admin principal add --cert "$certs/$who.pem" --role "$role" --org "$org"
  expect "principal add $who ($role)" 0
done <<EOF
secretariat secretariat $sac
ministry-a ministry $kefm
ministry-b ministry $dea
ministry-s ministry $fvm
embassy-vn embassy $hanoi
embassy-ke embassy $nairobi
EOF
as admin principal add --cert "$certs/auditor.pem" --role auditor
expect "principal add auditor" 0
as admin --json principal list --all
check "principal list: two embassy principals" \
  "sorted(p['organisation_id'] for p in d['principals'] if p['role'] == 'embassy') == sorted([$hanoi, $nairobi])"

# ---- demand signals ----------------------------------------------------------------

as embassy-vn demand add --sector 23210 --sector 23110 --partner "$erea" \
  --title "Grid integration of wind" --priority 1 --screened-on 2025-01-15
table "demand add (table, --sector twice)" \
  '^ID +EMBASSY +COUNTRY +SECTORS +PARTNER +PRIORITY +SCREENED +STATUS +TITLE +VERSION$' \
  "^ *[0-9]+ +$hanoi +VN +23110,23210 +$erea +1 +2025-01-15 +open +Grid integration of wind +1\$"
ds1=$(printf '%s\n' "$out" | sed -n 2p | awk '{print $1}')
id_of ds2 embassy-vn demand add --sector 23110 --title "Energy statistics" --priority 2 \
  --screened-on 2025-01-16 --description "Two
lines"
as embassy-vn --json demand show "$ds2"
check "demand show --json" \
  "d['id'] == $ds2 and d['embassy_id'] == $hanoi and d['sectors'] == ['23110'] and d['partner_id'] == 0 and d['description'] == 'Two\nlines' and d['status'] == 'open'"
as secretariat --json demand add --embassy "$nairobi" --sector 23110 --title "Geothermal" \
  --priority 3 --screened-on 2025-02-01
check "demand add --embassy (secretariat)" "d['embassy_id'] == $nairobi and d['country'] == 'KE'"
ds_ke=$(js 'd["id"]')
id_of ds3 embassy-vn demand add --sector 41010 --title "To withdraw" --priority 3 --screened-on 2025-03-01

as embassy-vn --json demand list --page-size 1
check "demand list --page-size 1: one and a token" \
  "len(d['demand_signals']) == 1 and d['next_page_token'] != ''"
token=$(js 'd["next_page_token"]')
as embassy-vn --json demand list --page-size 1 --page-token "$token"
check "demand list --page-token: the next one" "[x['id'] for x in d['demand_signals']] == [$ds2]"
as embassy-vn --json demand list --page-size 1 --all
check "demand list --all: the embassy's country only" \
  "[x['id'] for x in d['demand_signals']] == [$ds1, $ds2, $ds3] and d['next_page_token'] == ''"
as secretariat --json demand list --country KE --all
check "demand list --country KE" "[x['id'] for x in d['demand_signals']] == [$ds_ke]"

as embassy-vn demand withdraw "$ds3"
table "demand withdraw" '^ID +EMBASSY' "^ *$ds3 +$hanoi +VN +41010 +- +3 +2025-03-01 +withdrawn +To withdraw +2\$"
as embassy-vn demand withdraw "$ds3"
expect_err "demand withdraw twice: FAILED_PRECONDITION (5)" 5 \
  "^ssc: demand withdraw: FAILED_PRECONDITION: demand signal $ds3 is withdrawn"
as secretariat --json demand list --status withdrawn --all
check "demand list --status withdrawn" "[x['id'] for x in d['demand_signals']] == [$ds3]"
as embassy-ke demand show "$ds1"
expect_err "another country's embassy: NOT_FOUND (6)" 6 '^ssc: demand show: NOT_FOUND: '
as ministry-a demand add --sector 23110 --title "x" --priority 1 --screened-on 2025-01-01
expect_err "a ministry adding demand: PERMISSION_DENIED (8)" 8 \
  '^ssc: demand add: PERMISSION_DENIED: role ministry may not call'
as embassy-vn demand add --sector 99999 --title "x" --priority 1 --screened-on 2025-01-01
expect_err "demand add with an unknown sector: 5" 5 \
  '^ssc: demand add: INVALID_ARGUMENT: sectors: "99999" is not a known DAC sector code'
as embassy-vn demand add --sector 23110 --title "x" --priority 1
expect_err "demand add without --screened-on: usage (2)" 2 '^ssc: demand add: '

# ---- interests ------------------------------------------------------------------

as ministry-a --json interest add --sector 23110 --sector 23210 --country VN --country KE \
  --capacity-months 24 --description "Energy modelling"
check "interest add (--sector and --country twice)" \
  "d['organisation_id'] == $kefm and d['sectors'] == ['23110', '23210'] and d['countries'] == ['KE', 'VN'] and d['capacity_months'] == 24"
int_a=$(js 'd["id"]')
id_of int_b ministry-a interest add --org "$dea" --sector 41010 --country VN
id_of int_s ministry-s interest add --sector 23110 --country VN
as ministry-a interest list --all
table "interest list (table)" '^ID +ORG +SECTORS +COUNTRIES +MONTHS +STATUS +VERSION$' \
  "^ *$int_a +$kefm +23110,23210 +KE,VN +24 +open +1\$"
as ministry-a --json interest list --all
check "interest list: its own and its agency's, not the sibling's" \
  "[x['id'] for x in d['interests']] == [$int_a, $int_b]"
as ministry-a --json interest list --org "$dea" --all
check "interest list --org" "[x['id'] for x in d['interests']] == [$int_b]"
as ministry-a --json interest show "$int_b"
check "interest show (an agency's)" "d['organisation_id'] == $dea and d['sectors'] == ['41010']"
as ministry-s interest show "$int_a"
expect_err "interest show of another ministry's: 6" 6 '^ssc: interest show: NOT_FOUND: '
as ministry-a interest withdraw "$int_b"
table "interest withdraw" '^ID +ORG' "^ *$int_b +$dea +41010 +VN +0 +withdrawn +2\$"
as ministry-a --json interest list --status withdrawn --all
check "interest list --status withdrawn" "[x['id'] for x in d['interests']] == [$int_b]"

# ---- matches ----------------------------------------------------------------------

as secretariat match list
table "match list (table)" \
  '^DEMAND +INTEREST +COUNTRY +SECTORS +OVERLAP +PRIORITY +ORG +IN_COUNTRY +TITLE$' \
  "^ *$ds1 +$int_a +VN +23110,23210 +2 +1 +$kefm +no +Grid integration of wind\$"
as secretariat --json match list --all
all_matches=$(js '[[m["demand_signal_id"], m["interest_id"]] for m in d["matches"]]')
check "match list --json: best first" \
  "[[m['demand_signal_id'], m['interest_id']] for m in d['matches']] == [[$ds1, $int_a], [$ds1, $int_s], [$ds2, $int_a], [$ds2, $int_s], [$ds_ke, $int_a]]"
as secretariat --json match list --page-size 1 --all
check "match list --page-size 1 --all: the same, through the string cursor" \
  "[[m['demand_signal_id'], m['interest_id']] for m in d['matches']] == $all_matches and d['next_page_token'] == ''"
as secretariat --json match list --page-size 2
check "match list --page-size 2: a token" "len(d['matches']) == 2 and d['next_page_token'] != ''"
token=$(js 'd["next_page_token"]')
as secretariat --json match list --page-size 2 --page-token "$token"
check "match list --page-token" \
  "[[m['demand_signal_id'], m['interest_id']] for m in d['matches']] == ${all_matches}[2:4]"
as secretariat --json match list --country KE --sector 23110 --all
check "match list --country KE --sector 23110" \
  "[[m['demand_signal_id'], m['interest_id']] for m in d['matches']] == [[$ds_ke, $int_a]]"
as secretariat match list --country vn
expect_err "match list --country vn: 5" 5 '^ssc: match list: INVALID_ARGUMENT: country: '

# ---- collaborations ------------------------------------------------------------------

as ministry-a --json collab add --title "Wind integration" --demand "$ds1" --interest "$int_a" \
  --partner "$erea" --partner "$moit" --started-on 2024-01-01
check "collab add from a match (--partner twice)" \
  "d['lead_id'] == $kefm and d['country'] == 'VN' and d['partner_ids'] == [$erea, $moit] and d['embassy_id'] == $hanoi and d['sectors'] == [{'code': '23110', 'percentage': 50}, {'code': '23210', 'percentage': 50}] and d['phase'] == 'matchmaking' and d['iati_status_name'] == 'pipeline'"
co1=$(js 'd["id"]')
as embassy-vn --json demand show "$ds1"
check "the demand signal is matched" "d['status'] == 'matched'"

as ministry-a collab add --title "Energy statistics" --lead "$dea" --country VN \
  --partner "$moit" --embassy "$hanoi" --sector 23110=60 --sector 23210=40 \
  --reference ssc-vn-stat --started-on 2024-01-01
table "collab add (table, --sector twice)" \
  '^ID +REFERENCE +COUNTRY +LEAD +PARTNERS +PHASE +SINCE +IATI +VERSION +TITLE$' \
  "^ *[0-9]+ +SSC-VN-STAT +VN +$dea +$moit +matchmaking +2024-01-01 +pipeline +1 +Energy statistics\$"
co2=$(printf '%s\n' "$out" | sed -n 2p | awk '{print $1}')
as ministry-a --json collab show "$co2"
check "collab show: sectors as given" \
  "d['sectors'] == [{'code': '23110', 'percentage': 60}, {'code': '23210', 'percentage': 40}] and d['reference'] == 'SSC-VN-STAT'"
as ministry-a collab add --title "Bad shares" --lead "$dea" --country VN --partner "$moit" \
  --sector 23110=60 --sector 23210=30
expect_err "collab add with shares of 90 %: 5" 5 \
  '^ssc: collab add: INVALID_ARGUMENT: sectors: the percentages must sum to 100, not 90'
as ministry-s collab add --title "Not mine" --lead "$dea" --country VN --partner "$moit" \
  --sector 23110=100
expect_err "collab add led by another ministry's agency: 8" 8 \
  '^ssc: collab add: PERMISSION_DENIED: '
as ministry-s collab show "$co2"
expect_err "collab show by a sibling: 6" 6 '^ssc: collab show: NOT_FOUND: '

as ministry-b --json collab update "$co2" --title "Energy statistics and modelling" \
  --expected-version 1
check "collab update by the agency's ministry" \
  "d['title'] == 'Energy statistics and modelling' and d['version'] == 2"
as ministry-a collab update "$co2" --title "Stale" --expected-version 1
expect_err "collab update with a stale version: 5" 5 \
  '^ssc: collab update: FAILED_PRECONDITION: expected version 1, found 2'

as ministry-a --json collab phase "$co2" --to inception --on 2024-02-01 \
  --planned-start 2024-02-01 --planned-end 2024-12-31 --note "kick-off"
check "collab phase --to inception" \
  "d['phase'] == 'inception' and d['phase_since'] == '2024-02-01' and d['phases'][-1]['planned_end'] == '2024-12-31'"
as ministry-a collab phase "$co2" --to closed --on 2024-03-01
expect_err "a forbidden step: 5, naming the allowed ones" 5 \
  "^ssc: collab phase: FAILED_PRECONDITION: collaboration $co2 is in inception; it may move to long_term, suspended, cancelled, not closed\$"
as ministry-a collab phase "$co2" --to suspended --on 2024-03-01 --note "elections"
expect "collab phase --to suspended" 0
as ministry-a --json collab phase "$co2" --resume --on 2024-04-01
check "collab phase --resume (a bool flag)" \
  "d['phase'] == 'inception' and d['suspended_from'] in ('', 'unspecified', None) and d['phases'][-1]['started_on'] == '2024-02-01'"
as ministry-a collab phase "$co2" --to long-term --resume
expect_err "collab phase --to and --resume: 5" 5 '^ssc: collab phase: INVALID_ARGUMENT: to_phase: '
as ministry-a collab phase "$co2" --to sideways
expect_err "collab phase --to sideways: usage (2)" 2 '^ssc: collab phase: '
as ministry-a --json collab plan "$co2" --phase long-term --planned-start 2025-01-01 \
  --planned-end 2026-12-31
check "collab plan" \
  "[p for p in d['phases'] if p['phase'] == 'long-term'] == [{'phase': 'long-term', 'planned_start': '2025-01-01', 'planned_end': '2026-12-31', 'started_on': '', 'ended_on': ''}]"
as ministry-a --json collab show "$co2" --as-of 2025-01-15
check "collab show --as-of: IATI finalisation after the planned end" \
  "d['as_of'] == '2025-01-15' and d['iati_status'] == 3 and d['iati_status_name'] == 'finalisation'"
as ministry-a collab history "$co2"
table "collab history (table)" '^ID +FROM +TO +ON +PRINCIPAL +AT +NOTE$' \
  '^ *[0-9]+ +inception +suspended +2024-03-01 +[0-9]+ +[0-9T:.Z-]+ +elections$'
as ministry-a --json collab history "$co2" --page-size 1 --all
check "collab history --page-size 1 --all" \
  "[(t['from_phase'], t['to_phase']) for t in d['transitions']] == [('matchmaking', 'inception'), ('inception', 'suspended'), ('suspended', 'inception')]"
as secretariat --json collab list --country VN --all
check "collab list --country VN" "[c['id'] for c in d['collaborations']] == [$co1, $co2]"
as secretariat --json collab list --page-size 1 --all
check "collab list --page-size 1 --all" "[c['id'] for c in d['collaborations']] == [$co1, $co2]"
as embassy-vn --json collab list --phase inception --all
check "collab list --phase inception (an embassy reads its country's)" \
  "[c['id'] for c in d['collaborations']] == [$co2]"
as embassy-ke --json collab list --all
check "another country's embassy lists none of them" "d['collaborations'] == []"

# ---- agreements ----------------------------------------------------------------------

as ministry-a --json agreement add --kind mou --title "MoU on energy statistics" \
  --party "$dea" --party "$moit" --collab "$co2" --from 2025-01-01 --notice-months 6
check "agreement add (--party twice): a draft" \
  "d['party_ids'] == [$dea, $moit] and d['status'] == 'draft' and d['versions'] == 1 and d['in_force']['notice_months'] == 6 and d['collaboration_id'] == $co2"
ag=$(js 'd["id"]')
as ministry-a --json agreement add --kind contract --title "Adviser contract" --party "$dea" \
  --party "$erea" --from 2025-01-01 --to 2026-12-31 --tasks "Long-term advisers" \
  --ceiling 100000000 --currency DKK --staff-category "senior adviser=6000000" \
  --staff-category "adviser=4000000"
check "agreement add contract (--staff-category twice)" \
  "d['in_force']['contract']['ceiling'] == {'amount_minor': 100000000, 'currency': 'DKK'} and [(s['name'], s['max_monthly_rate']['amount_minor']) for s in d['in_force']['contract']['staff_categories']] == [('senior adviser', 6000000), ('adviser', 4000000)]"
ct=$(js 'd["id"]')
as ministry-a agreement add --kind mou --title "One party" --party "$dea" --from 2025-01-01
expect_err "agreement add with one party: 5" 5 \
  '^ssc: agreement add: INVALID_ARGUMENT: party_ids: an agreement needs two or more parties'
as ministry-a agreement sign "$ag" --on 2024-12-01
table "agreement sign (table)" \
  '^ID +KIND +STATUS +COLLAB +PARTIES +FROM +TO +ENDS +VERSIONS +TITLE$' \
  "^ *$ag +mou +active +$co2 +$dea,$moit +2025-01-01 +- +- +1 +MoU on energy statistics\$"
as ministry-a agreement sign "$ag"
expect_err "agreement sign twice: 5" 5 "^ssc: agreement sign: FAILED_PRECONDITION: agreement $ag is signed already"
as ministry-a --json agreement amend "$ag" --from 2025-03-01 --to 2025-12-31 --scope "Version 2"
check "agreement amend --to" "d['versions'] == 2 and d['version'] == 3"
as ministry-a --json agreement amend "$ag" --from 2025-06-01 --open-ended
check "agreement amend --open-ended (a bool flag)" "d['versions'] == 3"
as ministry-a --json agreement show "$ag" --as-of 2025-04-01
check "agreement show --as-of: version 2 in force" \
  "d['in_force']['number'] == 2 and d['in_force']['effective_to'] == '2025-12-31' and d['in_force']['scope'] == 'Version 2' and d['status'] == 'active'"
as ministry-a --json agreement show "$ag" --as-of 2025-07-01
check "agreement show --as-of: version 3, open-ended" \
  "d['in_force']['number'] == 3 and d['in_force']['effective_to'] == '' and d['in_force']['scope'] == 'Version 2'"
as ministry-a agreement versions "$ag"
table "agreement versions (table)" '^NUMBER +SIGNED +FROM +TO +NOTICE' \
  '^ *2 +2025-03-01 +2025-03-01 +2025-12-31 +6 '
as ministry-a --json agreement versions "$ag" --page-size 1 --all
check "agreement versions --page-size 1 --all" \
  "[v['number'] for v in d['versions']] == [1, 2, 3] and d['next_page_token'] == ''"
as ministry-a --json agreement notice "$ag" --by "$moit" --on 2025-08-31
check "agreement notice: 31 August + 6 months is 28 February" \
  "d['notice_on'] == '2025-08-31' and d['notice_by'] == $moit and d['ends_on'] == '2026-02-28'"
as ministry-a --json agreement list --status notice-given --as-of 2025-09-01 --all
check "agreement list --status notice-given --as-of" "[a['id'] for a in d['agreements']] == [$ag]"
as ministry-a --json agreement list --kind contract --all
check "agreement list --kind contract" "[a['id'] for a in d['agreements']] == [$ct]"
as ministry-a --json agreement list --party "$moit" --all
check "agreement list --party" "[a['id'] for a in d['agreements']] == [$ag]"
as ministry-a --json agreement terminate "$ag" --on 2025-10-01
check "agreement terminate" "d['terminated_on'] == '2025-10-01' and d['ends_on'] == '2025-10-01'"
as ministry-a agreement terminate "$ag" --on 2025-11-01
expect_err "agreement terminate twice: 5" 5 \
  "^ssc: agreement terminate: FAILED_PRECONDITION: agreement $ag was terminated on 2025-10-01"
as embassy-vn --json agreement list --all
check "an embassy lists no agreements" "d['agreements'] == []"
as embassy-vn agreement show "$ag"
expect_err "an embassy reading an agreement: 6" 6 '^ssc: agreement show: NOT_FOUND: '
as auditor agreement sign "$ct"
expect_err "the auditor signing: 8" 8 '^ssc: agreement sign: PERMISSION_DENIED: role auditor may not call'

# ---- secondments ------------------------------------------------------------------------

as ministry-a secondment add --collab "$co2" --employer "$dea" --employee-ref DEA-17 \
  --name "Bo Hansen" --host "$moit" --from 2025-03-01 --to 2025-08-31 --share-bp 6000 \
  --monthly 5500000 --currency DKK --contract "$ct" --staff-category "senior adviser"
table "secondment add (table)" \
  '^ID +COLLAB +EMPLOYER +REF +EXPERT +FROM +TO +SHARE_BP +MONTHLY +CUR +STAY +STATUS +VERSION$' \
  "^ *[0-9]+ +$co2 +$dea +DEA-17 +Bo Hansen +2025-03-01 +2025-08-31 +6000 +5500000 +DKK +long +[a-z]+ +1\$"
se1=$(printf '%s\n' "$out" | sed -n 2p | awk '{print $1}')
as ministry-a secondment add --collab "$co2" --employer "$dea" --employee-ref DEA-17 \
  --name "Bo Hansen" --host "$moit" --from 2025-08-01 --to 2025-12-31 --share-bp 5000 \
  --monthly 100 --currency DKK
expect_err "secondment add past full time: 5" 5 \
  '^ssc: secondment add: FAILED_PRECONDITION: share_bp: expert DEA-17 of organisation [0-9]+ would work 11000 basis points on 2025-08-01'
as ministry-a secondment add --collab "$co2" --employer "$dea" --employee-ref DEA-18 \
  --name "Ida Holm" --host "$moit" --from 2025-03-01 --to 2025-08-31 --share-bp 5000 \
  --monthly 6000001 --currency DKK --contract "$ct" --staff-category "senior adviser"
expect_err "secondment add above the category's rate: 5" 5 \
  '^ssc: secondment add: INVALID_ARGUMENT: monthly_compensation: 6000001 exceeds the maximum 6000000'
id_of se2 ministry-a secondment add --collab "$co2" --employee-ref KEFM-2 --name "Ask Lund" \
  --host "$erea" --from 2025-03-01 --to 2025-08-30 --share-bp 2000 --monthly 100 --currency DKK
as ministry-a --json secondment show "$se2" --as-of 2025-03-01
check "secondment show --as-of (employer defaults to the ministry; short stay)" \
  "d['employer_id'] == $kefm and d['stay'] == 'short' and d['status'] == 'active' and d['as_of'] == '2025-03-01'"
as ministry-a --json secondment show "$se1" --as-of 2025-02-28
check "secondment show --as-of before the start: planned, long" \
  "d['status'] == 'planned' and d['stay'] == 'long' and d['contract_id'] == $ct"
as ministry-a --json secondment amend "$se1" --share-bp 4000 --expected-version 1
check "secondment amend --share-bp" "d['share_bp'] == 4000 and d['version'] == 2"
as ministry-a secondment amend "$se1" --share-bp 3000 --expected-version 1
expect_err "secondment amend with a stale version: 5" 5 \
  '^ssc: secondment amend: FAILED_PRECONDITION: expected version 1, found 2'
as ministry-a --json secondment cancel "$se2" --on 2025-02-15
check "secondment cancel --on" "d['status'] == 'cancelled' and d['cancelled_on'] == '2025-02-15'"
as ministry-a secondment cancel "$se2"
expect_err "secondment cancel twice: 5" 5 '^ssc: secondment cancel: FAILED_PRECONDITION: '
as ministry-a --json secondment list --employer "$dea" --employee-ref DEA-17 --all
check "secondment list --employer --employee-ref" "[s['id'] for s in d['secondments']] == [$se1]"
as ministry-a --json secondment list --status cancelled --as-of 2025-04-01 --all
check "secondment list --status cancelled" "[s['id'] for s in d['secondments']] == [$se2]"
as ministry-a --json secondment list --page-size 1 --all
check "secondment list --page-size 1 --all" "[s['id'] for s in d['secondments']] == [$se1, $se2]"
as embassy-vn --json secondment list --collab "$co2" --all
check "an embassy lists its country's secondments" "[s['id'] for s in d['secondments']] == [$se1, $se2]"
as ministry-s secondment show "$se1"
expect_err "a sibling reading a secondment: 6" 6 '^ssc: secondment show: NOT_FOUND: '
as admin secondment list
expect_err "admin on a domain command: 8" 8 '^ssc: secondment list: PERMISSION_DENIED: role admin may not call'
as ministry-a secondment list --employee-ref DEA-17
expect_err "secondment list --employee-ref without --employer: 5" 5 \
  '^ssc: secondment list: INVALID_ARGUMENT: employee_ref: '

# ---- the deadline radar -------------------------------------------------------------------

# As of 2025-06-01 the only deadline of collaboration co2 within 100 days is
# Bo Hansen's secondment end, 91 days away: band 180.
as ministry-a radar --as-of 2025-06-01 --within 100 --collaboration "$co2"
table "radar (table)" \
  '^DATE +DAYS +BAND +KIND +ENTITY +ID +COLLAB +ORGANISATIONS +WHAT$' \
  "^2025-08-31 +91 +180 +secondment-end +secondment +$se1 +$co2 +$dea,$moit +Bo Hansen\$"
# Notice was given on 2025-08-31 and the agreement terminated on
# 2025-10-01: as of 2025-09-01 it ends in 30 days.
as ministry-a --json radar --as-of 2025-09-01 --within 200 --collaboration "$co2" --kind notice-end \
  --kind agreement-end
check "radar --json --kind twice: the end under notice" \
  "[(e['date'], e['days_left'], e['band_days'], e['band'], e['kind'], e['entity'], e['entity_id'], e['organisation_ids']) for e in d['events']] == [('2025-10-01', 30, 30, '30', 'notice-end', 'agreement', $ag, [$dea, $moit])] and d['next_page_token'] == ''"
as embassy-vn --json radar --as-of 2025-09-01 --within 200 --collaboration "$co2"
check "radar: an embassy sees no agreement's deadline" "d['events'] == []"
as ministry-a --json radar --as-of 2024-01-01 --within 3660 --all
all_events=$(js '[e["cursor"] for e in d["events"]]')
as ministry-a --json radar --as-of 2024-01-01 --within 3660 --page-size 1 --all
check "radar --page-size 1 --all: the same events" \
  "len(d['events']) >= 2 and [e['cursor'] for e in d['events']] == $all_events"
as ministry-a radar --within 4000
expect_err "radar --within 4000: 5" 5 \
  '^ssc: radar: INVALID_ARGUMENT: horizon_days: must be between 1 and 3660, not 4000$'
as ministry-a radar --kind deadline
expect_err "radar --kind deadline: usage (2)" 2 '^ssc: radar: '
as ministry-a radar --as-of 2025-02-30
expect_err "radar --as-of 2025-02-30: 5" 5 \
  '^ssc: radar: INVALID_ARGUMENT: as_of: 2025-02-30 is not a calendar date$'
as ministry-a --json radar
check "radar as of today: events from today on, in order" \
  "all(e['days_left'] >= 0 for e in d['events']) and d['events'] == sorted(d['events'], key=lambda e: e['date'])"

# ---- the radar as a calendar -----------------------------------------------------------------

# `ssc radar --ics FILE` writes every page as iCalendar; an independent reader
# (Debian's python3-icalendar) must find the same events as --json, one
# all-day VEVENT each, with UIDs made of what the event is. After the
# secondment is extended, exporting again moves its event and keeps its UID,
# so a calendar updates it instead of adding a second one.
# ics_events FILE : prints [(uid, date, summary)] of FILE's VEVENTs as JSON.
ics_events() {
  "$python" -c '
import json, sys, icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], "rb").read())
assert cal["VERSION"] == "2.0" and cal["PRODID"], "no VERSION or PRODID"
print(json.dumps([(str(e["UID"]), e["DTSTART"].dt.isoformat(), str(e["SUMMARY"]),
                   str(e["DTSTAMP"].dt.tzinfo)) for e in cal.walk("VEVENT")]))
' "$1" 2>"$tmp/ics.err"
}
as ministry-a --json radar --as-of 2024-01-01 --within 3660 --page-size 1 --all
want_ics=$(js '[[e["kind"] + "." + e["entity"] + "." + str(e["entity_id"]) + "@radar.ssc", e["date"]] for e in d["events"]]')
as ministry-a radar --as-of 2024-01-01 --within 3660 --page-size 1 --ics "$tmp/radar.ics"
expect "radar --ics FILE" 0
first_ics=$(ics_events "$tmp/radar.ics")
out=$first_ics
check "radar --ics: the events of --json, every page, one VEVENT each, UIDs by kind and entity" \
  "[[u, day] for u, day, _, _ in d] == $want_ics and len(d) >= 2 and all(tz == 'UTC' for _, _, _, tz in d)"
check "radar --ics: a secondment's end as an all-day event named by its kind" \
  "['secondment-end.secondment.$se1@radar.ssc', '2025-08-31', 'secondment-end: Bo Hansen', 'UTC'] in d"
if "$python" -c '
import sys
b = open(sys.argv[1], "rb").read()
lines = b.split(b"\r\n")
assert b.endswith(b"\r\n") and lines[-1] == b"", "no CRLF at the end"
assert all(b"\n" not in l and b"\r" not in l for l in lines), "a bare LF or CR"
assert all(len(l) <= 75 for l in lines), "a line longer than 75 octets"
' "$tmp/radar.ics" 2>"$tmp/crlf.err"; then
  pass "radar --ics: every line ends in CRLF, none longer than 75 octets (RFC 5545)"
else
  fail "radar --ics: every line ends in CRLF, none longer than 75 octets (RFC 5545)" "$(cat "$tmp/crlf.err")"
fi
as ministry-a --json secondment amend "$se1" --to 2025-09-30
expect "secondment amend --to (for the calendar)" 0
as ministry-a radar --as-of 2024-01-01 --within 3660 --ics "$tmp/radar.ics"
expect "radar --ics FILE again" 0
out=$(ics_events "$tmp/radar.ics")
check "radar --ics again: the moved event keeps its UID, the others are as they were" \
  "[e for e in d if e[0] != 'secondment-end.secondment.$se1@radar.ssc'] == [e for e in $first_ics if e[0] != 'secondment-end.secondment.$se1@radar.ssc'] and [e[1] for e in d if e[0] == 'secondment-end.secondment.$se1@radar.ssc'] == ['2025-09-30']"
# No event at all: still a calendar the reader takes, and no temporary
# file left beside it; --page-token with --ics is refused (it would write
# half a list).
as embassy-vn radar --as-of 2024-01-01 --within 10 --ics "$tmp/empty.ics"
expect "radar --ics with no event" 0
out=$(ics_events "$tmp/empty.ics")
check "radar --ics with no event: a calendar with no VEVENT" "d == []"
leftovers=$(find "$tmp" -maxdepth 1 -name '*.ics.*' | wc -l)
[ "$leftovers" -eq 0 ] && pass "radar --ics: no temporary file left" ||
  fail "radar --ics: no temporary file left" "$(find "$tmp" -maxdepth 1 -name '*.ics.*')"
as ministry-a radar --page-token abc --ics "$tmp/radar.ics"
expect_err "radar --ics with --page-token: usage (2)" 2 '^ssc: radar: --ics writes the whole list'
as ministry-a radar --ics "$tmp/no-such-dir/radar.ics"
expect_err "radar --ics into a missing directory: usage (2), nothing sent" 2 \
  '^ssc: radar: --ics .*/no-such-dir/radar.ics: No such file or directory'

# ---- the change stream and the radar as streams -----------------------------------------

# lines_json: the JSON Lines in $out as one JSON array (for check).
lines_json() {
  out=$(printf '%s' "$out" | "$python" -c '
import json, sys
print(json.dumps([json.loads(l) for l in sys.stdin.read().splitlines()]))' 2>"$tmp/lines.err")
}
as auditor --json watch --after 0 --limit 5
expect "watch --after 0 --limit 5" 0
lines_json
check "watch --json: one object per line, the first five changes of the trail" \
  "[c['seq'] for c in d] == [1, 2, 3, 4, 5] and all(c['method'] and c['entity'] and c['at'].endswith('Z') for c in d)"
check "watch --json: after is the entity as an object" \
  "all(isinstance(c['after'], dict) and 'id' in c['after'] for c in d if c['entity'] == 'organisation')"
as auditor watch --after 0 --limit 2
if [ "$rc" -eq 0 ] && [ "$(printf '%s\n' "$out" | head -1)" = "SEQ  AT  PRINCIPAL  METHOD  ENTITY  ID" ] &&
  [ "$(printf '%s\n' "$out" | grep -c '')" -eq 3 ] &&
  printf '%s\n' "$out" | sed -n 2p | grep -Eq '^1  [0-9T:.-]+Z  bootstrap  sscd add-admin  principal  1$'; then
  pass "watch (lines): a header, then one line per change"
else
  fail "watch (lines): a header, then one line per change" "status $rc; stdout: ${out:0:600}; stderr: $err"
fi
as ministry-a --json watch --after 0 --kind collaboration,agreement --kind secondment --limit 4
expect "watch --kind a,b --kind c" 0
lines_json
check "watch --kind: only those entities" \
  "len(d) == 4 and all(c['entity'] in ('collaboration', 'agreement', 'secondment') for c in d)"
# Live: a watch from now sees a demand signal written after it started
# (written again until it does, since nothing says when the watch has read
# the head; --limit 1 ends it).
timeout 30 env -i PATH="$PATH" SSC_ENDPOINT="localhost:$port" SSC_CA="$certs/ca.pem" \
  SSC_CERT="$certs/auditor.pem" SSC_KEY="$certs/auditor.key" \
  ${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS} ${UBSAN_OPTIONS:+UBSAN_OPTIONS=$UBSAN_OPTIONS} \
  "$ssc_bin" --json watch --kind demand_signal --limit 1 >"$tmp/live.out" 2>"$tmp/live.err" &
live=$!
ids=""
for k in $(seq 20); do
  sleep 0.5
  kill -0 "$live" 2>/dev/null || break
  as embassy-vn --json demand add --sector 23110 --title "Live $k" --priority 2 --screened-on 2025-04-01
  ids="$ids $(js 'd["id"]')"
done
live_rc=0
wait "$live" || live_rc=$?
out=$(cat "$tmp/live.out")
if [ "$live_rc" -eq 0 ] && [ ! -s "$tmp/live.err" ] &&
  printf '%s' "$out" | grep -Eq "\"entity\":\"demand_signal\",\"entity_id\":\"($(echo $ids | tr ' ' '|'))\""; then
  pass "watch (from now): a change written after it started, then --limit ends it"
else
  fail "watch (from now): a change written after it started, then --limit ends it" \
    "status $live_rc; stdout: ${out:0:300}; stderr: $(cat "$tmp/live.err")"
fi
as auditor watch --kind payroll
expect_err "watch --kind payroll: 5" 5 \
  '^ssc: watch: INVALID_ARGUMENT: kinds: unknown kind "payroll" \(known: '
as auditor watch --limit 0
expect_err "watch --limit 0: usage (2)" 2 '^ssc: watch: --limit'
as stranger watch
expect_err "watch with an unregistered certificate: 8" 8 '^ssc: watch: UNAUTHENTICATED: '
# The radar as a stream: the picture of today, the same events as the list,
# then synced.
as ministry-a --json radar --within 3660 --all
n_events=$(js 'len(d["events"])')
want_events=$(js '[[e["kind"], e["entity_id"], e["date"], e["band"]] for e in d["events"]]')
as ministry-a --json radar --watch --within 3660 --limit $((n_events + 1))
expect "radar --watch --limit N" 0
lines_json
check "radar --watch: each event of the list (current), then synced, as of today" \
  "[[u['event']['kind'], u['event']['entity_id'], u['event']['date'], u['event']['band']] for u in d[:-1]] == $want_events and all(u['change'] == 'current' for u in d[:-1]) and d[-1]['change'] == 'synced' and len({u['as_of'] for u in d}) == 1"
as ministry-a radar --watch --as-of 2024-01-01
expect_err "radar --watch --as-of: usage (2), a watch looks from today" 2 '^ssc: radar: .*--as-of'

# ---- idempotency keys ---------------------------------------------------------------------

as embassy-vn --json demand add --sector 23110 --title "Keyed" --priority 2 \
  --screened-on 2025-04-01 --idempotency-key cli-key-1
first=$(js 'd["id"]')
as embassy-vn --json demand add --sector 23110 --title "Keyed" --priority 2 \
  --screened-on 2025-04-01 --idempotency-key cli-key-1
check "the same request with the same key: the first answer" "d['id'] == $first"
as embassy-vn demand add --sector 23110 --title "Keyed again" --priority 2 \
  --screened-on 2025-04-01 --idempotency-key cli-key-1
expect_err "the key with another request: ALREADY_EXISTS (7)" 7 \
  '^ssc: demand add: ALREADY_EXISTS: idempotency key "cli-key-1" was already used'

# ---- sanitizers -----------------------------------------------------------------------------

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
