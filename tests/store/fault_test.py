#!/usr/bin/python3
"""Store fault suite: sscd and PostgreSQL failing under load.

  pg_stop_under_load    PostgreSQL stopped with `pg_ctl stop -m immediate`
                        under a steady stream of Gets: calls fail UNAVAILABLE
                        (or DEADLINE_EXCEEDED) without hanging, health turns
                        NOT_SERVING, sscd stays up; PostgreSQL restarted: calls
                        succeed and health is SERVING again within 5 s, without
                        restarting sscd.
  sscd_kill9_creates    kill -9 of sscd during a stream of Creates with
                        idempotency keys: every create that got OK is in the
                        database once; after a restart, retrying the unanswered
                        ones with the same keys gives exactly one row each.
  serialization_retry   a trigger raises SQLSTATE 40001 on the first attempt:
                        sscd retries, the Create returns OK once, one row, one
                        audit entry, and the trigger really ran twice.
  deadline_reaches_db   a Create blocked on a table lock past its deadline
                        fails DEADLINE_EXCEEDED promptly and is not committed
                        later; the pool keeps serving.
  deadline_spans_statements
                        the deadline bounds the whole transaction: begin_call
                        held 0.9 s behind a lock on principals, then the insert
                        behind one on organisations until 1.6 s, with a 1 s
                        deadline: sscd itself (seen by a raw HTTP/2 client that
                        keeps no deadline of its own) answers
                        DEADLINE_EXCEEDED, and nothing is committed, then or
                        later.
  deadline_answer_is_truth
                        Creates behind a lock released around the deadline
                        (0.8 to 1.1 s): whatever sscd answers is what happened,
                        OK with the row there or DEADLINE_EXCEEDED without it.
  long_deadline         a deadline of 30 days (past PostgreSQL's int
                        milliseconds) is served.
  database_appears_later
                        sscd started against a database that does not exist
                        yet: it keeps running when the database is created
                        empty (before: SIGSEGV logging the setup error), says
                        the schema must be migrated and is NOT_SERVING until
                        `sscd migrate` runs, then serves without a restart.

    /usr/bin/python3 tests/store/fault_test.py --sscd BUILD/daemon/sscd \
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

import store_env as E  # noqa: E402  (puts tests/lib on sys.path)
import grpc_raw  # noqa: E402
from store_env import (CALL_TIMEOUT, H, P, check, check_eq,  # noqa: E402
                       log, sql_literal)

import grpc  # noqa: E402

T = CALL_TIMEOUT


class Stream:
    """n threads calling fn(stub_channel, i, j) in a loop, each on its own
    channel; records (thread, j, t_start, t_end, code, details, response)."""

    def __init__(self, env, n, fn, client="admin", stop_on_error=False):
        self.env = env
        self.fn = fn
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.calls = []
        self.stop_on_error = stop_on_error
        self.channels = [H.grpc_channel(env.sscd.target, env.certs, client=client)
                         for _ in range(n)]
        self.threads = [threading.Thread(target=self._loop, args=(i,), daemon=True)
                        for i in range(n)]

    def _loop(self, i):
        ch = self.channels[i]
        j = 0
        while not self.stop.is_set():
            t0 = time.monotonic()
            code, details, resp = E.rpc_code(lambda: self.fn(ch, i, j))
            t1 = time.monotonic()
            with self.lock:
                self.calls.append((i, j, t0, t1, code, details, resp))
            j += 1
            if code != E.OK:
                if self.stop_on_error:
                    return
                time.sleep(0.02)  # don't spin on instant failures

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def finish(self, timeout=30):
        self.stop.set()
        for t in self.threads:
            t.join(timeout)
        stuck = [t.name for t in self.threads if t.is_alive()]
        for c in self.channels:
            c.close()
        check(not stuck, "stream threads still running: %s" % stuck)

    def snapshot(self):
        with self.lock:
            return list(self.calls)


def summarise(calls):
    out = {}
    for c in calls:
        out[c[4].name] = out.get(c[4].name, 0) + 1
    return out


def case_pg_stop_under_load(env):
    pb, pg = env.pb, env.pg
    deadline = 2.0
    oid = env.world.ministry_a.id
    health_ch = H.grpc_channel(env.sscd.target, env.certs, client="admin")
    HS = env.stubs.health_pb2.HealthCheckResponse

    def health():
        try:
            return env.health_status(channel=health_ch, timeout=2.0)
        except grpc.RpcError as e:
            return "rpc error %s" % e.code().name

    def get(ch, _i, _j):
        return env.orgs(channel=ch).Get(pb.GetOrganisationRequest(id=oid),
                                        timeout=deadline)

    st = Stream(env, 4, get).start()
    try:
        time.sleep(1.5)
        warm = st.snapshot()
        check(warm and all(c[4] == E.OK for c in warm),
              "calls before the stop: %s" % summarise(warm))
        check_eq(health(), HS.SERVING, "health before the stop")

        t_stop = time.monotonic()
        rc = pg.stop("immediate")
        check_eq(rc, 0, "pg_ctl stop -m immediate")
        log("    PostgreSQL stopped (immediate) in %.2f s" % (time.monotonic() - t_stop))
        ok = E.wait_for(lambda: health() == HS.NOT_SERVING, 10.0, 0.1)
        t_ns = time.monotonic() - t_stop
        check(ok, "health still %s 10 s after PostgreSQL stopped" % health())
        log("    health NOT_SERVING %.2f s after the stop" % t_ns)
        time.sleep(max(0.0, 4.0 - (time.monotonic() - t_stop)))
        check(env.sscd.alive(), "sscd died while PostgreSQL was down:\n%s" %
              env.sscd.stderr_tail())

        t_restart = time.monotonic()
        pg.restart()
        t_up = time.monotonic()
        log("    PostgreSQL restarted in %.2f s (down %.1f s)" %
            (t_up - t_restart, t_up - t_stop))

        def calls_ok_after_up():
            return any(c[4] == E.OK and c[2] >= t_up for c in st.snapshot())

        back = E.wait_for(calls_ok_after_up, 5.0, 0.05)
        t_back = time.monotonic() - t_up
        healthy = E.wait_for(lambda: health() == HS.SERVING,
                             max(0.1, 5.0 - (time.monotonic() - t_up)), 0.05)
        t_healthy = time.monotonic() - t_up
        check(back, "no call succeeded within 5 s of PostgreSQL being back; "
              "since then: %s; stderr:\n%s" %
              (summarise([c for c in st.snapshot() if c[2] >= t_up]),
               env.sscd.stderr_tail(20)))
        check(healthy, "health %s 5 s after PostgreSQL came back" % health())
        log("    calls OK %.2f s, health SERVING %.2f s after PostgreSQL was back" %
            (t_back, t_healthy))
        time.sleep(1.5)
        t_tail = time.monotonic() - 1.0
    finally:
        st.finish()
        health_ch.close()
        if not pg.running():
            pg.restart()
    calls = st.snapshot()
    hung = [(round(c[3] - c[2], 2), c[4].name) for c in calls
            if c[3] - c[2] > deadline + 1.0]
    check(not hung, "calls took longer than deadline + 1 s: %s" % hung[:10])
    down = [c for c in calls if c[2] >= t_stop + 0.2 and c[3] <= t_restart]
    log("    while down: %s; overall: %s" % (summarise(down), summarise(calls)))
    check(down, "no calls were made while PostgreSQL was down")
    bad = [(c[4].name, c[5]) for c in down
           if c[4] not in (E.UNAVAILABLE, E.DEADLINE_EXCEEDED)]
    check(not bad, "calls while PostgreSQL was down answered other than "
          "UNAVAILABLE/DEADLINE_EXCEEDED: %s" % bad[:10])
    unav = [c for c in down if c[4] == E.UNAVAILABLE]
    check(unav, "no call was answered UNAVAILABLE while PostgreSQL was down")
    check(all(c[5] for c in unav), "UNAVAILABLE without a message")
    tail = [c for c in calls if c[2] >= t_tail]
    check(tail and all(c[4] == E.OK for c in tail),
          "calls in the last second: %s" % summarise(tail))
    check(env.sscd.alive(), "sscd is not running")
    check_eq(env.sscd.starts, 1, "sscd starts (it must not have been restarted)")


def case_sscd_kill9_creates(env):
    pb, pg = env.pb, env.pg
    prefix = "Crash Org %d" % os.getpid()

    def req(i, j):
        return pb.CreateOrganisationRequest(
            idempotency_key="crash-%d-%d" % (i, j), name="%s %d-%d" % (prefix, i, j),
            kind=pb.ORGANISATION_KIND_REGION, country="SE")

    def create(ch, i, j):
        return env.orgs(channel=ch).Create(req(i, j), timeout=10.0)

    st = Stream(env, 4, create, stop_on_error=True).start()
    try:
        E.wait_for(lambda: sum(1 for c in st.snapshot() if c[4] == E.OK) >= 40,
                   20.0, 0.01)
        env.sscd.signal(9)
        env.sscd.wait(10)
        t_kill = time.monotonic()
        log("    sscd killed with SIGKILL after %d answered creates" %
            len(st.snapshot()))
        check(E.wait_for(lambda: all(not t.is_alive() for t in st.threads), 15.0),
              "create threads did not notice the kill")
    finally:
        st.finish()
    calls = st.snapshot()
    oks = {(c[0], c[1]): c[6] for c in calls if c[4] == E.OK}
    unanswered = [(c[0], c[1]) for c in calls if c[4] != E.OK]
    log("    %d OK, %d not answered OK: %s" % (
        len(oks), len(unanswered), summarise([c for c in calls if c[4] != E.OK])))
    check(len(oks) >= 10, "too few creates before the kill (%d)" % len(oks))
    check(unanswered, "no create was cut off by the kill")
    check(all(c[3] <= t_kill + 11.0 for c in calls), "a create hung after the kill")

    def db_rows():
        rows = pg.rows("SELECT name, count(*), min(id) FROM ssc.organisations WHERE "
                       "name LIKE %s GROUP BY name" % sql_literal(prefix + " %"))
        return {r[0]: (int(r[1]), int(r[2])) for r in rows}

    rows = db_rows()
    dup = {n: c for n, (c, _) in rows.items() if c != 1}
    check(not dup, "names stored more than once: %s" % dup)
    for (i, j), resp in sorted(oks.items()):
        name = "%s %d-%d" % (prefix, i, j)
        check(name in rows, "create %s got OK but is not in the database" % name)
        check_eq(rows[name][1], resp.id, "id of %s" % name)
    committed_unanswered = [k for k in unanswered
                            if "%s %d-%d" % (prefix, k[0], k[1]) in rows]
    log("    %d of the unanswered creates had committed" % len(committed_unanswered))

    env.restart_sscd()
    admin = env.orgs("admin")
    for (i, j) in unanswered:
        name = "%s %d-%d" % (prefix, i, j)
        r = admin.Create(req(i, j), timeout=T)
        check_eq(r.name, name, "retried create's name")
        if name in rows:
            check_eq(r.id, rows[name][1], "retry of committed %s: id" % name)
    # Answered ones replay their first answer across the restart.
    for (i, j), resp in sorted(oks.items())[:5]:
        check_eq(admin.Create(req(i, j), timeout=T), resp,
                 "replay of create %d-%d after the restart" % (i, j))
    rows = db_rows()
    want = {"%s %d-%d" % (prefix, i, j) for (i, j) in list(oks) + unanswered}
    check_eq(set(rows), want, "names in the database after the retries")
    dup = {n: c for n, (c, _) in rows.items() if c != 1}
    check(not dup, "names stored more than once after the retries: %s" % dup)
    audits = pg.rows(
        "SELECT o.name, count(a.*) FROM ssc.organisations o LEFT JOIN ssc.audit a "
        "ON a.entity = 'organisation' AND a.entity_id = o.id::text WHERE o.name "
        "LIKE %s GROUP BY o.name HAVING count(a.*) <> 1" % sql_literal(prefix + " %"))
    check_eq(audits, [], "organisations without exactly one audit row")
    v = env.audit("auditor").Verify(pb.VerifyAuditRequest(), timeout=T)
    check(v.ok, "audit chain after kill -9: %s" % v)


def case_serialization_retry(env):
    pb, pg = env.pb, env.pg
    name = "Serialization Probe Agency"
    pg.psql("""
