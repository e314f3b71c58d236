# walk-funding.sh - the main job's walk through funding (sourced by
# scripts/run.sh after walk-record.sh, whose collaborations it uses): a DKK
# pool for this year; the Danish Energy Agency's application for its Vietnam
# collaboration's long-term phase, DKK 25 million, returned once, revised,
# resubmitted and approved by two secretariat principals; a small inception
# application approved by one, which moves its collaboration into
# inception; a rejected one; an approval the pool cannot hold; the seeds'
# InterLoc co-financing case; a payment and its reversal; the pool at the end.
#
# As in walk-record.sh every write carries a fixed idempotency key, and a
# record written by an earlier run is recognised (the pool of this year)
# and only shown.

year=$(date -u +%Y)
fund=$var/funding
mkdir -p "$fund"

# budget FILE LINES...: a budget CSV (client/budget-csv.md) for --budget.
budget() {
  local file=$fund/$1
  shift
  printf '%s\n' "kind,category,year,amount,currency,funder,description" "$@" >"$file"
  echo "    $file:"
  sed 's/^/      /' "$file"
}

funded=$(SSC_CERT=$var/certs/secretariat.pem SSC_KEY=$var/certs/secretariat.key \
  "$ssc" --json pool list --year "$year" --currency DKK | grep -c '"id"' || true)

if [ "$funded" -eq 0 ]; then
  echo
  echo "==> funding: the secretariat opens this year's DKK pool"
  rec pool run-pool-dkk secretariat pool add --name "SSC pooled fund $year" --year "$year" \
    --total 3000000000 --currency DKK
  as secretariat tiers list --currency DKK

  echo
  echo "==> the Danish Energy Agency applies for its Vietnam collaboration's long-term phase"
  budget vn-v1.csv \
    "budget,staff-compensation,$((year + 1)),9000000.00,DKK,,Advisers at the authority" \
    "budget,secondment,$((year + 1)),6500000.00,DKK,,Long-term adviser in Hanoi" \
    "budget,workshops,$((year + 2)),4500000.00,DKK,,Grid code and planning workshops" \
    "budget,travel,$((year + 2)),2000000.00,DKK,," \
    "budget,analyses,$((year + 3)),3000000.00,DKK,,Energy outlook $((year + 3))"
  rec vn_app run-app-vn ministry-a application new --collab "$vn_collab" --phase long-term \
    --title "Energy Partnership Programme Vietnam, long-term phase $((year + 1))-$((year + 3))" \
    --from "$((year + 1))-01-01" --to "$((year + 3))-12-31" --currency DKK \
    --budget "$fund/vn-v1.csv"
  step ministry-a run-app-vn-submit application submit "$vn_app" >/dev/null
  step secretariat run-app-vn-start review start "$vn_app" >/dev/null
  echo "    ... the secretariat returns it: the analyses belong to another programme"
  step secretariat run-app-vn-return review return "$vn_app" \
    --reason "Move the energy outlook to the analyses programme and add partner activities" \
    >/dev/null
  echo "    ... revised and resubmitted (version 2)"
  budget vn-v2.csv \
    "budget,staff-compensation,$((year + 1)),9000000.00,DKK,,Advisers at the authority" \
    "budget,secondment,$((year + 1)),6500000.00,DKK,,Long-term adviser in Hanoi" \
    "budget,workshops,$((year + 2)),4500000.00,DKK,,Grid code and planning workshops" \
    "budget,travel,$((year + 2)),2000000.00,DKK,," \
    "budget,partner-activities,$((year + 3)),3000000.00,DKK,,EREA study tours"
  step ministry-a run-app-vn-edit application edit "$vn_app" --budget "$fund/vn-v2.csv" >/dev/null
  step ministry-a run-app-vn-resubmit application submit "$vn_app" >/dev/null
  as ministry-a application diff "$vn_app" --from 1 --to 2
  step secretariat run-app-vn-start2 review start "$vn_app" >/dev/null
  echo "    ... DKK 25,000,000.00 is above 10 million: two approvals by different principals"
  step secretariat run-app-vn-approve1 review approve "$vn_app" --pool "$pool" \
    --amount 2500000000 --currency DKK >/dev/null
  echo "    ... the same principal cannot approve twice"
  refused as secretariat review approve "$vn_app" --pool "$pool" --amount 2500000000 \
    --currency DKK
  step secretariat-2 run-app-vn-approve2 review approve "$vn_app" --pool "$pool" \
    --amount 2500000000 --currency DKK

  echo
  echo "==> a small inception application, approved by one principal: the energy-efficiency"
  echo "    collaboration born from the match moves from matchmaking into inception"
  budget ee.csv \
    "budget,workshops,$((year + 1)),450000.00,DKK,,Energy audit training" \
    "budget,travel,$((year + 1)),150000.00,DKK,,Two visits"
  rec ee_app run-app-ee ministry-a application new --collab "$ee_collab" --phase inception \
    --title "Energy audits of large industry: inception" --from "$((year + 1))-01-01" \
    --to "$((year + 1))-12-31" --currency DKK --budget "$fund/ee.csv"
  step ministry-a run-app-ee-submit application submit "$ee_app" >/dev/null
  step secretariat run-app-ee-start review start "$ee_app" >/dev/null
  step secretariat-2 run-app-ee-approve review approve "$ee_app" --pool "$pool" \
    --amount 60000000 --currency DKK >/dev/null

  echo
  echo "==> a rejected one: Statistics Denmark asks for Ghana's long-term phase too early"
  budget gh.csv "budget,staff-compensation,$((year + 1)),4000000.00,DKK,,Survey methods"
  rec gh_app run-app-gh ministry-b application new --collab "$gh_collab" --phase long-term \
    --title "Statistical capacity: Ghana, long-term" --from "$((year + 1))-01-01" \
    --to "$((year + 2))-12-31" --currency DKK --budget "$fund/gh.csv"
  step ministry-b run-app-gh-submit application submit "$gh_app" >/dev/null
  step secretariat run-app-gh-start review start "$gh_app" >/dev/null
  step secretariat run-app-gh-reject review reject "$gh_app" \
    --reason "The inception phase runs until January; apply when its results are in" >/dev/null

  echo
  echo "==> an approval the pool cannot hold: DKK 4,400,000.00 is left, phase 2 asks for 6,000,000.00"
  budget vn-p2.csv "budget,staff-compensation,$((year + 4)),6000000.00,DKK,,Phase 2 advisers"
  rec p2_app run-app-vn-p2 ministry-a application new --collab "$vn_collab" --phase phase-2 \
    --title "Energy Partnership Programme Vietnam, phase 2" --from "$((year + 4))-01-01" \
    --to "$((year + 4))-12-31" --currency DKK --budget "$fund/vn-p2.csv"
  step ministry-a run-app-vn-p2-submit application submit "$p2_app" >/dev/null
  step secretariat run-app-vn-p2-start review start "$p2_app" >/dev/null

  echo
  echo "==> the seeds' InterLoc co-financing case: EUR 527,044 of which the EU pays 403,770"
  budget interloc.csv \
    "budget,staff-compensation,$((year + 1)),327044.00,EUR,,Project staff" \
    "budget,workshops,$((year + 1)),200000.00,EUR,,Partner seminars" \
    "cofinancing,,,403770.00,EUR,EU Interreg,"
  rec interloc_app run-app-interloc ministry-b application new --collab "$gh_collab" \
    --phase long-term --title "Co-financed as InterLoc was (the seeds)" \
    --from "$((year + 1))-01-01" --to "$((year + 1))-12-31" --currency EUR \
    --budget "$fund/interloc.csv"

  echo
  echo "==> a first payment out of the Vietnam allocation, a mistaken one, and its reversal"
  vn_alloc=$(SSC_CERT=$var/certs/secretariat.pem SSC_KEY=$var/certs/secretariat.key \
    "$ssc" --json allocation list --collab "$vn_collab" | sed -nE 's/.*"allocations":\[\{"id":([0-9]+),.*/\1/p')
  step secretariat run-disb-vn-advance disbursement add --allocation "$vn_alloc" --kind advance \
    --amount 300000000 --currency DKK --reference "Advance $((year + 1)) H1" >/dev/null
  rec wrong run-disb-vn-wrong secretariat disbursement add --allocation "$vn_alloc" \
    --kind expense --amount 4500000 --currency DKK --reference "Invoice 2231 (booked twice)"
  step secretariat run-disb-vn-reverse disbursement reverse "$wrong" \
    --reason "Invoice 2231 was paid under Advance H1" >/dev/null
