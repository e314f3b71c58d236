"""sscd_harness - shared plumbing for the black-box sscd suites.

Used by tests/conformance/interop_test.py and tests/abuse/abuse_test.py, which
import it with sys.path pointed at this directory. Everything here runs under
Debian's /usr/bin/python3 (grpcio, grpc_tools, h2); nothing needs the daemon's
own scripts, so the suites stay independent of scripts/dev-certs.sh.

What it offers:
  make_certs(dir)        a test PKI made with the openssl CLI: ca.pem, server.pem
                         / server.key (SAN localhost, 127.0.0.1), the client
                         certificates admin, secretariat, ministry-a, ministry-b
                         and reconciler, and a second, untrusted CA with a client
                         "intruder" signed by it.
  free_port()            a TCP port nobody listens on (bind to port 0).
  Sscd                   one daemon: writes its INI config, starts it with stderr
                         in a file, waits until it completes TLS handshakes, stops
                         it with SIGTERM and checks exit code and sanitizer reports.
  load_stubs(dir)        generates the python stubs for the gRPC test, health and
                         reflection protos with grpc_tools.protoc and imports them.
  Runner                 runs named cases with a time limit each, prints PASS/FAIL
                         and the final "N passed, M failed" line.
  common_args()          --sscd / --source / --keep / --only / --verbose.
"""

import argparse
import atexit
import ctypes
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import types

# grpc C-core logs handshake failures the suites provoke on purpose; keep the
# output readable unless the caller asks for it.
os.environ.setdefault("GRPC_VERBOSITY", "NONE")

PYTHON = "/usr/bin/python3"
GRPC_PROTO_DIR = "/usr/share/grpc-proto"

SANITIZER_MARKERS = (
    "ERROR: AddressSanitizer",
    "runtime error:",
    "LeakSanitizer",
    "ERROR: ThreadSanitizer",
    "WARNING: ThreadSanitizer",
)

CLIENT_NAMES = ("admin", "secretariat", "ministry-a", "ministry-b", "reconciler")

# Every Sscd started by this process, so that whatever happens they are killed.
_LIVE = []


def log(*args):
    print(*args, flush=True)


# --------------------------------------------------------------------------
# certificates


def _openssl(args, cwd):
    r = subprocess.run(["openssl"] + args, cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        raise RuntimeError("openssl %s failed:\n%s" % (" ".join(args), r.stdout))


def _make_ca(d, name, cn):
    _openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt",
              "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", name + ".key",
              "-out", name + ".pem", "-days", "3650", "-subj", "/CN=" + cn,
              "-addext", "basicConstraints=critical,CA:TRUE",
              "-addext", "keyUsage=critical,keyCertSign,cRLSign",
              "-addext", "subjectKeyIdentifier=hash"], d)


def _make_leaf(d, ca, name, cn, ext_lines):
    ext = os.path.join(d, name + ".ext")
    with open(ext, "w") as f:
        f.write("[ext]\n")
        f.write("basicConstraints=critical,CA:FALSE\n")
        f.write("keyUsage=critical,digitalSignature,keyEncipherment\n")
        f.write("authorityKeyIdentifier=keyid\n")
        for line in ext_lines:
            f.write(line + "\n")
    _openssl(["req", "-new", "-newkey", "ec", "-pkeyopt",
              "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", name + ".key",
              "-out", name + ".csr", "-subj", "/O=ssc test/CN=" + cn], d)
    _openssl(["x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey",
              ca + ".key", "-CAcreateserial", "-out", name + ".pem", "-days",
              "3650", "-sha256", "-extfile", name + ".ext", "-extensions", "ext"], d)
    os.unlink(os.path.join(d, name + ".csr"))
    os.unlink(ext)


