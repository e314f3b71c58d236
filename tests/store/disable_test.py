#!/usr/bin/python3
"""Store disable suite: a principal disabled while its calls are in flight.

No call of a principal commits after the transaction that disables it
commits (sql/0015): begin_call holds the principal's lock shared for the
whole call, and Principals/Disable takes it exclusive, so it waits for the
calls in flight and holds off new ones.

  disable_waits_for_call  a call of principal R is held (by an owner's
                          session locking the row it updates) after
                          begin_call; an admin disables R through
                          Principals/Disable meanwhile; the lock is let go.
                          The call either committed before the disable (its
                          audit entry comes first) or failed and wrote
                          nothing; R's next call is UNAUTHENTICATED. Before
                          0015 the disable returned at once and the held
                          call committed after it.
  disable_waits_for_keyed_call
                          the same with an idempotency key, whose foreign
                          key check locks the principal's row: no deadlock
                          (before 0015 the key's lock made this one wait,
                          by accident).
  disable_under_load      R updates its organisation from four channels in
                          a loop while an admin disables it: the disable
                          returns within seconds (calls cannot starve it),
                          every Update answered OK is in the audit trail
                          before the disable, and no call started after the
                          disable returned gets OK.

    /usr/bin/python3 tests/store/disable_test.py --sscd BUILD/daemon/sscd \
        --source . [--only CASE] [--keep] [-v]
"""

import os
import subprocess
import sys
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)

import store_env as E  # noqa: E402
from store_env import CALL_TIMEOUT, H, P, check, check_eq, log, sql_literal  # noqa: E402

T = CALL_TIMEOUT
LOCKER = "ssc-test-locker"


