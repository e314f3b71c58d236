"""store_env - what the store suites share: a private PostgreSQL, a migrated
database, an sscd on it with a bootstrapped admin, the organisations and
principals of a small world, gRPC stubs and error helpers.

    env = StoreEnv(args, "store")
    env.setup()            # PostgreSQL, migrate, add-admin, sscd, world
    env.orgs("ministry-a").Get(env.pb.GetOrganisationRequest(id=...), timeout=T)
    env.pg.scalar("SELECT count(*) FROM ssc.organisations")
    env.teardown(runner)   # sscd clean exit recorded, PostgreSQL stopped

Certificates (tests/lib/sscd_harness.make_certs plus extras): admin,
secretariat, ministry-a, ministry-b, reconciler, auditor, retired (registered
then disabled by the suites that need it) and stranger (signed by the trusted
CA, never registered).
"""

import os
import sys
import time
import types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

import pg_harness as P  # noqa: E402
import sscd_harness as H  # noqa: E402
from sscd_harness import CaseFailure, check, check_eq, log, short  # noqa: E402,F401

import grpc  # noqa: E402

CALL_TIMEOUT = 30.0  # seconds for one RPC; ASan builds are slow
EXTRA_CLIENTS = ("auditor", "stranger", "retired")
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


def parse_args(doc):
    p = H.common_args(doc.splitlines()[0])
    args = p.parse_args()
    if not args.source:
        args.source = SOURCE_DEFAULT
    args.source = os.path.abspath(args.source)
    return args


def expect_error(fn, code, field=None, what="call"):
    """Calls fn(); it must fail with code (a StatusCode or a tuple of them)
    and, when field is given, a message naming it. Returns the RpcError."""
    codes = code if isinstance(code, tuple) else (code,)
    try:
        r = fn()
    except grpc.RpcError as e:
        if e.code() not in codes:
            raise CaseFailure("%s: got %s %r, want %s" % (
                what, e.code(), e.details(), "/".join(c.name for c in codes)))
        if field is not None and field not in (e.details() or ""):
            raise CaseFailure("%s: %s message %r does not name the field %r" % (
                what, e.code().name, e.details(), field))
        return e
    raise CaseFailure("%s: got OK (%s), want %s" % (
        what, short(r, 300), "/".join(c.name for c in codes)))


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


