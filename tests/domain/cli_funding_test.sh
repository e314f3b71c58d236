#!/usr/bin/env bash
# cli_funding_test.sh - the funding commands of ssc end to end: real
# PostgreSQL, real sscd, real ssc.
#
#   tests/domain/cli_funding_test.sh SSCD SSC SOURCE_DIR
#
# Starts a private PostgreSQL cluster (scripts/pg.sh setup) and a development
# PKI (scripts/dev-certs.sh) in a temp dir under /tmp, migrates, makes the
# admin certificate an admin, starts sscd and registers a small world (the
# secretariat with two principals, a ministry and its agency, partner
# authorities, an embassy, collaborations). Then it runs every verb of `ssc
# pool|application|review|tiers|allocation|disbursement` the way a user or a
# script does:
#   - pools: add, show, list, adjust (top-up, reduction, a reduction below
#     what is committed refused with exit 5 and the figures), adjustments;
#     `pool show` draws its bar only on a terminal (a pty), not piped and not
#     with --json;
#   - applications from CSV budgets (--budget), and the CSV errors, each a
#     usage error naming the line and column (a bad amount, an unknown kind,
#     no header, an overflowing amount, and more); currency mixing refused by
#     the server;
#   - the workflow: submit, review start, comment, return, edit --budget,
#     resubmit, versions (--number), diff --from 1 --to 2, two approvals by
#     different secretariat principals for a request above DKK 10 million
#     (a repeat approver and a disagreeing amount refused), the tier above
#     DKK 39 million with the council's recommendation and the sign-off, a
#     rejection, a withdrawal, an approval the pool cannot hold;
#   - the InterLoc co-financing case: EUR 403,770.00 of 527,044.00 from the
#     EU is 76.61 %, with the fraction, in the table and in --json;
#   - tiers list and set; allocations list, show, release (refused before
#     the phase closes); disbursements add, show, list, reverse;
#   - --json output throughout.
# Prints one line per case and "N passed, M failed". KEEP=1 keeps the temp
# dir.
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
stack_workdir ssc-funding-cli

die() {
  echo "cli_funding_test: $*" >&2
  exit 1
}

# ---- setup ----------------------------------------------------------------

stack_setup admin secretariat secretariat-2 ministry-a ministry-b ministry-s auditor \
  embassy-vn
"$sscd_bin" migrate --config "$tmp/sscd.ini" >"$tmp/migrate.out" 2>&1 ||
  die "sscd migrate failed: $(cat "$tmp/migrate.out")"
"$sscd_bin" add-admin --config "$tmp/sscd.ini" --cert "$certs/admin.pem" \
  --name "operator" >"$tmp/add-admin.out" 2>&1 ||
  die "sscd add-admin failed: $(cat "$tmp/add-admin.out")"
stack_start

# table NAME HEADER_ERE ROW_ERE : the last run printed a table whose first
# line matches HEADER_ERE and one of whose other lines matches ROW_ERE.
# (grep -q reads here-strings: piped into, under pipefail, the writer's
# SIGPIPE once grep has its match would read as no match.)
table() {
  local name=$1 header=$2 row=$3
  if [ "$rc" -eq 0 ] && grep -Eq -- "$header" <<<"${out%%$'\n'*}" &&
    grep -Eq -- "$row" <<<"${out#*$'\n'}"; then
    pass "$name"
  else
    fail "$name" "status $rc; stdout: ${out:0:900}; stderr: $err"
  fi
}

# has NAME ERE... : the last run succeeded and its stdout has a line
# matching each ERE.
has() {
  local name=$1 re
  shift
  if [ "$rc" -ne 0 ]; then
    fail "$name" "status $rc; stderr: $err"
    return
  fi
  for re in "$@"; do
    if ! grep -Eq -- "$re" <<<"$out"; then
      fail "$name" "no line matches /$re/ in: ${out:0:1500}"
      return
    fi
  done
  pass "$name"
}

# id_of VAR WHO ARGS... : runs ssc ARGS (with --json) as WHO and stores the
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

# as_tty WHO ARGS... : runs ssc as WHO with its stdout (and stderr) on a
# pseudo-terminal 42 columns wide, under a UTF-8 locale; the output, with
# the terminal's CRLF made LF, lands in $out.
as_tty() {
  local who=$1
  shift
  capture env -i PATH="$PATH" HOME="$tmp" LANG=C.UTF-8 \
    ${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS} ${UBSAN_OPTIONS:+UBSAN_OPTIONS=$UBSAN_OPTIONS} \
    SSC_ENDPOINT="localhost:$port" SSC_CA="$certs/ca.pem" \
    SSC_CERT="$certs/$who.pem" SSC_KEY="$certs/$who.key" SSC_TIMEOUT=10 \
    "$python" -c '
import fcntl, os, pty, struct, sys, termios
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 42, 0, 0))
    os.execv(sys.argv[1], sys.argv[1:])
data = b""
while True:
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break
    if not chunk:
        break
    data += chunk
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(data.replace(b"\r\n", b"\n"))
sys.exit(os.waitstatus_to_exitcode(status))
' "$ssc_bin" "$@"
}

today=$(date -u +%Y-%m-%d)
year=$(date -u +%Y)


# ---- the world ------------------------------------------------------------------

id_of sac admin org add --name "Secretariat for Authority Cooperation" --kind secretariat --country DK
id_of kefm admin org add --name "Ministry of Climate, Energy and Utilities" --kind danish-authority --country DK
id_of dea admin org add --name "Danish Energy Agency" --kind danish-authority --country DK --parent "$kefm"
id_of fvm admin org add --name "Ministry of Food, Agriculture and Fisheries" --kind danish-authority --country DK
id_of erea admin org add --name "Electricity and Renewable Energy Authority" --kind partner-authority --country VN
id_of hanoi admin org add --name "Embassy of Denmark in Hanoi" --kind embassy --country VN
while read -r who role org; do
  as admin principal add --cert "$certs/$who.pem" --role "$role" --org "$org" --name "$who"
  expect "principal add $who ($role)" 0
