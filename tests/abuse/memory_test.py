#!/usr/bin/python3
"""Abuse suite, memory: request bytes sscd holds stay under its limits.

Clients open many streams, each sending a request one byte short of
max_message_bytes and never finishing it, on one connection and on several.
sscd's resident memory (VmRSS) is measured before and during, and must stay
under a bound derived from the configured limits ([limits]
max_connection_buffer_bytes, max_process_buffer_bytes); every stream the
limits cannot hold must be refused (RESOURCE_EXHAUSTED, RST_STREAM, GOAWAY) or
stall on flow control, while a well-behaved grpcio client on another
connection keeps being served. Past [limits] max_connections new connections
are refused while open ones keep working. Once the hostile clients are gone,
their budget is back: large, streaming and gzip requests all fit again, and
sscd reports no accounting leak when it exits.

    /usr/bin/python3 tests/abuse/memory_test.py --sscd BUILD/daemon/sscd \\
        --source . [--only CASE] [--keep] [-v] [--base-config]

--base-config leaves the buffer and connection keys out of sscd's config (the
bounds asserted stay the same): it runs the cases against a build from before
those limits existed, to show them failing there.
"""

import concurrent.futures
import gzip
import os
import socket
import ssl
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)

import sscd_harness as H  # noqa: E402
from sscd_harness import check, log  # noqa: E402

import abuse_test as A  # noqa: E402  (TLS over memory BIOs, h2 client)
import grpc  # noqa: E402
import h2.exceptions  # noqa: E402

KIB = 1 << 10
MIB = 1 << 20
STREAM_WINDOW = 16 * KIB  # SSC_STREAM_WINDOW in daemon/config.h
PREFIX = 5  # gRPC message prefix

# The daemon with small limits, so that the numbers are clear.
SMALL = {
    "max_message_bytes": 1 * MIB,
    "max_concurrent_streams": 16,
    "max_connection_buffer_bytes": 2 * MIB,
    "max_process_buffer_bytes": 8 * MIB,
    "max_connections": 12,
}
NEW_KEYS = ("max_connection_buffer_bytes", "max_process_buffer_bytes",
            "max_connections")

# What the process holds besides request buffers grows with the connections
# and the background client (TLS state, nghttp2 sessions, allocator arenas
# per loop, sanitizer bookkeeping). Measured at 3 to 9 MiB for the cases here;
# the request data they try to make sscd hold is 48 to 72 MiB.
SLACK = 16 * MIB

STALL_S = 3.0  # no window for this long: the stream is stalled


def default_conn_buffer(max_message, streams):
    """max_connection_buffer_bytes when the config leaves it out."""
    return max_message + PREFIX + streams * STREAM_WINDOW


def limits_section(limits, base_config):
    return {k: str(v) for k, v in limits.items()
            if not (base_config and k in NEW_KEYS)}


# --------------------------------------------------------------------------
# hostile clients


def request_of_size(c, size):
    """A serialized SimpleRequest of exactly size bytes (answer: 1 byte)."""
    m = c.s.messages_pb2
    k = size
    while True:
        req = m.SimpleRequest(response_size=1, payload=m.Payload(body=b"Z" * k))
        over = req.ByteSize() - size
        if over == 0:
            return req.SerializeToString()
        k -= max(over, 1) if over > 0 else -1


class Attack:
    """One connection with nstreams unary requests, each a message of
    max_message bytes of which all but the last byte is sent."""

    def __init__(self, c, nstreams, max_message):
        self.h = A.h2_client(c)
        self.h.wait(lambda: False, 0.3)  # take in the server's SETTINGS
        self.whole = A.grpc_msg(request_of_size(c, max_message))
        self.left = {}
        for _ in range(nstreams):
            sid = self.h.request(A.UNARY_CALL, end=False)
            self.left[sid] = memoryview(self.whole)[:-1]

    def stream_over(self, sid):
        st = self.h.streams[sid]
        return (st["ended"] or st["reset"] is not None or
                self.h.terminated is not None or self.h.conn.eof)

    def step(self):
        """Sends what the windows allow; True when anything was sent."""
        h = self.h
        sent = False
        for sid, view in self.left.items():
            if not view or self.stream_over(sid):
                continue
            try:
                n = min(len(view), h.h2.max_outbound_frame_size,
                        h.h2.local_flow_control_window(sid))
            except h2.exceptions.H2Error:
                continue
            if n <= 0:
                continue
            h.h2.send_data(sid, bytes(view[:n]), end_stream=False)
            self.left[sid] = view[n:]
            sent = True
        try:
            h.flush()
        except (A.Closed, TimeoutError):
            pass
        return sent

    def pending(self):
        return any(v and not self.stream_over(s) for s, v in self.left.items())

    def poll(self, timeout):
        try:
            self.h.conn.pump(timeout)
            self.h.process()
        except (A.Closed, TimeoutError):
            pass

    def outcome(self):
        """(sent_all, stalled, refused, other): stream ids by fate."""
        sent_all, stalled, refused, other = [], [], [], []
        for sid, view in self.left.items():
            st = self.h.streams[sid]
            gs = A.grpc_status_of(st)
            if gs == "8" or st["reset"] is not None or self.h.terminated or \
                    self.h.conn.eof:
                refused.append(sid)
            elif gs is not None:
                other.append((sid, self.h.describe(sid)))
            elif not view:
                sent_all.append(sid)
            else:
                stalled.append(sid)
        return sent_all, stalled, refused, other

    def close(self):
        self.h.conn.close()