def make_certs(d, extra_clients=()):
    """Creates the test PKI in directory d and returns a namespace of paths.

    certs.ca, certs.server_cert, certs.server_key; certs.client(name) gives
    (cert, key) for admin, secretariat, ministry-a, ministry-b, reconciler,
    each name in extra_clients (signed by the same, trusted CA) and
    "intruder" (signed by certs.rogue_ca, which the server does not trust)."""
    os.makedirs(d, exist_ok=True)
    _make_ca(d, "ca", "ssc test CA")
    _make_leaf(d, "ca", "server", "localhost",
               ["subjectAltName=DNS:localhost,IP:127.0.0.1",
                "extendedKeyUsage=serverAuth"])
    for n in tuple(CLIENT_NAMES) + tuple(n for n in extra_clients
                                         if n not in CLIENT_NAMES):
        _make_leaf(d, "ca", n, n, ["extendedKeyUsage=clientAuth",
                                   "subjectAltName=DNS:" + n])
    _make_ca(d, "rogue-ca", "ssc rogue CA")
    _make_leaf(d, "rogue-ca", "intruder", "admin", ["extendedKeyUsage=clientAuth",
                                                    "subjectAltName=DNS:admin"])
    for f in os.listdir(d):
        if f.endswith(".key"):
            os.chmod(os.path.join(d, f), 0o600)

    ns = types.SimpleNamespace()
    ns.dir = d
    ns.ca = os.path.join(d, "ca.pem")
    ns.rogue_ca = os.path.join(d, "rogue-ca.pem")
    ns.server_cert = os.path.join(d, "server.pem")
    ns.server_key = os.path.join(d, "server.key")

    def client(name="admin"):
        return os.path.join(d, name + ".pem"), os.path.join(d, name + ".key")

    ns.client = client
    return ns


def cert_fingerprint(path):
    """Lower-case hex SHA-256 of the DER of the PEM certificate at path (what
    sscd calls a certificate's fingerprint)."""
    import hashlib
    der = ssl.PEM_cert_to_DER_cert(read_bytes(path).decode("ascii"))
    return hashlib.sha256(der).hexdigest()


