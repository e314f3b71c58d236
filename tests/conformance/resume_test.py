#!/usr/bin/python3
"""TLS session resumption, in TLS 1.2 and 1.3, keeps the client's identity.

  s_client_tls12, s_client_tls13
                        `openssl s_client -sess_out FILE` (client certificate
                        admin), then `-sess_in FILE`: the second handshake says
                        "Reused" in the TLS version asked for.
  identity_tls12, identity_tls13
                        python's ssl module resumes the session of a connection
                        that made a call (SSLSocket.session, session_reused);
                        on the resumed connection a raw HTTP/2 gRPC call that
                        needs the caller's identity is answered as that caller:
                        admin's Principals/List succeeds and lists admin's own
                        principal (matched by its certificate's fingerprint),
                        and a trusted but unregistered certificate's resumed
                        session is UNAUTHENTICATED.

sscd runs on a throwaway PostgreSQL (tests/lib/pg_harness.py) with admin added
by `sscd add-admin`, because only the store's calls look the identity up.

    /usr/bin/python3 tests/conformance/resume_test.py --sscd BUILD/daemon/sscd \
        --source . [--only CASE] [--keep] [-v]
"""
import os
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time

import h2.config
import h2.connection
import h2.events

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import pg_harness as P  # noqa: E402
import sscd_harness as H  # noqa: E402

log = H.log
TIMEOUT_S = 30.0
STATUS_OK, STATUS_UNAUTHENTICATED = "0", "16"
VERSIONS = {"tls12": ("-tls1_2", "TLSv1.2", ssl.TLSVersion.TLSv1_2),
            "tls13": ("-tls1_3", "TLSv1.3", ssl.TLSVersion.TLSv1_3)}


# --------------------------------------------------------------------------
# openssl s_client