def run_attacks(attacks):
    """Pumps every attack until each stream has sent all it may, is over, or
    has had no window for STALL_S."""
    last = time.monotonic()
    while any(a.pending() for a in attacks):
        progress = False
        for a in attacks:
            progress = a.step() or progress
        for a in attacks:
            a.poll(0.01)
        now = time.monotonic()
        if progress:
            last = now
        elif now - last > STALL_S:
            break
    for a in attacks:
        a.poll(0.2)


def peak_rss(pid, seconds):
    peak = 0
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        peak = max(peak, H.rss_kib(pid) or 0)
        time.sleep(0.1)
    return peak * KIB


def settle_rss(pid):
    """RSS once it stops falling (the background client keeps it warm)."""
    time.sleep(1.0)
    return (H.rss_kib(pid) or 0) * KIB


def memory_case(c, bg, nconns, nstreams, max_message, conn_limit,
                process_limit):
    pid = c.sscd.pid
    mark = bg.mark()
    before = settle_rss(pid)
    attacks = [Attack(c, nstreams, max_message) for _ in range(nconns)]
    try:
        run_attacks(attacks)
        during = peak_rss(pid, 2.0)
        growth = during - before
        tried = nconns * nstreams * max_message
        bound = min(nconns * conn_limit, process_limit) + SLACK
        totals = [0, 0, 0]
        problems = []
        for i, a in enumerate(attacks):
            sent_all, stalled, refused, other = a.outcome()
            totals[0] += len(sent_all)
            totals[1] += len(stalled)
            totals[2] += len(refused)
            held = len(sent_all) * (max_message + PREFIX)
            if held > conn_limit:
                problems.append("connection %d: %d streams sent a whole %d-byte "
                                "request, %d bytes over the connection limit %d"
                                % (i, len(sent_all), max_message, held, conn_limit))
            for sid, d in other:
                problems.append("connection %d stream %d: unexpected answer (%s)"
                                % (i, sid, d))
        admitted = totals[0] * (max_message + PREFIX)
        bad = [r for r in bg.since(mark) if not r[1]]
        ok = [r for r in bg.since(mark) if r[1]]
        log("    %d connections x %d streams x %d bytes (%d MiB tried): %d sent "
            "whole, %d stalled on flow control, %d refused" %
            (nconns, nstreams, max_message - 1, tried >> 20, *totals))
        log("    sscd RSS %.1f MiB before, %.1f MiB during (%+.1f MiB); bound "
            "%.1f MiB" % (before / MIB, during / MIB, growth / MIB, bound / MIB))
        log("    well-behaved client: %d calls served, %d failed meanwhile" %
            (len(ok), len(bad)))
        if admitted > process_limit:
            problems.append("%d bytes of requests admitted, over the process "
                            "limit %d" % (admitted, process_limit))
        if growth > bound:
            problems.append("sscd grew by %.1f MiB while clients tried to make "
                            "it hold %d MiB; the limits allow %.1f MiB (+%d MiB "
                            "slack)" % (growth / MIB, tried >> 20,
                                        (bound - SLACK) / MIB, SLACK >> 20))
        if not c.sscd.alive():
            problems.append("sscd died")
        if bad:
            problems.append("the well-behaved client failed while the streams "
                            "were held: %s %s" % (bad[0][2], bad[0][3]))
        if not ok:
            problems.append("the well-behaved client got no call through "
                            "while the streams were held")
        check(not problems, "\n".join(problems))
    finally:
        for a in attacks:
            a.close()


# --------------------------------------------------------------------------
# cases


def case_twelve_streams_default_limits(c, bg):
    """The report's case: one connection, 12 streams, each 4 MiB less a byte,
    with sscd's default limits."""
    max_message = int(c.sscd.setting("limits", "max_message_bytes"))
    streams = int(c.sscd.setting("limits", "max_concurrent_streams"))
    conn_limit = default_conn_buffer(max_message, streams)
    memory_case(c, bg, 1, 12, max_message, conn_limit, 256 * MIB)


