#!/usr/bin/python3
"""Share race: the 100 % rule of secondments under concurrent writes from two
sscd instances on one database.

Starts a throwaway PostgreSQL 15 cluster, migrates it, starts two sscd on it
and registers the domain world (tests/domain/domain_env.py). Then, for one
expert at a time, many Secondments/Create (and Amend) calls arrive at once,
spread over both daemons and over the secretariat and the employer's parent
ministry, each on a connection of its own. Afterwards the database itself
(psql as the owner) must show that on no day the expert's secondments that
are not cancelled sum to more than 10000 basis points, the number of
successes must be what fits, every refusal must be FAILED_PRECONDITION with
the rule's message, and no call may crash, hang or be aborted. Prints
PASS/FAIL per case and a final "N passed, M failed".

    /usr/bin/python3 tests/domain/share_race_test.py --sscd BUILD/daemon/sscd \
        --source . [--only CASE] [--keep] [-v]
"""

import datetime
import os
import re
import sys
import threading
import time
import traceback
import types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)

import domain_env as E  # noqa: E402
from domain_env import CALL_TIMEOUT, H, check, check_eq, log  # noqa: E402

T = CALL_TIMEOUT
WRITERS = ("secretariat", "ministry-a")
RULE = re.compile(r"^share_bp: expert (\S+) of organisation (\d+) would work (\d+) "
                  r"basis points on (\d{4}-\d\d-\d\d) \(more than full time, 10000\)$")


def over_full_time(env, where="true"):
    """(employer, employee_ref, day, sum) of every day on which an expert's
    secondments that are not cancelled pass 10000 basis points, straight
    from the table."""
    return env.pg.rows(
        "SELECT s.employer_id, s.employee_ref, d::date, sum(s.share_bp) "
        "FROM ssc.secondments s, generate_series(s.starts_on, s.ends_on, "
        "interval '1 day') d WHERE s.cancelled_on IS NULL AND %s "
        "GROUP BY 1, 2, 3 HAVING sum(s.share_bp) > 10000 ORDER BY 1, 2, 3" % where)


def race(env, calls):
    """calls: [(sscd, client, fn(channel))], all started together, each on
    a connection of its own that is SERVING first. Returns [(code, details,
    response, seconds)] in the order of calls."""
    chans = []
    for sscd, client, _ in calls:
        ch = H.grpc_channel(sscd.target, env.certs, client=client)
        chans.append(ch)
    try:
        for ch in chans:
            check(E.wait_for(lambda: env.health_status(channel=ch) ==
                             env.stubs.health_pb2.HealthCheckResponse.SERVING, 30),
                  "a racing connection is not SERVING")
        barrier = threading.Barrier(len(calls))
        out = [None] * len(calls)

        def one(k, fn, ch):
            barrier.wait()
            t0 = time.monotonic()
            code, det, r = E.rpc_code(lambda: fn(ch))
            out[k] = (code, det, r, time.monotonic() - t0)

        ths = [threading.Thread(target=one, args=(k, fn, ch), daemon=True)
               for k, ((_, _, fn), ch) in enumerate(zip(calls, chans))]
        for t in ths:
            t.start()
        deadline = time.monotonic() + T + 30
        for t in ths:
            t.join(max(0.1, deadline - time.monotonic()))
        hung = sum(1 for t in ths if t.is_alive())
        check(hung == 0, "%d of %d calls did not return within %.0f s" % (
            hung, len(calls), T + 30))
        return out
    finally:
        for ch in chans:
            ch.close()


def summary(res):
    kinds = {}
    for code, det, _, _ in res:
        det = re.sub(r"\d{4}-\d\d-\d\d", "<day>", det or "")
        k = code.name if code == E.OK else "%s %s" % (code.name, det)
        kinds[k] = kinds.get(k, 0) + 1
    return ", ".join("%d x %s" % (n, k) for k, n in sorted(kinds.items()))


def check_refusals(res, ref, employer, sums):
    """Every refusal is FAILED_PRECONDITION with the rule's message about
    this expert, and a sum in sums."""
    bad = []
    for code, det, _, _ in res:
        if code == E.OK:
            continue
        m = RULE.match(det or "")
        if code != E.FAILED_PRECONDITION or not m or m.group(1) != ref or \
                int(m.group(2)) != employer or int(m.group(3)) not in sums:
            bad.append((code.name, det))
    check(not bad, "refusals that are not the rule's FAILED_PRECONDITION about %s "
          "(sum in %s): %s" % (ref, sorted(sums), bad[:5]))


