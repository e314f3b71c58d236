#!/usr/bin/python3
"""Watches: the change stream (Changes/Watch) and the deadline radar as a
stream (Radar/Watch), against two and three sscd instances on one database.

Starts a throwaway PostgreSQL 15 cluster, migrates it, starts sscd "watch-a"
and "watch-b" on it (b with a small [changes] max_lag and [radar]
watch_max_events) and registers the domain world (domain_env.py). Cases:

  changes_across_instances  writes through a reach watchers on b, in order,
                            each within 2 s, nothing missed (the audit table
                            is the reference); from_now starts at the head
  changes_resume            a watcher cancelled and resumed with the last
                            seq it saw gets exactly what it missed
  changes_commit_order      a transaction that starts first but commits
                            last (held on a row lock) arrives after the one
                            that committed first, none skipped
  changes_notify_once       a transaction notifies once, with its last seq,
                            however many audit rows it wrote
  changes_reconnect         every database connection killed and a change
                            committed meanwhile: the watcher still gets it
  changes_ministry_view     a ministry's watcher sees only what it may read
  changes_kinds             the kinds filter
  changes_refused           bad after_seq, kinds, from_now with after_seq, an
                            unregistered certificate: precise status, and
                            the stream ends
  changes_stalled_watcher   a watcher that never reads (raw HTTP/2, no
                            WINDOW_UPDATE) while 32 MB of changes commit:
                            sscd's RSS stays bounded, the watcher is ended
                            RESOURCE_EXHAUSTED past max_lag after what was
                            queued, naming the after_seq to resume with;
                            one that stalls below max_lag gets every change
                            once it reads again; one that reads is never
                            ended, however far behind it starts
  radar_watch_midnight      a third sscd whose [testing] clock starts 30 s
                            before midnight: the picture, a record change
                            (MOVED, ADDED), then at midnight the day's
                            updates (REMOVED, BAND into due and into 30,
                            ADDED at the horizon), nothing polled; then it
                            drains: open watches end UNAVAILABLE at once
  radar_watch_refused       bad horizon, too many events for a watch (after
                            radar_watch_midnight made some)

    /usr/bin/python3 tests/domain/watch_test.py --sscd BUILD/daemon/sscd \
        --source . [--only CASE] [--keep] [-v]
"""

import datetime
import os
import socket
import struct
import subprocess
import sys
import threading
import time
import traceback
import types
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)

import domain_env as E  # noqa: E402
from domain_env import CALL_TIMEOUT, H, P, check, check_eq, log  # noqa: E402

import h2.config  # noqa: E402
import h2.connection  # noqa: E402
import h2.events  # noqa: E402
import h2.settings  # noqa: E402

T = CALL_TIMEOUT
MAX_LAG = 1500          # watch-b's [changes] max_lag
WATCH_MAX_EVENTS = 3    # watch-b's [radar] watch_max_events
LATENCY_S = 2.0         # a change reaches a watcher on the other sscd within


class Stream:
    """A server stream consumed in a thread: items are (monotonic time,
    message); error is the RpcError it ended with (None while running or
    when it ended OK)."""

    def __init__(self, call):
        self.call = call
        self.items = []
        self.error = None
        self.done = False
        self.cv = threading.Condition()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            for m in self.call:
                with self.cv:
                    self.items.append((time.monotonic(), m))
                    self.cv.notify_all()
        except E.grpc.RpcError as e:
            self.error = e
        finally:
            with self.cv:
                self.done = True
                self.cv.notify_all()

    def msgs(self):
        with self.cv:
            return [m for _, m in self.items]

    def wait(self, pred, timeout, what):
        """Waits until pred(messages) holds; fails naming what."""
        deadline = time.monotonic() + timeout
        with self.cv:
            while not pred([m for _, m in self.items]):
                left = deadline - time.monotonic()
                if left <= 0 or self.done:
                    break
                self.cv.wait(min(left, 0.2))
            ok = pred([m for _, m in self.items])
        if not ok:
            raise E.CaseFailure("%s: not within %.0f s (got %d, ended: %s)" % (
                what, timeout, len(self.items),
                self.error.details() if self.error else self.done))

    def end(self, timeout=10.0):
        """Waits for the stream to end by itself; returns the RpcError."""
        self.thread.join(timeout)
        check(self.done, "the stream did not end within %.0f s" % timeout)
        return self.error

    def cancel(self):
        self.call.cancel()
        self.thread.join(10)