done <<EOF
secretariat secretariat $sac
secretariat-2 secretariat $sac
ministry-a ministry $kefm
ministry-b ministry $dea
ministry-s ministry $fvm
embassy-vn embassy $hanoi
EOF
as admin principal add --cert "$certs/auditor.pem" --role auditor --name auditor
expect "principal add auditor" 0

# label NAME : how the server names the principal registered as NAME in
# what it records (approvals, comments, disbursements): its name and id
# (ssc.session_principal_label, sql/0028).
label() {
  as admin --json principal list --all
  printf '%s (principal %s)' "$1" "$(js "[p['id'] for p in d['principals'] if p['name'] == '$1'][0]")"
}
fp_sec=$(label secretariat)
fp_sec2=$(label secretariat-2)
fp_min=$(label ministry-b)
# ... and as an extended regular expression matching it literally
re_sec=$(printf '%s' "$fp_sec" | sed 's/[()]/\\&/g')
re_min=$(printf '%s' "$fp_min" | sed 's/[()]/\\&/g')

# Collaborations of the Danish Energy Agency in Vietnam: co1 for the
# long-term application (in inception, so that its approval moves it on),
# co2 for a small inception one, co3 for the tier above DKK 39 million, co4
# for the rejected, withdrawn and over-committed ones; co5 the ministry's
# own, for InterLoc.
collab() {
  id_of "$1" ministry-a collab add --title "$2" --lead "$3" --country VN --partner "$erea" \
    --embassy "$hanoi" --sector 23110=100 --started-on 2024-01-01
}
collab co1 "Wind integration" "$dea"
collab co2 "Energy statistics" "$dea"
collab co3 "Offshore wind" "$dea"
collab co4 "Energy efficiency" "$dea"
collab co5 "InterLoc" "$kefm"
for co in "$co1" "$co3"; do
  as ministry-a collab phase "$co" --to inception --on 2024-02-01
  expect "collab phase $co --to inception" 0
done

# ---- pools ----------------------------------------------------------------------

as secretariat pool add --name "SSC $year DKK" --year "$year" --total 10000000000 --currency DKK
table "pool add (table, amounts in major units)" \
  '^ID +YEAR +CUR +TOTAL +COMMITTED +DISBURSED +AVAILABLE +ALLOCATIONS +VERSION +NAME$' \
  "^ *[0-9]+ +$year +DKK +100,000,000.00 +0.00 +0.00 +100,000,000.00 +0 +1 +SSC $year DKK\$"
pool=$(printf '%s\n' "$out" | sed -n 2p | awk '{print $1}')
as secretariat --json pool show "$pool"
check "pool show --json: Money as minor units; a new pool is version 1" \
  "d['total'] == {'amount_minor': 10000000000, 'currency': 'DKK'} and d['available']['amount_minor'] == 10000000000 and d['committed']['amount_minor'] == 0 and d['version'] == 1"
id_of pool2 secretariat pool add --name "SSC $((year + 1)) DKK" --year $((year + 1)) \
  --total 500000000 --currency DKK
id_of pool_eur secretariat pool add --name "SSC $year EUR" --year "$year" --total 100000000 --currency EUR
as secretariat pool add --name "Twice" --year "$year" --total 1 --currency DKK
expect_err "pool add for a year and currency twice: 7" 7 \
  "^ssc: pool add: ALREADY_EXISTS: pool $pool already holds DKK for $year; adjust it instead\$"
as ministry-a pool add --name "Mine" --year 2030 --total 1 --currency DKK
expect_err "pool add by a ministry: 8" 8 '^ssc: pool add: PERMISSION_DENIED: '
as ministry-a --json pool list --currency DKK --all
check "pool list --currency DKK (a ministry reads pools)" \
  "[p['id'] for p in d['pools']] == [$pool, $pool2] and d['next_page_token'] == ''"
as secretariat --json pool list --year "$year" --page-size 1 --all
check "pool list --year --page-size 1 --all" "[p['id'] for p in d['pools']] == [$pool, $pool_eur]"
as secretariat pool list --currency dkk
expect_err "pool list --currency dkk: 5" 5 '^ssc: pool list: INVALID_ARGUMENT: currency: '

as secretariat pool adjust "$pool" --kind top-up --amount 500000000 --currency DKK \
  --reason "Finance act amendment" --expected-version 1
table "pool adjust --kind top-up (table)" \
  '^POOL +ADJUSTMENT +KIND +CUR +AMOUNT +TOTAL +COMMITTED +AVAILABLE +VERSION +REASON$' \
  "^ *$pool +[0-9]+ +top-up +DKK +5,000,000.00 +105,000,000.00 +0.00 +105,000,000.00 +2 +Finance act amendment\$"
as secretariat --json pool adjust "$pool" --kind reduction --amount 100000000 --currency DKK \
  --reason "Savings"
check "pool adjust --kind reduction --json" \
  "d['adjustment']['kind'] == 'reduction' and d['adjustment']['total_after']['amount_minor'] == 10400000000 and d['pool']['version'] == 3"
as secretariat pool adjust "$pool" --kind top-up --amount 100000000 --currency DKK \
  --reason "Back" --expected-version 1
expect_err "pool adjust with a stale version: 5" 5 \
  '^ssc: pool adjust: FAILED_PRECONDITION: expected version 1, found 3$'
as secretariat pool adjust "$pool" --kind top-up --amount 100000000 --currency EUR --reason "Mixed"
expect_err "pool adjust in another currency: 5" 5 \
  "^ssc: pool adjust: INVALID_ARGUMENT: amount: is in EUR, pool $pool is in DKK\$"