def spread(env, n, fn_of):
    """n calls, alternating between the two daemons and the two writers."""
    return [(env.daemons[k % 2], WRITERS[(k // 2) % 2], fn_of(k)) for k in range(n)]


def create_fn(env, **kw):
    pb, w = env.pb, env.world
    base = dict(collaboration_id=env.fx.collab.id, employer_id=w.agency_b.id,
                expert_name="Race Expert", host_id=w.erea.id,
                monthly_compensation=pb.Money(amount_minor=4000000, currency="DKK"))
    base.update(kw)
    req = pb.CreateSecondmentRequest(**base)
    return lambda ch: env.secondments(channel=ch).Create(req, timeout=T)


def rows_of(env, ref):
    return env.pg.rows("SELECT id, starts_on, ends_on, share_bp, cancelled_on "
                       "FROM ssc.secondments WHERE employer_id = %d AND "
                       "employee_ref = %s ORDER BY id" % (env.world.agency_b.id,
                                                          E.sql_literal(ref)))


def log_times(res, label):
    ts = sorted(t for _, _, _, t in res)
    log("    %s: %s; call times %.2f..%.2f s (median %.2f)" % (
        label, summary(res), ts[0], ts[-1], ts[len(ts) // 2]))


# --------------------------------------------------------------------------


def case_same_days(env):
    """40 Creates of 4000 bp on the same days for one expert: exactly two
    fit (8000; a third would make 12000)."""
    w = env.world
    ref = "RACE-SAME"
    res = race(env, spread(env, 40, lambda k: create_fn(
        env, employee_ref=ref, starts_on="2025-03-01", ends_on="2025-08-31",
        share_bp=4000, expert_name="Race Expert %d" % k)))
    log_times(res, "40 x 4000 bp")
    oks = [r for c, _, r, _ in res if c == E.OK]
    check_eq(len(oks), 2, "successes (%s)" % summary(res))
    check_refusals(res, ref, w.agency_b.id, {12000})
    rows = rows_of(env, ref)
    check_eq(sorted(int(r[0]) for r in rows), sorted(r.id for r in oks),
             "rows in the table vs the successful answers")
    check_eq(over_full_time(env), [], "days over full time")
    for d in (env.daemons):
        check(d.alive(), "%s died: %s" % (d.name, d.died_problem()))


def case_overlapping(env):
    """30 Creates of 3000 bp with staggered, overlapping periods: whatever
    order they commit in, no day passes 10000, and every refused one would
    still not fit next to those that stand (the refusals were right)."""
    w = env.world
    ref = "RACE-STAGGER"
    start = datetime.date(2026, 1, 1)
    periods = [(start + datetime.timedelta(days=7 * k),
                start + datetime.timedelta(days=7 * k + 40)) for k in range(30)]
    res = race(env, spread(env, 30, lambda k: create_fn(
        env, employee_ref=ref, starts_on=periods[k][0].isoformat(),
        ends_on=periods[k][1].isoformat(), share_bp=3000)))
    log_times(res, "30 x 3000 bp, staggered")
    check_eq(over_full_time(env), [], "days over full time")
    check_refusals(res, ref, w.agency_b.id, {12000, 15000, 18000})
    stood = [periods[k] for k, (c, _, _, _) in enumerate(res) if c == E.OK]
    check_eq(len(rows_of(env, ref)), len(stood), "rows vs successes")
    check(stood, "no Create succeeded")

    def peak(ps):
        days = {}
        for a, b in ps:
            d = a
            while d <= b:
                days[d] = days.get(d, 0) + 3000
                d += datetime.timedelta(days=1)
        return max(days.values()) if days else 0

    check(peak(stood) <= 10000, "the successes overlap past full time")
    wrong = [periods[k][0].isoformat() for k, (c, _, _, _) in enumerate(res)
             if c != E.OK and peak(stood + [periods[k]]) <= 10000]
    check(not wrong, "refused secondments that fit next to those that stand "
          "(starting %s)" % wrong)
    log("    %d of 30 stand" % len(stood))


def case_amend(env):
    """Five secondments of 1000 bp on the same days (5000), then 20 Amends at
    once raising them to 3500 each (four per row): exactly two rows can be
    raised (5000 + 2 x 2500 = 10000)."""
    pb, w = env.pb, env.world
    ref = "RACE-AMEND"
    made = [env.secondments("secretariat").Create(pb.CreateSecondmentRequest(
        collaboration_id=env.fx.collab.id, employer_id=w.agency_b.id,
        employee_ref=ref, expert_name="Amend Expert", host_id=w.erea.id,
        starts_on="2027-01-01", ends_on="2027-06-30", share_bp=1000,
        monthly_compensation=pb.Money(amount_minor=1, currency="DKK")), timeout=T)
        for _ in range(5)]

    def amend(k):
        req = pb.AmendSecondmentRequest(id=made[k % 5].id, update_mask=["share_bp"],
                                        share_bp=3500)
        return lambda ch: env.secondments(channel=ch).Amend(req, timeout=T)

    res = race(env, spread(env, 20, amend))
    log_times(res, "20 amends to 3500 bp")
    check_eq(over_full_time(env), [], "days over full time")
    check_refusals(res, ref, w.agency_b.id, {12500})
    raised = sorted(int(r[0]) for r in rows_of(env, ref) if int(r[3]) == 3500)
    check_eq(len(raised), 2, "rows raised to 3500 (%s)" % summary(res))
    ok_ids = sorted({r.id for c, _, r, _ in res if c == E.OK})
    check_eq(ok_ids, raised, "rows of the successful Amends")


def case_cancel_frees(env):
    """An expert at full time (two of 5000); 20 Creates of 5000 race with the
    cancellation of one of the two: at most one of the Creates can stand,
    and none of them if it committed before the cancellation."""
    pb, w = env.pb, env.world
    ref = "RACE-CANCEL"
    base = dict(collaboration_id=env.fx.collab.id, employer_id=w.agency_b.id,
                employee_ref=ref, expert_name="Cancel Expert", host_id=w.erea.id,
                starts_on="2028-01-01", ends_on="2028-03-31", share_bp=5000,
                monthly_compensation=pb.Money(amount_minor=1, currency="DKK"))
    first = [env.secondments("secretariat").Create(pb.CreateSecondmentRequest(**base),
                                                   timeout=T) for _ in range(2)]
    calls = spread(env, 20, lambda k: create_fn(env, **dict(
        base, expert_name="Cancel Expert %d" % k)))
    cancel = pb.CancelSecondmentRequest(id=first[0].id, on_date="2027-12-01")
    calls.append((env.daemons[0], "secretariat",
                  lambda ch: env.secondments(channel=ch).Cancel(cancel, timeout=T)))
    res = race(env, calls)
    log_times(res, "20 creates of 5000 bp racing a cancel")
    check_eq(res[-1][0], E.OK, "the cancellation (%s)" % (res[-1][1],))
    oks = [r for c, _, r, _ in res[:-1] if c == E.OK]
    check(len(oks) <= 1, "%d Creates stood next to a 5000 one" % len(oks))
    check_refusals(res[:-1], ref, w.agency_b.id, {15000})
    check_eq(over_full_time(env), [], "days over full time")
    live = [r for r in rows_of(env, ref) if r[4] is None]
    check_eq(sorted(int(r[3]) for r in live), [5000] * (1 + len(oks)),
             "live secondments of the expert")
    log("    %d Create(s) stood after the cancellation" % len(oks))


def case_invariant_everywhere(env):
    """Over every expert of the database, after all the races."""
    check_eq(over_full_time(env), [], "days over full time, any expert")
    n = int(env.pg.scalar("SELECT count(*) FROM ssc.secondments"))
    check(n > 0, "no secondments at all")
    v = env.audit("auditor").Verify(env.pb.VerifyAuditRequest(), timeout=T)
    check(v.ok, "the audit chain after the races: %s" % v)
    check_eq(int(env.pg.scalar("SELECT count(*) FROM ssc.audit WHERE entity = "
                               "'secondment'")),
             int(env.pg.scalar("SELECT count(*) + sum(version - 1) FROM "
                               "ssc.secondments")),
             "audit entries of secondments vs their rows and versions")


CASES = [
    ("same_days", case_same_days),
    ("overlapping", case_overlapping),
    ("amend", case_amend),
    ("cancel_frees", case_cancel_frees),
    ("invariant_everywhere", case_invariant_everywhere),
]


def main():
    args = E.parse_args(__doc__)
    runner = H.Runner("share_race", only=args.only, verbose=args.verbose)
    env = E.DomainEnv(args, "share_race")
    env.fx = types.SimpleNamespace()
    runner.after_each = lambda name: [
        d.died_problem() for d in getattr(env, "daemons", []) if not d.alive()]
    try:
        env.setup(overrides={"server": {"threads": "2"}})
        other = env.start_other("race-b", clients=WRITERS)
        env.daemons = [env.sscd, other]
        env.wait_serving(env.sscd, WRITERS)
        w = env.world
        env.fx.collab = env.collabs("ministry-a").Create(env.pb.CreateCollaborationRequest(
            title="Race collaboration", lead_id=w.agency_b.id, country="VN",
            partner_ids=[w.erea.id],
            sectors=[env.pb.SectorShare(code="23110", percentage=100)]), timeout=T)
    except Exception:  # noqa: BLE001 - report and stop
        runner.record("setup", ["could not set up:\n" + traceback.format_exc()])
        return env.teardown(runner)
    for name, fn in CASES:
        runner.run(name, fn, env, timeout=300)
    return env.teardown(runner)


if __name__ == "__main__":
    sys.exit(main())