DROP TRIGGER IF EXISTS ssc_test_force_40001 ON ssc.organisations;
DROP SEQUENCE IF EXISTS public.ssc_test_fail;
CREATE SEQUENCE public.ssc_test_fail;
CREATE OR REPLACE FUNCTION public.ssc_test_force_40001() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
  IF NEW.name = %s AND nextval('public.ssc_test_fail') = 1 THEN
    RAISE EXCEPTION 'forced serialization failure' USING ERRCODE = '40001';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER ssc_test_force_40001 BEFORE INSERT ON ssc.organisations
  FOR EACH ROW EXECUTE FUNCTION public.ssc_test_force_40001();
""" % sql_literal(name))
    try:
        audit0 = env.audit_count()
        r = env.orgs("admin").Create(pb.CreateOrganisationRequest(
            idempotency_key="serialization-probe", name=name, short_name="SPA",
            kind=pb.ORGANISATION_KIND_DANISH_AUTHORITY, country="DK"), timeout=T)
        check_eq((r.name, r.short_name, r.country, r.version),
                 (name, "SPA", "DK", 1), "created row")
        fired = int(pg.scalar("SELECT last_value FROM public.ssc_test_fail"))
        check_eq(fired, 2, "times the trigger ran (1 = no retry happened)")
        n = int(pg.scalar("SELECT count(*) FROM ssc.organisations WHERE name = %s"
                          % sql_literal(name)))
        check_eq(n, 1, "rows for the probe")
        check_eq(env.audit_rows_for("organisation", str(r.id)), 1,
                 "audit rows for the probe")
        check_eq(env.audit_count() - audit0, 1, "audit rows added")
        got = env.orgs("admin").Get(pb.GetOrganisationRequest(id=r.id), timeout=T)
        check_eq(got, r, "Get of the probe")
        # A failure that never goes away: retried a bounded number of times,
        # then ABORTED, and nothing written.
        pg.psql("ALTER SEQUENCE public.ssc_test_fail RESTART WITH 1;\n"
                "CREATE OR REPLACE FUNCTION public.ssc_test_force_40001() RETURNS "
                "trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = "
                "pg_catalog AS $$ BEGIN IF NEW.name = %s THEN PERFORM "
                "nextval('public.ssc_test_fail'); RAISE EXCEPTION 'always' USING "
                "ERRCODE = '40001'; END IF; RETURN NEW; END $$;"
                % sql_literal(name + " Forever"))
        t0 = time.monotonic()
        e = E.expect_error(lambda: env.orgs("admin").Create(
            pb.CreateOrganisationRequest(name=name + " Forever",
                                         kind=pb.ORGANISATION_KIND_REGION,
                                         country="DK"), timeout=T),
            grpc.StatusCode.ABORTED, what="a Create that always fails with 40001")
        attempts = int(pg.scalar("SELECT last_value FROM public.ssc_test_fail"))
        log("    permanent 40001: %s after %d attempts in %.2f s (%r)" %
            (e.code().name, attempts, time.monotonic() - t0, e.details()))
        check(2 <= attempts <= 10, "attempts for a permanent 40001: %d" % attempts)
        check_eq(int(pg.scalar("SELECT count(*) FROM ssc.organisations WHERE name "
                               "= %s" % sql_literal(name + " Forever"))), 0,
                 "rows for the always-failing create")
    finally:
        pg.psql("DROP TRIGGER IF EXISTS ssc_test_force_40001 ON ssc.organisations;\n"
                "DROP FUNCTION IF EXISTS public.ssc_test_force_40001();\n"
                "DROP SEQUENCE IF EXISTS public.ssc_test_fail;")


def case_deadline_reaches_db(env):
    pb, pg = env.pb, env.pg
    name = "Deadline Probe Agency"
    locker = subprocess.Popen(
        [P.PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", pg.owner_url, "-c",
         "BEGIN; LOCK TABLE ssc.organisations IN ACCESS EXCLUSIVE MODE; "
         "SELECT pg_sleep(4); COMMIT;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        locked = E.wait_for(lambda: pg.scalar(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE c.relname = 'organisations' AND l.mode = 'AccessExclusiveLock' "
            "AND l.granted") == "1", 10.0, 0.05)
        check(locked, "the test could not take the table lock")
        t0 = time.monotonic()
        E.expect_error(lambda: env.orgs("admin").Create(pb.CreateOrganisationRequest(
            name=name, kind=pb.ORGANISATION_KIND_REGION, country="DK"), timeout=1.0),
            (E.DEADLINE_EXCEEDED,), what="Create behind a lock, deadline 1 s")
        dt = time.monotonic() - t0
        check(dt < 2.5, "the call took %.2f s with a 1 s deadline" % dt)
    finally:
        try:
            locker.wait(20)
        except subprocess.TimeoutExpired:
            locker.kill()
    time.sleep(1.0)
    n = int(pg.scalar("SELECT count(*) FROM ssc.organisations WHERE name = %s"
                      % sql_literal(name)))
    check_eq(n, 0, "the timed-out create committed after the lock was released "
             "(statement_timeout did not reach PostgreSQL)")
    # The pool is not wedged: a burst of calls on fresh channels all succeed.
    for i in range(20):
        env.orgs("admin").Get(pb.GetOrganisationRequest(id=env.world.ministry_a.id),
                              timeout=5.0)


def hold_lock(pg, table, secs):
    """Starts a psql that holds an ACCESS EXCLUSIVE lock on ssc.<table> for
    secs and waits until the lock is granted."""
    p = subprocess.Popen(
        [P.PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", pg.owner_url, "-c",
         "BEGIN; LOCK TABLE ssc.%s IN ACCESS EXCLUSIVE MODE; "
         "SELECT pg_sleep(%s); COMMIT;" % (table, secs)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    locked = E.wait_for(lambda: pg.scalar(
        "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
        "WHERE c.relname = '%s' AND l.mode = 'AccessExclusiveLock' "
        "AND l.granted" % table) == "1", 10.0, 0.01)
    check(locked, "the test could not lock %s" % table)
    return p


def reap(procs):
    for p in procs:
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            p.kill()


def org_rows(pg, name):
    return int(pg.scalar("SELECT count(*) FROM ssc.organisations WHERE name = %s"
                         % sql_literal(name)))


def raw_create(env, name, grpc_timeout):
    """Organisations/Create with grpc-timeout, answered by sscd alone."""
    req = env.pb.CreateOrganisationRequest(
        name=name, kind=env.pb.ORGANISATION_KIND_REGION, country="DK")
    port = int(env.sscd.target.rsplit(":", 1)[1])
    return grpc_raw.unary(port, env.certs, "/ssc.v1.Organisations/Create",
                          req.SerializeToString(), grpc_timeout=grpc_timeout)


def case_deadline_spans_statements(env):
    pg = env.pg
    name = "Deadline Span Probe"
    lockers = [hold_lock(pg, "organisations", 1.6),
               hold_lock(pg, "principals", 0.9)]
    try:
        t0 = time.monotonic()
        status, msg, _ = raw_create(env, name, "1S")
        dt = time.monotonic() - t0
        log("    sscd answered %d %r after %.2f s" % (status, msg, dt))
        check_eq(status, grpc.StatusCode.DEADLINE_EXCEEDED.value[0],
                 "status sscd answered")
        check(dt < 1.5, "the answer took %.2f s with a 1 s deadline" % dt)
    finally:
        reap(lockers)
    time.sleep(0.5)
    check_eq(org_rows(pg, name), 0,
             "rows of a create answered DEADLINE_EXCEEDED (each statement got "
             "the whole remaining time)")


def case_deadline_answer_is_truth(env):
    pg = env.pg
    seen = {}
    for i, hold in enumerate((0.8, 0.9, 0.95, 0.98, 1.0, 1.02, 1.05, 1.1)):
        name = "Deadline Truth Probe %d" % i
        locker = hold_lock(pg, "organisations", hold)
        try:
            status, msg, body = raw_create(env, name, "1S")
        finally:
            reap([locker])
        time.sleep(0.3)
        n = org_rows(pg, name)
        seen[hold] = (status, n)
        if status == 0:
            check(body is not None, "OK without a message (hold %.2f s)" % hold)
            check_eq(n, 1, "rows after OK (hold %.2f s)" % hold)
        else:
            check_eq(status, grpc.StatusCode.DEADLINE_EXCEEDED.value[0],
                     "status (hold %.2f s): %r" % (hold, msg))
            check_eq(n, 0, "rows after DEADLINE_EXCEEDED (hold %.2f s)" % hold)
    log("    hold -> (status, rows): %s" % seen)


def case_long_deadline(env):
    pb = env.pb
    thirty_days = 30 * 86400.0
    r = env.orgs("admin").Create(pb.CreateOrganisationRequest(
        name="Long Deadline Probe", kind=pb.ORGANISATION_KIND_REGION,
        country="DK"), timeout=thirty_days)
    check_eq(r.name, "Long Deadline Probe", "created with a 30-day deadline")
    got = env.orgs("admin").Get(pb.GetOrganisationRequest(id=r.id),
                                timeout=thirty_days)
    check_eq(got.id, r.id, "Get with a 30-day deadline")


def case_database_appears_later(env):
    pg = env.pg
    db = "ssc_later"
    pg.drop_database(db)
    later = env.new_sscd("later", db=db)
    later.start()
    ch = H.grpc_channel(later.target, env.certs, client="admin")
    health = env.stubs.health_pb2_grpc.HealthStub(ch)
    req = env.stubs.health_pb2.HealthCheckRequest(service="")
    serving = env.stubs.health_pb2.HealthCheckResponse.SERVING

    def status():
        try:
            return health.Check(req, timeout=5.0).status
        except grpc.RpcError as e:
            return e.code().name

    try:
        check(status() != serving, "SERVING without a database")
        pg.create_database(db)
        # The pool retries with a backoff of at most 3 s: give it two tries.
        said = E.wait_for(lambda: "needs version" in later.stderr_text(), 8.0)
        check(later.alive(), "sscd died when its database appeared:\n" +
              later.stderr_tail())
        check(said, "no word of the unmigrated schema in the log:\n" +
              later.stderr_tail())
        check(status() != serving, "SERVING on an unmigrated database")
        env.migrate(later)
        env.add_admin(later)
        check(E.wait_for(lambda: status() == serving, 10.0),
              "not SERVING 10 s after sscd migrate: %s\n%s" %
              (status(), later.stderr_tail()))
        r = env.orgs("admin", channel=ch).List(env.pb.ListOrganisationsRequest(),
                                               timeout=T)
        check_eq(len(r.organisations), 0, "organisations in the new database")
    finally:
        ch.close()
        problems = later.stop()
        pg.drop_database(db)
    check(not problems, "sscd on the late database: %s" % problems)


CASES = [
    ("pg_stop_under_load", case_pg_stop_under_load, 120),
    ("sscd_kill9_creates", case_sscd_kill9_creates, 180),
    ("serialization_retry", case_serialization_retry, 120),
    ("deadline_reaches_db", case_deadline_reaches_db, 120),
    ("deadline_spans_statements", case_deadline_spans_statements, 120),
    ("deadline_answer_is_truth", case_deadline_answer_is_truth, 120),
    ("long_deadline", case_long_deadline, 60),
    ("database_appears_later", case_database_appears_later, 120),
]


def main():
    args = E.parse_args(__doc__)
    runner = H.Runner("faults", only=args.only, verbose=args.verbose)
    env = E.StoreEnv(args, "faults")
    runner.after_each = env.after_each
    try:
        env.setup()
    except Exception:  # noqa: BLE001 - report and stop
        runner.record("setup", ["could not set up:\n" + traceback.format_exc()])
        return env.teardown(runner)
    for name, fn, limit in CASES:
        runner.run(name, fn, env, timeout=limit)
        if not env.sscd.alive():
            try:
                env.restart_sscd()
            except Exception as e:  # noqa: BLE001
                runner.record("restart_after_" + name, [str(e)])
                break
        if not env.pg.running():
            env.pg.restart()
    return env.teardown(runner)


if __name__ == "__main__":
    sys.exit(main())