as secretariat pool adjust "$pool" --kind sideways --amount 1 --currency DKK --reason "x"
expect_err "pool adjust --kind sideways: usage (2)" 2 '^ssc: pool adjust: --kind'
as secretariat pool adjust "$pool" --kind top-up --amount 0 --currency DKK --reason "x"
expect_err "pool adjust --amount 0: usage (2)" 2 '^ssc: pool adjust: --amount'
as auditor pool adjustments "$pool"
table "pool adjustments (table)" \
  '^ID +POOL +KIND +CUR +AMOUNT +TOTAL_AFTER +PRINCIPAL +AT +REASON$' \
  "^ *[0-9]+ +$pool +reduction +DKK +1,000,000.00 +104,000,000.00 +$re_sec +[0-9T:.Z-]+ +Savings\$"
as auditor --json pool adjustments "$pool" --page-size 2 --all
check "pool adjustments --json: initial, top-up, reduction" \
  "[(a['kind'], a['amount']['amount_minor']) for a in d['adjustments']] == [('initial', 10000000000), ('top-up', 500000000), ('reduction', 100000000)]"
as ministry-a pool adjustments "$pool"
expect_err "pool adjustments by a ministry: 8" 8 '^ssc: pool adjustments: PERMISSION_DENIED: '

# Not a terminal: no bar.
as secretariat pool show "$pool"
if [ "$rc" -eq 0 ] && [ "$(printf '%s\n' "$out" | grep -c '')" -eq 2 ]; then
  pass "pool show piped: the table only, no bar"
else
  fail "pool show piped: the table only, no bar" "status $rc; stdout: $out"
fi

# ---- budgets from CSV: the errors ---------------------------------------------------

header='kind,category,year,amount,currency,funder,description'
csv() { # csv FILE LINE... : writes the lines to $tmp/FILE
  local f=$tmp/$1
  shift
  printf '%s\n' "$@" >"$f"
}
new_app() { # new_app WHO COLLAB PHASE TITLE CURRENCY CSV [ARGS...]
  local who=$1 co=$2 phase=$3 title=$4 cur=$5 file=$6
  shift 6
  as "$who" --json application new --collab "$co" --phase "$phase" --title "$title" \
    --from 2025-01-01 --to 2026-12-31 --currency "$cur" --budget "$tmp/$file" "$@"
}

csv bad-amount.csv "$header" "budget,travel,2025,100,,," "" 'budget,travel,2025,"12,5",,,'
new_app ministry-b "$co1" long-term "x" DKK bad-amount.csv
expect_err "CSV: a decimal comma names line 4 and the column: usage (2)" 2 \
  "^ssc: application new: --budget $tmp/bad-amount.csv:4: column \"amount\": \"12,5\" is not an amount with at most two decimals \(such as 1234.50\)\$"
csv bad-kind.csv "$header" "grant,,,100,,,"
new_app ministry-b "$co1" long-term "x" DKK bad-kind.csv
expect_err "CSV: an unknown kind: usage (2)" 2 \
  "bad-kind.csv:2: column \"kind\": \"grant\" is not budget or cofinancing\$"
csv no-header.csv "budget,travel,2025,100,DKK,,"
new_app ministry-b "$co1" long-term "x" DKK no-header.csv
expect_err "CSV: no header row: usage (2)" 2 \
  "no-header.csv:1: no header: the first line names the columns, such as $header\$"
csv overflow.csv "$header" "budget,travel,2025,1,,," "budget,travel,2025,92233720368547758.08,,,"
new_app ministry-b "$co1" long-term "x" DKK overflow.csv
expect_err "CSV: an amount past int64 minor units: usage (2)" 2 \
  "overflow.csv:3: column \"amount\": \"92233720368547758.08\" is more than the largest amount, 92233720368547758.07\$"
csv decimals.csv "$header" "budget,travel,2025,1.005,,,"
new_app ministry-b "$co1" long-term "x" DKK decimals.csv
expect_err "CSV: three decimals: usage (2)" 2 'decimals.csv:2: column "amount": "1.005" is not an amount'
csv category.csv "$header" "budget,catering,2025,1,,,"
new_app ministry-b "$co1" long-term "x" DKK category.csv
expect_err "CSV: an unknown category: usage (2)" 2 \
  'category.csv:2: column "category": "catering" is not one of staff-compensation, '
csv unknown-col.csv "kind,amount,colour" "budget,1,red"
new_app ministry-b "$co1" long-term "x" DKK unknown-col.csv
expect_err "CSV: an unknown column: usage (2)" 2 'unknown-col.csv:1: column 3: unknown column "colour"'
csv fields.csv "$header" "budget,travel,2025,1"
new_app ministry-b "$co1" long-term "x" DKK fields.csv
expect_err "CSV: a short row: usage (2)" 2 'fields.csv:2: 4 fields, but the header names 7$'
csv quote.csv "$header" 'budget,travel,2025,1,,,"one' 'two"' 'budget,tra"vel,2025,1,,,'
new_app ministry-b "$co1" long-term "x" DKK quote.csv
expect_err "CSV: a stray quote names its line: usage (2)" 2 'quote.csv:4: a quote in the wrong place'
new_app ministry-b "$co1" long-term "x" DKK missing.csv
expect_err "CSV: a missing file: usage (2)" 2 "missing.csv: No such file or directory\$"
as ministry-b application list --collab "$co1" --json
check "nothing was sent: no application exists" "d['applications'] == []"

csv mixed.csv "$header" "budget,travel,2025,100,DKK,," "budget,workshops,2025,100,EUR,,"
new_app ministry-b "$co1" long-term "x" DKK mixed.csv
expect_err "a line in another currency: the server refuses (5)" 5 \
  '^ssc: application new: INVALID_ARGUMENT: budget line 2: the amount is in EUR, the application in DKK$'

