#!/usr/bin/python3
"""sscd speaks systemd's readiness protocol over $NOTIFY_SOCKET: READY=1 once
listening, RELOADING=1 then READY=1 around SIGHUP, STOPPING=1 on SIGTERM.
Both socket kinds systemd uses are checked: a path and an abstract name."""
import os
import signal
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import sscd_harness as H  # noqa: E402


def expect(sock, want, timeout=30.0):
    sock.settimeout(timeout)
    try:
        got = sock.recv(4096).decode()
    except socket.timeout:
        raise H.CaseFailure("no %r on NOTIFY_SOCKET within %.0f s" %
                            (want, timeout))
    H.check_eq(got, want, "notification")


def case_protocol(ctx, abstract):
    wd, certs, sscd_bin = ctx
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    if abstract:
        name = "@ssc-notify-test-%d" % os.getpid()
        sock.bind("\0" + name[1:])
    else:
        name = os.path.join(wd, "notify.sock")
        sock.bind(name)
    os.environ["NOTIFY_SOCKET"] = name
    sscd = H.Sscd(sscd_bin, wd, certs, name="notify-%d" % abstract)
    try:
        sscd.start()
    finally:
        del os.environ["NOTIFY_SOCKET"]
    expect(sock, "READY=1")
    sscd.signal(signal.SIGHUP)
    expect(sock, "RELOADING=1")
    expect(sock, "READY=1")
    sscd.signal(signal.SIGTERM)
    expect(sock, "STOPPING=1")
    problems = sscd.stop()
    sock.close()
    H.check(not problems, "; ".join(problems))


def case_signals_while_exiting(ctx):
    """SIGTERM after SIGTERM, until sscd is gone: the first drains, a second
    while draining closes the connections, and one that arrives when the
    loops are done and only the exit is left must not kill the process
    (exit status 0, not -15). Sent every 0.1 ms, some land in each stage."""
    wd, certs, sscd_bin = ctx
    sscd = H.Sscd(sscd_bin, wd, certs, name="signals")
    sscd.start()
    sent = 0
    while sscd.proc.poll() is None and sent < 20000:
        try:
            sscd.signal(signal.SIGTERM)
        except ProcessLookupError:
            break
        sent += 1
        time.sleep(0.0001)
    problems = sscd.stop()
    H.check(sent >= 1, "no SIGTERM was sent")
    H.check(not problems, "after %d SIGTERMs: %s" % (sent, "; ".join(problems)))


def main():
    args = H.common_args(__doc__.splitlines()[0]).parse_args()
    runner = H.Runner("notify", only=args.only, verbose=args.verbose)
    wd = H.Workdir("sscd-notify-", keep=args.keep)
    certs = H.make_certs(os.path.join(wd.path, "certs"))
    ctx = (wd.path, certs, args.sscd)
    runner.run("path_socket", case_protocol, ctx, False, timeout=120)
    runner.run("abstract_socket", case_protocol, ctx, True, timeout=120)
    runner.run("signals_while_exiting", case_signals_while_exiting, ctx, timeout=120)
    rc = runner.finish()
    wd.cleanup(rc != 0)
    return rc


if __name__ == "__main__":
    sys.exit(main())
