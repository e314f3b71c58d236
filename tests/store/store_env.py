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

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

# What the store suites import from here.
from suite_env import (ALREADY_EXISTS, CALL_TIMEOUT, DEADLINE_EXCEEDED,  # noqa: E402,F401
                       FAILED_PRECONDITION, INVALID_ARGUMENT, NOT_FOUND, OK,
                       PERMISSION_DENIED, UNAUTHENTICATED, UNAVAILABLE, CaseFailure,
                       H, P, SuiteEnv, check, check_eq, expect_error, grpc, log,
                       parse_args, rpc_code, sql_literal, wait_for)


class StoreEnv(SuiteEnv):
    EXTRA_CLIENTS = ("auditor", "stranger", "retired")

    # ------------------------------------------------------------------
    # bring-up

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