def cert_subject(path):
    """The certificate's subject in RFC 2253 form ("CN=admin,O=ssc test")."""
    r = subprocess.run(["openssl", "x509", "-in", path, "-noout", "-subject",
                        "-nameopt", "RFC2253"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        raise RuntimeError("openssl x509 -subject failed:\n" + r.stdout)
    line = r.stdout.strip()
    return line[len("subject="):].strip() if line.startswith("subject=") else line


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


# --------------------------------------------------------------------------
# ports and TLS probes


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def client_ssl_context(certs, client="admin", alpn=("h2",), ca=None):
    """An ssl.SSLContext for talking to sscd: trusts the test CA, presents the
    named client certificate (None: no certificate), offers the ALPN list
    (None or empty: no ALPN extension at all)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(ca or certs.ca)
    ctx.check_hostname = True
    if client:
        cert, key = certs.client(client)
        ctx.load_cert_chain(cert, key)
    if alpn:
        ctx.set_alpn_protocols(list(alpn))
    return ctx


def tls_probe(port, certs, timeout=2.0):
    """True when a TLS handshake (client cert admin, ALPN h2) completes."""
    ctx = client_ssl_context(certs)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as raw:
            raw.settimeout(timeout)
            with ctx.wrap_socket(raw, server_hostname="localhost") as s:
                s.do_handshake()
                return True
    except (OSError, ssl.SSLError):
        return False


def rss_kib(pid):
    """Resident set size of pid in KiB, or None."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


# --------------------------------------------------------------------------
# the daemon


def _set_pdeathsig():
    # If the test process dies (killed by ctest's timeout, say), take the daemon
    # with it instead of leaving it listening. The signal fires when the forking
    # *thread* ends, so this is only used for daemons started by the main thread.
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def default_config(port, certs):
    return {
        "server": {"listen": "127.0.0.1:%d" % port, "threads": "2",
                   "shutdown_grace_s": "5"},
        "tls": {"cert": certs.server_cert, "key": certs.server_key,
                "client_ca": certs.ca, "client_auth": "require"},
        "limits": {"max_message_bytes": "4194304",
                   "max_concurrent_streams": "100",
                   "max_header_list_bytes": "16384",
                   "idle_timeout_s": "300",
                   "handshake_timeout_s": "10"},
        "testing": {"interop_service": "true"},
    }


def write_config(path, cfg):
    with open(path, "w") as f:
        for section, kv in cfg.items():
            f.write("[%s]\n" % section)
            for k, v in kv.items():
                f.write("%s = %s\n" % (k, v))
            f.write("\n")


class Sscd:
    """One sscd process.

    overrides: {"section": {"key": "value"}} merged over default_config().
    Each start() writes stderr to a new file (name-N.stderr) in workdir."""

    def __init__(self, binary, workdir, certs, name="sscd", overrides=None,
                 ready_timeout=90.0, database=None):
        self.binary = binary
        self.workdir = workdir
        self.certs = certs
        self.name = name
        self.overrides = overrides or {}
        # database: the [database] section ({"url": ..., "owner_url": ...}),
        # e.g. pg_harness.Postgres.sscd_database_section(); None: no database.
        self.database = database
        self.ready_timeout = ready_timeout
        self.port = free_port()
        self.proc = None
        self.starts = 0
        self.stderr_path = None
        self.config_path = os.path.join(workdir, name + ".ini")
        self.returncode = None
        self.history = []  # (stderr_path, returncode) of earlier runs

    def config(self):
        cfg = default_config(self.port, self.certs)
        if self.database:
            cfg["database"] = dict(self.database)
        for section, kv in self.overrides.items():
            cfg.setdefault(section, {}).update(kv)
        return cfg

    def setting(self, section, key):
        return self.config()[section][key]

    def write_config(self):
        write_config(self.config_path, self.config())
        return self.config_path

    def run_subcommand(self, sub, *extra, timeout=120.0):
        """Runs `sscd SUB --config FILE EXTRA...` (e.g. migrate, add-admin)
        with this daemon's config written first; returns the
        subprocess.CompletedProcess with stdout and stderr merged in .stdout
        (text). A command still running after timeout is killed and returns
        code None."""
        self.write_config()
        argv = [self.binary, sub, "--config", self.config_path] + list(extra)
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, cwd=self.workdir, env=env)
        try:
            out, _ = p.communicate(timeout=timeout)
            rc = p.returncode
        except subprocess.TimeoutExpired:
            p.kill()
            out, _ = p.communicate()
            rc = None
        return subprocess.CompletedProcess(argv, rc, out.decode("utf-8", "replace"),
                                           None)

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    @property
    def target(self):
        return "localhost:%d" % self.port

    def start(self):
        if self.proc is not None and self.proc.poll() is None:
            raise RuntimeError("%s already running" % self.name)
        self.starts += 1
        write_config(self.config_path, self.config())
        self.stderr_path = os.path.join(self.workdir, "%s-%d.stderr" %
                                        (self.name, self.starts))
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
        self._errf = open(self.stderr_path, "wb")
        self.returncode = None
        self.proc = subprocess.Popen([self.binary, "--config", self.config_path],
                                     stdin=subprocess.DEVNULL, stdout=self._errf,
                                     stderr=self._errf, cwd=self.workdir, env=env,
                                     preexec_fn=_set_pdeathsig
                                     if threading.current_thread() is
                                     threading.main_thread() else None)
        _LIVE.append(self)
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self._reap()
                raise RuntimeError("%s exited with %s before becoming ready; "
                                   "stderr:\n%s" % (self.name, self.returncode,
                                                    self.stderr_tail()))
            if tls_probe(self.port, self.certs):
                return self
            time.sleep(0.1)
        self.kill()
        raise RuntimeError("%s not accepting TLS on port %d after %.0f s; "
                           "stderr:\n%s" % (self.name, self.port, self.ready_timeout,
                                            self.stderr_tail()))

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def _reap(self):
        if self.proc is None:
            return
        if self.returncode is None and self.proc.returncode is not None:
            self.returncode = self.proc.returncode
            self.history.append((self.stderr_path, self.returncode))
            try:
                self._errf.close()
            except Exception:
                pass
            if self in _LIVE:
                _LIVE.remove(self)

    def signal(self, sig):
        if self.alive():
            os.kill(self.proc.pid, sig)

    def wait(self, timeout):
        """Waits for exit; returns the exit code or None on timeout."""
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        self._reap()
        return self.returncode

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        self._reap()

    def stderr_text(self, path=None):
        path = path or self.stderr_path
        if not path:
            return ""
        try:
            with open(path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def stderr_tail(self, lines=80, path=None):
        text = self.stderr_text(path)
        tail = text.splitlines()[-lines:]
        return "\n".join(tail) if tail else "(empty)"

    def sanitizer_report(self, path=None):
        """The stderr text when it holds a sanitizer report, else None."""
        text = self.stderr_text(path)
        for m in SANITIZER_MARKERS:
            if m in text:
                return text
        return None

    def stop(self, grace=None):
        """SIGTERM, wait, and return a list of problems (empty when sscd exited
        0 without sanitizer reports). Kills it if it does not exit in time."""
        problems = []
        if self.proc is None:
            return ["%s was never started" % self.name]
        if grace is None:
            grace = float(self.setting("server", "shutdown_grace_s")) + 30.0
        if self.proc.poll() is None:
            self.signal(signal.SIGTERM)
            rc = self.wait(grace)
            if rc is None:
                self.kill()
                problems.append("%s did not exit within %.0f s of SIGTERM "
                                "(killed)" % (self.name, grace))
        self._reap()
        if self.returncode != 0 and not problems:
            problems.append("%s exit code %s after SIGTERM (want 0)" %
                            (self.name, self.returncode))
        problems.extend(self.check_all_logs())
        return problems

    def check_all_logs(self):
        """Sanitizer problems in the stderr of every run so far."""
        problems = []
        seen = set()
        for path, _rc in self.history + [(self.stderr_path, None)]:
            if not path or path in seen:
                continue
            seen.add(path)
            rep = self.sanitizer_report(path)
            if rep:
                problems.append("sanitizer report in %s:\n%s" % (path, rep))
        return problems

    def died_problem(self):
        """None while alive; otherwise a description of the death."""
        if self.alive():
            return None
        self._reap()
        return ("%s is not running (exit code %s); stderr tail:\n%s" %
                (self.name, self.returncode, self.stderr_tail()))


def _kill_all():
    for s in list(_LIVE):
        try:
            s.kill()
        except Exception:
            pass


atexit.register(_kill_all)


def _on_signal(signum, frame):
    _kill_all()
    sys.stdout.flush()
    os._exit(128 + signum)


for _sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    try:
        signal.signal(_sig, _on_signal)
    except Exception:
        pass


# --------------------------------------------------------------------------
# stubs

PROTO_FILES = (
    "grpc/testing/test.proto",
    "grpc/testing/empty.proto",
    "grpc/testing/messages.proto",
    "grpc/health/v1/health.proto",
    "grpc/reflection/v1/reflection.proto",
    "grpc/reflection/v1alpha/reflection.proto",
)


def load_stubs(outdir):
    """Generates python stubs into outdir and imports them.

    The generated modules live in the packages grpc.testing, grpc.health.v1 and
    grpc.reflection.*, under the installed grpc package; outdir/grpc is appended
    to grpc.__path__ so they import without touching the real package."""
    os.makedirs(outdir, exist_ok=True)
    cmd = [PYTHON, "-m", "grpc_tools.protoc", "-I" + GRPC_PROTO_DIR,
           "--python_out=" + outdir, "--grpc_python_out=" + outdir] + list(PROTO_FILES)
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    if r.returncode != 0:
        raise RuntimeError("protoc failed: %s\n%s" % (" ".join(cmd), r.stdout))
    import grpc
    gdir = os.path.join(outdir, "grpc")
    if gdir not in grpc.__path__:
        grpc.__path__.append(gdir)
    import importlib
    ns = types.SimpleNamespace()
    ns.empty_pb2 = importlib.import_module("grpc.testing.empty_pb2")
    ns.messages_pb2 = importlib.import_module("grpc.testing.messages_pb2")
    ns.test_pb2 = importlib.import_module("grpc.testing.test_pb2")
    ns.test_pb2_grpc = importlib.import_module("grpc.testing.test_pb2_grpc")
    ns.health_pb2 = importlib.import_module("grpc.health.v1.health_pb2")
    ns.health_pb2_grpc = importlib.import_module("grpc.health.v1.health_pb2_grpc")
    ns.refl_v1_pb2 = importlib.import_module("grpc.reflection.v1.reflection_pb2")
    ns.refl_v1_pb2_grpc = importlib.import_module(
        "grpc.reflection.v1.reflection_pb2_grpc")
    ns.refl_v1a_pb2 = importlib.import_module("grpc.reflection.v1alpha.reflection_pb2")
    ns.refl_v1a_pb2_grpc = importlib.import_module(
        "grpc.reflection.v1alpha.reflection_pb2_grpc")
    return ns


SSC_PROTO_FILES = (
    "ssc/v1/common.proto",
    "ssc/v1/organisations.proto",
    "ssc/v1/principals.proto",
    "ssc/v1/sectors.proto",
    "ssc/v1/audit.proto",
)


def load_ssc_stubs(outdir, source):
    """Generates python stubs for every proto/ssc/v1/*.proto of the source
    tree into outdir (-I/usr/share/grpc-proto -I<source>/proto), puts outdir
    on sys.path and imports them. Returns a namespace with <name>_pb2 and
    <name>_pb2_grpc for each file (common_pb2, organisations_pb2,
    organisations_pb2_grpc, ...)."""
    import glob
    import importlib
    protodir = os.path.join(source, "proto")
    files = sorted(os.path.relpath(f, protodir) for f in
                   glob.glob(os.path.join(protodir, "ssc", "v1", "*.proto")))
    if not files:
        files = list(SSC_PROTO_FILES)
    os.makedirs(outdir, exist_ok=True)
    cmd = [PYTHON, "-m", "grpc_tools.protoc", "-I" + GRPC_PROTO_DIR,
           "-I" + protodir, "--python_out=" + outdir,
           "--grpc_python_out=" + outdir] + files
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    if r.returncode != 0:
        raise RuntimeError("protoc failed: %s\n%s" % (" ".join(cmd), r.stdout))
    if outdir not in sys.path:
        sys.path.append(outdir)
    ns = types.SimpleNamespace()
    for f in files:
        base = os.path.splitext(os.path.basename(f))[0]
        mod = os.path.splitext(f)[0].replace("/", ".")
        setattr(ns, base + "_pb2", importlib.import_module(mod + "_pb2"))
        setattr(ns, base + "_pb2_grpc", importlib.import_module(mod + "_pb2_grpc"))
    return ns


def grpc_channel(target, certs, client="admin", ca=None, options=(),
                 compression=None):
    """A grpcio secure channel with its own connection (local subchannel pool,
    no proxy). client=None presents no certificate."""
    import grpc
    key = cert = None
    if client:
        cpath, kpath = certs.client(client)
        cert, key = read_bytes(cpath), read_bytes(kpath)
    creds = grpc.ssl_channel_credentials(root_certificates=read_bytes(ca or certs.ca),
                                         private_key=key, certificate_chain=cert)
    opts = [("grpc.enable_http_proxy", 0), ("grpc.use_local_subchannel_pool", 1),
            ("grpc.enable_retries", 0)]
    opts.extend(options)
    return grpc.secure_channel(target, creds, options=opts, compression=compression)


# --------------------------------------------------------------------------
# running cases


class CaseFailure(AssertionError):
    pass


def check(cond, msg="check failed"):
    if not cond:
        raise CaseFailure(msg)


def check_eq(got, want, what="value"):
    if got != want:
        raise CaseFailure("%s: got %s, want %s" % (what, short(got), short(want)))


def short(v, n=200):
    s = repr(v)
    if len(s) > n:
        return s[:n] + "...(%d chars)" % len(s)
    return s


class Runner:
    """Runs cases, each in a thread with a time limit, and keeps the score."""

    def __init__(self, suite, only=None, verbose=False):
        self.suite = suite
        self.only = only
        self.verbose = verbose
        self.passed = []
        self.failed = []
        self.before_each = None  # callable(name)
        self.after_each = None  # callable(name) -> list of problems

    def wanted(self, name):
        if not self.only:
            return True
        return any(o in name for o in self.only)

    def run(self, name, fn, *args, timeout=180.0, **kwargs):
        if not self.wanted(name):
            return None
        log("--- %s.%s" % (self.suite, name))
        if self.before_each:
            self.before_each(name)
        t0 = time.monotonic()
        box = {}

        def body():
            try:
                box["result"] = fn(*args, **kwargs)
            except BaseException as e:  # noqa: B902 - report everything
                box["error"] = e
                box["tb"] = traceback.format_exc()

        th = threading.Thread(target=body, name="case-" + name, daemon=True)
        th.start()
        th.join(timeout)
        dt = time.monotonic() - t0
        problems = []
        if th.is_alive():
            problems.append("case did not finish within %.0f s (left running)" %
                            timeout)
        elif "error" in box:
            e = box["error"]
            if isinstance(e, AssertionError):
                problems.append("%s" % (e,))
                if self.verbose:
                    problems.append(box["tb"])
            else:
                problems.append("unexpected exception:\n%s" % box["tb"])
        if self.after_each:
            try:
                problems.extend(self.after_each(name) or [])
            except Exception:
                problems.append("after-case check raised:\n%s" %
                                traceback.format_exc())
        if problems:
            self.failed.append(name)
            log("FAIL %s.%s (%.1f s)" % (self.suite, name, dt))
            for p in problems:
                for line in str(p).splitlines():
                    log("    " + line)
        else:
            self.passed.append(name)
            log("PASS %s.%s (%.1f s)" % (self.suite, name, dt))
        return box.get("result")

    def record(self, name, problems):
        """Records an out-of-band result (e.g. the daemon's exit check)."""
        if problems:
            self.failed.append(name)
            log("FAIL %s.%s" % (self.suite, name))
            for p in problems:
                for line in str(p).splitlines():
                    log("    " + line)
        else:
            self.passed.append(name)
            log("PASS %s.%s" % (self.suite, name))

    def finish(self):
        if self.failed:
            log("failed cases: " + ", ".join(self.failed))
        log("%d passed, %d failed" % (len(self.passed), len(self.failed)))
        return 1 if self.failed or not self.passed else 0


def common_args(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--sscd", required=True, help="path to the sscd binary")
    p.add_argument("--source", default=None, help="source tree (informational)")
    p.add_argument("--keep", action="store_true",
                   help="keep the temporary directory (certs, configs, stderr)")
    p.add_argument("--only", action="append", default=[],
                   help="run only cases whose name contains this (repeatable)")
    p.add_argument("--verbose", "-v", action="store_true")
    return p


class Workdir:
    """A temporary directory removed at the end unless keep (or a failure)."""

    def __init__(self, prefix, keep=False):
        self.path = tempfile.mkdtemp(prefix=prefix)
        self.keep = keep

    def cleanup(self, failed):
        if self.keep or failed:
            log("kept work directory %s" % self.path)
            return
        shutil.rmtree(self.path, ignore_errors=True)
