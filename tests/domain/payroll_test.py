#!/usr/bin/python3
"""Payroll suite: ssc.v1.Payroll (issue 12, sql/0034) through a real grpcio
client against a real sscd on a real PostgreSQL.

Sets up the funding suite's world, a DKK pool, a collaboration with an
approved allocation and secondments of the agency's staff, then checks:
an import with lines of every flag (counts, the report, the one
compensation payment per allocation, the allocation's remaining amount),
the same batch again (the first result, nothing booked twice), the same id
with other lines (ALREADY_EXISTS, nothing changed), two imports of one id
at once (one books), a dry run (nothing kept), locked months, who may
import, lock and read, malformed streams (no header, a header twice, bad
fields, repeated line numbers, a wrong expected count), a deadline that
passes mid-stream, a cancelled import, sscd killed with SIGKILL mid-stream
and PostgreSQL stopped -m immediate mid-stream (UNAVAILABLE), each
followed by a retry that books exactly once, and that no staging table
outlives its import. Prints PASS/FAIL per case and "N passed, M failed".

    /usr/bin/python3 tests/domain/payroll_test.py --sscd BUILD/daemon/sscd \
        --source . [--only CASE] [--keep] [-v]
"""

import difflib
import os
import resource
import subprocess
import sys
import threading
import time
import traceback
import types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)

import domain_env as E  # noqa: E402
import funding_test as F  # noqa: E402
from domain_env import (CALL_TIMEOUT, H, CaseFailure, check, check_eq,  # noqa: E402
                        expect_error)

T = CALL_TIMEOUT
MDKK = F.MDKK
FLAGS = ("accepted", "no_cover", "outside_period", "rate_exceeded", "hours_exceeded",
         "duplicate_claim", "allocation_exceeded", "unknown_reference", "period_locked")


class PayrollEnv(F.FundingEnv):
    MODULES = F.FundingEnv.MODULES + ("payroll",)

    def payroll(self, client="reconciler", channel=None, sscd=None):
        return self._stub("payroll", "PayrollStub", client, channel, sscd)

    def flag(self, name):
        return getattr(self.pb, "PAYROLL_FLAG_" + name.upper())

    def flag_name(self, value):
        return self.pb.PayrollFlag.Name(value)[len("PAYROLL_FLAG_"):].lower()


def line(env, no, org, emp, month, hours, amount, collab, currency="DKK"):
    """hours in hundredths, amount in minor units."""
    return env.pb.PayrollLine(line=no, organisation=str(org), employee_ref=emp, month=month,
                              hours_hundredths=hours,
                              amount=env.pb.Money(amount_minor=amount, currency=currency),
                              collaboration=collab)


def requests(env, batch, lines, source="payroll.csv", expected=0, dry=False, chunk=500):
    pb = env.pb
    yield pb.ImportPayrollRequest(header=pb.PayrollImportHeader(
        batch_id=batch, source_name=source, expected_lines=expected, dry_run=dry))
    for i in range(0, len(lines), chunk):
        yield pb.ImportPayrollRequest(lines=lines[i:i + chunk])


def do_import(env, batch, lines, client="reconciler", timeout=T, **kw):
    return env.payroll(client).Import(requests(env, batch, lines, **kw), timeout=timeout)


def counts(env, b):
    return {env.flag_name(c.flag): c.lines for c in b.counts if c.lines}


def report(env, batch, flags=(), client="reconciler"):
    return list(env.payroll(client).Report(env.pb.PayrollReportRequest(
        batch_id=batch, flags=[env.flag(f) for f in flags]), timeout=T))


def booked(env):
    """What the database holds of payroll: batches, lines, compensation
    payments and their sum, and the allocations' disbursed total."""
    row = env.pg.rows(
        "SELECT (SELECT count(*) FROM ssc.payroll_batches),"
        " (SELECT count(*) FROM ssc.payroll_lines),"
        " (SELECT count(*) FROM ssc.disbursements WHERE kind = 'compensation'),"
        " (SELECT coalesce(sum(amount_minor), 0) FROM ssc.disbursements"
        "   WHERE kind = 'compensation'),"
        " (SELECT coalesce(sum(disbursed_minor), 0) FROM ssc.allocations)")[0]
    return tuple(int(x) for x in row)