def changes(env, client, sscd=None):
    return env._stub("changes", "ChangesStub", client, None, sscd)


def watch_changes(env, client, sscd=None, **kw):
    # A channel of its own: grpcio shares a channel's connection, and a
    # stalled or cancelled watch must not stand in other cases' way.
    ch = H.grpc_channel((sscd or env.sscd).target, env.certs, client=client)
    env.watch_channels.append(ch)
    stub = env.ssc.changes_pb2_grpc.ChangesStub(ch)
    return Stream(stub.Watch(env.pb.WatchChangesRequest(**kw)))


def head(env):
    return int(env.pg.scalar("SELECT coalesce(max(seq), 0) FROM ssc.audit"))


def audit_seqs(env, after, where="true"):
    return [int(r[0]) for r in env.pg.rows(
        "SELECT seq FROM ssc.audit WHERE seq > %d AND %s ORDER BY seq" % (after, where))]


def new_collab(env, client="ministry-a", **kw):
    w, pb = env.world, env.pb
    env.fx.n += 1
    base = dict(title="Watched collaboration %d" % env.fx.n, lead_id=w.agency_b.id,
                country="VN", partner_ids=[w.erea.id],
                sectors=[pb.SectorShare(code="23110", percentage=100)],
                started_on="2024-01-01")
    base.update(kw)
    return env.collabs(client).Create(pb.CreateCollaborationRequest(**base), timeout=T)


def seqs_of(msgs):
    return [m.seq for m in msgs]


# --------------------------------------------------------------------------
# the change stream


def case_changes_across_instances(env):
    """Writes through watch-a reach an auditor's watcher on watch-b in
    sequence order, every one, each within 2 s of the write's answer."""
    h0 = head(env)
    st = watch_changes(env, "auditor", sscd=env.b, after_seq=h0)
    done_at = []
    for _ in range(20):
        c = new_collab(env)
        done_at.append((time.monotonic(), c.id, head(env)))
    want = audit_seqs(env, h0)
    st.wait(lambda ms: len(ms) >= len(want), 15, "every change on the other sscd")
    got = st.msgs()
    check_eq(seqs_of(got), want, "the changes, in sequence order, none missed")
    at = {m.seq: t for t, m in st.items}
    slow = []
    for t, cid, hd in done_at:
        arrived = at.get(hd)
        if arrived is None or arrived - t > LATENCY_S:
            slow.append((cid, hd, None if arrived is None else round(arrived - t, 3)))
    check_eq(slow, [], "writes seen later than %.0f s on the other sscd" % LATENCY_S)
    m = [x for x in got if x.entity == "collaboration"][0]
    check_eq((m.method, m.principal != "", '"id"' in m.after, m.at.endswith("Z")),
             ("/ssc.v1.Collaborations/Create", True, True, True),
             "a change's method, principal, after and time")
    st.cancel()
    # from_now: nothing of the past, then what comes.
    live = watch_changes(env, "auditor", sscd=env.b, from_now=True)
    time.sleep(1.0)  # the watch has read the head by now
    h1 = head(env)
    c = new_collab(env)
    live.wait(lambda ms: any(x.entity_id == str(c.id) for x in ms), 10,
              "a live change after from_now")
    check(all(x.seq > h1 for x in live.msgs()), "from_now sent a change from before it")
    check_eq(seqs_of(live.msgs()), audit_seqs(env, h1)[:len(live.msgs())],
             "from_now: the changes after the head")
    live.cancel()


