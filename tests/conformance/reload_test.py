#!/usr/bin/python3
"""SIGHUP reloads sscd's certificate and key for new connections.

Checks that after SIGHUP a new connection sees the new server certificate,
that a connection opened before it keeps working, and that a broken
certificate file on a later SIGHUP is refused with a log line while sscd keeps
serving with the certificate it had."""
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import sscd_harness as H  # noqa: E402

log = H.log


def server_fingerprint(sscd, certs):
    ctx = H.client_ssl_context(certs)
    with socket.create_connection(("127.0.0.1", sscd.port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            return hashlib.sha256(s.getpeercert(binary_form=True)).hexdigest()


def wait_for(pred, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.1)
    return False


def health_ok(stubs, channel):
    resp = stubs.health_pb2_grpc.HealthStub(channel).Check(
        stubs.health_pb2.HealthCheckRequest(), timeout=10)
    return resp.status == stubs.health_pb2.HealthCheckResponse.SERVING


def case_reload(ctx):
    sscd, certs, stubs = ctx
    before = server_fingerprint(sscd, certs)
    old = H.grpc_channel(sscd.target, certs)
    H.check(health_ok(stubs, old), "health before reload")

    # A second server certificate from the same CA replaces the files.
    H._make_leaf(certs.dir, "ca", "server2", "localhost",
                 ["subjectAltName=DNS:localhost,IP:127.0.0.1",
                  "extendedKeyUsage=serverAuth"])
    shutil.copy(os.path.join(certs.dir, "server2.pem"), certs.server_cert)
    shutil.copy(os.path.join(certs.dir, "server2.key"), certs.server_key)
    sscd.signal(signal.SIGHUP)
    H.check(wait_for(lambda: server_fingerprint(sscd, certs) != before),
            "new connections still see the old certificate after SIGHUP")
    after = server_fingerprint(sscd, certs)
    log("    server certificate %s… -> %s…" % (before[:12], after[:12]))
    H.check(health_ok(stubs, old), "connection opened before SIGHUP dropped")
    new = H.grpc_channel(sscd.target, certs)
    H.check(health_ok(stubs, new), "new connection after SIGHUP")

    # A broken file: refused, logged, and the loaded certificate stays.
    with open(certs.server_cert, "w") as f:
        f.write("not a certificate\n")
    sscd.signal(signal.SIGHUP)
    H.check(wait_for(lambda: "could not reload certificates" in
                     sscd.stderr_text()),
            "no log line for a certificate that failed to load")
    H.check_eq(server_fingerprint(sscd, certs), after,
               "certificate after a failed reload")
    H.check(health_ok(stubs, old) and health_ok(stubs, new),
            "serving after a failed reload")
    old.close()
    new.close()


def case_second_instance_refused(ctx):
    """A second sscd on a port in use exits with a clear error instead of
    sharing the port through SO_REUSEPORT (which would send it part of the
    first one's connections)."""
    sscd, certs, stubs = ctx
    cfg = os.path.join(sscd.workdir, "second.ini")
    H.write_config(cfg, sscd.config())
    try:
        r = subprocess.run([sscd.binary, "--config", cfg],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=30)
    except subprocess.TimeoutExpired:
        raise H.CaseFailure("a second sscd kept running on a port in use")
    out = r.stdout.decode("utf-8", "replace")
    H.check(r.returncode != 0, "second sscd exit code 0")
    H.check("Address already in use" in out,
            "no 'Address already in use' from the second sscd:\n" + out)
    ch = H.grpc_channel(sscd.target, certs)
    H.check(health_ok(stubs, ch), "the first sscd stopped serving")
    ch.close()


def main():
    args = H.common_args(__doc__.splitlines()[0]).parse_args()
    runner = H.Runner("reload", only=args.only, verbose=args.verbose)
    wd = H.Workdir("sscd-reload-", keep=args.keep)
    certs = H.make_certs(os.path.join(wd.path, "certs"))
    stubs = H.load_stubs(os.path.join(wd.path, "stubs"))
    sscd = H.Sscd(args.sscd, wd.path, certs, name="reload")
    sscd.start()
    # Before the reload case, which leaves a broken certificate file behind.
    runner.run("second_instance_refused", case_second_instance_refused,
               (sscd, certs, stubs), timeout=120)
    runner.run("sighup_reload", case_reload, (sscd, certs, stubs), timeout=120)
    runner.record("daemon_clean_exit", sscd.stop())
    rc = runner.finish()
    wd.cleanup(rc != 0)
    return rc


if __name__ == "__main__":
    sys.exit(main())