class StoreEnv:
    def __init__(self, args, suite):
        self.args = args
        self.suite = suite
        self.wd = H.Workdir("sscd-%s-" % suite, keep=args.keep)
        self.certs = H.make_certs(os.path.join(self.wd.path, "certs"),
                                  extra_clients=EXTRA_CLIENTS)
        self.stubs = H.load_stubs(os.path.join(self.wd.path, "stubs"))
        self.ssc = H.load_ssc_stubs(os.path.join(self.wd.path, "ssc-stubs"),
                                    args.source)
        # Flat access to the messages of every ssc.v1 file.
        pb = types.SimpleNamespace()
        for name in ("common", "organisations", "principals", "sectors", "audit"):
            mod = getattr(self.ssc, name + "_pb2", None)
            if mod is None:
                continue
            for attr in dir(mod):
                if not attr.startswith("_"):
                    setattr(pb, attr, getattr(mod, attr))
        self.pb = pb
        self.pg = None
        self.sscd = None
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

    def setup(self, threads=None, overrides=None):
        """PostgreSQL, migrate, add-admin, start sscd, wait for SERVING,
        create the world."""
        self.start_postgres()
        ov = {"server": {"threads": str(threads)}} if threads else {}
        for sec, kv in (overrides or {}).items():
            ov.setdefault(sec, {}).update(kv)
        self.sscd = self.new_sscd(self.suite, overrides=ov)
        r = self.migrate(self.sscd)
        log("    sscd migrate: exit 0%s" % (
            "; " + r.stdout.strip().replace("\n", " | ")[:300] if r.stdout.strip()
            else ""))
        self.add_admin(self.sscd)
        self.sscd.start()
        if not wait_for(self.serving, 30.0):
            raise RuntimeError("sscd health is not SERVING 30 s after start; "
                               "stderr:\n%s" % self.sscd.stderr_tail())
        self.make_world()
        return self

    def restart_sscd(self):
        self.close_channels()
        self.sscd.start()
        if not wait_for(self.serving, 30.0):
            raise CaseFailure("sscd health is not SERVING 30 s after restart; "
                              "stderr:\n%s" % self.sscd.stderr_tail())

    def make_world(self):
        """Organisations (secretariat, two ministries, a partner authority)
        and principals for every client certificate but stranger and
        retired."""
        pb = self.pb
        w = self.world
        admin = self.orgs("admin")

        def create(name, short_name, kind, country, parent_id=0):
            return admin.Create(pb.CreateOrganisationRequest(
                name=name, short_name=short_name, kind=kind, country=country,
                parent_id=parent_id), timeout=CALL_TIMEOUT)

        w.secretariat = create("Secretariat for Authority Cooperation", "SAC",
                               pb.ORGANISATION_KIND_SECRETARIAT, "DK")
        w.ministry_a = create("Ministry of Climate, Energy and Utilities", "KEFM",
                              pb.ORGANISATION_KIND_DANISH_AUTHORITY, "DK")
        w.ministry_b = create("Ministry of Food, Agriculture and Fisheries", "FVM",
                              pb.ORGANISATION_KIND_DANISH_AUTHORITY, "DK")
        w.partner = create("National Energy Administration", "NEA",
                           pb.ORGANISATION_KIND_PARTNER_AUTHORITY, "CN")
        w.principals = {}
        w.principals["secretariat"] = self.add_principal(
            "secretariat", pb.ROLE_SECRETARIAT, w.secretariat.id)
        w.principals["ministry-a"] = self.add_principal(
            "ministry-a", pb.ROLE_MINISTRY, w.ministry_a.id)
        w.principals["ministry-b"] = self.add_principal(
            "ministry-b", pb.ROLE_MINISTRY, w.ministry_b.id)
        w.principals["reconciler"] = self.add_principal(
            "reconciler", pb.ROLE_RECONCILER, w.ministry_a.id)
        # The auditor is registered by subject, the others by fingerprint, so
        # both ways of matching a certificate are exercised.
        w.principals["auditor"] = self.principals("admin").Add(
            pb.AddPrincipalRequest(subject=self.subject("auditor"),
                                   role=pb.ROLE_AUDITOR, name="internal audit"),
            timeout=CALL_TIMEOUT)
        # If matching by subject does not work, say so once (the case
        # principal_by_subject fails) and register the auditor by fingerprint
        # too, so the other cases still have an auditor.
        w.subject_problem = None
        try:
            self.orgs("auditor").Get(pb.GetOrganisationRequest(
                id=w.secretariat.id), timeout=CALL_TIMEOUT)
        except grpc.RpcError as e:
            w.subject_problem = (
                "a principal registered by subject %r is not recognised: %s %r"
                % (self.subject("auditor"), e.code().name, e.details()))
            log("    WARNING: " + w.subject_problem)
            self.add_principal("auditor", pb.ROLE_AUDITOR)

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
    # channels and stubs

    def channel(self, client="admin"):
        ch = self._channels.get(client)
        if ch is None:
            ch = H.grpc_channel(self.sscd.target, self.certs, client=client)
            self._channels[client] = ch
        return ch

    def close_channels(self):
        for ch in self._channels.values():
            try:
                ch.close()
            except Exception:  # noqa: BLE001
                pass
        self._channels = {}

    def orgs(self, client="admin", channel=None):
        return self.ssc.organisations_pb2_grpc.OrganisationsStub(
            channel or self.channel(client))

    def principals(self, client="admin", channel=None):
        return self.ssc.principals_pb2_grpc.PrincipalsStub(
            channel or self.channel(client))

    def audit(self, client="admin", channel=None):
        return self.ssc.audit_pb2_grpc.AuditStub(channel or self.channel(client))

    def sectors(self, client="admin", channel=None):
        return self.ssc.sectors_pb2_grpc.SectorsStub(channel or self.channel(client))

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
    # helpers over the API

    def list_all(self, client="admin", page_size=2, **filters):
        """Pages through Organisations/List; returns (orgs, pages) where pages
        is a list of (count, next_page_token)."""
        stub = self.orgs(client)
        token = ""
        out, pages = [], []
        for _ in range(10000):
            r = stub.List(self.pb.ListOrganisationsRequest(
                page=self.pb.PageRequest(page_size=page_size, page_token=token),
                **filters), timeout=CALL_TIMEOUT)
            out.extend(r.organisations)
            pages.append((len(r.organisations), r.next_page_token))
            if not r.next_page_token:
                return out, pages
            token = r.next_page_token
        raise CaseFailure("List did not end after 10000 pages")

    def audit_all(self, client="admin", page_size=100, entity=""):
        stub = self.audit(client)
        token = ""
        out = []
        for _ in range(100000):
            r = stub.List(self.pb.ListAuditRequest(
                page=self.pb.PageRequest(page_size=page_size, page_token=token),
                entity=entity), timeout=CALL_TIMEOUT)
            out.extend(r.entries)
            if not r.next_page_token:
                return out
            token = r.next_page_token
        raise CaseFailure("Audit/List did not end")

    def org_count(self):
        return int(self.pg.scalar("SELECT count(*) FROM ssc.organisations"))

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
                and not getattr(self, "sscd_down_ok", False):
            return [self.sscd.died_problem()]
        return []

    def teardown(self, runner):
        self.close_channels()
        if self.sscd is not None and self.sscd.starts:
            if self.sscd.alive():
                runner.record("daemon_clean_exit", self.sscd.stop())
            else:
                runner.record("daemon_clean_exit", self.sscd.check_all_logs())
        rc = runner.finish()
        if self.pg is not None:
            if rc != 0:
                log("PostgreSQL log tail:\n" + self.pg.log_tail(30))
            self.pg.cleanup(keep=self.args.keep or rc != 0)
        self.wd.cleanup(rc != 0)
        return rc
