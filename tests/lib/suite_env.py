"""suite_env - the base of the suites' environments (tests/store/store_env.py,
tests/domain/domain_env.py): a private PostgreSQL, a migrated database, sscd
on it with a bootstrapped admin, gRPC channels and stubs per client
certificate, and the helpers every table-driven case uses.

A suite's environment subclasses SuiteEnv, names the ssc/v1 proto files
whose messages it wants flat in env.pb (MODULES) and its extra client
certificates (EXTRA_CLIENTS), and adds its world and stubs.
"""

import os
import sys
import time
import types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)

import pg_harness as P  # noqa: E402
import sscd_harness as H  # noqa: E402
from sscd_harness import CaseFailure, check, check_eq, log, short  # noqa: E402,F401

import grpc  # noqa: E402

CALL_TIMEOUT = 30.0  # seconds for one RPC; sanitizer builds are slow
SOURCE_DEFAULT = os.path.abspath(os.path.join(HERE, "..", ".."))

OK = grpc.StatusCode.OK
INVALID_ARGUMENT = grpc.StatusCode.INVALID_ARGUMENT
NOT_FOUND = grpc.StatusCode.NOT_FOUND
ALREADY_EXISTS = grpc.StatusCode.ALREADY_EXISTS
PERMISSION_DENIED = grpc.StatusCode.PERMISSION_DENIED
UNAUTHENTICATED = grpc.StatusCode.UNAUTHENTICATED
FAILED_PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION
UNAVAILABLE = grpc.StatusCode.UNAVAILABLE
DEADLINE_EXCEEDED = grpc.StatusCode.DEADLINE_EXCEEDED
ABORTED = grpc.StatusCode.ABORTED


def parse_args(doc):
    p = H.common_args(doc.splitlines()[0])
    args = p.parse_args()
    if not args.source:
        args.source = SOURCE_DEFAULT
    args.source = os.path.abspath(args.source)
    return args


def rpc_code(fn):
    """(StatusCode, details, response) of fn()."""
    try:
        r = fn()
        return OK, "", r
    except grpc.RpcError as e:
        return e.code(), e.details(), None


def wait_for(pred, timeout=10.0, interval=0.1):
    deadline = time.monotonic() + timeout
    while True:
        try:
            if pred():
                return True
        except Exception:  # noqa: BLE001 - the predicate may race a restart
            pass
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)


def sql_literal(s):
    return "'" + str(s).replace("'", "''") + "'"


def expect_error(fn, code, *needles, what="call"):
    """Calls fn(); it must fail with code (a StatusCode or a tuple of them)
    and a message holding every one of needles (the field a rule names, the
    rule's words). Returns the RpcError."""
    codes = code if isinstance(code, tuple) else (code,)
    try:
        r = fn()
    except grpc.RpcError as e:
        if e.code() not in codes:
            raise CaseFailure("%s: got %s %r, want %s" % (
                what, e.code().name, e.details(),
                "/".join(c.name for c in codes)))
        for n in needles:
            if n is not None and n not in (e.details() or ""):
                raise CaseFailure("%s: %s message %r does not say %r" % (
                    what, e.code().name, e.details(), n))
        return e
    raise CaseFailure("%s: got OK (%s), want %s" % (
        what, short(r, 300), "/".join(c.name for c in codes)))