def staging_tables(env):
    """Staging tables of any session (temporary tables named
    payroll_staging) that still exist."""
    return int(env.pg.scalar("SELECT count(*) FROM pg_class WHERE relname = 'payroll_staging'"
                             " AND relpersistence = 't'"))


# ---- the world ---------------------------------------------------------------

def make_payroll_world(env):
    """A DKK pool, collaboration SSC-PAY-1 (lead agency_b) with an approved
    allocation of DKK 100,000.00 for 2025-01-01..2026-12-31, collaboration
    SSC-PAY-2 without one, and secondments of agency_b's staff."""
    pb, w, fx = env.pb, env.world, env.fx
    fx.pool = env.pools("secretariat").Create(pb.CreatePoolRequest(
        name="SSC 2025", fiscal_year=2025, total=F.money(env, 1000 * MDKK)), timeout=T)
    c1 = env.collabs("secretariat").Create(pb.CreateCollaborationRequest(
        title="Payroll collaboration", reference="SSC-PAY-1", lead_id=w.agency_b.id,
        country="VN", partner_ids=[w.erea.id], embassy_id=w.emb_vn.id,
        sectors=[pb.SectorShare(code="23110", percentage=100)], started_on="2024-01-01"),
        timeout=T)
    c2 = env.collabs("secretariat").Create(pb.CreateCollaborationRequest(
        title="Unfunded collaboration", reference="SSC-PAY-2", lead_id=w.agency_b.id,
        country="VN", partner_ids=[w.erea.id], embassy_id=w.emb_vn.id,
        sectors=[pb.SectorShare(code="23110", percentage=100)], started_on="2024-01-01"),
        timeout=T)
    a = F.under_review(env, 10000000, collab=c1, starts_on="2025-01-01",
                       ends_on="2026-12-31", title="Payroll compensation")
    a = F.approve(env, "secretariat", a.id, fx.pool.id, 10000000)
    check(a.allocation_id != 0, "the application was approved with an allocation: %s" % a)
    fx.c1, fx.c2, fx.alloc = c1, c2, a.allocation_id
    sec = env.secondments("ministry-b")

    def second(emp, starts, ends, share, monthly, collab=c1):
        return sec.Create(pb.CreateSecondmentRequest(
            collaboration_id=collab.id, employer_id=w.agency_b.id, employee_ref=emp,
            expert_name="Expert " + emp, host_id=w.erea.id, starts_on=starts, ends_on=ends,
            share_bp=share, monthly_compensation=F.money(env, monthly)), timeout=T)
    # E1: all of 2025 full time at DKK 40,000.00 a month
    second("E1", "2025-01-01", "2025-12-31", 10000, 4000000)
    # E2: half time from 15 March to 20 June 2025 (partial first and last month)
    second("E2", "2025-03-15", "2025-06-20", 5000, 4000000)
    # E3: full time in 2025, on the unfunded collaboration
    second("E3", "2025-01-01", "2025-12-31", 10000, 4000000, collab=c2)
    # E4: 2025 full time, for the hours rule
    second("E4", "2025-01-01", "2025-12-31", 10000, 4000000)
    fx.org = w.agency_b.id
    # The golden files' collaboration (tests/domain/payroll/): an
    # allocation of DKK 1,000.00 and four employees at DKK 400.00 a month.
    c3 = env.collabs("secretariat").Create(pb.CreateCollaborationRequest(
        title="Golden collaboration", reference="SSC-GOLD", lead_id=w.agency_b.id,
        country="VN", partner_ids=[w.erea.id], embassy_id=w.emb_vn.id,
        sectors=[pb.SectorShare(code="23110", percentage=100)], started_on="2024-01-01"),
        timeout=T)
    a = F.under_review(env, 100000, collab=c3, starts_on="2025-01-01",
                       ends_on="2026-12-31", title="Golden compensation")
    a = F.approve(env, "secretariat", a.id, fx.pool.id, 100000)
    fx.c3, fx.gold_alloc = c3, a.allocation_id
    second("G1", "2025-01-01", "2025-12-31", 10000, 40000, collab=c3)
    second("G2", "2025-03-15", "2025-06-20", 5000, 40000, collab=c3)
    second("G3", "2025-01-01", "2025-12-31", 10000, 40000, collab=c3)
    second("G5", "2025-01-01", "2025-12-31", 10000, 40000, collab=c2)


# ---- the real ssc ---------------------------------------------------------------

def ssc_path(env):
    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(env.args.sscd))),
                        "client", "ssc")