else
  echo
  echo "==> funding was written by an earlier run: showing it"
  pool=$(SSC_CERT=$var/certs/secretariat.pem SSC_KEY=$var/certs/secretariat.key \
    "$ssc" --json pool list --year "$year" --currency DKK | sed -nE 's/.*"pools":\[\{"id":([0-9]+),.*/\1/p')
  # (the walk leaves one application under review, phase 2, and one
  # draft, the InterLoc case)
  p2_app=$(SSC_CERT=$var/certs/ministry-a.pem SSC_KEY=$var/certs/ministry-a.key \
    "$ssc" --json application list --status under-review |
    sed -nE 's/.*"applications":\[\{"id":([0-9]+),.*/\1/p')
  interloc_app=$(SSC_CERT=$var/certs/ministry-b.pem SSC_KEY=$var/certs/ministry-b.key \
    "$ssc" --json application list --status draft |
    sed -nE 's/.*"applications":\[\{"id":([0-9]+),.*/\1/p')
fi

echo
echo "==> the over-committing approval is refused, with the figures, and writes nothing"
refused as secretariat review approve "$p2_app" --pool "$pool" --amount 600000000 --currency DKK
echo
echo "==> the InterLoc case: the EU's share exactly, 403,770/527,044 = 76.61 % (half up)"
as ministry-b application show "$interloc_app"
echo
echo "==> the applications, and the allocations their approvals made"
as secretariat application list
as secretariat allocation list --pool "$pool"
echo
echo "==> the pool at the end: committed, disbursed and available"
as secretariat pool show "$pool"
