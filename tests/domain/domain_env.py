"""domain_env - what the domain suites share: a private PostgreSQL, a migrated
database, sscd on it with a bootstrapped admin, the organisations and
principals of a small world of ministries, agencies, partners and embassies,
gRPC stubs for every ssc.v1 service and error helpers.

    env = DomainEnv(args, "domain")
    env.setup()                       # PostgreSQL, migrate, add-admin, sscd, world
    env.collabs("ministry-a").Get(env.pb.GetCollaborationRequest(id=1), timeout=T)
    env.pg.scalar("SELECT count(*) FROM ssc.audit")
    env.teardown(runner)              # sscd clean exit recorded, PostgreSQL stopped

The world (env.world, organisation messages by name):
    sac        the secretariat (DK)
    ministry_a a ministry (danish_authority)
    agency_b   an agency below ministry_a
    agency_c   an agency below agency_b
    ministry_s a sibling ministry (no relation to ministry_a)
    erea, moit partner authorities in VN; moe_ke one in KE; gh_partner in GH
    emb_vn, emb_ke, emb_gh   embassies in VN, KE and GH
Client certificates and their principals:
    admin (bootstrap admin), secretariat (sac), ministry-a (ministry_a),
    ministry-b (agency_b, role ministry: "the ministry of the agency"),
    ministry-s (ministry_s), reconciler (ministry_a), auditor (no
    organisation), embassy-vn (emb_vn), embassy-ke (emb_ke); stranger is
    signed by the trusted CA and never registered.
"""

import datetime
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

# What the domain suites import from here.
from suite_env import (ALREADY_EXISTS, CALL_TIMEOUT, FAILED_PRECONDITION,  # noqa: E402,F401
                       INVALID_ARGUMENT, NOT_FOUND, OK, PERMISSION_DENIED,
                       UNAUTHENTICATED, CaseFailure, H, P, SuiteEnv, check, check_eq,
                       expect_error, grpc, log, parse_args, rpc_code, sql_literal,
                       wait_for)

# The clients a case calls with (stranger is refused before any loop's
# database matters).
CLIENTS = ("admin", "secretariat", "ministry-a", "ministry-b", "ministry-s",
           "reconciler", "auditor", "embassy-vn", "embassy-ke")


def today():
    return datetime.datetime.now(datetime.timezone.utc).date().isoformat()


class Problems:
    """Collects failed checks of a table-driven case and raises them all at
    the end, so one wrong rule does not hide the others."""

    def __init__(self):
        self.items = []
        self.count = 0

    def run(self, fn, *args, **kwargs):
        self.count += 1
        try:
            return fn(*args, **kwargs)
        except CaseFailure as e:
            self.items.append(str(e))
        except grpc.RpcError as e:
            self.items.append("unexpected %s %r" % (e.code().name, e.details()))
        return None

    def add(self, msg):
        self.count += 1
        self.items.append(msg)

    def raise_if_any(self):
        if self.items:
            raise CaseFailure("%d of %d checks failed:\n%s" % (
                len(self.items), self.count, "\n".join(self.items)))