class SuiteEnv:
    MODULES = ("common", "organisations", "principals", "sectors", "audit")
    EXTRA_CLIENTS = ()

    def __init__(self, args, suite):
        self.args = args
        self.suite = suite
        self.wd = H.Workdir("sscd-%s-" % suite, keep=args.keep)
        self.certs = H.make_certs(os.path.join(self.wd.path, "certs"),
                                  extra_clients=self.EXTRA_CLIENTS)
        self.stubs = H.load_stubs(os.path.join(self.wd.path, "stubs"))
        self.ssc = H.load_ssc_stubs(os.path.join(self.wd.path, "ssc-stubs"),
                                    args.source)
        # Flat access to the messages and enums of the ssc.v1 files (one
        # protobuf package, so no two share a name).
        pb = types.SimpleNamespace()
        for name in self.MODULES:
            mod = getattr(self.ssc, name + "_pb2", None)
            if mod is None:
                raise RuntimeError("no stubs for ssc/v1/%s.proto" % name)
            for attr in dir(mod):
                if not attr.startswith("_"):
                    setattr(pb, attr, getattr(mod, attr))
        self.pb = pb
        self.pg = None
        self.sscd = None
        self.others = []  # further daemons, stopped at teardown
        self.sscd_down_ok = False  # a case that stops sscd on purpose
        self._channels = {}
        self.world = types.SimpleNamespace()

    # ------------------------------------------------------------------
    # bring-up

    def start_postgres(self):
        self.pg = P.Postgres(keep=self.args.keep).setup()
        log("    PostgreSQL in %s" % self.pg.dir)
        return self.pg

    def new_sscd(self, name, db=P.DB, overrides=None):
        return H.Sscd(self.args.sscd, self.wd.path, self.certs, name=name,
                      overrides=overrides,
                      database=self.pg.sscd_database_section(db))

    def migrate(self, sscd, *extra, check_ok=True, timeout=180.0):
        r = sscd.run_subcommand("migrate", *extra, timeout=timeout)
        if check_ok and r.returncode != 0:
            raise RuntimeError("sscd migrate %s exited %s:\n%s" %
                               (" ".join(extra), r.returncode, r.stdout))
        return r

    def add_admin(self, sscd, client="admin"):
        r = sscd.run_subcommand("add-admin", "--cert", self.certs.client(client)[0])
        if r.returncode != 0:
            raise RuntimeError("sscd add-admin exited %s:\n%s" %
                               (r.returncode, r.stdout))
        return r

    def add_principal(self, client, role, org_id=0, key=""):
        return self.principals("admin").Add(self.pb.AddPrincipalRequest(
            idempotency_key=key, fingerprint=self.fingerprint(client),
            organisation_id=org_id, role=role, name="test " + client),
            timeout=CALL_TIMEOUT)

    def fingerprint(self, client):
        return H.cert_fingerprint(self.certs.client(client)[0])

    def subject(self, client):
        return H.cert_subject(self.certs.client(client)[0])

    # ------------------------------------------------------------------
    # channels and stubs: a channel per client and daemon, one connection

    def channel(self, client="admin", sscd=None):
        s = sscd or self.sscd
        k = (client, s.target)
        ch = self._channels.get(k)
        if ch is None:
            ch = H.grpc_channel(s.target, self.certs, client=client)
            self._channels[k] = ch
        return ch

    def close_channels(self):
        for ch in self._channels.values():
            try:
                ch.close()
            except Exception:  # noqa: BLE001
                pass
        self._channels = {}

    def _stub(self, module, cls, client, channel, sscd):
        mod = getattr(self.ssc, module + "_pb2_grpc")
        return getattr(mod, cls)(channel or self.channel(client, sscd))

    def orgs(self, client="admin", channel=None, sscd=None):
        return self._stub("organisations", "OrganisationsStub", client, channel, sscd)

    def principals(self, client="admin", channel=None, sscd=None):
        return self._stub("principals", "PrincipalsStub", client, channel, sscd)

    def audit(self, client="admin", channel=None, sscd=None):
        return self._stub("audit", "AuditStub", client, channel, sscd)

    def sectors(self, client="admin", channel=None, sscd=None):
        return self._stub("sectors", "SectorsStub", client, channel, sscd)

    def health_status(self, client="admin", timeout=5.0, channel=None):
        st = self.stubs.health_pb2_grpc.HealthStub(channel or self.channel(client))
        return st.Check(self.stubs.health_pb2.HealthCheckRequest(),
                        timeout=timeout).status

    def serving(self, client="admin"):
        try:
            return (self.health_status(client) ==
                    self.stubs.health_pb2.HealthCheckResponse.SERVING)
        except grpc.RpcError:
            return False

    # ------------------------------------------------------------------
    # helpers over the database

    def audit_count(self):
        return int(self.pg.scalar("SELECT count(*) FROM ssc.audit"))

    def audit_rows_for(self, entity, entity_id):
        return int(self.pg.scalar(
            "SELECT count(*) FROM ssc.audit WHERE entity = %s AND entity_id = %s"
            % (sql_literal(entity), sql_literal(entity_id))))

    # ------------------------------------------------------------------
    # tear-down

    def after_each(self, _name):
        if self.sscd is not None and self.sscd.starts and not self.sscd.alive() \
                and not self.sscd_down_ok:
            return [self.sscd.died_problem()]
        return []

    def teardown(self, runner):
        self.close_channels()
        for s in self.others:
            if s.starts:
                runner.record("%s_clean_exit" % s.name.replace("-", "_"),
                              s.stop() if s.alive() else s.check_all_logs())
        if self.sscd is not None and self.sscd.starts:
            runner.record("daemon_clean_exit", self.sscd.stop() if self.sscd.alive()
                          else self.sscd.check_all_logs())
        rc = runner.finish()
        if self.pg is not None:
            if rc != 0:
                log("PostgreSQL log tail:\n" + self.pg.log_tail(30))
            self.pg.cleanup(keep=self.args.keep or rc != 0)
        self.wd.cleanup(rc != 0)
        return rc