def ssc(env, client, *args, want=0, stdin=None):
    """Runs the real ssc as client; returns (rc, stdout, stderr), checking
    the exit status when want is not None."""
    cert, key = env.certs.client(client)
    e = dict(os.environ, SSC_ENDPOINT=env.sscd.target, SSC_CA=env.certs.ca,
             SSC_CERT=cert, SSC_KEY=key, NO_COLOR="1")
    r = subprocess.run([ssc_path(env)] + list(args), env=e, capture_output=True,
                       text=True, timeout=600, stdin=stdin)
    if want is not None and r.returncode != want:
        raise CaseFailure("ssc %s exited %d, not %d:\nstdout: %s\nstderr: %s" %
                          (" ".join(args), r.returncode, want, r.stdout[-2000:],
                           r.stderr[-2000:]))
    return r.returncode, r.stdout, r.stderr


GOLDEN = os.path.join(HERE, "payroll")


def golden(env, name, text):
    """Compares text with tests/domain/payroll/NAME; SSC_GOLDEN_ACCEPT=1
    writes it instead."""
    path = os.path.join(GOLDEN, name)
    if os.environ.get("SSC_GOLDEN_ACCEPT") == "1":
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return
    with open(path, encoding="utf-8") as f:
        want = f.read()
    if text != want:
        diff = "".join(difflib.unified_diff(want.splitlines(True), text.splitlines(True),
                                            "expected " + name, "got"))
        raise CaseFailure("%s differs from the golden file:\n%s" % (name, diff))


# ---- cases -------------------------------------------------------------------

def case_golden(env):
    """tests/domain/payroll/golden.csv through the real ssc: every flag and
    every boundary (its note column says which), after an earlier batch
    (golden-earlier.csv) and a lock of DEA's September; the summary and the
    report compared with golden files."""
    fx = env.fx
    _, out, _ = ssc(env, "reconciler", "payroll", "lock", "--org", str(fx.org),
                    "--month", "2025-09")
    check("2025-09" in out, "the lock is shown: %r" % out)
    _, out, err = ssc(env, "reconciler", "payroll", "import",
                      os.path.join(GOLDEN, "golden-earlier.csv"), "--batch", "gold-0")
    check("1 of 1 lines accepted" in out, "gold-0 accepted its line: %r %r" % (out, err))
    _, out, err = ssc(env, "reconciler", "payroll", "import",
                      os.path.join(GOLDEN, "golden.csv"), "--batch", "gold-1")
    golden(env, "golden.summary.txt", out)
    golden(env, "golden.warnings.txt", err.replace(GOLDEN + "/", ""))
    _, out, _ = ssc(env, "reconciler", "payroll", "report", "gold-1", "--csv")
    golden(env, "golden.report.csv", out)
    alloc = env.allocs("secretariat").Get(env.pb.GetAllocationRequest(id=fx.gold_alloc),
                                           timeout=T)
    check_eq((alloc.disbursed.amount_minor, alloc.remaining.amount_minor),
             (40000 + 50970, 100000 - 40000 - 50970), "the golden allocation's figures")
    # the same file again: the first result, nothing booked again
    before = booked(env)
    _, out, _ = ssc(env, "reconciler", "payroll", "import",
                    os.path.join(GOLDEN, "golden.csv"), "--batch", "gold-1")
    check("replayed" in out and "nothing was booked again" in out,
          "the second import is the first one's result: %r" % out)
    check_eq(booked(env), before, "nothing booked twice")
    # only some flags
    _, out, _ = ssc(env, "auditor", "payroll", "report", "gold-1", "--flag",
                    "allocation-exceeded", "--flag", "hours-exceeded")
    got = [ln.split("  ")[:2] for ln in out.splitlines()[1:]]
    check_eq(got, [["12", "hours-exceeded"], ["18", "allocation-exceeded"],
                   ["20", "allocation-exceeded"], ["21", "allocation-exceeded"]],
             "the report of two flags, as the auditor reads it")