class DomainEnv(SuiteEnv):
    MODULES = SuiteEnv.MODULES + ("matchmaking", "collaborations", "agreements",
                                  "secondments", "radar", "changes")
    EXTRA_CLIENTS = ("auditor", "ministry-s", "embassy-vn", "embassy-ke", "stranger")

    # ------------------------------------------------------------------
    # bring-up

    def setup(self, overrides=None, world=True):
        """PostgreSQL, migrate, add-admin, start sscd, wait for SERVING,
        create the world."""
        self.start_postgres()
        self.sscd = self.new_sscd(self.suite, overrides=overrides)
        self.migrate(self.sscd)
        self.add_admin(self.sscd)
        self.sscd.start()
        if not wait_for(lambda: self.serving(), 30.0):
            raise RuntimeError("sscd health is not SERVING 30 s after start; "
                               "stderr:\n%s" % self.sscd.stderr_tail())
        self.wait_serving(self.sscd, CLIENTS)
        if world:
            self.make_world()
        return self

    def start_other(self, name, overrides=None, clients=()):
        """Another sscd on the same database, started, and SERVING on the
        channel of each of clients (admin's at least)."""
        s = self.new_sscd(name, overrides=overrides)
        s.start()
        self.others.append(s)
        self.wait_serving(s, ("admin",) + tuple(clients))
        return s

    def wait_serving(self, sscd, clients):
        """Waits until health is SERVING on the channel of each client. Each
        channel is one connection, served by one of sscd's loops, and each
        loop has its own database connections and its own health: a loop
        whose database is not connected yet answers UNAVAILABLE."""
        for client in clients:
            ch = self.channel(client, sscd)
            if not wait_for(lambda: self.health_status(channel=ch) ==
                            self.stubs.health_pb2.HealthCheckResponse.SERVING, 30.0):
                raise CaseFailure("%s is not SERVING for %s 30 s after start; "
                                  "stderr:\n%s" % (sscd.name, client,
                                                    sscd.stderr_tail()))

    def make_world(self):
        pb = self.pb
        w = self.world
        admin = self.orgs("admin")

        def create(name, short_name, kind, country, parent=None):
            return admin.Create(pb.CreateOrganisationRequest(
                name=name, short_name=short_name, kind=kind, country=country,
                parent_id=parent.id if parent else 0), timeout=CALL_TIMEOUT)

        DA = pb.ORGANISATION_KIND_DANISH_AUTHORITY
        PA = pb.ORGANISATION_KIND_PARTNER_AUTHORITY
        EM = pb.ORGANISATION_KIND_EMBASSY
        w.sac = create("Secretariat for Authority Cooperation", "SAC",
                       pb.ORGANISATION_KIND_SECRETARIAT, "DK")
        w.ministry_a = create("Ministry of Climate, Energy and Utilities", "KEFM",
                              DA, "DK")
        w.agency_b = create("Danish Energy Agency", "DEA", DA, "DK", w.ministry_a)
        w.agency_c = create("Energy Data Office", "EDO", DA, "DK", w.agency_b)
        w.ministry_s = create("Ministry of Food, Agriculture and Fisheries", "FVM",
                              DA, "DK")
        w.erea = create("Electricity and Renewable Energy Authority", "EREA", PA, "VN")
        w.moit = create("Ministry of Industry and Trade", "MOIT", PA, "VN")
        w.moe_ke = create("Ministry of Energy", "MOE", PA, "KE")
        w.gh_partner = create("Energy Commission", "EC", PA, "GH")
        w.emb_vn = create("Embassy of Denmark in Hanoi", "", EM, "VN")
        w.emb_ke = create("Embassy of Denmark in Nairobi", "", EM, "KE")
        w.emb_gh = create("Embassy of Denmark in Accra", "", EM, "GH")
        w.principals = {}
        for client, role, org in (
                ("secretariat", pb.ROLE_SECRETARIAT, w.sac),
                ("ministry-a", pb.ROLE_MINISTRY, w.ministry_a),
                ("ministry-b", pb.ROLE_MINISTRY, w.agency_b),
                ("ministry-s", pb.ROLE_MINISTRY, w.ministry_s),
                ("reconciler", pb.ROLE_RECONCILER, w.ministry_a),
                ("auditor", pb.ROLE_AUDITOR, None),
                ("embassy-vn", pb.ROLE_EMBASSY, w.emb_vn),
                ("embassy-ke", pb.ROLE_EMBASSY, w.emb_ke)):
            w.principals[client] = self.add_principal(client, role,
                                                      org.id if org else 0)

    # ------------------------------------------------------------------
    # stubs of the domain services

    def mm(self, client="secretariat", channel=None, sscd=None):
        return self._stub("matchmaking", "MatchmakingStub", client, channel, sscd)

    def collabs(self, client="secretariat", channel=None, sscd=None):
        return self._stub("collaborations", "CollaborationsStub", client, channel,
                          sscd)

    def agreements(self, client="secretariat", channel=None, sscd=None):
        return self._stub("agreements", "AgreementsStub", client, channel, sscd)

    def secondments(self, client="secretariat", channel=None, sscd=None):
        return self._stub("secondments", "SecondmentsStub", client, channel, sscd)

    def radar(self, client="secretariat", channel=None, sscd=None):
        return self._stub("radar", "RadarStub", client, channel, sscd)

    # ------------------------------------------------------------------
    # helpers over the database

    def count(self, table, where="true"):
        return int(self.pg.scalar("SELECT count(*) FROM %s WHERE %s" % (table, where)))
