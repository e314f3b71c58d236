#!/usr/bin/python3
"""idle_conns.py - resident memory a server spends per idle HTTP/2 TLS connection.

    /usr/bin/python3 bench/idle_conns.py --port PORT --pid PID [options]

Opens --warmup connections (default 50) first, so that one-off allocations
(OpenSSL's per-thread state, the first pages of each allocator arena, the
server's connection table) are not charged to the connections measured; then
reads VmRSS of PID from /proc/PID/status ("before"), opens --count more
(default 1000), lets the server settle, reads VmRSS again ("after") and prints

    (after - before) / count

in KiB. Every connection is a real HTTP/2 client: TLS with ALPN "h2" (the
server must select it), the connection preface and an empty SETTINGS frame;
it then reads frames until it has both the server's SETTINGS and the ACK of
its own, acknowledges the server's SETTINGS, and stays idle. Before the
"after" reading the script checks that the server has closed none of them.

A client certificate is optional (--cert/--key); without --ca the server's
certificate is not verified (the benchmark measures memory, not trust).

The process needs two file descriptors' worth of headroom per connection in
RLIMIT_NOFILE; the soft limit is raised to the hard limit when it is too low.

The last line of output is machine-readable:
    kib_per_conn=N.N rss_before_kib=N rss_after_kib=N conns=N
Exit status: 0 on success, 1 when a connection could not be opened or was
closed by the server, 2 on bad usage.
"""

import argparse
import resource
import select
import socket
import ssl
import struct
import sys
import time

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
FRAME_SETTINGS = 0x4
FLAG_ACK = 0x1


def frame(ftype, flags, stream_id, payload=b""):
    return (struct.pack(">I", len(payload))[1:] + bytes([ftype, flags])
            + struct.pack(">I", stream_id) + payload)


def read_exact(sock, n, deadline):
    buf = b""
    while len(buf) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no frame from the server in time")
        sock.settimeout(left)
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("server closed the connection")
        buf += chunk
    return buf


def open_conn(args, ctx):
    """One HTTP/2 connection past the SETTINGS exchange, left blocking."""
    deadline = time.monotonic() + args.timeout
    raw = socket.create_connection((args.host, args.port), timeout=args.timeout)
    try:
        sock = ctx.wrap_socket(raw, server_hostname=args.server_name)
    except BaseException:
        raw.close()
        raise
    try:
        if sock.selected_alpn_protocol() != "h2":
            raise ConnectionError("server did not select ALPN h2 (got %r)"
                                  % sock.selected_alpn_protocol())
        sock.sendall(PREFACE + frame(FRAME_SETTINGS, 0, 0))
        got_settings = got_ack = False
        while not (got_settings and got_ack):
            head = read_exact(sock, 9, deadline)
            length = int.from_bytes(head[0:3], "big")
            ftype, flags = head[3], head[4]
            if length:
                read_exact(sock, length, deadline)
            if ftype == FRAME_SETTINGS:
                if flags & FLAG_ACK:
                    got_ack = True
                else:
                    got_settings = True
                    sock.sendall(frame(FRAME_SETTINGS, FLAG_ACK, 0))
            # WINDOW_UPDATE and anything else before the SETTINGS: ignored.
        sock.settimeout(None)
        return sock
    except BaseException:
        sock.close()
        raise


def vmrss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/%d/status" % pid)


def closed_by_server(conns):
    """How many connections the server has closed (EOF or error pending).
    Anything readable on an idle connection is treated as closing: after the
    SETTINGS exchange a well-behaved server has nothing to say but GOAWAY."""
    closed = 0
    for i in range(0, len(conns), 500):  # select() is limited to FD_SETSIZE
        chunk = conns[i:i + 500]
        try:
            ready, _, _ = select.select(chunk, [], [], 0)
        except ValueError:  # fd >= FD_SETSIZE: fall back to poll
            p = select.poll()
            for s in chunk:
                p.register(s, select.POLLIN)
            fds = {fd for fd, _ in p.poll(0)}
            ready = [s for s in chunk if s.fileno() in fds]
        closed += len(ready)
    return closed


def raise_nofile(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        new = hard if hard == resource.RLIM_INFINITY else max(soft, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
        soft = new
    if soft != resource.RLIM_INFINITY and soft < needed:
        sys.exit("idle_conns: RLIMIT_NOFILE hard limit %d is below the %d "
                 "needed" % (hard, needed))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--pid", type=int, required=True,
                    help="server process whose VmRSS is read")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--settle", type=float, default=1.0,
                    help="seconds to wait before each VmRSS reading")
    ap.add_argument("--timeout", type=float, default=10.0,
                    help="seconds allowed for one connection's setup")
    ap.add_argument("--ca", help="verify the server against this CA")
    ap.add_argument("--server-name", default="localhost")
    ap.add_argument("--cert", help="client certificate (PEM), optional")
    ap.add_argument("--key", help="its private key (PEM)")
    ap.add_argument("--label", default="server")
    args = ap.parse_args()
    if args.count < 1 or args.warmup < 0:
        ap.error("--count must be >= 1 and --warmup >= 0")

    raise_nofile(args.count + args.warmup + 64)

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.set_alpn_protocols(["h2"])
    if args.ca:
        ctx.load_verify_locations(args.ca)
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if args.cert:
        ctx.load_cert_chain(args.cert, args.key)

    conns = []
    try:
        for _ in range(args.warmup):
            conns.append(open_conn(args, ctx))
        time.sleep(args.settle)
        before = vmrss_kib(args.pid)
        t0 = time.monotonic()
        for _ in range(args.count):
            conns.append(open_conn(args, ctx))
        opened_s = time.monotonic() - t0
        time.sleep(args.settle)
        after = vmrss_kib(args.pid)
        closed = closed_by_server(conns)
    except (OSError, TimeoutError, ConnectionError) as e:
        print("idle_conns: %s: connection %d failed: %s"
              % (args.label, len(conns) + 1, e), file=sys.stderr)
        return 1
    finally:
        for s in conns:
            s.close()

    if closed:
        print("idle_conns: %s: the server closed %d of %d idle connections"
              % (args.label, closed, len(conns)), file=sys.stderr)
        return 1
    per_conn = (after - before) / args.count
    print("idle_conns: %s: %d connections opened in %.1fs; VmRSS %d -> %d KiB"
          % (args.label, args.count, opened_s, before, after))
    print("kib_per_conn=%.1f rss_before_kib=%d rss_after_kib=%d conns=%d"
          % (per_conn, before, after, args.count))
    return 0


if __name__ == "__main__":
    sys.exit(main())
