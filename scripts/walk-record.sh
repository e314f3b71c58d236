# walk-record.sh - the main job's walk through the record of the seeds' real
# cases (sourced by scripts/run.sh, which defines as, refused, org, json_id
# and the organisation ids): Region Midtjylland's agreements, the SSC
# collaborations DEA-Vietnam and DST-Ghana, a collaboration born from a
# match, two secondments, and the deadline radar over them.
#
# Every write carries a fixed idempotency key, so a second run within the
# keys' lifetime (a week) is answered with the first results. After that,
# the record is recognised by its last write (the short-stay secondment)
# and only shown, never written twice.

# rec DEST KEY WHO ARGS...: one write by WHO with key KEY; its id in DEST.
rec() {
  local dest=$1 key=$2 who=$3 out
  shift 3
  echo "--- $who\$ ssc $(words "$@") --idempotency-key $key"
  out=$(SSC_CERT=$var/certs/$who.pem SSC_KEY=$var/certs/$who.key \
    "$ssc" --json "$@" --idempotency-key "$key")
  printf -v "$dest" '%s' "$(json_id <<<"$out")"
  echo "    id ${!dest}"
}

# step WHO KEY ARGS...: one write by WHO with key KEY, its result as a table.
step() {
  local who=$1 key=$2
  shift 2
  as "$who" "$@" --idempotency-key "$key"
}

seeded=$(SSC_CERT=$var/certs/ministry-b.pem SSC_KEY=$var/certs/ministry-b.key \
  "$ssc" --json secondment list --employer "$dst" --employee-ref DST-4711 |
  grep -c '"employee_ref":"DST-4711"' || true)

echo
echo "==> more organisations of the seeds: the other regions, Ghana, the embassies"
org silesia run-org-silesia --name "Lower Silesian Voivodeship" --kind region --country PL
org brasov run-org-brasov --name "Brașov County" --kind region --country RO
org accra run-org-accra --name "Embassy of Denmark in Accra" --kind embassy --country GH
principal embassy-hanoi run-principal-embassy-hanoi --role embassy --org "$hanoi" \
  --name "Sector counsellor, Hanoi"