def case_many_connections(c, bg):
    """Six connections of twelve such streams against limits of 2 MiB per
    connection and 8 MiB for the process: the process limit binds."""
    memory_case(c, bg, 6, 12, SMALL["max_message_bytes"],
                SMALL["max_connection_buffer_bytes"],
                SMALL["max_process_buffer_bytes"])


def _tls_connect(c):
    """A raw TLS connection with ALPN h2, or None when sscd refuses it."""
    try:
        return A.tls_connect(c)
    except (A.Closed, TimeoutError, OSError, ssl.SSLError):
        return None


def _empty_call_ok(h):
    sid = h.request(A.EMPTY_CALL, frames=[A.grpc_msg(b"")])
    st = h.finish(sid)
    return A.grpc_status_of(st) == "0"


def case_connection_limit(c, bg):
    """Past max_connections a new connection is refused; the open ones keep
    working, and a slot freed is usable again."""
    limit = SMALL["max_connections"]
    mark = bg.mark()
    time.sleep(0.5)  # let the harness's readiness probes be closed
    held = []
    try:
        refused_at = None
        for i in range(limit + 2):
            conn = _tls_connect(c)
            if conn is None:
                refused_at = i
                break
            held.append(A.H2Client(conn, c.sscd.port))
        # The background client holds one connection.
        log("    %d connections opened (plus the background client's), then "
            "%s" % (len(held), "refused" if refused_at is not None else
                    "no refusal"))
        check(refused_at is not None,
              "%d connections open with max_connections=%d, none refused" %
              (len(held) + 1, limit))
        check(len(held) + 1 <= limit, "%d connections accepted with "
              "max_connections=%d" % (len(held) + 1, limit))
        for _ in range(3):
            check(_tls_connect(c) is None, "a connection past the limit was "
                  "accepted on a later try")
        failures = [i for i, h in enumerate(held) if not _empty_call_ok(h)]
        check(not failures, "open connections %s failed EmptyCall while new "
              "ones were refused" % failures)
        held.pop().conn.close()
        t0 = time.monotonic()
        conn = None
        while conn is None and time.monotonic() - t0 < 5:
            time.sleep(0.2)
            conn = _tls_connect(c)
        check(conn is not None, "no connection accepted within 5 s after one "
              "of the open ones closed")
        held.append(A.H2Client(conn, c.sscd.port))
        check(_empty_call_ok(held[-1]), "EmptyCall on the connection accepted "
              "after a slot was freed failed")
        bad = [r for r in bg.since(mark) if not r[1]]
        check(not bad, "the background client failed: %s %s" %
              (bad[0][2], bad[0][3]) if bad else "")
    finally:
        for h in held:
            h.conn.close()
        time.sleep(0.5)


def case_reset_returns_budget(c, bg):
    """Two large requests on one connection: the second waits (no window)
    while the first holds the connection's budget; when the client resets the
    first, its bytes are given back and the second gets its window, completes
    and is answered."""
    a = Attack(c, 2, SMALL["max_message_bytes"])
    try:
        run_attacks([a])
        sent_all, stalled, refused, other = a.outcome()
        log("    before the reset: %d sent whole, %d stalled, %d refused" %
            (len(sent_all), len(stalled), len(refused)))
        check(len(sent_all) == 1 and len(stalled) == 1,
              "want one request held whole and one stalled on a connection "
              "limited to %d bytes, got %d whole, %d stalled, %d refused" %
              (SMALL["max_connection_buffer_bytes"], len(sent_all),
               len(stalled), len(refused)))
        a.h.h2.reset_stream(sent_all[0], error_code=8)
        a.h.flush()
        run_attacks([a])
        waiter = stalled[0]
        check(not a.left[waiter], "the waiting request got no window after "
              "the other was reset (%d bytes unsent)" % len(a.left[waiter]))
        a.h.h2.send_data(waiter, a.whole[-1:], end_stream=True)
        a.h.flush()
        st = a.h.finish(waiter, 20)
        check(A.grpc_status_of(st) == "0", "the request completed after the "
              "reset was not served: %s" % a.h.describe(waiter))
    finally:
        a.close()