# ---- the long-term application: two approvals above DKK 10 million ------------------

csv a1.csv "$header" \
  "budget,staff-compensation,2025,10000000.00,DKK,,\"Advisers, long-term\"" \
  "budget,secondment,2025,8000000,,,Two secondees" \
  "budget,travel,2026,2000000.00,,," \
  "budget,workshops,2026,5000000,,,Workshops"
new_app ministry-b "$co1" long-term "Wind integration, long-term" DKK a1.csv \
  --narrative "Grid integration of wind power"
check "application new --budget: a draft, the lines as in the CSV, requested derived" \
  "d['status'] == 'draft' and d['applicant_id'] == $dea and d['phase'] == 'long-term' and [(l['category'], l['year'], l['amount']['amount_minor'], l['description']) for l in d['budget']] == [('staff-compensation', 2025, 1000000000, 'Advisers, long-term'), ('secondment', 2025, 800000000, 'Two secondees'), ('travel', 2026, 200000000, ''), ('workshops', 2026, 500000000, 'Workshops')] and d['cofinancing'] == [] and d['figures']['requested']['amount_minor'] == 2500000000"
a1=$(js 'd["id"]')
as ministry-b application show "$a1"
has "application show (table): the row, the lines, the figures" \
  '^ID +COLLAB +APPLICANT +PHASE +STATUS +CUR +BUDGET +REQUESTED +SUBMITTED +ALLOCATION +VERSION +TITLE$' \
  "^ *$a1 +$co1 +$dea +long-term +draft +DKK +25,000,000.00 +25,000,000.00 +0 +- +1 +Wind integration, long-term\$" \
  '^period: 2025-01-01 to 2026-12-31$' '^budget \(DKK\):$' \
  '^staff-compensation +2025 +10,000,000.00 +Advisers, long-term$' \
  '^co-financing \(DKK\):$' '^no lines$' \
  '^requested +25,000,000.00 +100.00 +2500000000/2500000000$'
as ministry-s application show "$a1"
expect_err "application show by another ministry: 6" 6 '^ssc: application show: NOT_FOUND: '

as ministry-b application submit "$a1"
has "application submit: version 1, and the tier it is in" \
  "^ *$a1 +$co1 +$dea +long-term +submitted +DKK +25,000,000.00 +25,000,000.00 +1 +- +2 " \
  '^decision on version 1: tier: up to DKK 39,000,000.00: 2 approvals$' \
  '^missing: 2 approvals$'
as ministry-b application edit "$a1" --title "Too late"
expect_err "application edit of a submitted one: 5" 5 \
  "^ssc: application edit: FAILED_PRECONDITION: application $a1 is submitted; only a draft or a returned application is edited\$"
as secretariat --json review start "$a1" --reason "Taking it"
check "review start --json" "d['status'] == 'under-review' and d['submitted_version'] == 1"
as secretariat review comment "$a1" --text "Travel looks high"
table "review comment (table)" '^ID +APPLICATION +VERSION +KIND +PRINCIPAL +AT +TEXT$' \
  "^ *[0-9]+ +$a1 +1 +comment +$re_sec +[0-9T:.Z-]+ +Travel looks high\$"
as ministry-b review comment "$a1" --text "It is not"
expect "review comment by the applicant's ministry" 0
as secretariat review return "$a1"
expect_err "review return without --reason: usage (2)" 2 '^ssc: review return: missing --reason'
as secretariat --json review return "$a1" --reason "Cut the travel, drop the workshops"
check "review return" "d['status'] == 'returned'"
as secretariat review approve "$a1" --pool "$pool" --amount 1 --currency DKK
expect_err "review approve a returned application: 5" 5 \
  "^ssc: review approve: FAILED_PRECONDITION: application $a1 is returned; an approval is recorded only while it is under review\$"

csv a1v2.csv "$header" \
  "budget,staff-compensation,2025,10000000.00,DKK,,\"Advisers, long-term\"" \
  "budget,secondment,2025,8000000,DKK,,Two secondees" \
  "budget,travel,2026,1500000.00,DKK,," \
  "budget,analyses,2026,4000000,DKK,,Grid study"
as ministry-b application edit "$a1" --budget "$tmp/a1v2.csv"
has "application edit --budget alone: both lists replaced" \
  '^travel +2026 +1,500,000.00 +-$' '^analyses +2026 +4,000,000.00 +Grid study$' \
  '^requested +23,500,000.00 +100.00 '
as ministry-b --json application edit "$a1" --title "Wind integration, long-term (revised)" --to 2027-06-30
check "application edit --title --to" \
  "d['title'] == 'Wind integration, long-term (revised)' and d['ends_on'] == '2027-06-30' and len(d['budget']) == 4"
as ministry-b application edit "$a1"
expect_err "application edit with nothing to change: usage (2)" 2 \
  '^ssc: application edit: nothing to change: give --phase, --title, --narrative, --from, --to, --currency, --budget'
as ministry-b application edit "$a1" --budget "$tmp/a1v2.csv" --expected-version 1
expect_err "application edit with a stale version: 5" 5 \
  '^ssc: application edit: FAILED_PRECONDITION: expected version 1, found '
as ministry-b --json application submit "$a1"
check "application submit again: version 2" "d['status'] == 'submitted' and d['submitted_version'] == 2"

as ministry-b application versions "$a1"
table "application versions (table)" \
  '^APPLICATION +NUMBER +PHASE +FROM +TO +CUR +BUDGET +REQUESTED +SUBMITTED_BY +SUBMITTED_AT +TITLE$' \
  "^ *$a1 +1 +long-term +2025-01-01 +2026-12-31 +DKK +25,000,000.00 +25,000,000.00 +$re_min +[0-9T:.Z-]+ +Wind integration, long-term\$"