if [ "$seeded" -eq 0 ]; then
  echo
  echo "==> Region Midtjylland's cooperation agreements (the secretariat records them)"
  rec shanghai_a run-agr-shanghai secretariat agreement add --kind mou \
    --title "Region Midtjylland - Shanghai Municipality" --party "$midtjylland" \
    --party "$shanghai" --from 2003-05-15 --review-on 2013-05-15 \
    --scope "Cooperation on business, education and health; a new MoU is due at the 10-year anniversary in 2013"
  step secretariat run-agr-shanghai-sign agreement sign "$shanghai_a" --on 2003-05-15 >/dev/null
  for r in gyor:Győr-Moson-Sopron bacs:Bács-Kiskun; do
    id=${r%%:*}
    name=${r#*:}
    rec "${id}_a" "run-agr-$id" secretariat agreement add --kind cooperation \
      --title "Region Midtjylland - $name County" --party "$midtjylland" --party "${!id}" \
      --from 2000-01-01 --to 2010-12-31 --notice-months 6
    step secretariat "run-agr-$id-sign" agreement sign "$(eval echo "\$${id}_a")" \
      --on 1999-12-01 >/dev/null
    echo "    ... extended without end in 2011, with 6 months' notice:"
    step secretariat "run-agr-$id-amend" agreement amend "$(eval echo "\$${id}_a")" \
      --from 2011-01-01 --open-ended --notice-months 6 >/dev/null
  done
  rec leningrad_a run-agr-leningrad secretariat agreement add --kind cooperation \
    --title "Region Midtjylland - Leningrad Oblast" --party "$midtjylland" \
    --party "$leningrad" --from 2007-01-10 --to 2010-12-31 --notice-months 3
  step secretariat run-agr-leningrad-sign agreement sign "$leningrad_a" --on 2007-01-10 >/dev/null
  echo "    ... extended to the end of 2013, the continuation decision due in 2013:"
  step secretariat run-agr-leningrad-amend agreement amend "$leningrad_a" --from 2011-01-01 \
    --to 2013-12-31 --review-on 2013-09-30 >/dev/null
  rec silesia_a run-agr-silesia secretariat agreement add --kind cooperation \
    --title "Region Midtjylland - Lower Silesia" --party "$midtjylland" --party "$silesia" \
    --from 2004-06-01 --notice-months 6
  step secretariat run-agr-silesia-sign agreement sign "$silesia_a" --on 2004-05-20 >/dev/null
  echo "    ... Region Midtjylland gives notice on 31 August 2011: six months on is 29 February 2012"
  step secretariat run-agr-silesia-notice agreement notice "$silesia_a" --by "$midtjylland" \
    --on 2011-08-31
  rec brasov_a run-agr-brasov secretariat agreement add --kind cooperation \
    --title "Region Midtjylland - Brașov County" --party "$midtjylland" --party "$brasov" \
    --from 2008-01-01 --scope "Never formalised: the DAROB business centre runs without it"

  echo
  echo "==> SSC: the Danish Energy Agency with Vietnam's Electricity and Renewable Energy Authority"
  rec vn_collab run-collab-dea-vn ministry-a collab add --reference SSC-VN-DEA-EREA \
    --title "Energy Partnership Programme Vietnam" --lead "$dea" --country VN \
    --partner "$erea" --embassy "$hanoi" --sector 23110=60 --sector 23210=40 \
    --started-on 2017-01-16
  step ministry-a run-collab-dea-vn-inception collab phase "$vn_collab" --to inception \
    --on 2017-03-01 --planned-end 2017-12-31 --note "Inception: visits, workshops, analyses" >/dev/null
  step ministry-a run-collab-dea-vn-long collab phase "$vn_collab" --to long-term \
    --on 2018-01-01 --planned-end 2027-12-31 --note "Long-term cooperation agreed" >/dev/null
  rec vn_contract run-agr-dea-vn secretariat agreement add --kind contract \
    --title "DEA contract, Energy Partnership Programme Vietnam" --collab "$vn_collab" \
    --party "$dea" --party "$sec" --from 2018-01-01 --to 2027-12-31 --notice-months 3 \
    --tasks "Advice on power system planning and renewable energy integration" \
    --ceiling 2400000000 --currency DKK --staff-category "sector counsellor=9500000" \
    --staff-category "senior adviser=8000000"
  step secretariat run-agr-dea-vn-sign agreement sign "$vn_contract" --on 2017-12-15 >/dev/null

  echo
  echo "==> SSC: Statistics Denmark with the Ghana Statistical Service (ministry-b)"
  rec gh_collab run-collab-dst-gh ministry-b collab add --reference SSC-GH-DST-GSS \
    --title "Statistical capacity: Ghana" --lead "$dst" --country GH --partner "$gss" \
    --embassy "$accra" --sector 16062=100 --started-on 2025-09-01
  step ministry-b run-collab-dst-gh-inception collab phase "$gh_collab" --to inception \
    --on 2026-02-01 --planned-end 2027-01-31 >/dev/null

  echo
  echo "==> matchmaking: the embassy in Hanoi screens demand, the Danish Energy Agency offers"
  rec signal run-demand-hanoi embassy-hanoi demand add --sector 23183 --sector 23110 \
    --partner "$erea" --title "Energy efficiency in Vietnamese industry" --priority 1 \
    --screened-on 2026-03-10 --description "MOIT asks for help with energy audits of large industry"
  rec interest run-interest-dea ministry-a interest add --sector 23183 --sector 23240 \
    --country VN --country KE --capacity-months 18 \
    --description "Energy efficiency and offshore wind advice"
  as ministry-a match list
  rec ee_collab run-collab-match ministry-a collab add --demand "$signal" --interest "$interest" \
    --title "Energy efficiency in industry, Vietnam" --started-on 2026-04-01
  echo "    ... both sides are matched now, so the match is gone:"
  as ministry-a match list --country VN

  echo
  echo "==> secondments: a long-stay sector counsellor and a short-stay expert"
  step ministry-a run-sec-counsellor secondment add --collab "$vn_collab" --employer "$dea" \
    --employee-ref DEA-1043 --name "Sector counsellor (DEA)" --host "$erea" \
    --from 2024-09-01 --to 2027-08-31 --share-bp 10000 --monthly 9500000 --currency DKK \
    --contract "$vn_contract" --staff-category "sector counsellor"
  step ministry-b run-sec-short secondment add --collab "$gh_collab" --employer "$dst" \
    --employee-ref DST-4711 --name "Household survey expert (DST)" --host "$gss" \
    --from 2026-11-02 --to 2027-01-29 --share-bp 5000 --monthly 3600000 --currency DKK
else
  echo
  echo "==> the record was written by an earlier run: showing it"
fi

echo
echo "==> the agreements on 30 June 2013 ..."
as secretariat agreement list --as-of 2013-06-30 --all
echo
echo "==> ... and today: Leningrad Oblast has expired since"
as secretariat agreement list --all
echo
echo "==> the collaborations, with their IATI activity status"
as secretariat collab list --all
echo
echo "==> the phase machine refuses a step it does not know"
refused as ministry-b collab phase "$(SSC_CERT=$var/certs/ministry-b.pem \
  SSC_KEY=$var/certs/ministry-b.key "$ssc" --json collab list --country GH |
  sed -nE 's/.*"collaborations":\[\{"id":([0-9]+),.*/\1/p')" --to phase-2
