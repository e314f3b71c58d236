#!/usr/bin/env bash
# bank.sh - the bank test at full scale: tests/domain/bank_test.py (ctest
# domain.bank runs it small) with at least 10,000 operations.
#
#   bench/bank.sh [--build DIR] [--ops N] [--threads T] [--seed S]
#                 [--budget S] [--keep]
#
# Three sscd on one private PostgreSQL; client threads (default 24) approve
# (one- and two-approval tiers, five secretariat principals), release,
# disburse and reverse at once against three pools that can fund about half
# of what is asked; one sscd is killed with SIGKILL and restarted, and
# PostgreSQL stopped with `pg_ctl stop -m immediate` and restarted, during
# the run; every call that fails UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED or
# with a broken connection is retried with its idempotency key on the next
# sscd. --ops N (default 10000) sizes the plan: N / 5 applications under
# review, 3 % of N allocations made beforehand, the disbursements out of
# them; the answers add about a fifth more operations (disbursements out of
# new allocations, reversals), and the run fails if fewer than 10,000 (or N,
# if less) were made. Afterwards the tables are checked (the test's
# docstring lists every check) and the counts printed: per operation kind
# the operations, OK, refused by a rule (and which), retried, retried and
# then OK, answered from an earlier attempt's commit, without a definite
# answer, with an answer no rule explains; the attempts that failed, by
# code; the faults; the invariants; deadlocks and statement timeouts in
# PostgreSQL's log.
#
# Unlike the other benchmarks this is a test: it exits non-zero when an
# invariant does not hold (the test's exit status). The seed is printed;
# --seed S repeats a plan (the interleaving is never the same).
#
# Needs: sscd built in DIR (default build/), PostgreSQL 15 (postgresql-15),
# openssl, and /usr/bin/python3 with python3-grpcio and python3-grpc-tools.
# About 1.5 minutes on 2 cores at the defaults (setup 30 s, the run 40 s).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build
ops=10000
threads=24
extra=()

usage() {
  sed -n '5,6p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

die() {
  echo "bank.sh: $*" >&2
  exit 1
}

positive() { # NAME VALUE
  [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 must be a positive integer, not \"$2\""
}

while [ $# -gt 0 ]; do
  case $1 in
  --build) build=${2:?}; shift 2 ;;
  --ops) ops=${2:?}; shift 2 ;;
  --threads) threads=${2:?}; shift 2 ;;
  --seed) positive --seed "${2:?}"; extra+=(--seed "$2"); shift 2 ;;
  --budget) positive --budget "${2:?}"; extra+=(--budget "$2"); shift 2 ;;
  --keep) extra+=(--keep); shift ;;
  -h | --help) usage ;;
  *) echo "bank.sh: unknown option $1" >&2; usage ;;
  esac
done
positive --ops "$ops"
positive --threads "$threads"
sscd=$build/daemon/sscd
[ -x "$sscd" ] || die "no sscd in $build/daemon (build first: bash scripts/build.sh $build)"
min=$((ops < 10000 ? ops : 10000))

exec /usr/bin/python3 "$root/tests/domain/bank_test.py" --sscd "$sscd" --source "$root" \
  --ops "$ops" --threads "$threads" --min-ops "$min" ${extra[@]+"${extra[@]}"}