as secretariat --json application versions "$a1" --page-size 1 --all
check "application versions --page-size 1 --all" \
  "[v['number'] for v in d['versions']] == [1, 2] and d['versions'][1]['figures']['requested']['amount_minor'] == 2350000000"
as ministry-b --json application versions "$a1" --number 1
check "application versions --number 1: version 1 as submitted" \
  "d['number'] == 1 and d['title'] == 'Wind integration, long-term' and len(d['budget']) == 4 and d['budget'][3]['category'] == 'workshops'"
as ministry-b application versions "$a1" --number=2
has "application versions --number=2 (table)" \
  "^ *$a1 +2 +long-term +2025-01-01 +2027-06-30 +DKK +23,500,000.00 +23,500,000.00 +$re_min " \
  '^analyses +2026 +4,000,000.00 +Grid study$'
as ministry-b application versions "$a1" --number 3
expect_err "application versions --number 3: 6" 6 \
  "^ssc: application versions: NOT_FOUND: number: application $a1 has no version 3"

as ministry-b application diff "$a1" --from 1 --to 2
has "application diff --from 1 --to 2: fields, lines with amounts and deltas, requested" \
  "^application $a1, version 1 -> 2\$" \
  '^FIELD +FROM +TO$' \
  '^title +Wind integration, long-term +Wind integration, long-term \(revised\)$' \
  '^ends_on +2026-12-31 +2027-06-30$' \
  '^CHANGE +CATEGORY +YEAR +FROM +TO +DELTA +DESCRIPTION$' \
  '^changed +travel +2026 +2,000,000.00 +1,500,000.00 +-500,000.00 +-$' \
  '^added +analyses +2026 +- +4,000,000.00 +\+4,000,000.00 +Grid study$' \
  '^removed +workshops +2026 +5,000,000.00 +- +-5,000,000.00 +Workshops$' \
  '^requested: DKK 25,000,000.00 -> DKK 23,500,000.00 \(DKK -1,500,000.00\)$'
if grep -Eq '^changed +(staff-compensation|secondment) ' <<<"$out"; then
  fail "application diff: unchanged lines are not shown" "$out"
else
  pass "application diff: unchanged lines are not shown"
fi
as secretariat --json application diff "$a1" --from 1 --to 2
check "application diff --json" \
  "[f['field'] for f in d['fields']] == ['title', 'ends_on'] and sorted((b['change'], (b['to'] or b['from'])['category'], b['delta']['amount_minor']) for b in d['budget']) == [('added', 'analyses', 400000000), ('changed', 'travel', -50000000), ('removed', 'workshops', -500000000)] and d['requested_delta'] == {'amount_minor': -150000000, 'currency': 'DKK'}"
as secretariat application diff "$a1" --from 1
expect_err "application diff without --to: usage (2)" 2 '^ssc: application diff: missing --to'

as secretariat review start "$a1"
expect "review start (version 2)" 0
as secretariat review recommend "$a1" --date 2025-05-01 --reference "UPR 2025-5"
expect_err "review recommend for a tier that needs none: 5" 5 \
  "^ssc: review recommend: FAILED_PRECONDITION: application $a1 \(DKK 23,500,000.00 requested\) is in a tier that needs no council recommendation\$"
as secretariat review approve "$a1" --pool "$pool" --amount 2350000000 --currency DKK
has "review approve: the first of two" \
  "^ *$a1 +$co1 +$dea +long-term +under-review +DKK " \
  '^PRINCIPAL_ID +PRINCIPAL +AT +POOL +CUR +AMOUNT +VERSION$' \
  "^ *[0-9]+ +$re_sec +[0-9T:.Z-]+ +$pool +DKK +23,500,000.00 +2\$" \
  '^missing: 1 more approval$'
as secretariat review approve "$a1" --pool "$pool" --amount 2350000000 --currency DKK
expect_err "review approve twice by one principal: 5" 5 \
  "^ssc: review approve: FAILED_PRECONDITION: principal $re_sec has already approved version 2 of application $a1; a second approval must come from someone else\$"
as secretariat-2 review approve "$a1" --pool "$pool" --amount 2300000000 --currency DKK
expect_err "review approve with another amount: 5" 5 \
  "^ssc: review approve: FAILED_PRECONDITION: version 2 of application $a1 was approved for DKK 23,500,000.00 from pool $pool by $re_sec; every approval of a version names the same amount and pool\$"
as secretariat-2 review approve "$a1" --pool "$pool" --amount 2400000000 --currency DKK
expect_err "review approve above the request: 5" 5 \
  '^ssc: review approve: INVALID_ARGUMENT: amount: DKK 24,000,000.00 is more than the DKK 23,500,000.00 requested'
as ministry-b review approve "$a1" --pool "$pool" --amount 2350000000 --currency DKK
expect_err "review approve by the applicant: 8" 8 '^ssc: review approve: PERMISSION_DENIED: '
as secretariat-2 --json review approve "$a1" --pool "$pool" --amount 2350000000 --currency DKK
check "review approve by a second principal: approved, allocated" \
  "d['status'] == 'approved' and d['allocation_id'] > 0 and [a['principal'] for a in d['decision']['approvals']] == ['$fp_sec', '$fp_sec2'] and d['decision']['missing'] == []"
al1=$(js 'd["allocation_id"]')
as ministry-b --json collab show "$co1"
check "the approval moved the collaboration into long-term" "d['phase'] == 'long-term'"
as secretariat review comments "$a1"
table "review comments (table)" '^ID +APPLICATION +VERSION +KIND +PRINCIPAL +AT +TEXT$' \
  "^ *[0-9]+ +$a1 +1 +return +$re_sec +[0-9T:.Z-]+ +Cut the travel, drop the workshops\$"
as ministry-b --json review comments "$a1" --all
check "review comments --json: who said what, in order" \
  "[(c['kind'], c['principal'], c['version']) for c in d['comments']] == [('comment', '$fp_sec', 1), ('comment', '$fp_sec', 1), ('comment', '$fp_min', 1), ('return', '$fp_sec', 1)]"

