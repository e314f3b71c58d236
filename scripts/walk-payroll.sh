# walk-payroll.sh - the main job's walk through payroll compensation
# (sourced by scripts/run.sh after walk-funding.sh, whose Vietnam
# allocation it books against): two more DEA experts seconded to the
# Vietnam collaboration next year (one to mid-September, one half time from
# 10 March) and a DST expert in Ghana; the reconciler locks DEA's December
# of this year, then imports a small payroll file with a few lines of every
# flag (client/payroll-csv.md), prints the summary and the flagged lines,
# imports the same file again (nothing is booked twice), and shows the
# allocation's remaining amount.
#
# The file depends only on the year, so a second run sends the same lines
# under the same batch id and is answered with the first result.

next=$((year + 1))
pay=$var/payroll
mkdir -p "$pay"

# The collaborations by reference (ids differ from run to run of a fresh
# database, references do not).
collab_id() {
  SSC_CERT=$var/certs/secretariat.pem SSC_KEY=$var/certs/secretariat.key \
    "$ssc" --json collab list --all | grep -o "\"id\":[0-9]*,\"reference\":\"$1\"" |
    sed -nE 's/"id":([0-9]+),.*/\1/p'
}
pay_vn=$(collab_id SSC-VN-DEA-EREA)
pay_gh=$(collab_id SSC-GH-DST-GSS)

echo
echo "==> payroll: two DEA experts seconded to Vietnam in $next, and one from DST to Ghana"
step ministry-a run-sec-pay-2088 secondment add --collab "$pay_vn" --employer "$dea" \
  --employee-ref DEA-2088 --name "Energy modelling adviser (DEA)" --host "$erea" \
  --from "$next-01-01" --to "$next-09-15" --share-bp 10000 --monthly 8000000 \
  --currency DKK >/dev/null
step ministry-a run-sec-pay-2089 secondment add --collab "$pay_vn" --employer "$dea" \
  --employee-ref DEA-2089 --name "Grid code adviser (DEA), half time" --host "$erea" \
  --from "$next-03-10" --to "$next-12-31" --share-bp 5000 --monthly 4000000 \
  --currency DKK >/dev/null
step ministry-b run-sec-pay-5120 secondment add --collab "$pay_gh" --employer "$dst" \
  --employee-ref DST-5120 --name "Sampling expert (DST)" --host "$gss" \
  --from "$next-01-01" --to "$next-06-30" --share-bp 10000 --monthly 5000000 \
  --currency DKK >/dev/null
as ministry-a secondment list --employer "$dea"

echo
echo "==> the reconciler locks DEA's December $year: it was reconciled and paid"
step reconciler run-payroll-lock-dea payroll lock --org "$dea" --month "$year-12"

# The payroll file: DEA's lines by its short name (ENS), DST's by its id.
file=$pay/payroll-$next-01.csv
{
  echo "organisation,employee,month,hours,amount,currency,collaboration"
  echo "ENS,DEA-2088,$next-01,160.00,80000.00,DKK,SSC-VN-DEA-EREA"
  echo "ENS,DEA-2088,$next-02,160.00,80000.00,DKK,SSC-VN-DEA-EREA"
  echo "ENS,DEA-2088,$next-03,160.00,80000.00,DKK,SSC-VN-DEA-EREA"
  echo "ENS,DEA-2088,$next-03,8.00,4000.00,DKK,SSC-VN-DEA-EREA"
  echo "ENS,DEA-2088,$next-04,160.00,80000.01,DKK,SSC-VN-DEA-EREA"
  echo "ENS,DEA-2088,$next-04,160.00,80000.00,DKK,SSC-VN-DEA-EREA"
  echo "ENS,DEA-2088,$next-05,160.00,80000.00,DKK,SSC-VN-DEA-EREA"
  echo "ENS,DEA-2088,$next-06,160.00,80000.00,DKK,SSC-VN-DEA-EREA"
  echo "ENS,DEA-2088,$next-07,160.00,80000.00,DKK,SSC-VN-DEA-EREA"
  echo "ENS,DEA-2088,$next-08,160.00,80000.00,DKK,SSC-VN-DEA-EREA"
  echo "ENS,DEA-2088,$next-10,80.00,40000.00,DKK,SSC-VN-DEA-EREA"
  echo "ENS,DEA-2089,$next-03,40.00,14193.54,DKK,SSC-VN-DEA-EREA"
  echo "ENS,DEA-2089,$next-04,80.00,20000.00,DKK,SSC-VN-DEA-EREA"
  echo "ENS,DEA-9999,$next-04,160.00,1000.00,DKK,SSC-VN-DEA-EREA"
  echo "NOPE,DEA-2088,$next-04,160.00,1000.00,DKK,SSC-VN-DEA-EREA"
  echo "ENS,DEA-2088,$next-05,160.00,1000.00,DKK,SSC-NOPE"
  echo "$dst,DST-5120,$next-02,160.00,50000.00,DKK,SSC-GH-DST-GSS"
  echo "$dst,DST-5120,$next-02,160.00,50000.00,DKK,SSC-VN-DEA-EREA"
  echo "ENS,DEA-2088,$year-12,160.00,80000.00,DKK,SSC-VN-DEA-EREA"
} >"$file"
echo
echo "==> the payroll file of January $next ($file):"
sed 's/^/    /' "$file"
echo "    (line 5 repeats DEA-2088's March; line 6 is 1 øre over the rate; August"
echo "    passes 1,720 h x the year's share (1 January - 15 September); October is"
echo "    after the secondment; DEA-2089 starts on 10 March at half time, so March's"
echo "    cap is 22/31 of DKK 20,000.00; DEA-9999, NOPE and SSC-NOPE are unknown;"
echo "    the Ghana collaboration has no allocation; DST-5120 is not on the Vietnam"
echo "    one; December $year is locked)"

echo
echo "==> the reconciler imports it as batch payroll-$next-01"
as reconciler payroll import "$file" --batch "payroll-$next-01"
echo
echo "==> the flagged lines, with the reason and the figures"
as reconciler payroll report "payroll-$next-01" --flag no-cover --flag outside-period \
  --flag rate-exceeded --flag hours-exceeded --flag duplicate-claim \
  --flag allocation-exceeded --flag unknown-reference --flag period-locked
echo
echo "==> the same file again: the first result, nothing booked twice"
as reconciler payroll import "$file" --batch "payroll-$next-01"
echo
echo "==> the batches, and the Vietnam allocation after the compensation payment"
as secretariat payroll batches
pay_alloc=$(SSC_CERT=$var/certs/secretariat.pem SSC_KEY=$var/certs/secretariat.key \
  "$ssc" --json allocation list --collab "$pay_vn" |
  sed -nE 's/.*"allocations":\[\{"id":([0-9]+),.*/\1/p')
as secretariat allocation show "$pay_alloc"
as secretariat disbursement list --allocation "$pay_alloc"