def s_client(ctx, version_flag, sess_flag, sess_file, ready):
    """Runs s_client as admin with stdin kept open until ready(output) is
    true (or TIMEOUT_S passes), then closes stdin so it ends. Returns its
    output."""
    sscd, certs = ctx["sscd"], ctx["certs"]
    cert, key = certs.client("admin")
    argv = ["openssl", "s_client", "-connect", "127.0.0.1:%d" % sscd.port,
            "-servername", "localhost", "-verify_hostname", "localhost",
            "-verify_return_error", "-CAfile", certs.ca, "-cert", cert,
            "-key", key, "-alpn", "h2", version_flag, sess_flag, sess_file]
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    out = bytearray()

    def pump():
        for chunk in iter(lambda: p.stdout.read1(65536), b""):
            out.extend(chunk)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    deadline = time.monotonic() + TIMEOUT_S
    while p.poll() is None and time.monotonic() < deadline:
        if ready(out.decode("utf-8", "replace")):
            break
        time.sleep(0.05)
    try:
        p.stdin.close()
        p.wait(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    reader.join(5)
    return out.decode("utf-8", "replace")


def s_client_case(ctx, name):
    flag, version, _ = VERSIONS[name]
    sess = os.path.join(ctx["dir"], "s_client-%s.pem" % name)
    if os.path.exists(sess):
        os.unlink(sess)

    # The first connection ends once the session (in TLS 1.3 the ticket,
    # which comes after the handshake) is written.
    def saved(_out):
        return os.path.exists(sess) and b"END SSL SESSION PARAMETERS" in \
            H.read_bytes(sess)

    first = s_client(ctx, flag, "-sess_out", sess, saved)
    H.check(saved(first), "s_client -sess_out wrote no session:\n" + first[-2000:])
    H.check(("New, %s" % version) in first,
            "first handshake is not a new %s session:\n%s" % (version, first[-2000:]))
    second = s_client(ctx, flag, "-sess_in", sess,
                      lambda out: "Reused," in out or "New," in out)
    H.check(("Reused, %s" % version) in second,
            "s_client -sess_in did not resume the %s session:\n%s" %
            (version, second[-3000:]))


# --------------------------------------------------------------------------
# python ssl + h2: a gRPC call on a resumed connection


def connect(ctx, client, version, session=None):
    """A TLS connection as client in version; a session resumes only with the
    SSLContext that made it, so there is one per client and version."""
    key = (client, version)
    tls = ctx["tls"].get(key)
    if tls is None:
        tls = H.client_ssl_context(ctx["certs"], client=client)
        tls.minimum_version = tls.maximum_version = version
        ctx["tls"][key] = tls
    raw = socket.create_connection(("127.0.0.1", ctx["sscd"].port), timeout=TIMEOUT_S)
    return tls.wrap_socket(raw, server_hostname="localhost", session=session)


def grpc_unary(s, path, body=b""):
    """One unary gRPC call over the TLS socket s with h2. Returns
    (grpc-status, grpc-message, response bytes)."""
    conn = h2.connection.H2Connection(h2.config.H2Configuration(
        client_side=True, header_encoding="utf-8"))
    conn.initiate_connection()
    sid = conn.get_next_available_stream_id()
    conn.send_headers(sid, [(":method", "POST"), (":scheme", "https"),
                            (":path", path), (":authority", "localhost"),
                            ("content-type", "application/grpc"),
                            ("te", "trailers")])
    conn.send_data(sid, struct.pack(">BI", 0, len(body)) + body, end_stream=True)
    s.sendall(conn.data_to_send())
    headers, data = {}, bytearray()
    while True:
        chunk = s.recv(65536)
        if not chunk:
            raise H.CaseFailure("connection closed before the call ended")
        for ev in conn.receive_data(chunk):
            if isinstance(ev, (h2.events.ResponseReceived,
                               h2.events.TrailersReceived)):
                headers.update(dict(ev.headers))
            elif isinstance(ev, h2.events.DataReceived):
                data += ev.data
                conn.acknowledge_received_data(ev.flow_controlled_length, sid)
            elif isinstance(ev, (h2.events.StreamReset,
                                 h2.events.ConnectionTerminated)):
                raise H.CaseFailure("call ended by %r" % ev)
            elif isinstance(ev, h2.events.StreamEnded):
                msg = bytes(data[5:]) if len(data) >= 5 else b""
                return headers.get("grpc-status"), headers.get("grpc-message", ""), msg
        out = conn.data_to_send()
        if out:
            s.sendall(out)


def close_cleanly(s):
    """Sends close_notify: OpenSSL marks the session of a connection freed
    without it as not resumable."""
    try:
        s.unwrap()
    except (OSError, ssl.SSLError):
        pass
    s.close()


def list_principals(s):
    return grpc_unary(s, "/ssc.v1.Principals/List")


def session_of(ctx, client, version):
    """A session from a first connection that made a call (by then a TLS 1.3
    ticket has arrived), and what that call answered."""
    s = connect(ctx, client, version)
    try:
        H.check(not s.session_reused, "first connection reused a session")
        answer = list_principals(s)
        session = s.session
    finally:
        close_cleanly(s)
    H.check(session is not None and session.has_ticket,
            "no session ticket from sscd")
    return session, answer


def identity_case(ctx, name):
    version = VERSIONS[name][2]
    pb = ctx["ssc"].principals_pb2
    admin_role = ctx["ssc"].common_pb2.ROLE_ADMIN
    admin_fp = H.cert_fingerprint(ctx["certs"].client("admin")[0])

    session, first = session_of(ctx, "admin", version)
    H.check_eq(first[0], STATUS_OK, "Principals/List on the first connection "
               "(message %r)" % first[1])
    s = connect(ctx, "admin", version, session=session)
    try:
        H.check(s.session_reused, "the %s session was not resumed" % s.version())
        H.check_eq(s.version(), VERSIONS[name][1], "TLS version")
        status, message, body = list_principals(s)
    finally:
        close_cleanly(s)
    H.check_eq(status, STATUS_OK, "Principals/List (admin only) on the resumed "
               "connection (message %r)" % message)
    listed = pb.ListPrincipalsResponse.FromString(body).principals
    H.check([p.fingerprint for p in listed if p.role == admin_role] == [admin_fp],
            "the resumed caller's principal is not admin's: %s" % listed)

    # A trusted certificate that is nobody stays nobody when resumed.
    session, first = session_of(ctx, "stranger", version)
    H.check_eq(first[0], STATUS_UNAUTHENTICATED, "stranger's first call")
    s = connect(ctx, "stranger", version, session=session)
    try:
        H.check(s.session_reused, "stranger's session was not resumed")
        status, message, _ = list_principals(s)
    finally:
        close_cleanly(s)
    H.check_eq(status, STATUS_UNAUTHENTICATED,
               "stranger's call on its resumed connection (message %r)" % message)


# --------------------------------------------------------------------------


def setup(args, wd):
    certs = H.make_certs(os.path.join(wd.path, "certs"), extra_clients=("stranger",))
    ssc = H.load_ssc_stubs(os.path.join(wd.path, "ssc-stubs"), args.source)
    pg = P.Postgres(keep=args.keep).setup()
    sscd = H.Sscd(args.sscd, wd.path, certs, name="resume",
                  database=pg.sscd_database_section())
    for sub in (("migrate",), ("add-admin", "--cert", certs.client("admin")[0])):
        r = sscd.run_subcommand(*sub)
        if r.returncode != 0:
            raise RuntimeError("sscd %s exited %s:\n%s" % (sub[0], r.returncode,
                                                          r.stdout))
    sscd.start()
    return {"dir": wd.path, "certs": certs, "ssc": ssc, "pg": pg, "sscd": sscd,
            "tls": {}}


def main():
    args = H.common_args(__doc__.splitlines()[0]).parse_args()
    if not args.source:
        args.source = os.path.abspath(os.path.join(os.path.dirname(__file__),
                                                   "..", ".."))
    runner = H.Runner("resume", only=args.only, verbose=args.verbose)
    wd = H.Workdir("sscd-resume-", keep=args.keep)
    ctx = {}
    try:
        ctx = setup(args, wd)
    except Exception as e:  # noqa: BLE001 - report and stop
        runner.record("setup", ["could not set up: %s" % e])
    if ctx:
        for name in ("tls12", "tls13"):
            runner.run("s_client_" + name, s_client_case, ctx, name, timeout=120)
        for name in ("tls12", "tls13"):
            runner.run("identity_" + name, identity_case, ctx, name, timeout=120)
        runner.record("daemon_clean_exit", ctx["sscd"].stop())
    rc = runner.finish()
    if ctx:
        ctx["pg"].cleanup(keep=args.keep or rc != 0)
    wd.cleanup(rc != 0)
    return rc


if __name__ == "__main__":
    sys.exit(main())