# The reduction below what is committed: refused with the figures.
as secretariat pool adjust "$pool" --kind reduction --amount 9000000000 --currency DKK \
  --reason "Cut"
expect_err "pool adjust: a reduction below what is committed: 5, with the figures" 5 \
  "^ssc: pool adjust: FAILED_PRECONDITION: pool $pool has DKK 23,500,000.00 committed of its total DKK 104,000,000.00; a reduction of DKK 90,000,000.00 would leave DKK 14,000,000.00, below what is committed \(at most DKK 80,500,000.00 can be taken away\)\$"

# ---- the other tiers, a rejection, a withdrawal, an over-commitment ------------------

csv a2.csv "$header" "budget,analyses,2025,2500000,DKK,,Inception study" \
  "cofinancing,,,500000,DKK,$dea,"
new_app ministry-b "$co2" inception "Energy statistics, inception" DKK a2.csv
check "application new with an organisation as funder" \
  "d['cofinancing'][0]['funder_id'] == $dea and d['cofinancing'][0]['funder_name'] == '' and d['cofinancing'][0]['share']['percent'] == '20.00' and d['figures']['requested']['amount_minor'] == 200000000"
a2=$(js 'd["id"]')
as ministry-b application show "$a2"
has "application show: an organisation funder by id" "^organisation $dea +500,000.00 +20.00 +50000000/250000000\$"
as ministry-b application submit "$a2"
expect "application submit (inception)" 0
as secretariat review start "$a2"
expect "review start (inception)" 0
as secretariat --json review approve "$a2" --pool "$pool" --amount 200000000 --currency DKK
check "review approve up to DKK 10 million: one approval approves" \
  "d['status'] == 'approved' and d['decision']['tier']['approvals'] == 1 and len(d['decision']['approvals']) == 1"
al2=$(js 'd["allocation_id"]')

csv a6.csv "$header" "budget,staff-compensation,2025,40000000.00,DKK,,Offshore advisers"
new_app ministry-b "$co3" long-term "Offshore wind, long-term" DKK a6.csv
a6=$(js 'd["id"]')
as ministry-b application submit "$a6"
expect "application submit (above DKK 39 million)" 0
as secretariat review start "$a6"
expect "review start (above DKK 39 million)" 0
as secretariat review approve "$a6" --pool "$pool" --amount 4000000000 --currency DKK
expect "review approve 1 of 2 (above DKK 39 million)" 0
as secretariat-2 review approve "$a6" --pool "$pool" --amount 4000000000 --currency DKK
has "review approve 2 of 2: still missing the council and the sign-off" \
  '^decision on version 1: tier: no upper limit: 2 approvals, a council recommendation, a ministerial sign-off$' \
  '^missing: a recommendation of the Council for Development Policy, a ministerial sign-off$'
as secretariat review recommend "$a6" --date 2025-05-01 --reference "UPR 2025-5"
has "review recommend" \
  '^council recommendation: 2025-05-01, reference UPR 2025-5 \(recorded by '"$re_sec"' at [0-9T:.Z-]+\)$' \
  '^missing: a ministerial sign-off$'
as secretariat review signoff "$a6" --by "Minister for Development" --date 2025-05-10
expect_err "review signoff without --reference: usage (2)" 2 '^ssc: review signoff: missing --reference'
as secretariat --json review signoff "$a6" --by "Minister for Development" --date 2025-05-10 \
  --reference "J.nr. 2025-1234"
check "review signoff completes it: approved" \
  "d['status'] == 'approved' and d['decision']['signoff']['signed_by'] == 'Minister for Development' and d['decision']['recommendation']['reference'] == 'UPR 2025-5' and d['allocation_id'] > 0"

csv small.csv "$header" "budget,workshops,2025,8000000,DKK,,"
new_app ministry-b "$co4" inception "To reject" DKK small.csv
a3=$(js 'd["id"]')
as ministry-b application submit "$a3"
as secretariat review start "$a3"
as secretariat --json review reject "$a3" --reason "Out of scope"
check "review reject" "d['status'] == 'rejected' and d['decided_at'] != ''"
as ministry-b application withdraw "$a3"
expect_err "application withdraw of a rejected one: 5" 5 \
  "^ssc: application withdraw: FAILED_PRECONDITION: application $a3 is rejected; it may become nothing else \(the decision is final\), not withdrawn\$"
new_app ministry-b "$co4" inception "To withdraw" DKK small.csv
a4=$(js 'd["id"]')
as ministry-b application submit "$a4"
as ministry-b --json application withdraw "$a4" --reason "Merged into another"
check "application withdraw" "d['status'] == 'withdrawn'"
as ministry-b --json review comments "$a4"
check "the withdrawal's reason is a comment" \
  "[(c['kind'], c['text']) for c in d['comments']] == [('withdraw', 'Merged into another')]"
as secretariat review start "$a4"
expect_err "review start of a withdrawn one: 5" 5 \
  "^ssc: review start: FAILED_PRECONDITION: application $a4 is withdrawn; "

new_app ministry-b "$co4" inception "Efficiency, inception" DKK small.csv
a5=$(js 'd["id"]')
as ministry-b application submit "$a5"
as secretariat review start "$a5"
as secretariat review approve "$a5" --pool "$pool2" --amount 800000000 --currency DKK
expect_err "review approve the pool cannot hold: 5, with the figures" 5 \
  "^ssc: review approve: FAILED_PRECONDITION: pool $pool2 would be over-committed: it has DKK 5,000,000.00 available \(DKK 0.00 of DKK 5,000,000.00 committed\); allocating DKK 8,000,000.00 for application $a5 would pass it by DKK 3,000,000.00\$"
