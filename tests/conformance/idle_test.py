#!/usr/bin/python3
"""The idle connection timeout: a connection with no open stream gets GOAWAY
and is closed after idle_timeout_s; one with an open stream is kept."""
import os
import socket
import sys
import time

import h2.config
import h2.connection
import h2.events

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import sscd_harness as H  # noqa: E402

IDLE_S = 1


def open_h2(sscd, certs):
    ctx = H.client_ssl_context(certs)
    raw = socket.create_connection(("127.0.0.1", sscd.port), timeout=10)
    s = ctx.wrap_socket(raw, server_hostname="localhost")
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    conn.initiate_connection()
    s.sendall(conn.data_to_send())
    return s, conn


def read_until_closed(s, conn, limit_s):
    """Reads until EOF; returns (seconds, saw_goaway) or (None, saw) at limit."""
    start = time.monotonic()
    saw_goaway = False
    s.settimeout(0.2)
    while time.monotonic() - start < limit_s:
        try:
            data = s.recv(65536)
        except socket.timeout:
            continue
        except OSError:
            return time.monotonic() - start, saw_goaway
        if not data:
            return time.monotonic() - start, saw_goaway
        for ev in conn.receive_data(data):
            if isinstance(ev, h2.events.ConnectionTerminated):
                saw_goaway = True
        out = conn.data_to_send()
        if out:
            s.sendall(out)
    return None, saw_goaway


def case_idle_closed(ctx):
    sscd, certs = ctx
    s, conn = open_h2(sscd, certs)
    took, goaway = read_until_closed(s, conn, IDLE_S + 10)
    s.close()
    H.check(took is not None, "idle connection still open after %d s" %
            (IDLE_S + 10))
    H.check(goaway, "idle connection closed without GOAWAY")
    H.check(took >= IDLE_S - 0.2, "closed after %.1f s, before the timeout" % took)
    H.log("    idle connection: GOAWAY and close after %.1f s" % took)


def case_busy_kept(ctx):
    sscd, certs = ctx
    s, conn = open_h2(sscd, certs)
    sid = conn.get_next_available_stream_id()
    conn.send_headers(sid, [(":method", "POST"), (":scheme", "https"),
                            (":authority", "localhost"),
                            (":path", "/grpc.health.v1.Health/Watch"),
                            ("content-type", "application/grpc"),
                            ("te", "trailers")])
    conn.send_data(sid, b"\x00\x00\x00\x00\x00", end_stream=True)
    s.sendall(conn.data_to_send())
    took, _ = read_until_closed(s, conn, IDLE_S * 3 + 1)
    s.close()
    H.check(took is None, "connection with an open stream closed after %.1f s"
            % (took or 0))


def main():
    args = H.common_args(__doc__.splitlines()[0]).parse_args()
    runner = H.Runner("idle", only=args.only, verbose=args.verbose)
    wd = H.Workdir("sscd-idle-", keep=args.keep)
    certs = H.make_certs(os.path.join(wd.path, "certs"))
    sscd = H.Sscd(args.sscd, wd.path, certs, name="idle",
                  overrides={"limits": {"idle_timeout_s": str(IDLE_S)}})
    sscd.start()
    runner.run("idle_connection_closed", case_idle_closed, (sscd, certs))
    runner.run("busy_connection_kept", case_busy_kept, (sscd, certs))
    runner.record("daemon_clean_exit", sscd.stop())
    rc = runner.finish()
    wd.cleanup(rc != 0)
    return rc


if __name__ == "__main__":
    sys.exit(main())