def case_budget_returned(c, bg):
    """After hostile clients filled the limits and left, the budget is back:
    large unary requests on several connections at once, a client stream of
    many large messages (window granted as the handler consumes) and gzip
    requests whose plain size is the message limit all succeed."""
    m = c.s.messages_pb2
    max_message = SMALL["max_message_bytes"]
    attacks = [Attack(c, 12, max_message) for _ in range(6)]
    run_attacks(attacks)
    for a in attacks:
        a.close()
    time.sleep(0.5)
    opts = [("grpc.max_send_message_length", 4 * MIB),
            ("grpc.max_receive_message_length", 4 * MIB)]
    body = max_message - 64

    def unary(compression=None):
        ch = H.grpc_channel(c.sscd.target, c.certs, options=opts,
                            compression=compression)
        try:
            stub = c.s.test_pb2_grpc.TestServiceStub(ch)
            r = stub.UnaryCall(m.SimpleRequest(response_size=16,
                                               payload=m.Payload(body=b"\1" * body)),
                               timeout=60)
            return len(r.payload.body)
        finally:
            ch.close()

    def client_stream():
        ch = H.grpc_channel(c.sscd.target, c.certs, options=opts)
        try:
            stub = c.s.test_pb2_grpc.TestServiceStub(ch)
            reqs = (m.StreamingInputCallRequest(payload=m.Payload(body=b"\2" * body))
                    for _ in range(12))
            return stub.StreamingInputCall(reqs, timeout=60).aggregated_payload_size
        finally:
            ch.close()

    with concurrent.futures.ThreadPoolExecutor(6) as ex:
        unaries = [ex.submit(unary) for _ in range(4)]
        zipped = [ex.submit(unary, grpc.Compression.Gzip) for _ in range(2)]
        stream = ex.submit(client_stream)
        for f in unaries + zipped:
            check(f.result() == 16, "large unary call answered wrongly")
        check(stream.result() == 12 * body, "client stream aggregated size")
    log("    after the attack: 4 large unary calls, 2 gzip calls and a 12 MiB "
        "client stream served")


def case_bidi_flow_control(c, bg):
    """A bidi stream whose client sends faster than it reads: the server's
    window is granted as it consumes, so nothing piles up and all arrive."""
    m = c.s.messages_pb2
    ch = H.grpc_channel(c.sscd.target, c.certs,
                        options=[("grpc.max_send_message_length", 4 * MIB)])
    try:
        stub = c.s.test_pb2_grpc.TestServiceStub(ch)
        n = 40
        reqs = (m.StreamingOutputCallRequest(
            response_parameters=[m.ResponseParameters(size=8)],
            payload=m.Payload(body=b"\3" * (SMALL["max_message_bytes"] // 2)))
            for _ in range(n))
        got = sum(1 for _ in stub.FullDuplexCall(reqs, timeout=60))
        check(got == n, "%d of %d bidi responses" % (got, n))
    finally:
        ch.close()


# --------------------------------------------------------------------------


def start(args, wd, certs, name, limits):
    sscd = H.Sscd(args.sscd, wd.path, certs, name=name, overrides={
        "limits": limits_section(limits, args.base_config)})
    sscd.start()
    return sscd


def main():
    # An AddressSanitizer build keeps freed memory in a quarantine (256 MiB by
    # default) before reusing it, so RSS would grow with every call served,
    # whatever sscd holds. A small quarantine still catches use after free
    # soon after the free, and lets RSS measure what is held.
    os.environ["ASAN_OPTIONS"] = (os.environ.get("ASAN_OPTIONS") or
                                  "detect_leaks=1") + ":quarantine_size_mb=4"
    p = H.common_args(__doc__.splitlines()[0])
    p.add_argument("--base-config", action="store_true",
                   help="leave the buffer and connection limits out of the "
                        "config (for a build that predates them)")
    args = p.parse_args()
    runner = H.Runner("memory", only=args.only, verbose=args.verbose)
    wd = H.Workdir("sscd-memory-", keep=args.keep)
    certs = H.make_certs(os.path.join(wd.path, "certs"))
    stubs = H.load_stubs(os.path.join(wd.path, "stubs"))
    plans = (
        ("default", {}, (("twelve_streams_default_limits",
                          case_twelve_streams_default_limits),)),
        ("small", SMALL, (("many_connections", case_many_connections),
                          ("connection_limit", case_connection_limit),
                          ("reset_returns_budget", case_reset_returns_budget),
                          ("budget_returned", case_budget_returned),
                          ("bidi_flow_control", case_bidi_flow_control))),
    )
    for name, limits, cases in plans:
        if not any(runner.wanted(n) for n, _ in cases):
            continue
        try:
            sscd = start(args, wd, certs, name, limits)
        except Exception as e:  # noqa: B902
            runner.record(name + "_startup", [str(e)])
            continue
        c = A.Ctx(sscd, certs, stubs)
        bg = A.BgClient(c)
        bg.start()
        try:
            for cname, fn in cases:
                runner.run(cname, fn, c, bg, timeout=240)
                prob = sscd.died_problem()
                if prob:
                    runner.record(cname + "_sscd_alive", [prob])
                    break
        finally:
            bg.stop()
            problems = sscd.stop()
            leak = [line for line in sscd.stderr_text().splitlines()
                    if "accounting leaked" in line]
            runner.record(name + "_clean_exit", problems + leak)
    rc = runner.finish()
    wd.cleanup(rc != 0)
    return rc


if __name__ == "__main__":
    sys.exit(main())