as secretariat --json application show "$a5"
check "the refused approval wrote nothing" \
  "d['status'] == 'under-review' and d['decision']['approvals'] == [] and d['decision']['missing'] == ['1 approval']"
as secretariat --json review approve "$a5" --pool "$pool" --amount 800000000 --currency DKK
check "review approve from a pool that can hold it" "d['status'] == 'approved'"
as ministry-b --json application list --status approved --all
check "application list --status approved" "[a['id'] for a in d['applications']] == [$a1, $a2, $a6, $a5]"
as secretariat application list --collab "$co4"
table "application list --collab (table)" \
  '^ID +COLLAB +APPLICANT +PHASE +STATUS +CUR +BUDGET +REQUESTED +SUBMITTED +ALLOCATION +VERSION +TITLE$' \
  "^ *$a3 +$co4 +$dea +inception +rejected +DKK +8,000,000.00 +8,000,000.00 +1 +- +[0-9]+ +To reject\$"

# ---- InterLoc: co-financing shares, exactly --------------------------------------------

csv interloc.csv "$header" "budget,partner-activities,2025,527044.00,EUR,,InterLoc activities" \
  "cofinancing,,,403770.00,EUR,EU Interreg,"
new_app ministry-a "$co5" inception "InterLoc" EUR interloc.csv
check "InterLoc --json: 403,770 of 527,044 is 76.61, as the fraction" \
  "d['cofinancing'][0]['share'] == {'numerator': 40377000, 'denominator': 52704400, 'percent': '76.61'} and d['figures']['requested'] == {'amount_minor': 12327400, 'currency': 'EUR'} and d['figures']['requested_share']['percent'] == '23.39'"
interloc=$(js 'd["id"]')
as ministry-a application show "$interloc"
has "InterLoc (table): the share as sent, 76.61 and 40377000/52704400" \
  '^co-financing \(EUR\):$' '^FUNDER +AMOUNT +SHARE +FRACTION$' \
  '^EU Interreg +403,770.00 +76.61 +40377000/52704400$' \
  '^figures \(EUR\):$' '^budget total +527,044.00 +- +-$' '^co-financing +403,770.00 +- +-$' \
  '^requested +123,274.00 +23.39 +12327400/52704400$'

# ---- tiers --------------------------------------------------------------------------

as ministry-a tiers list --currency DKK
table "tiers list (table)" '^CUR +UP_TO +APPROVALS +COUNCIL +SIGNOFF$' \
  '^DKK +39,000,000.00 +2 +no +no$'
as ministry-a --json tiers list --currency DKK
check "tiers list --json: the MFA's defaults" \
  "[(t['up_to'] and t['up_to']['amount_minor'], t['approvals'], t['needs_council'], t['needs_signoff']) for t in d['tiers']] == [(1000000000, 1, False, False), (3900000000, 2, False, False), (None, 2, True, True)]"
as admin --json tiers set --currency EUR --tiers 100000000:1,-:2:council
check "tiers set (admin)" \
  "[(t['currency'], t['up_to'] and t['up_to']['amount_minor'], t['approvals'], t['needs_council']) for t in d['tiers']] == [('EUR', 100000000, 1, False), ('EUR', None, 2, True)]"
as admin tiers set --currency EUR --tiers 100000000:1,bogus
expect_err "tiers set with a bad tier: usage (2)" 2 '^ssc: tiers set: --tiers: tier 2 is not LIMIT:APPROVALS'
as admin tiers set --currency EUR --tiers 100000000:1
expect_err "tiers set without an open last tier: 5" 5 \
  '^ssc: tiers set: INVALID_ARGUMENT: tiers: the last tier must be without a limit'
as secretariat tiers set --currency EUR --tiers -:1
expect_err "tiers set by the secretariat: 8" 8 '^ssc: tiers set: PERMISSION_DENIED: '

# ---- allocations and disbursements -------------------------------------------------------

as secretariat allocation list --pool "$pool"
table "allocation list (table)" \
  '^ID +POOL +APPLICATION +COLLAB +ORG +PHASE +CUR +AMOUNT +DISBURSED +RELEASED +REMAINING +FROM +TO +STATUS$' \
  "^ *$al1 +$pool +$a1 +$co1 +$dea +long-term +DKK +23,500,000.00 +0.00 +0.00 +23,500,000.00 +2025-01-01 +2027-06-30 +open\$"
as ministry-b --json allocation list --collab "$co2" --all
check "allocation list --collab (the applicant's ministry)" \
  "[a['id'] for a in d['allocations']] == [$al2] and d['allocations'][0]['amount']['amount_minor'] == 200000000"
as ministry-s --json allocation list --all
check "allocation list by another ministry: none" "d['allocations'] == []"
as secretariat allocation release "$al1" --reason "Too early"
expect_err "allocation release before the phase closes: 5" 5 \
  "^ssc: allocation release: FAILED_PRECONDITION: allocation $al1 is for the long_term phase of collaboration $co1, which has not closed \(it is in long_term\); unused money is released when it does\$"

as secretariat disbursement add --allocation "$al1" --kind advance --amount 500000000 \
  --currency DKK --paid-on 2025-06-01 --reference "PAY-1"
table "disbursement add (table)" \
  '^ID +ALLOCATION +KIND +CUR +AMOUNT +PAID +REVERSES +REVERSED_BY +PRINCIPAL +REFERENCE +REASON$' \
  "^ *[0-9]+ +$al1 +advance +DKK +5,000,000.00 +2025-06-01 +- +- +$re_sec +PAY-1 +-\$"
id_of d2 secretariat disbursement add --allocation "$al1" --kind expense --amount 100000000 \
  --currency DKK --reference "PAY-2"
