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
    """Import transactions PostgreSQL still has (sessions of sscd's import
    connections: their staging table is their transaction's), and staging
    tables any session committed (none ever should)."""
    return int(env.pg.scalar(
        "SELECT (SELECT count(*) FROM pg_stat_activity WHERE application_name = 'sscd-copy')"
        " + (SELECT count(*) FROM pg_class WHERE relname = 'payroll_staging')"))


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


def ssc_env(env, client):
    """The environment that makes ssc client's."""
    cert, key = env.certs.client(client)
    return dict(os.environ, SSC_ENDPOINT=env.sscd.target, SSC_CA=env.certs.ca,
                SSC_CERT=cert, SSC_KEY=key, NO_COLOR="1")


def ssc(env, client, *args, want=0, stdin=None):
    """Runs the real ssc as client; returns (rc, stdout, stderr), checking
    the exit status when want is not None."""
    r = subprocess.run([ssc_path(env)] + list(args), env=ssc_env(env, client),
                       capture_output=True,
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


def e1_lines(env, months=range(1, 13), emp="E4", first=2, amount=1000, hours=100):
    org = env.fx.org
    return [line(env, first + i, org, emp, "2025-%02d" % m, hours, amount, "SSC-PAY-1")
            for i, m in enumerate(months)]


def bulk_lines(env, n, emp_prefix="X"):
    """n lines of employees nobody has (unknown_reference): volume without
    touching any allocation."""
    org = env.fx.org
    return [line(env, 2 + i, org, "%s%d" % (emp_prefix, i // 12), "2025-%02d" % (1 + i % 12),
                 100, 1000, "SSC-PAY-1") for i in range(n)]


class SlowStream:
    """Import requests that pause after each chunk until told to go on, so
    a case can act while the import is in the middle of its stream."""

    def __init__(self, env, batch, lines, chunk=200, pause=0.05):
        self.env, self.batch, self.lines, self.chunk, self.pause = env, batch, lines, chunk, pause
        self.sent = 0
        self.started = threading.Event()
        self.stop = threading.Event()

    def __iter__(self):
        pb = self.env.pb
        yield pb.ImportPayrollRequest(header=pb.PayrollImportHeader(
            batch_id=self.batch, source_name="slow.csv"))
        for i in range(0, len(self.lines), self.chunk):
            if self.stop.is_set():
                return
            yield pb.ImportPayrollRequest(lines=self.lines[i:i + self.chunk])
            self.sent += 1
            self.started.set()
            time.sleep(self.pause)


def run_async(fn):
    box = {}

    def body():
        try:
            box["result"] = fn()
        except Exception as e:  # noqa: BLE001 - the case looks at it
            box["error"] = e
    th = threading.Thread(target=body, daemon=True)
    th.start()
    return th, box


def nothing_left(env, before, what):
    check(E.wait_for(lambda: staging_tables(env) == 0, 20.0),
          "%s: no staging table left (%d): %s" % (
              what, staging_tables(env),
              env.pg.rows("SELECT pid, state, backend_start, left(query, 120)"
                          " FROM pg_stat_activity WHERE application_name = 'sscd-copy'")))
    check_eq(booked(env), before, "%s: nothing booked" % what)


def case_replay(env):
    """The same batch id: the same lines answer the first result and book
    nothing; other lines are ALREADY_EXISTS and change nothing."""
    lines = e1_lines(env, months=(1, 2), emp="E4", first=2, amount=500000)
    first = do_import(env, "replay-1", lines)
    check_eq((first.replayed, first.accepted_lines), (False, 2), "the first import")
    before = booked(env)
    again = do_import(env, "replay-1", lines, chunk=1)
    check_eq((again.replayed, again.accepted_lines, again.content_hash, again.created_at),
             (True, 2, first.content_hash, first.created_at),
             "the same lines again (in other chunks): the first result")
    check_eq(booked(env), before, "nothing booked again")
    other = list(lines)
    other[1] = line(env, 3, env.fx.org, "E4", "2025-02", 16000, 500001, "SSC-PAY-1")
    expect_error(lambda: do_import(env, "replay-1", other), E.ALREADY_EXISTS,
                 "imported already with other lines")
    check_eq(booked(env), before, "nothing changed by the conflict")
    # a batch id of another sender's organisation: no result given away
    expect_error(lambda: do_import(env, "replay-1", lines, client="ministry-s"),
                 E.ALREADY_EXISTS, "by another organisation")


def case_concurrent(env):
    """Two imports of one batch id at once: one books, the other answers
    its result; and two at once under different ids of the same employee
    month: one claim wins."""
    lines = e1_lines(env, months=(3, 4, 5), emp="E1", first=2, amount=100000)
    before = booked(env)
    streams = [SlowStream(env, "conc-1", lines, chunk=1, pause=0.2) for _ in range(2)]
    runs = [run_async(lambda st=st: env.payroll("reconciler").Import(iter(st), timeout=60))
            for st in streams]
    for th, _ in runs:
        th.join(90)
    results = [box.get("result") for _, box in runs]
    errors = [box.get("error") for _, box in runs if "error" in box]
    check(not errors, "both imports answered: %s" % errors)
    check_eq(sorted(r.replayed for r in results), [False, True], "one booked, one replayed")
    check_eq(results[0].content_hash, results[1].content_hash, "one content")
    after = booked(env)
    check_eq((after[0] - before[0], after[2] - before[2]), (1, 1), "one batch, one payment")
    # different ids claiming the same months at once: one claim only
    runs = [run_async(lambda b=b: do_import(env, b, e1_lines(env, months=(6,), emp="E1",
                                                             amount=100000)))
            for b in ("conc-2", "conc-3")]
    for th, _ in runs:
        th.join(90)
    res = [box["result"] for _, box in runs]
    check_eq(sorted(counts(env, r).get("accepted", 0) for r in res), [0, 1],
             "E1's June is accepted once: %s" % [counts(env, r) for r in res])


def case_dry_run(env):
    """A dry run classifies as the import would and keeps nothing."""
    lines = e1_lines(env, months=(7, 8), emp="E1", amount=100000) + \
        [line(env, 4, env.fx.org, "E1", "2025-07", 100, 100, "SSC-PAY-1")]
    before = booked(env)
    dry = do_import(env, "dry-1", lines, dry=True)
    check_eq((dry.dry_run, counts(env, dry)), (True, {"accepted": 2, "duplicate_claim": 1}),
             "the dry run's counts")
    check_eq(booked(env), before, "a dry run keeps nothing")
    expect_error(lambda: env.payroll("reconciler").GetBatch(
        env.pb.GetPayrollBatchRequest(batch_id="dry-1"), timeout=T), E.NOT_FOUND)
    real = do_import(env, "dry-1", lines)
    check_eq((real.dry_run, counts(env, real)), (False, counts(env, dry)),
             "the import then does what the dry run said")


def case_locks(env):
    """Lock: who may, bad input, locking twice, and lines of a locked month."""
    pb, org = env.pb, env.fx.org
    lk = env.payroll("reconciler").Lock(pb.LockPayrollPeriodRequest(
        organisation_id=org, month="2025-11"), timeout=T)
    check_eq((lk.organisation_id, lk.month), (org, "2025-11"), "the lock")
    again = env.payroll("secretariat").Lock(pb.LockPayrollPeriodRequest(
        organisation_id=org, month="2025-11"), timeout=T)
    check_eq((again.locked_at, again.principal), (lk.locked_at, lk.principal),
             "locking again shows the first lock")
    for client in ("ministry-b", "auditor", "embassy-vn"):
        expect_error(lambda c=client: env.payroll(c).Lock(pb.LockPayrollPeriodRequest(
            organisation_id=org, month="2025-12"), timeout=T), E.PERMISSION_DENIED)
    for month in ("2025-13", "1999-12", "2025-1", ""):
        expect_error(lambda m=month: env.payroll("reconciler").Lock(
            pb.LockPayrollPeriodRequest(organisation_id=org, month=m), timeout=T),
            E.INVALID_ARGUMENT, "month")
    expect_error(lambda: env.payroll("reconciler").Lock(pb.LockPayrollPeriodRequest(
        organisation_id=F.NOWHERE, month="2025-11"), timeout=T), E.NOT_FOUND)
    b = do_import(env, "locked-1", e1_lines(env, months=(10, 11, 12), emp="E1", amount=100000))
    check_eq([env.flag_name(r.flag) for r in report(env, "locked-1")],
             ["accepted", "period_locked", "accepted"], "November is locked")
    check_eq(counts(env, b), {"accepted": 2, "period_locked": 1}, "counts")


def case_roles(env):
    """Who may import and read: the reconciler any organisation, a ministry
    its own and its agencies' (another's refuses the whole batch), nobody
    else; reads as row-level security lets each role."""
    org = env.fx.org
    w = env.world
    mine = [line(env, 2, org, "X1", "2025-01", 100, 100, "SSC-PAY-1")]
    b = do_import(env, "roles-dea", mine, client="ministry-b")
    check_eq(b.organisation_id, w.agency_b.id, "ministry-b imports for its own agency")
    do_import(env, "roles-kefm", mine, client="ministry-a")
    before = booked(env)
    for client in ("ministry-s",):
        expect_error(lambda c=client: do_import(env, "roles-s", mine, client=c),
                     E.PERMISSION_DENIED, "line 2", "not yours")
    for client in ("auditor", "secretariat", "embassy-vn", "admin"):
        expect_error(lambda c=client: do_import(env, "roles-x", mine, client=c),
                     E.PERMISSION_DENIED)
    check_eq(booked(env), before, "refused imports keep nothing")
    nothing_left(env, before, "refused imports")
    # reads
    get = lambda c, batch: env.payroll(c).GetBatch(  # noqa: E731
        env.pb.GetPayrollBatchRequest(batch_id=batch), timeout=T)
    for client in ("secretariat", "auditor", "reconciler", "ministry-a", "ministry-b"):
        check_eq(get(client, "roles-dea").batch_id, "roles-dea", "%s reads it" % client)
    expect_error(lambda: get("ministry-s", "roles-dea"), E.NOT_FOUND)
    expect_error(lambda: report(env, "roles-dea", client="ministry-s"), E.NOT_FOUND)
    expect_error(lambda: get("embassy-vn", "roles-dea"), E.PERMISSION_DENIED)
    lst = env.payroll("ministry-s").ListBatches(env.pb.ListPayrollBatchesRequest(), timeout=T)
    check_eq(len(lst.batches), 0, "ministry-s lists none")
    lst = env.payroll("auditor").ListBatches(env.pb.ListPayrollBatchesRequest(
        page=env.pb.PageRequest(page_size=2)), timeout=T)
    check(len(lst.batches) == 2 and lst.next_page_token, "pages: %s" % lst)
    ids = [x.id for x in lst.batches]
    check(ids == sorted(ids, reverse=True), "newest first: %s" % ids)


def case_malformed(env):
    """Streams that break the rules: each a precise status, nothing kept."""
    pb, org = env.pb, env.fx.org
    good = [line(env, 2, org, "E1", "2025-12", 100, 100, "SSC-PAY-1")]
    before = booked(env)
    imp = lambda reqs, **kw: env.payroll("reconciler").Import(iter(reqs), timeout=T)  # noqa: E731
    hdr = pb.ImportPayrollRequest(header=pb.PayrollImportHeader(batch_id="bad-1"))
    expect_error(lambda: imp([pb.ImportPayrollRequest(lines=good)]), E.INVALID_ARGUMENT,
                 "first message")
    expect_error(lambda: imp([]), E.INVALID_ARGUMENT, "header")
    expect_error(lambda: imp([hdr, hdr]), E.INVALID_ARGUMENT, "only the first message")
    for bad_id in ("", "-x", "a" * 65, "a b", "ä"):
        expect_error(lambda b=bad_id: do_import(env, b, good), E.INVALID_ARGUMENT, "batch_id")
    check_eq(do_import(env, "a" * 64, good, dry=True).batch_id, "a" * 64, "64 characters do")
    expect_error(lambda: do_import(env, "bad-2", good, expected=2), E.INVALID_ARGUMENT,
                 "announced 2 lines, 1 arrived")
    expect_error(lambda: do_import(env, "bad-3", good + good), E.INVALID_ARGUMENT,
                 "more than once")
    cases = [
        (line(env, 2, org, "E1", "2025-13", 100, 100, "SSC-PAY-1"), "line 2: month"),
        (line(env, 2, org, "E1", "1999-12", 100, 100, "SSC-PAY-1"), "line 2: month"),
        (line(env, 0, org, "E1", "2025-12", 100, 100, "SSC-PAY-1"), "line"),
        (line(env, 2, org, "E1", "2025-12", 74401, 100, "SSC-PAY-1"), "line 2: hours"),
        (line(env, 2, org, "E1", "2025-12", -1, 100, "SSC-PAY-1"), "line 2: hours"),
        (line(env, 2, org, "E1", "2025-12", 100, -1, "SSC-PAY-1"), "line 2: amount"),
        (line(env, 2, org, "E1", "2025-12", 100, 100, "SSC-PAY-1", currency="dkk"),
         "line 2: amount"),
        (line(env, 2, org, "E 1", "2025-12", 100, 100, "SSC-PAY-1"), "line 2: employee_ref"),
        (line(env, 2, org, "E" * 65, "2025-12", 100, 100, "SSC-PAY-1"), "line 2: employee_ref"),
        (line(env, 2, org, "E1", "2025-12", 100, 100, ""), "line 2: collaboration"),
        (line(env, 2, "", "E1", "2025-12", 100, 100, "SSC-PAY-1"), "line 2: organisation"),
        (pb.PayrollLine(line=2, organisation=str(org), employee_ref="E1", month="2025-12",
                        hours_hundredths=100, collaboration="SSC-PAY-1"), "line 2: amount"),
    ]
    for ln, words in cases:
        expect_error(lambda ln=ln: do_import(env, "bad-4", [ln]), E.INVALID_ARGUMENT, words)
    # at the limits: 744.00 hours and 64 characters pass the checks
    ok = do_import(env, "bad-5", [line(env, 2, org, "E" * 64, "2999-12", 74400, 0,
                                       "S" * 64)], dry=True)
    check_eq(counts(env, ok), {"unknown_reference": 1}, "the limits themselves pass")
    # backslashes reach the database as sent (COPY's escape character: a
    # "\t" not escaped would become a tab); control characters are refused
    expect_error(lambda: do_import(env, "bad-7", [line(env, 2, "A\tB", "E1", "2025-12", 100,
                                                       100, "SSC-PAY-1")]),
                 E.INVALID_ARGUMENT, "control characters")
    tricky = "A\\B\\tC\\nD\\\\"
    r = do_import(env, "bad-6", [line(env, 2, tricky, "E1", "2025-12", 100, 100, "SSC-PAY-1")])
    check_eq([x.line.organisation for x in report(env, "bad-6")], [tricky],
             "COPY escaping keeps the text whole")
    check_eq(counts(env, r), {"unknown_reference": 1}, "counts")
    # a later message that is not an ImportPayrollRequest: INTERNAL, and the
    # import the header began is rolled back
    raw = env.channel("reconciler").stream_unary(
        "/ssc.v1.Payroll/Import", request_serializer=lambda b: b,
        response_deserializer=lambda b: b)
    expect_error(lambda: raw(iter([hdr.SerializeToString(), b"\x12\xff\xff"]), timeout=T),
                 E.grpc.StatusCode.INTERNAL, "could not parse")
    check_eq(booked(env)[2:], before[2:], "no payment from any of it")
    nothing_left(env, booked(env), "malformed streams")


def case_deadline(env):
    """A deadline that passes mid-stream: DEADLINE_EXCEEDED, nothing kept;
    a retry books once."""
    lines = e1_lines(env, months=(1, 2, 3), emp="E2", amount=1000)
    before = booked(env)
    st = SlowStream(env, "late-1", lines, chunk=1, pause=1.0)
    expect_error(lambda: env.payroll("reconciler").Import(iter(st), timeout=1.5),
                 E.grpc.StatusCode.DEADLINE_EXCEEDED)
    nothing_left(env, before, "after the deadline")
    b = do_import(env, "late-1", lines)
    check_eq(b.replayed, False, "the retry books")


def case_cancel(env):
    """A client that cancels mid-stream leaves nothing, staging included."""
    lines = bulk_lines(env, 3000, "C")
    before = booked(env)
    st = SlowStream(env, "cancel-1", lines, chunk=100, pause=0.1)
    fut = env.payroll("reconciler").Import.future(iter(st), timeout=60)
    check(st.started.wait(10), "the stream started")
    time.sleep(0.5)
    check(E.wait_for(lambda: staging_tables(env) == 1, 10.0),
          "the import's transaction runs while it streams")
    fut.cancel()
    st.stop.set()
    nothing_left(env, before, "after the cancel")
    check_eq(do_import(env, "cancel-1", lines).lines, 3000, "the retry books all")


def write_csv(path, rows, header="organisation,employee,month,hours,amount,currency,"
                                    "collaboration"):
    with open(path, "w", encoding="utf-8") as f:
        f.write(header + "\n")
        for r in rows:
            f.write(",".join(r) + "\n")


def case_cli_problems(env):
    """The client's classes of problems, through the real ssc: critical
    sends nothing, an error stops the import and books nothing unless
    --skip-bad-lines, a warning is reported and its line sent."""
    d = env.wd.path
    org = "DEA"
    before = booked(env)
    bad_header = os.path.join(d, "bad-header.csv")
    write_csv(bad_header, [(org, "Q1", "2025-01", "1.00", "1.00", "DKK", "SSC-PAY-1")],
              header="organisation,employee,month,hours,amount,currency")
    rc, out, err = ssc(env, "reconciler", "payroll", "import", bad_header, "--batch", "cli-1",
                       want=5)
    check("critical" in err and "collaboration" in err and "nothing was sent" in err,
          "critical: %r" % err)
    rc, out, err = ssc(env, "reconciler", "payroll", "import", os.path.join(d, "none.csv"),
                       "--batch", "cli-1", want=5)
    check("could not open" in err, "an unreadable file: %r" % err)
    rows = [(org, "Q%d" % i, "2025-01", "1.00", "1.00", "DKK", "SSC-PAY-1") for i in range(50)]
    rows[20] = (org, "Q20", "2025-01", "7.555", "1.00", "DKK", "SSC-PAY-1")
    rows[40] = (org, "Q40", "2025-13", "1.00", "1.00", "DKK", "SSC-PAY-1")
    bad_lines = os.path.join(d, "bad-lines.csv")
    write_csv(bad_lines, rows)
    rc, out, err = ssc(env, "reconciler", "payroll", "import", bad_lines, "--batch", "cli-2",
                       want=5)
    check('bad-lines.csv:22: column "hours"' in err and "bad-lines.csv:42" in err
          and "nothing was booked: 2 lines" in err, "errors stop the import: %r" % err)
    nothing_left(env, before, "an import stopped on errors")
    expect_error(lambda: env.payroll("reconciler").GetBatch(
        env.pb.GetPayrollBatchRequest(batch_id="cli-2"), timeout=T), E.NOT_FOUND)
    rc, out, err = ssc(env, "reconciler", "payroll", "import", bad_lines, "--batch", "cli-2",
                       "--skip-bad-lines")
    check("48 of 48" not in out and "total                   48" in out.replace(" 48\n", " 48\n"),
          "48 lines sent: %r" % out)
    check("2 lines with errors skipped" in err, "says what it skipped: %r" % err)
    b = env.payroll("reconciler").GetBatch(env.pb.GetPayrollBatchRequest(batch_id="cli-2"),
                                           timeout=T)
    check_eq(b.lines, 48, "the batch holds the good lines")
    rc, out, err = ssc(env, "reconciler", "--json", "payroll", "show", "cli-2")
    check('"lines": 48' in out or '"lines":48' in out, "show --json: %r" % out)
    rc, out, err = ssc(env, "reconciler", "payroll", "batches")
    check("cli-2" in out.splitlines()[1], "batches lists the newest first: %r" % out)


def case_progress(env):
    """The progress line shows on a terminal and not when stderr is not
    one."""
    import pty
    d = env.wd.path
    rows = [("DEA", "R%d" % (i // 12), "2025-%02d" % (1 + i % 12), "1.00", "1.00", "DKK",
             "SSC-PAY-1") for i in range(20000)]
    path = os.path.join(d, "progress.csv")
    write_csv(path, rows)
    e = ssc_env(env, "reconciler")
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(ssc_path(env), [ssc_path(env), "payroll", "import", path, "--batch",
                                  "tty-1", "--chunk", "100"], e)
    out = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    text = out.decode("utf-8", "replace")
    check_eq(os.waitstatus_to_exitcode(status), 0, "ssc on a terminal: %r" % text[-500:])
    check("lines/s" in text and "%" in text and "left" in text and "\r" in text,
          "a progress line on a terminal: %r" % text[:300])
    _, out2, err2 = ssc(env, "reconciler", "payroll", "import", path, "--batch", "tty-1")
    check("lines/s" not in out2 + err2 and "\r" not in out2 + err2,
          "no progress line when not a terminal: %r" % (out2 + err2)[:300])


def proc_kib(pid, key):
    """A memory figure of /proc/PID/status ("VmHWM", "VmRSS") in KiB."""
    with open("/proc/%d/status" % pid) as f:
        for ln in f:
            if ln.startswith(key + ":"):
                return int(ln.split()[1])
    return 0


def case_volume(env):
    """About 50,000 lines through the real ssc and sscd: every line kept
    with its flag, the accepted ones booked once; sscd's and ssc's peak
    memory stay small (the stream is never held whole)."""
    d = env.wd.path
    pb, w, fx = env.pb, env.world, env.fx
    sec = env.secondments("ministry-b")
    cv = env.collabs("secretariat").Create(pb.CreateCollaborationRequest(
        title="Volume collaboration", reference="SSC-VOL", lead_id=w.agency_b.id,
        country="VN", partner_ids=[w.erea.id], embassy_id=w.emb_vn.id,
        sectors=[pb.SectorShare(code="23110", percentage=100)], started_on="2024-01-01"),
        timeout=T)
    a = F.under_review(env, 10000000, collab=cv, starts_on="2025-01-01",
                       ends_on="2026-12-31", title="Volume compensation")
    F.approve(env, "secretariat", a.id, fx.pool.id, 10000000)
    # 1,400 employees on SSC-VOL for 2026 at DKK 1.00 a month: 16,800
    # employee-months, each claimed by three lines (two duplicates)
    for i in range(1400):
        sec.Create(pb.CreateSecondmentRequest(
            collaboration_id=cv.id, employer_id=w.agency_b.id, employee_ref="V%d" % i,
            expert_name="Volume %d" % i, host_id=w.erea.id, starts_on="2026-01-01",
            ends_on="2026-12-31", share_bp=1000, monthly_compensation=F.money(env, 100)),
            timeout=T)
    rows = []
    for i in range(1400):
        for m in range(1, 13):
            for _ in range(3):
                rows.append(("DEA", "V%d" % i, "2026-%02d" % m, "10.00", "0.10", "DKK",
                             "SSC-VOL"))
    rows = rows[:50000]
    path = os.path.join(d, "volume.csv")
    write_csv(path, rows)
    before = booked(env)
    ru = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    _, out, err = ssc(env, "reconciler", "payroll", "import", path, "--batch", "vol-1")
    ssc_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    accepted = len(set(rows))
    check("%d of 50000 lines accepted" % accepted in out, "the summary: %r" % out)
    after = booked(env)
    check_eq((after[0] - before[0], after[1] - before[1], after[2] - before[2],
              after[3] - before[3]), (1, 50000, 1, accepted * 10),
             "one batch of 50,000 lines, one payment of the accepted")
    n = sum(1 for _ in env.payroll("auditor").Report(env.pb.PayrollReportRequest(
        batch_id="vol-1"), timeout=60))
    check_eq(n, 50000, "the report streams every line")
    if ssc_kib > ru:  # this was the largest child so far
        check(ssc_kib < 50 * 1024, "ssc's peak RSS %d KiB is under 50 MiB" % ssc_kib)
    hwm = proc_kib(env.sscd.pid, "VmHWM")
    check(hwm < 200 * 1024, "sscd's peak RSS %d KiB is under 200 MiB" % hwm)


def case_sql_as_app(env):
    """What the application role itself can do in SQL: it writes payroll
    only through the functions (no privilege on the tables, compensation
    only from a batch), reads as row-level security lets it, and the path
    sscd takes works in plain SQL with the same rules."""
    org = env.fx.org
    denied = "permission denied"
    for client, sql, words in (
            ("reconciler", "INSERT INTO ssc.payroll_batches (batch_key, content_hash, lines,"
             " accepted_lines, accepted, counts, disbursements, principal_id, principal)"
             " VALUES ('x', sha256('x'), 0, 0, '[]', '{}', 0, 1, 'x')", denied),
            ("reconciler", "INSERT INTO ssc.payroll_lines (batch_id, line_no, organisation,"
             " employee_ref, month, hours_hundredths, amount_minor, currency, collaboration, flag)"
             " VALUES (1, 1, 'x', 'x', '2025-01-01', 1, 1, 'DKK', 'x', 'accepted')", denied),
            ("reconciler", "UPDATE ssc.payroll_lines SET flag = 'accepted'", denied),
            ("secretariat", "DELETE FROM ssc.payroll_batches", denied),
            ("reconciler", "INSERT INTO ssc.payroll_locks (organisation_id, month, principal)"
             " VALUES (%d, '2026-01-01', 'x')" % org, denied),
            ("secretariat", "INSERT INTO ssc.disbursements (allocation_id, kind, amount_minor,"
             " currency, paid_on, payroll_batch_id) VALUES (%d, 'compensation', 1, 'DKK',"
             " '2025-01-01', 1)" % env.fx.alloc, denied),
            ("secretariat", "INSERT INTO ssc.disbursements (allocation_id, kind, amount_minor,"
             " currency, paid_on) VALUES (%d, 'compensation', 1, 'DKK', '2025-01-01')"
             % env.fx.alloc, "disbursements_compensation_check"),
            ("reconciler", "SELECT ssc.payroll_reconcile('{\"batch_id\": \"s1\"}', sha256('x'))",
             "staged first"),
            ("reconciler", "SELECT ssc.payroll_stage(); SELECT ssc.payroll_stage()",
             "has a payroll staging table already"),
            ("reconciler", "SELECT ssc.payroll_stage(); SELECT * FROM pg_temp.payroll_staging",
             denied),
            ("auditor", "SELECT ssc.payroll_stage()", "may not import payroll"),
            ("ministry-s", "SELECT ssc.payroll_stage(); INSERT INTO pg_temp.payroll_staging"
             " VALUES (2, 'DEA', 'E1', '2025-01', 1, 1, 'DKK', 'SSC-PAY-1');"
             " SELECT ssc.payroll_reconcile('{\"batch_id\": \"s2\"}', sha256('x'))",
             "not yours"),
            ("ministry-b", "SELECT ssc.payroll_lock('{\"organisation_id\": %d, \"month\":"
             " \"2026-01\"}', NULL)" % org, "may not lock"),
    ):
        err = env.app_sql_error(client, sql + ";")
        check(words in err, "as ssc_app (%s) %r: %r does not say %r" % (client, sql[:80], err,
                                                                           words))
    # the path sscd takes, in plain SQL: it obeys the same rules (a dry run)
    rows = env.app_sql("reconciler", "SELECT ssc.payroll_stage(); INSERT INTO"
                       " pg_temp.payroll_staging VALUES (2, 'DEA', 'E1', '2025-01', 1, 1, 'DKK',"
                       " 'SSC-PAY-1'); SELECT ssc.payroll_reconcile('{\"batch_id\": \"s3\","
                       " \"dry_run\": true}', sha256('x'))->>'accepted_lines';")
    check_eq(rows[-1][-1].strip(), "0", "E1's January is a duplicate claim in SQL too")
    # row-level security: a ministry sees its scope's lines only
    mine = env.app_sql("ministry-s", "SELECT count(*) FROM ssc.payroll_lines;")
    check_eq(mine[-1][0], "0", "ministry-s sees no lines")
    theirs = env.app_sql("ministry-a", "SELECT count(*) > 0 FROM ssc.payroll_lines;")
    check_eq(theirs[-1][0], "t", "ministry-a sees its agency's lines")


def case_backpressure(env):
    """PostgreSQL slower than the client (its import backend stopped with
    SIGSTOP mid-stream): sscd stops granting window, so the client stops
    sending, and sscd's memory does not grow with what the client still
    has; once PostgreSQL goes on, the import completes."""
    import signal
    pb, org = env.pb, env.fx.org
    msgs, per = 100, 1000
    pulled = [0]

    def gen():
        yield pb.ImportPayrollRequest(header=pb.PayrollImportHeader(batch_id="brake-1"))
        for m in range(msgs):
            pulled[0] += 1
            yield pb.ImportPayrollRequest(lines=[
                line(env, 2 + m * per + i, org, "B%d" % (m * per + i), "2025-01", 100, 100,
                     "SSC-PAY-1") for i in range(per)])
    th, box = run_async(lambda: env.payroll("reconciler").Import(gen(), timeout=120))
    backend = []
    check(E.wait_for(lambda: backend.append(env.pg.scalar(
        "SELECT pid FROM pg_stat_activity WHERE application_name = 'sscd-copy'"
        " AND query LIKE 'COPY%'")) or backend[-1], 20.0), "the import's COPY runs")
    pid = int(backend[-1])
    os.kill(pid, signal.SIGSTOP)
    try:
        time.sleep(2.0)
        rss0, n0 = proc_kib(env.sscd.pid, "VmRSS"), pulled[0]
        time.sleep(2.0)
        rss1, n1 = proc_kib(env.sscd.pid, "VmRSS"), pulled[0]
        E.log("    stalled at %d of %d messages; sscd RSS %d -> %d KiB" % (n1, msgs, rss0, rss1))
        check(n1 < msgs and n1 - n0 <= 1,
              "the client stalls while PostgreSQL does not read: %d then %d of %d messages"
              " sent" % (n0, n1, msgs))
        check(rss1 - rss0 < 8 * 1024, "sscd's memory stays put while stalled: %d -> %d KiB"
              % (rss0, rss1))
    finally:
        os.kill(pid, signal.SIGCONT)
    th.join(120)
    check("result" in box, "the import completes: %s" % box.get("error"))
    check_eq(box["result"].lines, msgs * per, "every line arrived")


def restart_sscd(env):
    env.close_channels()
    env.sscd.start()
    env.wait_serving(env.sscd, ("reconciler", "secretariat"))


def case_sscd_killed(env):
    """sscd killed with SIGKILL mid-stream: nothing booked, no staging left;
    the retry books exactly once."""
    lines = bulk_lines(env, 4000, "K")
    before = booked(env)
    st = SlowStream(env, "kill-1", lines, chunk=100, pause=0.05)
    th, box = run_async(lambda: env.payroll("reconciler").Import(iter(st), timeout=60))
    check(st.started.wait(10), "the stream started")
    time.sleep(0.3)
    env.sscd_down_ok = True
    env.sscd.kill()
    th.join(30)
    check("error" in box and box["error"].code() == E.grpc.StatusCode.UNAVAILABLE,
          "the client saw UNAVAILABLE: %s" % box)
    nothing_left(env, before, "after SIGKILL")
    restart_sscd(env)
    env.sscd_down_ok = False
    check_eq(do_import(env, "kill-1", lines).replayed, False, "the retry books")
    after = booked(env)
    check_eq(do_import(env, "kill-1", lines).replayed, True, "a second retry replays")
    check_eq(booked(env), after, "booked exactly once")


def case_postgres_stopped(env):
    """PostgreSQL stopped -m immediate mid-stream: UNAVAILABLE; after it
    restarts, the retry books once."""
    lines = bulk_lines(env, 4000, "P")
    st = SlowStream(env, "pgstop-1", lines, chunk=100, pause=0.05)
    th, box = run_async(lambda: env.payroll("reconciler").Import(iter(st), timeout=60))
    check(st.started.wait(10), "the stream started")
    time.sleep(0.3)
    env.pg.stop(mode="immediate")
    th.join(30)
    check("error" in box and box["error"].code() == E.grpc.StatusCode.UNAVAILABLE,
          "the client saw UNAVAILABLE: %s" % box)
    env.pg.start()
    env.wait_serving(env.sscd, ("reconciler",))
    before = booked(env)
    check_eq(staging_tables(env), 0, "no staging table survived")
    b = E.wait_for(lambda: do_import(env, "pgstop-1", lines), 20.0)
    check(b, "the retry succeeds")
    after = booked(env)
    check_eq(after[0] - before[0], 1, "one batch")
    check_eq(do_import(env, "pgstop-1", lines).replayed, True, "then it replays")


CASES = [
    ("golden", case_golden),
    ("flags", case_flags),
    ("replay", case_replay),
    ("concurrent", case_concurrent),
    ("dry_run", case_dry_run),
    ("locks", case_locks),
    ("roles", case_roles),
    ("malformed", case_malformed),
    ("deadline", case_deadline),
    ("cancel", case_cancel),
    ("backpressure", case_backpressure),
    ("sql_as_app", case_sql_as_app),
    ("cli_problems", case_cli_problems),
    ("progress", case_progress),
    ("volume", case_volume),
    ("sscd_killed", case_sscd_killed),
    ("postgres_stopped", case_postgres_stopped),
]


def main():
    # An AddressSanitizer build keeps freed memory in a quarantine (256 MiB by
    # default) before reusing it; a small one still catches use after free
    # soon after the free, and lets the volume case's peak RSS measure what
    # sscd holds (as tests/abuse/memory_test.py does).
    os.environ["ASAN_OPTIONS"] = (os.environ.get("ASAN_OPTIONS") or
                                  "detect_leaks=1") + ":quarantine_size_mb=4"
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