def case_changes_resume(env):
    """A watcher cancelled midway and resumed with the last seq it saw
    receives exactly the changes it missed: no gap, no duplicate."""
    h0 = head(env)
    first = watch_changes(env, "auditor", sscd=env.b, after_seq=h0)
    for _ in range(5):
        new_collab(env)
    first.wait(lambda ms: len(ms) >= 3, 10, "the first changes")
    first.cancel()
    seen = seqs_of(first.msgs())
    last = seen[-1]
    for _ in range(5):
        new_collab(env)
    want = audit_seqs(env, last)
    again = watch_changes(env, "auditor", sscd=env.sscd, after_seq=last)
    again.wait(lambda ms: len(ms) >= len(want), 15, "the missed changes")
    time.sleep(0.5)  # nothing more may come
    check_eq(seqs_of(again.msgs()), want, "resumed after %d" % last)
    check_eq(sorted(set(seen) & set(seqs_of(again.msgs()))), [], "sent twice")
    again.cancel()


def case_changes_notify_once(env):
    """Each committing transaction notifies ssc_changes once, with its last
    change's seq, however many audit rows or statements it has: what a
    listener (a psql session here) receives."""
    lis = subprocess.Popen(
        [P.PSQL, "-X", "-q", "-At", "-d", env.pg.owner_url],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    try:
        lis.stdin.write("LISTEN ssc_changes;\n\\echo ready\n")
        lis.stdin.flush()
        check_eq(lis.stdout.readline().strip(), "ready", "the listener")
        org = env.world.sac.id
        env.pg.psql("SELECT ssc.audit_append('organisation', '%d', NULL, "
                    "jsonb_build_object('n', g)) FROM generate_series(1, 5) g" % org)
        first = head(env)
        env.pg.psql("BEGIN; SELECT ssc.audit_append('organisation', '%d', NULL, '{}'); "
                    "SELECT ssc.audit_append('organisation', '%d', NULL, '{}'); "
                    "SELECT ssc.audit_append('organisation', '%d', NULL, '{}'); COMMIT;"
                    % (org, org, org))
        second = head(env)
        lis.stdin.write("SELECT 1;\n\\echo done\n")
        lis.stdin.flush()
        payloads = []
        for _ in range(50):
            line = lis.stdout.readline()
            if not line or line.strip() == "done":
                break
            if line.startswith("Asynchronous notification"):
                payloads.append(line.split('payload "')[1].split('"')[0])
        check_eq(payloads, [str(first), str(second)],
                 "one notification per transaction, its last seq")
    finally:
        lis.stdin.close()
        lis.wait(10)


def case_changes_reconnect(env):
    """Every database connection of both sscd is terminated and a change
    commits while they come back: a watcher still gets it (the pool's
    listening connection listens again and the hub reads what it may have
    missed)."""
    h0 = head(env)
    st = watch_changes(env, "auditor", sscd=env.b, after_seq=h0)
    time.sleep(0.5)
    env.pg.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE usename = 'ssc_app' AND pid <> pg_backend_pid()")
    env.pg.psql("SELECT ssc.audit_append('organisation', '%d', NULL, '{\"after\": \"reconnect\"}')"
                % env.world.sac.id)
    want = audit_seqs(env, h0)
    st.wait(lambda ms: len(ms) >= len(want), 30, "the change made while reconnecting")
    check_eq(seqs_of(st.msgs()), want, "every change, once, across the reconnect")
    check(st.error is None, "the watch ended: %s" % (st.error and st.error.details()))
    st.cancel()
    env.wait_serving(env.sscd, ("auditor", "ministry-a", "ministry-s", "secretariat"))
    env.wait_serving(env.b, ("auditor", "ministry-s"))


def case_changes_commit_order(env):
    """T1 starts first and waits on a row lock another session holds; T2
    starts later and commits. When the lock goes, T1 commits. The watcher
    gets T2's change, then T1's, in commit (= sequence) order, none
    skipped."""
    pb = env.pb
    target = new_collab(env)
    h0 = head(env)
    st = watch_changes(env, "auditor", sscd=env.b, after_seq=h0)
    holder = subprocess.Popen(
        [P.PSQL, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", env.pg.owner_url],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    holder.stdin.write("BEGIN;\nSELECT id FROM ssc.collaborations WHERE id = %d "
                       "FOR UPDATE;\n\\echo locked\n" % target.id)
    holder.stdin.flush()
    check_eq(holder.stdout.readline().strip(), str(target.id), "the lock holder")
    holder.stdout.readline()  # "locked"
    t1 = {}

    def first():
        t1["r"] = E.rpc_code(lambda: env.collabs("ministry-a").Update(
            pb.UpdateCollaborationRequest(id=target.id, title="Renamed while locked",
                                          update_mask=["title"]), timeout=T))

    th = threading.Thread(target=first, daemon=True)
    th.start()
    time.sleep(0.5)  # T1 is in, waiting on the lock
    t2 = new_collab(env)
    st.wait(lambda ms: any(x.entity_id == str(t2.id) and x.entity == "collaboration"
                           for x in ms), 10, "T2's change while T1 waits")
    check(th.is_alive(), "T1 did not wait for the lock")
    holder.stdin.write("COMMIT;\n")
    holder.stdin.close()
    holder.wait(10)
    th.join(T)
    check_eq(t1["r"][0], E.OK, "T1 after the lock: %s" % t1["r"][1])
    want = audit_seqs(env, h0)
    st.wait(lambda ms: len(ms) >= len(want), 10, "T1's change")
    got = st.msgs()
    check_eq(seqs_of(got), want, "every change, in sequence order")
    s2 = [x.seq for x in got if x.entity_id == str(t2.id) and x.entity == "collaboration"]
    s1 = [x.seq for x in got if x.entity_id == str(target.id) and x.entity == "collaboration"]
    check(s1 and s2 and s1[0] > s2[0],
          "T1 (started first, committed last) has seq %s, T2 %s" % (s1, s2))
    st.cancel()


def case_changes_ministry_view(env):
    """A ministry's watcher sees the changes of what it may read and nothing
    of a sibling ministry's; the auditor sees both."""
    w, pb = env.world, env.pb
    h0 = head(env)
    sib = watch_changes(env, "ministry-s", sscd=env.b, after_seq=h0)
    own = watch_changes(env, "ministry-a", sscd=env.sscd, after_seq=h0)
    aud = watch_changes(env, "auditor", sscd=env.b, after_seq=h0)
    ca = new_collab(env)
    cs = new_collab(env, client="ministry-s", lead_id=w.ministry_s.id, country="KE",
                    partner_ids=[w.moe_ke.id])
    want = audit_seqs(env, h0)
    aud.wait(lambda ms: len(ms) >= len(want), 10, "the auditor sees both")
    mine = [("collaboration", str(cs.id))]
    sib.wait(lambda ms: any((x.entity, x.entity_id) in mine for x in ms), 10,
             "ministry-s sees its own")
    own.wait(lambda ms: any((x.entity, x.entity_id) == ("collaboration", str(ca.id))
                            for x in ms), 10, "ministry-a sees its own")
    time.sleep(0.5)
    ids_s = {(x.entity, x.entity_id) for x in sib.msgs()}
    ids_a = {(x.entity, x.entity_id) for x in own.msgs()}
    check(("collaboration", str(ca.id)) not in ids_s, "ministry-s saw ministry-a's collaboration")
    check(("collaboration", str(cs.id)) not in ids_a, "ministry-a saw ministry-s's collaboration")
    check_eq(seqs_of(aud.msgs()), want, "the auditor: every change")
    for st in (sib, own, aud):
        st.cancel()


def case_changes_kinds(env):
    """kinds: only the entities named."""
    w = env.world
    h0 = head(env)
    st = watch_changes(env, "auditor", sscd=env.b, after_seq=h0,
                       kinds=["agreement"])
    new_collab(env)
    a = env.agreements("secretariat").Create(env.pb.CreateAgreementRequest(
        kind=env.pb.AGREEMENT_KIND_MOU, title="Watched MoU",
        party_ids=[w.agency_b.id, w.erea.id], effective_from="2024-01-01"), timeout=T)
    want = audit_seqs(env, h0, "entity = 'agreement'")
    st.wait(lambda ms: len(ms) >= len(want), 10, "the agreement's change")
    time.sleep(0.5)
    check_eq([(x.seq, x.entity, x.entity_id) for x in st.msgs()],
             [(s, "agreement", str(a.id)) for s in want], "only agreements")
    st.cancel()


def case_changes_refused(env):
    """Refusals end the stream with a precise status, before any change."""
    for kw, code, needle in (
            (dict(after_seq=-1), E.INVALID_ARGUMENT, "after_seq"),
            (dict(kinds=["agreement", "payroll"]), E.INVALID_ARGUMENT,
             'kinds: unknown kind "payroll"'),
            (dict(after_seq=5, from_now=True), E.INVALID_ARGUMENT, "from_now"),
    ):
        st = watch_changes(env, "auditor", **kw)
        err = st.end()
        check(err is not None and err.code() == code and needle in (err.details() or ""),
              "%s: got %s %r" % (kw, err and err.code(), err and err.details()))
        check_eq(st.msgs(), [], "%s: changes before the refusal" % kw)
    st = watch_changes(env, "stranger")
    err = st.end()
    check(err is not None and err.code() == E.UNAUTHENTICATED,
          "an unregistered certificate: got %s" % (err and err.code()))


# ---- a watcher that does not read ------------------------------------------


class RawWatch:
    """Changes/Watch over TLS and HTTP/2 with python h2, whose window the
    test controls: until read() is called nothing is read from the socket
    and no WINDOW_UPDATE is sent, so sscd can send only the first 64 KiB."""

    def __init__(self, env, sscd, client, after_seq):
        ctx = H.client_ssl_context(env.certs, client=client)
        raw = socket.create_connection(("127.0.0.1", sscd.port), timeout=30)
        self.sock = ctx.wrap_socket(raw, server_hostname="localhost")
        self.conn = h2.connection.H2Connection(
            h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        self.conn.initiate_connection()
        self.sid = self.conn.get_next_available_stream_id()
        self.conn.send_headers(self.sid, [
            (":method", "POST"), (":scheme", "https"),
            (":path", "/ssc.v1.Changes/Watch"), (":authority", "localhost"),
            ("te", "trailers"), ("content-type", "application/grpc")])
        req = env.pb.WatchChangesRequest(after_seq=after_seq).SerializeToString()
        self.conn.send_data(self.sid, struct.pack(">BI", 0, len(req)) + req,
                            end_stream=True)
        self.sock.sendall(self.conn.data_to_send())
        self.body = bytearray()
        self.msgs = []
        self.trailers = {}
        self.ended = False

    def read(self, until, timeout=30.0):
        """Reads, granting window, until until(self) or the stream ends."""
        deadline = time.monotonic() + timeout
        while not self.ended and not until(self):
            left = deadline - time.monotonic()
            if left <= 0:
                raise E.CaseFailure("raw watch: nothing more within %.0f s" % timeout)
            self.sock.settimeout(min(left, 1.0))
            try:
                data = self.sock.recv(262144)
            except socket.timeout:
                continue
            if not data:
                raise E.CaseFailure("raw watch: sscd closed the connection")
            for ev in self.conn.receive_data(data):
                if isinstance(ev, h2.events.DataReceived) and ev.stream_id == self.sid:
                    self._take(ev.data)
                    self.conn.acknowledge_received_data(ev.flow_controlled_length,
                                                        self.sid)
                elif isinstance(ev, h2.events.TrailersReceived) and \
                        ev.stream_id == self.sid:
                    self.trailers.update(dict(ev.headers))
                elif isinstance(ev, h2.events.StreamEnded) and ev.stream_id == self.sid:
                    self.ended = True
                elif isinstance(ev, h2.events.StreamReset) and ev.stream_id == self.sid:
                    raise E.CaseFailure("raw watch: stream reset (%s)" % ev.error_code)
            out = self.conn.data_to_send()
            if out:
                self.sock.sendall(out)

    def _take(self, data):
        self.body += data
        while len(self.body) >= 5:
            n = struct.unpack(">I", self.body[1:5])[0]
            if len(self.body) < 5 + n:
                break
            self.msgs.append(bytes(self.body[5:5 + n]))
            del self.body[:5 + n]

    def changes(self):
        return self.msgs

    def status(self):
        return (int(self.trailers.get("grpc-status", "-1")),
                urllib.parse.unquote(self.trailers.get("grpc-message", "")))

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def big_changes(env, n, kib=8):
    """n changes of about kib KiB each, written by the owner in SQL in one
    transaction (audit_append: each is a change of organisation 1 that every
    reader of everything sees)."""
    env.pg.psql("SELECT ssc.audit_append('organisation', '%d', NULL, "
                "jsonb_build_object('pad', repeat('x', %d), 'n', g)) "
                "FROM generate_series(1, %d) g" % (env.world.sac.id, kib * 1024, n),
                timeout=120)


def case_changes_stalled_watcher(env):
    """A watcher that stops reading costs sscd a bounded amount of memory
    however much commits, and is ended RESOURCE_EXHAUSTED only once it is
    more than max_lag behind; one that stalls for less gets everything."""
    pid = env.b.pid
    # Below max_lag: 1,000 changes of 8 KiB while the watcher does not read.
    h0 = head(env)
    slow = RawWatch(env, env.b, "auditor", h0)
    time.sleep(0.5)
    big_changes(env, 1000)
    time.sleep(1.0)
    want = audit_seqs(env, h0)
    Change = env.pb.Change
    slow.read(lambda s: len(s.changes()) >= len(want), 60)
    got = [Change.FromString(b).seq for b in slow.changes()]
    check_eq(got, want, "a watcher that stalled below max_lag, reading again")
    check(not slow.ended, "the watcher below max_lag was ended: %s" % (slow.status(),))
    slow.close()
    # Past max_lag: 4,000 changes of 8 KiB (32 MiB) while it does not read.
    time.sleep(0.5)
    before = H.rss_kib(pid)
    h1 = head(env)
    stuck = RawWatch(env, env.b, "auditor", h1)
    time.sleep(0.5)
    peak = before
    for _ in range(4):
        big_changes(env, 1000)
        peak = max(peak, H.rss_kib(pid) or 0)
    time.sleep(2.0)
    peak = max(peak, H.rss_kib(pid) or 0)
    grew = (peak - before) / 1024.0
    log("    sscd RSS %.1f MiB before, +%.1f MiB at most with a stalled watcher "
        "and 32 MiB of changes" % (before / 1024.0, grew))
    check(grew < 16.0, "sscd grew %.1f MiB for a watcher that does not read" % grew)
    stuck.read(lambda s: False, 60)
    code, msg = stuck.status()
    got = [Change.FromString(b).seq for b in stuck.changes()]
    check_eq(code, 8, "a watcher past max_lag: status %d %r" % (code, msg))
    check("max_lag" in msg or "behind" in msg, "the message says why: %r" % msg)
    check(got and got == audit_seqs(env, h1)[:len(got)],
          "what it got before the end is the start of the trail")
    check("resume with after_seq %d" % got[-1] in msg,
          "the message names the after_seq to resume with: %r (last %d)" % (msg, got[-1]))
    check(len(got) < 1000, "the stalled watcher was sent %d changes" % len(got))
    stuck.close()
    # A watcher that reads is never ended, however far behind it starts:
    # 4,000 changes behind with max_lag 1,500, it gets every one.
    want = audit_seqs(env, h1)
    reader = watch_changes(env, "auditor", sscd=env.b, after_seq=h1)
    reader.wait(lambda ms: len(ms) >= len(want), 120, "a reader catching up from far behind")
    check(reader.error is None, "the reader was ended: %s" % (
        reader.error and reader.error.details()))
    check_eq(seqs_of(reader.msgs()), want, "a reader catching up: every change once, in order")
    reader.cancel()


# --------------------------------------------------------------------------
# the radar as a stream


def radar_watch(env, client, sscd, **kw):
    ch = H.grpc_channel(sscd.target, env.certs, client=client)
    env.watch_channels.append(ch)
    stub = env.ssc.radar_pb2_grpc.RadarStub(ch)
    return Stream(stub.Watch(env.pb.WatchRadarRequest(**kw)))


def case_radar_watch_midnight(env):
    """A sscd whose clock starts 30 s before midnight UTC: the watch sends
    the picture, then a record change's updates, then at midnight the new
    day's updates: an event whose day passed is REMOVED, the next day's
    falls due (BAND 0), one reaches the 30-day band, one enters the 180-day
    horizon (ADDED); an event whose band does not change sends nothing."""
    pb, w = env.pb, env.world
    day = datetime.datetime.now(datetime.timezone.utc).date()
    if datetime.datetime.now(datetime.timezone.utc).hour == 23 and \
            datetime.datetime.now(datetime.timezone.utc).minute >= 58:
        time.sleep(150)  # not across the real midnight
        day = datetime.datetime.now(datetime.timezone.utc).date()

    def d(n):
        return (day + datetime.timedelta(days=n)).isoformat()

    def plan(end):
        return env.collabs("ministry-s").Create(pb.CreateCollaborationRequest(
            title="Radar watch %s" % end, lead_id=w.ministry_s.id, country="KE",
            partner_ids=[w.moe_ke.id], sectors=[pb.SectorShare(code="23110", percentage=100)],
            started_on=d(-10), planned_start=d(-10), planned_end=end), timeout=T)

    c_today, c_tomorrow, c_31, c_181, c_60 = (plan(d(n)) for n in (0, 1, 31, 181, 60))
    clocked = env.start_other("watch-clock", overrides={
        "testing": {"clock": "%sT23:59:30Z" % day.isoformat()}}, clients=("ministry-s",))
    PE = pb.RADAR_EVENT_KIND_PHASE_END
    st = radar_watch(env, "ministry-s", clocked, horizon_days=180, kinds=[PE],
                     organisation_id=w.ministry_s.id)
    st.wait(lambda ms: any(m.change == pb.RADAR_CHANGE_SYNCED for m in ms), 20,
            "the picture")
    pic = st.msgs()
    check_eq([(m.change, m.event.entity_id, m.event.days_left, m.event.band, m.as_of)
              for m in pic],
             [(pb.RADAR_CHANGE_CURRENT, c_today.id, 0, "due", d(0)),
              (pb.RADAR_CHANGE_CURRENT, c_tomorrow.id, 1, "30", d(0)),
              (pb.RADAR_CHANGE_CURRENT, c_31.id, 31, "90", d(0)),
              (pb.RADAR_CHANGE_CURRENT, c_60.id, 60, "90", d(0)),
              (pb.RADAR_CHANGE_SYNCED, 0, 0, "", d(0))], "the picture")
    # A commit that touches none of its events sends nothing.
    n0 = len(pic)
    new_collab(env)
    time.sleep(1.5)
    check_eq(len(st.msgs()), n0, "updates after a commit that changes no event")
    # A record change: c_60 moves to day 10 (band 30), a new one on day 5.
    env.collabs("ministry-s").PlanPhase(pb.PlanPhaseRequest(
        id=c_60.id, phase=pb.PHASE_MATCHMAKING, planned_start=d(-10),
        planned_end=d(10)), timeout=T)
    c_5 = plan(d(5))
    n0 = len(pic)
    st.wait(lambda ms: len(ms) >= n0 + 2, 10, "the record change's updates")
    moved = st.msgs()[n0:n0 + 2]
    check_eq(sorted((m.change, m.event.entity_id, m.event.date, m.event.band, m.as_of)
                    for m in moved),
             sorted([(pb.RADAR_CHANGE_MOVED, c_60.id, d(10), "30", d(0)),
                     (pb.RADAR_CHANGE_ADDED, c_5.id, d(5), "30", d(0))]),
             "MOVED and ADDED")
    # Midnight on the clock.
    n1 = len(st.msgs())
    st.wait(lambda ms: len(ms) >= n1 + 4, 60, "midnight's updates")
    time.sleep(1.0)
    night = st.msgs()[n1:]
    check_eq([(m.change, m.event.entity_id, m.event.date, m.event.days_left,
               m.event.band, m.as_of) for m in night],
             [(pb.RADAR_CHANGE_REMOVED, c_today.id, d(0), 0, "due", d(1)),
              (pb.RADAR_CHANGE_BAND, c_tomorrow.id, d(1), 0, "due", d(1)),
              (pb.RADAR_CHANGE_BAND, c_31.id, d(31), 30, "30", d(1)),
              (pb.RADAR_CHANGE_ADDED, c_181.id, d(181), 180, "180", d(1))],
             "the new day's updates, in date order")
    st.cancel()
    # The clocked sscd drains: its watches end UNAVAILABLE at once, a
    # change watcher told where to resume, and sscd exits 0.
    h0 = head(env)
    cw = watch_changes(env, "auditor", sscd=clocked, after_seq=h0)
    rw = radar_watch(env, "ministry-s", clocked, horizon_days=30)
    c = new_collab(env)
    cw.wait(lambda ms: any(x.entity_id == str(c.id) for x in ms), 10,
            "a change on the sscd about to drain")
    rw.wait(lambda ms: any(m.change == pb.RADAR_CHANGE_SYNCED for m in ms), 10,
            "a radar picture on the sscd about to drain")
    t0 = time.monotonic()
    env.others.remove(clocked)  # stopped on purpose, its exit checked here
    check_eq(clocked.stop(), [], "the clocked sscd stops cleanly with watches open")
    check(time.monotonic() - t0 < 10, "draining with watches open took %.1f s" %
          (time.monotonic() - t0))
    last = cw.msgs()[-1].seq
    for name, stream, needle in (("the change watch", cw, "resume with after_seq %d" % last),
                                 ("the radar watch", rw, "shutting down")):
        err = stream.end()
        check(err is not None and err.code() == E.grpc.StatusCode.UNAVAILABLE and needle in err.details(),
              "%s on drain: %s %r" % (name, err and err.code(), err and err.details()))


def case_radar_watch_refused(env):
    pb = env.pb
    st = radar_watch(env, "secretariat", env.sscd, horizon_days=3661)
    err = st.end()
    check(err is not None and err.code() == E.INVALID_ARGUMENT and
          "horizon_days" in err.details(), "horizon 3661: %s" % (err and err.details()))
    st = radar_watch(env, "secretariat", env.b, horizon_days=3660)
    err = st.end()
    check(err is not None and err.code() == E.grpc.StatusCode.RESOURCE_EXHAUSTED and
          "watch_max_events" in err.details(),
          "more events than watch_max_events: %s %s" % (err and err.code(),
                                                        err and err.details()))
    check_eq([m for m in st.msgs() if m.change != pb.RADAR_CHANGE_UNSPECIFIED], [],
             "updates before the refusal")


CASES = [(n[5:], f) for n, f in sorted(globals().items())
         if n.startswith("case_") and callable(f)]
ORDER = ("changes_refused", "changes_across_instances", "changes_resume",
         "changes_notify_once", "changes_reconnect",
         "changes_commit_order", "changes_ministry_view", "changes_kinds",
         "radar_watch_midnight", "radar_watch_refused", "changes_stalled_watcher")


def main():
    args = E.parse_args(__doc__)
    runner = H.Runner("watch", only=args.only, verbose=args.verbose)
    env = E.DomainEnv(args, "watch-a")
    env.fx = types.SimpleNamespace(n=0)
    env.watch_channels = []
    runner.after_each = lambda name: [
        d.died_problem() for d in [env.sscd] + env.others if d.starts and not d.alive()]
    try:
        env.setup(overrides={"server": {"threads": "2"}})
        env.b = env.start_other("watch-b", overrides={
            "server": {"threads": "2"}, "changes": {"max_lag": str(MAX_LAG)},
            "radar": {"watch_max_events": str(WATCH_MAX_EVENTS)}},
            clients=("auditor", "ministry-s"))
        env.wait_serving(env.sscd, ("auditor", "ministry-a", "ministry-s", "secretariat"))
    except Exception:  # noqa: BLE001 - report and stop
        runner.record("setup", ["could not set up:\n" + traceback.format_exc()])
        return env.teardown(runner)
    cases = dict(CASES)
    for name in ORDER:
        runner.run(name, cases[name], env, timeout=240)
    for ch in env.watch_channels:
        ch.close()
    return env.teardown(runner)


if __name__ == "__main__":
    sys.exit(main())