as secretariat disbursement add --allocation "$al1" --kind expense --amount 2000000000 --currency DKK
expect_err "disbursement add past what is left: 5, with the figures" 5 \
  "^ssc: disbursement add: FAILED_PRECONDITION: allocation $al1 has DKK 17,500,000.00 left \(DKK 23,500,000.00 allocated, DKK 6,000,000.00 disbursed, DKK 0.00 released\); a disbursement of DKK 20,000,000.00 would pass it\$"
as secretariat disbursement add --allocation "$al1" --kind compensation --amount 1 --currency DKK
expect_err "disbursement add --kind compensation: 5" 5 \
  '^ssc: disbursement add: INVALID_ARGUMENT: kind: must be advance or expense'
as secretariat disbursement add --allocation "$al1" --kind expense --amount 1 --currency EUR
expect_err "disbursement add in another currency: 5" 5 \
  "^ssc: disbursement add: INVALID_ARGUMENT: amount: is in EUR, allocation $al1 in DKK\$"
as secretariat --json disbursement reverse "$d2" --reason "Booked twice"
check "disbursement reverse" \
  "d['kind'] == 'reversal' and d['reverses_id'] == $d2 and d['amount']['amount_minor'] == 100000000 and d['reason'] == 'Booked twice'"
rev=$(js 'd["id"]')
as secretariat disbursement reverse "$d2" --reason "Again"
expect_err "disbursement reverse twice: 5" 5 \
  "^ssc: disbursement reverse: FAILED_PRECONDITION: disbursement $d2 was reversed already \(by $rev\)\$"
as secretariat disbursement reverse "$rev" --reason "Undo"
expect_err "disbursement reverse of a reversal: 5" 5 \
  "^ssc: disbursement reverse: FAILED_PRECONDITION: disbursement $rev is a reversal; "
as auditor --json disbursement show "$d2"
check "disbursement show: reversed by" "d['reversed_by_id'] == $rev and d['kind'] == 'expense'"
as auditor --json disbursement list --allocation "$al1" --page-size 2 --all
check "disbursement list --allocation --all" \
  "[(x['kind'], x['amount']['amount_minor']) for x in d['disbursements']] == [('advance', 500000000), ('expense', 100000000), ('reversal', 100000000)]"
as auditor disbursement list --kind reversal
table "disbursement list --kind reversal (table)" '^ID +ALLOCATION +KIND' \
  "^ *$rev +$al1 +reversal +DKK +1,000,000.00 +$today +$d2 +- +$re_sec +PAY-2 +Booked twice\$"
as ministry-b disbursement add --allocation "$al1" --kind expense --amount 1 --currency DKK
expect_err "disbursement add by a ministry: 8" 8 '^ssc: disbursement add: PERMISSION_DENIED: '

as secretariat --json allocation show "$al1"
check "allocation show: disbursed net of the reversal" \
  "d['disbursed']['amount_minor'] == 500000000 and d['remaining']['amount_minor'] == 1850000000 and d['status'] == 'open'"

# The pool on a terminal: the bar and its legend; --json there: no bar.
as secretariat --json pool show "$pool"
check "pool show --json: the figures" \
  "(d['total']['amount_minor'], d['committed']['amount_minor'], d['disbursed']['amount_minor'], d['available']['amount_minor'], d['allocations']) == (10400000000, 7350000000, 500000000, 3050000000, 4)"
as_tty secretariat pool show "$pool"
bar=$(printf '%s\n' "$out" | grep '^\[')
has "pool show on a terminal: the table, the bar, the legend" \
  "^ *$pool +$year +DKK +104,000,000.00 +73,500,000.00 +5,000,000.00 +30,500,000.00 +4 +3 +SSC $year DKK\$" \
  '^█ committed and disbursed +DKK 5,000,000.00$' \
  '^▓ committed, not disbursed +DKK 68,500,000.00$' \
  '^░ available +DKK 30,500,000.00$' \
  '^  total +DKK 104,000,000.00$'
# 40 cells (42 columns less the brackets): 5/104 is 1.9 cells, 73.5/104
# is 28.3.
want_bar="[$(printf '█%.0s' 1 2)$(printf '▓%.0s' $(seq 26))$(printf '░%.0s' $(seq 12))]"
if [ "$bar" = "$want_bar" ]; then
  pass "pool show on a terminal: the bar in proportion (2, 26 and 12 cells of 40)"
else
  fail "pool show on a terminal: the bar in proportion (2, 26 and 12 cells of 40)" \
    "got $bar, want $want_bar"
fi
as_tty secretariat --json pool show "$pool"
if [ "$rc" -eq 0 ] && ! grep -q '█\|░\|^\[' <<<"$out" &&
  [ "$(js 'd["id"]')" = "$pool" ]; then
  pass "pool show --json on a terminal: JSON only, no bar"
else
  fail "pool show --json on a terminal: JSON only, no bar" "status $rc; stdout: $out"
fi

# The phase closes; then what is left goes back to the pool.
as ministry-a collab phase "$co1" --to closed
expect "collab phase --to closed" 0
as secretariat allocation release "$al1" --reason "Phase closed"
table "allocation release (table)" '^ID +POOL +APPLICATION' \
  "^ *$al1 +$pool +$a1 +$co1 +$dea +long-term +DKK +23,500,000.00 +5,000,000.00 +18,500,000.00 +0.00 +2025-01-01 +2027-06-30 +released\$"
as secretariat allocation release "$al1"
expect_err "allocation release again, nothing left: 5" 5 \
  "^ssc: allocation release: FAILED_PRECONDITION: allocation $al1 has nothing left to release"
as secretariat --json pool show "$pool"
check "pool show after the release: committed less what was released" \
  "(d['committed']['amount_minor'], d['disbursed']['amount_minor'], d['available']['amount_minor']) == (5500000000, 500000000, 4900000000)"
as secretariat allocation show 999999
expect_err "allocation show of none: 6" 6 '^ssc: allocation show: NOT_FOUND: '

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