def case_flags(env):
    """One batch with lines of every flag; the counts, the report and the
    booking."""
    fx, org = env.fx, env.fx.org
    L = lambda *a, **k: line(env, *a, **k)  # noqa: E731
    lines = [
        L(2, org, "E1", "2025-01", 16000, 4000000, "SSC-PAY-1"),          # accepted, the full rate
        L(3, org, "E1", "2025-02", 16000, 4000001, "SSC-PAY-1"),          # rate: 1 øre over
        L(4, org, "E1", "2025-02", 16000, 3000000, "SSC-PAY-1"),          # accepted (3 was flagged)
        L(5, org, "E1", "2025-02", 100, 1000, "SSC-PAY-1"),               # duplicate of line 4
        L(6, org, "E2", "2025-03", 8000, 1096774, "SSC-PAY-1"),           # March 17/31 at 50 %: cap 1,096,774
        L(7, org, "E2", "2025-06", 8000, 1333334, "SSC-PAY-1"),           # June 20/30 at 50 %: cap 1,333,333
        L(8, org, "E2", "2025-07", 8000, 1000, "SSC-PAY-1"),              # outside the secondment
        L(9, org, "E9", "2025-01", 8000, 1000, "SSC-PAY-1"),              # unknown employee
        L(10, "NOSUCH", "E1", "2025-03", 8000, 1000, "SSC-PAY-1"),        # unknown organisation
        L(11, org, "E1", "2025-03", 8000, 1000, "SSC-PAY-9"),             # unknown collaboration
        L(12, org, "E3", "2025-03", 8000, 1000, "SSC-PAY-1"),             # E3 is not on SSC-PAY-1
        L(13, org, "E3", "2025-03", 8000, 1000, "SSC-PAY-2"),             # no allocation there
    ]
    before = booked(env)
    b = do_import(env, "flags-1", lines)
    check_eq(counts(env, b), {"accepted": 3, "rate_exceeded": 2, "duplicate_claim": 1,
                              "outside_period": 1, "unknown_reference": 3, "no_cover": 1,
                              "allocation_exceeded": 1}, "counts")
    check_eq((b.lines, b.accepted_lines, b.replayed, b.disbursements), (12, 3, False, 1),
             "lines, accepted, replayed, payments")
    check_eq([(m.amount_minor, m.currency) for m in b.accepted],
             [(4000000 + 3000000 + 1096774, "DKK")], "accepted total")
    check(len(b.content_hash) == 64, "a SHA-256 content hash: %r" % b.content_hash)
    rep = report(env, "flags-1")
    check_eq([(r.line.line, env.flag_name(r.flag)) for r in rep],
             [(2, "accepted"), (3, "rate_exceeded"), (4, "accepted"), (5, "duplicate_claim"),
              (6, "accepted"), (7, "rate_exceeded"), (8, "outside_period"),
              (9, "unknown_reference"), (10, "unknown_reference"), (11, "unknown_reference"),
              (12, "no_cover"), (13, "allocation_exceeded")], "the report, line by line")
    details = {r.line.line: r.detail for r in rep}
    for no, words in ((3, "above the cap of DKK 40,000.00"), (5, "claimed on line 4"),
                      (7, "DKK 13,333.33"), (10, '"NOSUCH" is not known'),
                      (13, "no open allocation")):
        check(words in details[no], "line %d's detail names %r: %r" % (no, words, details[no]))
    flagged = report(env, "flags-1", flags=("rate_exceeded", "no_cover"))
    check_eq([r.line.line for r in flagged], [3, 7, 12], "the report of two flags")
    after = booked(env)
    check_eq(after[2] - before[2], 1, "one compensation payment")
    check_eq(after[3] - before[3], 8096774, "its amount")
    alloc = env.allocs("secretariat").Get(env.pb.GetAllocationRequest(id=fx.alloc), timeout=T)
    check_eq(alloc.disbursed.amount_minor, 8096774, "the allocation's disbursed")
    check_eq(staging_tables(env), 0, "no staging table left")


CASES = [
    ("golden", case_golden),
    ("flags", case_flags),
]


def main():
    args = E.parse_args(__doc__)
    runner = H.Runner("payroll", only=args.only, verbose=args.verbose)
    env = PayrollEnv(args, "payroll")
    env.fx = types.SimpleNamespace()
    F.E_PB = env.pb
    runner.after_each = env.after_each
    try:
        env.setup()
        make_payroll_world(env)
    except Exception:  # noqa: BLE001 - report and stop
        runner.record("setup", ["could not set up:\n" + traceback.format_exc()])
        return env.teardown(runner)
    for name, fn in CASES:
        runner.run(name, fn, env, timeout=300)
    env.close_sessions()
    return env.teardown(runner)


if __name__ == "__main__":
    sys.exit(main())