class Locker:
    """A psql session as the owner that runs sql inside BEGIN and keeps the
    transaction (and its locks) open until release()."""

    def __init__(self, pg, sql):
        self.pg = pg
        env = dict(os.environ, PGAPPNAME=LOCKER)
        env.pop("PGOPTIONS", None)
        self.proc = subprocess.Popen(
            [P.PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", pg.owner_url],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True, env=env)
        self.proc.stdin.write("BEGIN;\n%s\n" % sql)
        self.proc.stdin.flush()
        held = E.wait_for(lambda: pg.scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s "
            "AND state = 'idle in transaction'" % sql_literal(LOCKER)) == "1", 10.0, 0.05)
        if not held:
            self.release()
            raise E.CaseFailure("the owner's session did not take its lock")

    def release(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write("COMMIT;\n")
                self.proc.stdin.close()
            except OSError:
                pass
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Call(threading.Thread):
    """fn() in a thread; keeps (code, details, response) and when it ended."""

    def __init__(self, fn):
        super().__init__(daemon=True)
        self.fn = fn
        self.result = None
        self.ended = None

    def run(self):
        self.result = E.rpc_code(self.fn)
        self.ended = time.monotonic()


def sscd_lock_waits(pg):
    """How many of sscd's connections wait for a lock now."""
    return int(pg.scalar("SELECT count(*) FROM pg_stat_activity WHERE "
                         "application_name = 'sscd' AND wait_event_type = 'Lock'"))


def audit_seqs(pg, where):
    return [int(r[0]) for r in pg.rows(
        "SELECT seq FROM ssc.audit WHERE %s ORDER BY seq" % where) if r and r[0]]


def disable_seq(pg, principal_id):
    seqs = audit_seqs(pg, "entity = 'principal' AND entity_id = %s AND "
                      "(before->>'active')::boolean AND NOT (after->>'active')::boolean"
                      % sql_literal(principal_id))
    check_eq(len(seqs), 1, "audit entries disabling principal %s" % principal_id)
    return seqs[0]


def held_call_then_disable(env, client, principal_id, org, key):
    """Holds a call of client's principal (an Update of org, with the
    idempotency key key or none) on the org row after begin_call, disables
    the principal meanwhile, lets the row go, and checks the order."""
    pb, pg = env.pb, env.pg
    before = env.orgs("admin").Get(pb.GetOrganisationRequest(id=org.id), timeout=T)
    locker = Locker(pg, "SELECT 1 FROM ssc.organisations WHERE id = %d FOR UPDATE;" % org.id)
    call = disable = None
    try:
        call = Call(lambda: env.orgs(client).Update(pb.UpdateOrganisationRequest(
            idempotency_key=key, id=org.id, update_mask=["short_name"],
            short_name="HELD"), timeout=T))
        call.start()
        check(E.wait_for(lambda: sscd_lock_waits(pg) >= 1, 10.0, 0.05),
              "the principal's Update did not get as far as the held row")
        t_disable = time.monotonic()
        disable = Call(lambda: env.principals("admin").Disable(
            pb.DisablePrincipalRequest(id=principal_id), timeout=T))
        disable.start()
        # Either the disable waits for the call (a second waiting backend)
        # or it has returned already, which is the defect.
        E.wait_for(lambda: disable.ended is not None or sscd_lock_waits(pg) >= 2, 10.0, 0.05)
        time.sleep(0.3)
        returned_early = disable.ended is not None
        log("    Disable %s while the call was held" %
            ("returned %s after %.2f s" % (disable.result[0].name, disable.ended - t_disable)
             if returned_early else "was waiting"))
    finally:
        locker.release()
        for c in (call, disable):
            if c is not None:
                c.join(T)
    code, details, _ = call.result
    dcode, ddetails, dresp = disable.result
    log("    held call: %s %r; Disable: %s" % (code.name, details, dcode.name))
    check_eq(dcode, E.OK, "Disable of the principal (%r)" % ddetails)
    check_eq(dresp.active, False, "active after Disable")
    d_seq = disable_seq(pg, principal_id)
    u_seqs = audit_seqs(pg, "entity = 'organisation' AND entity_id = %s AND "
                        "after->>'short_name' = 'HELD'" % sql_literal(org.id))
    if code == E.OK:
        check_eq(len(u_seqs), 1, "audit entries of the held Update")
        check(u_seqs[0] < d_seq,
              "the held call committed after the disable: its audit entry is seq %d, "
              "the disable's seq %d (Disable %s while the call was held)" %
              (u_seqs[0], d_seq, "returned" if returned_early else "waited"))
    else:
        check_eq(code, E.UNAUTHENTICATED, "code of the held call (%r)" % details)
        check_eq(u_seqs, [], "audit entries of the refused call")
        now = env.orgs("admin").Get(pb.GetOrganisationRequest(id=org.id), timeout=T)
        check_eq(now.short_name, before.short_name, "short_name after the refused call")
    E.expect_error(lambda: env.orgs(client).Get(pb.GetOrganisationRequest(id=org.id),
                                                timeout=T),
                   E.UNAUTHENTICATED, what="a call of the disabled principal")


def case_disable_waits_for_call(env):
    pb, w = env.pb, env.world
    r = env.add_principal("retired", pb.ROLE_MINISTRY, w.ministry_a.id)
    env.orgs("retired").Get(pb.GetOrganisationRequest(id=w.ministry_a.id), timeout=T)
    held_call_then_disable(env, "retired", r.id, w.ministry_a, "")


def case_disable_waits_for_keyed_call(env):
    # With an idempotency key the call checks its foreign key to the
    # principal's row (FOR KEY SHARE) while the disable waits for it: the
    # disable's own row locks must not make the two wait for each other.
    w = env.world
    held_call_then_disable(env, "ministry-b", w.principals["ministry-b"].id, w.ministry_b,
                           "disable-race")


def case_disable_under_load(env):
    pb, pg, w = env.pb, env.pg, env.world
    org = w.ministry_a
    # The certificate's fingerprint principal may be disabled by the case
    # above; a principal by its subject then identifies it.
    subject = env.subject("retired")
    r = env.principals("admin").Add(pb.AddPrincipalRequest(
        subject=subject, organisation_id=org.id, role=pb.ROLE_MINISTRY,
        name="retired by subject"), timeout=T)
    channels = [H.grpc_channel(env.sscd.target, env.certs, client="retired")
                for _ in range(4)]
    stop = threading.Event()
    lock = threading.Lock()
    calls = []  # (started, ended, code, short_name)

    def loop(i):
        stub = env.orgs(channel=channels[i])
        j = 0
        while not stop.is_set():
            name = "L%d-%d" % (i, j)
            t0 = time.monotonic()
            code, _, _ = E.rpc_code(lambda: stub.Update(pb.UpdateOrganisationRequest(
                id=org.id, update_mask=["short_name"], short_name=name), timeout=T))
            with lock:
                calls.append((t0, time.monotonic(), code, name))
            j += 1

    threads = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(4)]
    try:
        for t in threads:
            t.start()
        check(E.wait_for(lambda: sum(1 for c in calls if c[2] == E.OK) >= 20, 20.0, 0.05),
              "the principal's Updates did not get going: %s" % calls[:5])
        t0 = time.monotonic()
        d = env.principals("admin").Disable(pb.DisablePrincipalRequest(id=r.id), timeout=T)
        t1 = time.monotonic()
        time.sleep(0.5)
    finally:
        stop.set()
        for t in threads:
            t.join(T)
        for ch in channels:
            ch.close()
    log("    Disable took %.3f s under %d Updates" % (t1 - t0, len(calls)))
    check_eq(d.active, False, "active after Disable")
    check(t1 - t0 < 10.0, "Disable took %.1f s under load" % (t1 - t0))
    d_seq = disable_seq(pg, r.id)
    ok = [c for c in calls if c[2] == E.OK]
    late = [c for c in calls if c[0] > t1 and c[2] != E.UNAUTHENTICATED]
    check_eq(late, [], "calls started after Disable returned that were not UNAUTHENTICATED")
    names = ",".join(sql_literal(c[3]) for c in ok) or "''"
    after = audit_seqs(pg, "entity = 'organisation' AND after->>'short_name' IN (%s) "
                       "AND seq > %d" % (names, d_seq))
    check_eq(after, [], "audit entries of OK'd Updates after the disable (seq %d)" % d_seq)
    n_entries = len(audit_seqs(pg, "entity = 'organisation' AND principal = %s"
                               % sql_literal(subject)))
    check_eq(n_entries, len(ok), "audit entries of the principal's Updates vs OK answers")


CASES = [
    ("disable_waits_for_call", case_disable_waits_for_call, 120),
    ("disable_waits_for_keyed_call", case_disable_waits_for_keyed_call, 120),
    ("disable_under_load", case_disable_under_load, 120),
]


def main():
    args = E.parse_args(__doc__)
    runner = H.Runner("disable", only=args.only, verbose=args.verbose)
    env = E.StoreEnv(args, "disable")
    runner.after_each = env.after_each
    try:
        env.setup()
    except Exception:  # noqa: BLE001 - report and stop
        runner.record("setup", ["could not set up:\n" + traceback.format_exc()])
        return env.teardown(runner)
    for name, fn, limit in CASES:
        runner.run(name, fn, env, timeout=limit)
    return env.teardown(runner)


if __name__ == "__main__":
    sys.exit(main())