echo
echo "==> what each sees: the embassy in Hanoi its country's collaborations ..."
as embassy-hanoi collab list --all
echo "==> ... Statistics Denmark only its own"
as ministry-b collab list --all
echo
echo "==> the secondments, and the rule that nobody works more than full time"
as secretariat secondment list --all
refused as ministry-a secondment add --collab "$(SSC_CERT=$var/certs/ministry-a.pem \
  SSC_KEY=$var/certs/ministry-a.key "$ssc" --json collab list --country VN |
  sed -nE 's/.*"collaborations":\[\{"id":([0-9]+),.*/\1/p')" --employer "$dea" \
  --employee-ref DEA-1043 --name "Sector counsellor (DEA)" --host "$erea" \
  --from 2026-01-01 --to 2026-03-31 --share-bp 2000 --monthly 100000 --currency DKK
echo
echo "==> the deadline radar on 1 January 2013, a year ahead: Shanghai's review (the new MoU"
echo "    due at the 10-year anniversary), Leningrad Oblast's review, its last day for notice"
echo "    (3 months before its end) and its end of 2013"
as secretariat radar --as-of 2013-01-01 --within 365 --all
echo "==> ... and today, 180 days ahead (the largest lead value)"
as secretariat radar --all
echo "==> ... and the 2013 deadlines as a calendar to subscribe to (RFC 5545; each event's"
echo "    UID stays when it moves, so a calendar updates it rather than adding another)"
as secretariat radar --as-of 2013-01-01 --within 365 --ics "$var/radar-2013.ics"
echo "==> ... and as a stream: the radar today, then an update whenever the record or the"
echo "    day changes (here only the picture: --limit stops after its events and 'synced')"
events=$(SSC_CERT=$var/certs/secretariat.pem SSC_KEY=$var/certs/secretariat.key \
  "$ssc" --json radar --within 365 --all | grep -o '"entity_id"' | wc -l)
as secretariat radar --watch --within 365 --limit $((events + 1))
echo
echo "==> the change stream: every committed change one may read, from any sscd on the"
echo "    database; from the first, resumable after any SEQ (here the agreements' first six)"
as auditor watch --after 0 --kind agreement,agreement_version --limit 6
echo "==> ... and what Statistics Denmark's ministry may see of the same (its own record only)"
as ministry-b watch --after 0 --kind collaboration,secondment --limit 3
