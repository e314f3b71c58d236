#!/usr/bin/python3
"""Funding suite: the Pools, Applications, Allocations and Disbursements
services (issue 11, sql/0028-0031) through a real grpcio client against a
real sscd on a real PostgreSQL.

Starts a throwaway PostgreSQL 15 cluster, runs `sscd migrate` and `sscd
add-admin`, starts sscd, registers the world of domain_env.py plus three
more secretariat principals (a second one in the secretariat, one whose
organisation is the applicant agency, one in the agency's parent ministry),
then checks: pools (create, duplicates, adjustments, the exact figures after
approvals, disbursements, reversals and releases), the application workflow
(every step allowed and refused), frozen versions (list, show, diff; not
writable as ssc_app, not even changeable by the owner), each approval tier
at and just past its limits, the approval rules (self-approval, a repeat
approver, disagreeing approvals, amounts), the completing approval as one
transaction, exact shares, currency mixing and overflow, disbursements and
releases, row-level security through the API and as ssc_app in SQL, and
idempotent retries. Every refusal is checked for its gRPC status, for the
words of its rule and figures, and for leaving the database as it was.
Prints PASS/FAIL per case and a final "N passed, M failed".

    /usr/bin/python3 tests/domain/funding_test.py --sscd BUILD/daemon/sscd \
        --source . [--only CASE] [--keep] [-v]
"""

import os
import re
import subprocess
import sys
import traceback
import types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)

import domain_env as E  # noqa: E402
from domain_env import (CALL_TIMEOUT, H, P, CaseFailure, Problems, check,  # noqa: E402
                        check_eq, expect_error, sql_literal)

T = CALL_TIMEOUT
IA = E.INVALID_ARGUMENT
NF = E.NOT_FOUND
PD = E.PERMISSION_DENIED
FP = E.FAILED_PRECONDITION
AE = E.ALREADY_EXISTS
NOWHERE = 987654321  # an id nothing has
INT64_MAX = 9223372036854775807
MDKK = 100000000  # DKK 1,000,000.00 in minor units

# The tables a refused call must leave as they were (with the audit trail
# and the idempotency records).
SNAP_TABLES = ("ssc.pools", "ssc.pool_adjustments", "ssc.applications",
               "ssc.application_versions", "ssc.application_comments",
               "ssc.application_approvals", "ssc.application_recommendations",
               "ssc.application_signoffs", "ssc.approval_tiers", "ssc.allocations",
               "ssc.disbursements", "ssc.collaborations", "ssc.collaboration_phases",
               "ssc.collaboration_transitions", "ssc.audit", "ssc.idempotency")

# begin_call's allowed roles in the SQL cases: every role, so that each
# principal gets its own session.
ALL_ROLES = "ARRAY['ministry', 'secretariat', 'reconciler', 'auditor', 'admin', 'embassy']"


class PsqlSession:
    """One psql kept open (owner's snapshots are taken hundreds of times; a
    psql per query would cost most of the suite's time)."""

    END = "--end-of-answer--"

    def __init__(self, pg, role):
        self.p = subprocess.Popen(
            [P.PSQL, "-X", "-At", "-q", "-F", "\x1f", "-d", pg.url(role)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, bufsize=1)

    def row(self, sql):
        """The fields of the one row sql returns."""
        self.p.stdin.write(sql + "\n\\echo " + self.END + "\n")
        self.p.stdin.flush()
        lines = []
        while True:
            line = self.p.stdout.readline()
            if line == "":
                raise CaseFailure("psql ended: %s" % "".join(lines))
            if line.rstrip("\n") == self.END:
                break
            lines.append(line)
        if len(lines) != 1:
            raise CaseFailure("psql answered %r to %s" % (lines, sql[:200]))
        return lines[0].rstrip("\n").split("\x1f")

    def close(self):
        try:
            self.p.stdin.close()
            self.p.wait(timeout=10)
        except Exception:  # noqa: BLE001
            self.p.kill()


class FundingEnv(E.DomainEnv):
    MODULES = E.DomainEnv.MODULES + ("pools", "applications", "allocations")
    # secretariat-2: a second secretariat principal (SAC); secretariat-dea: a
    # secretariat principal of the applicant agency (agency_b);
    # secretariat-kefm: one of its parent ministry (ministry_a).
    FUNDING_CLIENTS = ("secretariat-2", "secretariat-dea", "secretariat-kefm")
    EXTRA_CLIENTS = E.DomainEnv.EXTRA_CLIENTS + FUNDING_CLIENTS

    def make_world(self):
        super().make_world()
        w, pb = self.world, self.pb
        for client, org in (("secretariat-2", w.sac), ("secretariat-dea", w.agency_b),
                            ("secretariat-kefm", w.ministry_a)):
            w.principals[client] = self.add_principal(client, pb.ROLE_SECRETARIAT,
                                                      org.id)
        self.wait_serving(self.sscd, self.FUNDING_CLIENTS)

    def who(self, client):
        """How the audit trail names client's principal (registered by
        fingerprint)."""
        return "sha256:" + self.fingerprint(client)

    def label(self, client):
        """How the funding records name client's principal
        (ssc.session_principal_label, 0028): its name and id, or without a
        name its certificate identity."""
        row = self.pg.rows("SELECT id, name FROM ssc.principals WHERE fingerprint = '%s'"
                           % self.fingerprint(client))[0]
        return "%s (principal %s)" % (row[1], row[0]) if row[1] else self.who(client)

    def pools(self, client="secretariat"):
        return self._stub("pools", "PoolsStub", client, None, None)

    def apps(self, client="secretariat"):
        return self._stub("applications", "ApplicationsStub", client, None, None)

    def allocs(self, client="secretariat"):
        return self._stub("allocations", "AllocationsStub", client, None, None)

    def disb(self, client="secretariat"):
        return self._stub("allocations", "DisbursementsStub", client, None, None)

    # ------------------------------------------------------------------
    # the database

    def snapshot(self):
        """Per table its row count and the newest xmin among its rows: a
        committed insert or update brings a newer xmin, a delete a lower
        count (rolled-back rows are not seen)."""
        q = "SELECT " + ", ".join(
            "(SELECT count(*) || '/' || coalesce(max(t.xmin::text::bigint), 0) FROM %s t)" % t
            for t in SNAP_TABLES) + ";"
        if getattr(self, "_snap_psql", None) is None:
            self._snap_psql = PsqlSession(self.pg, P.OWNER)
        return self._snap_psql.row(q)

    def close_sessions(self):
        if getattr(self, "_snap_psql", None) is not None:
            self._snap_psql.close()
            self._snap_psql = None

    def changed_since(self, before):
        after = self.snapshot()
        return [t for t, a, b in zip(SNAP_TABLES, before, after) if a != b]

    def app_sql(self, client, sql):
        """Runs sql as ssc_app inside a transaction after begin_call as
        client's principal, rolled back; returns the rows of the last
        statement that returns rows."""
        return self.pg.rows(
            "BEGIN;\nSELECT role FROM ssc.begin_call(%s, '', %s, '/funding_test') \\gset\n"
            "%s\nROLLBACK;\n" % (sql_literal(self.fingerprint(client)), ALL_ROLES, sql),
            role=P.APP)

    def app_sql_error(self, client, sql):
        """sql as ssc_app after begin_call as client must fail: returns
        psql's error text."""
        try:
            self.app_sql(client, sql)
        except P.PsqlError as e:
            return e.stderr
        raise CaseFailure("as ssc_app (%s) %r succeeded" % (client, sql))


# --------------------------------------------------------------------------
# small builders


def money(env, minor, currency="DKK"):
    return env.pb.Money(amount_minor=minor, currency=currency)


def bline(env, cat, year, minor, currency="DKK", desc=""):
    return env.pb.BudgetLine(category=cat, year=year, amount=money(env, minor, currency),
                             description=desc)


def cline(env, minor, currency="DKK", funder_id=0, funder_name=""):
    return env.pb.CoFinancingLine(funder_id=funder_id, funder_name=funder_name,
                                  amount=money(env, minor, currency))


def dkk(minor):
    """minor units as the SQL messages write them: "DKK 1,234.50"."""
    return money_text(minor, "DKK")


def money_text(minor, currency):
    sign = "-" if minor < 0 else ""
    whole, cents = divmod(abs(minor), 100)
    return "%s %s%s.%02d" % (currency, sign, "{:,}".format(whole), cents)


def new_collab(env, title, lead=None, started_on="2024-01-01"):
    w, pb = env.world, env.pb
    return env.collabs("secretariat").Create(pb.CreateCollaborationRequest(
        title=title, lead_id=(lead or w.agency_b).id, country="VN",
        partner_ids=[w.erea.id], embassy_id=w.emb_vn.id,
        sectors=[pb.SectorShare(code="23110", percentage=100)],
        started_on=started_on), timeout=T)


def get_collab(env, cid):
    return env.collabs("secretariat").Get(env.pb.GetCollaborationRequest(id=cid),
                                          timeout=T)


def new_app(env, client="ministry-b", collab=None, phase=None, budget=None,
            cofinancing=(), currency="DKK", starts_on="2025-01-01",
            ends_on="2026-12-31", title="Grid integration", narrative="", key=""):
    pb = env.pb
    if collab is None:
        collab = new_collab(env, "Collaboration for %s" % title)
    if budget is None:
        budget = [bline(env, pb.BUDGET_CATEGORY_STAFF_COMPENSATION, 2025, 100 * MDKK,
                        currency)]
    return env.apps(client).Create(pb.CreateApplicationRequest(
        idempotency_key=key, collaboration_id=collab.id,
        phase=phase or pb.PHASE_INCEPTION, title=title, narrative=narrative,
        starts_on=starts_on, ends_on=ends_on, currency=currency, budget=list(budget),
        cofinancing=list(cofinancing)), timeout=T)


def step(env, client, method, app_id, reason="", key=""):
    return getattr(env.apps(client), method)(env.pb.ApplicationStepRequest(
        idempotency_key=key, id=app_id, reason=reason), timeout=T)


def get_app(env, app_id, client="secretariat"):
    return env.apps(client).Get(env.pb.GetApplicationRequest(id=app_id), timeout=T)


def under_review(env, requested, currency="DKK", client="ministry-b", **kw):
    """An application for one budget line of `requested` minor units,
    submitted and under review."""
    pb = env.pb
    budget = [bline(env, pb.BUDGET_CATEGORY_STAFF_COMPENSATION, 2025, requested, currency)]
    a = new_app(env, client=client, budget=budget, currency=currency, **kw)
    step(env, client, "Submit", a.id)
    return step(env, "secretariat", "StartReview", a.id)


def approve(env, client, app_id, pool_id, amount, currency="DKK", key=""):
    return env.apps(client).Approve(env.pb.ApproveRequest(
        idempotency_key=key, id=app_id, pool_id=pool_id,
        amount=money(env, amount, currency)), timeout=T)


def recommend(env, app_id, client="secretariat", on_date="2025-03-01", ref="UPR 2025-3"):
    return env.apps(client).Recommend(env.pb.RecommendRequest(
        id=app_id, on_date=on_date, reference=ref), timeout=T)


def signoff(env, app_id, client="secretariat", by="The Minister for Development",
            on_date="2025-03-15", ref="MIN 2025-17"):
    return env.apps(client).SignOff(env.pb.SignOffRequest(
        id=app_id, signed_by=by, on_date=on_date, reference=ref), timeout=T)


def get_pool(env, pool_id, client="secretariat"):
    return env.pools(client).Get(env.pb.GetPoolRequest(id=pool_id), timeout=T)


def get_alloc(env, alloc_id, client="secretariat"):
    return env.allocs(client).Get(env.pb.GetAllocationRequest(id=alloc_id), timeout=T)


def adjust(env, pool_id, kind, amount, currency="DKK", reason="budget act", client="secretariat",
           expected_version=0):
    return env.pools(client).Adjust(env.pb.AdjustPoolRequest(
        pool_id=pool_id, kind=kind, amount=money(env, amount, currency), reason=reason,
        expected_version=expected_version), timeout=T)


def disburse(env, alloc_id, amount, kind=None, currency="DKK", key="", client="secretariat",
             reference="INV-1"):
    pb = env.pb
    return env.disb(client).Add(pb.AddDisbursementRequest(
        idempotency_key=key, allocation_id=alloc_id,
        kind=pb.DISBURSEMENT_KIND_ADVANCE if kind is None else kind,
        amount=money(env, amount, currency), paid_on="2025-04-01", reference=reference),
        timeout=T)


def reverse(env, disb_id, reason="paid twice", client="secretariat"):
    return env.disb(client).Reverse(env.pb.ReverseDisbursementRequest(
        id=disb_id, reason=reason), timeout=T)


def figures(pool):
    return (pool.total.amount_minor, pool.committed.amount_minor,
            pool.disbursed.amount_minor, pool.available.amount_minor)


def refuse(env, fn, code, *needles, what="call"):
    """fn() must fail with code and a message holding every needle, and
    leave every funding table, the audit trail and the idempotency records
    as they were."""
    before = env.snapshot()
    e = expect_error(fn, code, *needles, what=what)
    changed = env.changed_since(before)
    if changed:
        raise CaseFailure("%s: refused (%s), yet changed %s" % (
            what, e.details(), ", ".join(changed)))
    return e


def share_of(s):
    return (s.numerator, s.denominator, s.percent)


# --------------------------------------------------------------------------
# pools


def case_pools(env):
    """Create (the initial total an adjustment), duplicates, who may create,
    Get and List, top-ups and reductions with their adjustments, the rules
    of Adjust, an overflowing top-up, ListAdjustments and its audit rows.
    Makes the pools the other cases use (env.fx)."""
    pb, fx = env.pb, env.fx
    sp = env.pools("secretariat")
    subject = env.who("secretariat")
    label = env.label("secretariat")
    n_audit = env.audit_count()
    before = env.snapshot()
    p = sp.Create(pb.CreatePoolRequest(name="SSC 2025", fiscal_year=2025,
                                       total=money(env, 300 * MDKK)), timeout=T)
    # What refuse() relies on: a committed change shows in the snapshot.
    check_eq(env.changed_since(before), ["ssc.pools", "ssc.pool_adjustments", "ssc.audit"],
             "the tables a Create changed, as the snapshot sees them")
    check_eq((p.name, p.fiscal_year, p.currency, figures(p), p.allocations),
             ("SSC 2025", 2025, "DKK", (300 * MDKK, 0, 0, 300 * MDKK), 0), "created pool")
    check_eq([(m.currency) for m in (p.total, p.committed, p.disbursed, p.available)],
             ["DKK"] * 4, "currencies of the figures")
    check(p.created_at and p.updated_at, "timestamps %r %r" % (p.created_at, p.updated_at))
    # A new pool is version 1: its initial total (an adjustment) is the
    # pool as created.
    check_eq(p.version, 1, "a new pool's version")
    # The pool row and its initial adjustment, each audited.
    check_eq(env.audit_count() - n_audit, 3,
             "audit rows of a Create (the pool, its initial adjustment, the total set)")
    fx.pool = p
    fx.pool_2026 = sp.Create(pb.CreatePoolRequest(name="SSC 2026", fiscal_year=2026,
                                                  total=money(env, 1 * MDKK)), timeout=T)
    fx.pool_eur = sp.Create(pb.CreatePoolRequest(name="SSC EUR 2025", fiscal_year=2025,
                                                 total=money(env, 50 * MDKK, "EUR")),
                            timeout=T)
    fx.pool_sek = sp.Create(pb.CreatePoolRequest(name="SSC SEK 2025", fiscal_year=2025,
                                                 total=money(env, 50 * MDKK, "SEK")),
                            timeout=T)
    probs = Problems()
    probs.run(refuse, env, lambda: sp.Create(pb.CreatePoolRequest(
        name="SSC 2025 again", fiscal_year=2025, total=money(env, 1)), timeout=T), AE,
        "pool %d already holds DKK for 2025; adjust it instead" % p.id,
        what="a second DKK pool for 2025")
    for bad, needles in (
            (dict(name="", fiscal_year=2030, total=money(env, 1)), ("name: must not be empty",)),
            (dict(name="X", fiscal_year=1999, total=money(env, 1)),
             ("fiscal_year: must be a year from 2000 to 2100, not 1999",)),
            (dict(name="X", fiscal_year=2030), ("total: must be set",)),
            (dict(name="X", fiscal_year=2030, total=money(env, -1)),
             ("total: the amount must not be negative",)),
            (dict(name="X", fiscal_year=2030, total=money(env, 1, "dkk")),
             ("total: the currency must be an ISO 4217 code",))):
        probs.run(refuse, env, lambda: sp.Create(pb.CreatePoolRequest(**bad), timeout=T),
                  IA, *needles, what="Create %r" % (bad,))
    for client in ("ministry-a", "admin", "auditor", "reconciler", "embassy-vn"):
        probs.run(refuse, env, lambda: env.pools(client).Create(pb.CreatePoolRequest(
            name="X", fiscal_year=2031, total=money(env, 1)), timeout=T), PD,
            "may not call /ssc.v1.Pools/Create", what="Create by %s" % client)
    # Every role with business in the record reads pools; the admin not.
    for client in ("secretariat", "auditor", "ministry-a", "reconciler", "embassy-vn"):
        probs.run(lambda: check_eq(figures(get_pool(env, p.id, client)),
                                   (300 * MDKK, 0, 0, 300 * MDKK), "pool as %s reads it" % client))
    probs.run(refuse, env, lambda: get_pool(env, p.id, "admin"), PD,
              "role admin may not call /ssc.v1.Pools/Get", what="Get by admin")
    probs.run(refuse, env, lambda: get_pool(env, NOWHERE), NF,
              "pool %d not found" % NOWHERE, what="Get of no pool")
    lst = sp.List(pb.ListPoolsRequest(), timeout=T)
    probs.run(check_eq, [x.id for x in lst.pools],
              [p.id, fx.pool_2026.id, fx.pool_eur.id, fx.pool_sek.id], "List")
    probs.run(check_eq, [x.id for x in sp.List(pb.ListPoolsRequest(currency="DKK"),
                                               timeout=T).pools],
              [p.id, fx.pool_2026.id], "List currency DKK")
    probs.run(check_eq, [x.id for x in sp.List(pb.ListPoolsRequest(fiscal_year=2025),
                                               timeout=T).pools],
              [p.id, fx.pool_eur.id, fx.pool_sek.id], "List 2025")
    probs.run(refuse, env, lambda: sp.List(pb.ListPoolsRequest(currency="dk"), timeout=T),
              IA, "currency: must be an ISO 4217 code", what="List currency dk")

    # Adjustments.
    n_audit = env.audit_count()
    r = adjust(env, p.id, pb.ADJUSTMENT_KIND_TOP_UP, 50 * MDKK, reason="Finance act 2025")
    check_eq((figures(r.pool), r.adjustment.kind, r.adjustment.amount.amount_minor,
              r.adjustment.total_after.amount_minor, r.adjustment.reason,
              r.adjustment.principal, r.adjustment.pool_id),
             ((350 * MDKK, 0, 0, 350 * MDKK), pb.ADJUSTMENT_KIND_TOP_UP, 50 * MDKK, 350 * MDKK,
              "Finance act 2025", label, p.id), "top-up")
    check_eq(r.pool.version, p.version + 1, "version after a top-up")
    check_eq(env.audit_count() - n_audit, 2, "audit rows of a top-up (adjustment, pool)")
    r = adjust(env, p.id, pb.ADJUSTMENT_KIND_REDUCTION, 20 * MDKK, reason="Savings")
    check_eq((figures(r.pool), r.adjustment.kind, r.adjustment.total_after.amount_minor),
             ((330 * MDKK, 0, 0, 330 * MDKK), pb.ADJUSTMENT_KIND_REDUCTION, 330 * MDKK),
             "reduction")
    fx.pool_total = 330 * MDKK
    v = r.pool.version
    for kind, amount, cur, reason, exp, code, needles in (
            (pb.ADJUSTMENT_KIND_TOP_UP, 1, "EUR", "r", 0, IA,
             ("amount: is in EUR, pool %d is in DKK" % p.id,)),
            (pb.ADJUSTMENT_KIND_UNSPECIFIED, 1, "DKK", "r", 0, IA,
             ("kind: must be top_up or reduction, not unset",)),
            (pb.ADJUSTMENT_KIND_INITIAL, 1, "DKK", "r", 0, IA,
             ("kind: must be top_up or reduction, not initial",)),
            (pb.ADJUSTMENT_KIND_TOP_UP, 0, "DKK", "r", 0, IA, ("amount: must be more than 0",)),
            (pb.ADJUSTMENT_KIND_TOP_UP, -5, "DKK", "r", 0, IA,
             ("amount: the amount must not be negative",)),
            (pb.ADJUSTMENT_KIND_TOP_UP, 1, "DKK", " ", 0, IA, ("reason: must not be empty",)),
            (pb.ADJUSTMENT_KIND_TOP_UP, 1, "DKK", "r", v + 5, FP,
             ("expected version %d, found %d" % (v + 5, v),)),
            # total + amount past int64
            (pb.ADJUSTMENT_KIND_TOP_UP, INT64_MAX, "DKK", "r", 0, IA,
             ("amount: pool %d's total would pass the largest amount, 9223372036854775807 "
              "minor units" % p.id,)),
            (pb.ADJUSTMENT_KIND_TOP_UP, INT64_MAX - 330 * MDKK + 1, "DKK", "r", 0, IA,
             ("would pass the largest amount",))):
        probs.run(refuse, env, lambda: adjust(env, p.id, kind, amount, cur, reason,
                                              expected_version=exp), code, *needles,
                  what="Adjust %s %d %s" % (pb.AdjustmentKind.Name(kind), amount, cur))
    probs.run(refuse, env, lambda: adjust(env, NOWHERE, pb.ADJUSTMENT_KIND_TOP_UP, 1), NF,
              "pool %d not found" % NOWHERE, what="Adjust no pool")
    for client in ("ministry-a", "admin", "auditor"):
        probs.run(refuse, env, lambda: adjust(env, p.id, pb.ADJUSTMENT_KIND_TOP_UP, 1,
                                              client=client), PD,
                  "may not call /ssc.v1.Pools/Adjust", what="Adjust by %s" % client)
    # Exactly up to the largest amount is a total like any other (on a pool
    # of its own, reduced back at once).
    big = sp.Create(pb.CreatePoolRequest(name="Big", fiscal_year=2099,
                                         total=money(env, 7)), timeout=T)
    r = adjust(env, big.id, pb.ADJUSTMENT_KIND_TOP_UP, INT64_MAX - 7)
    probs.run(check_eq, figures(r.pool), (INT64_MAX, 0, 0, INT64_MAX), "a total of INT64_MAX")
    probs.run(refuse, env, lambda: adjust(env, big.id, pb.ADJUSTMENT_KIND_TOP_UP, 1), IA,
              "would pass the largest amount", what="a top-up of 1 past INT64_MAX")
    # ListAdjustments: every change of the total, in order.
    adj = sp.ListAdjustments(pb.ListAdjustmentsRequest(pool_id=p.id), timeout=T)
    probs.run(check_eq, [(a.kind, a.amount.amount_minor, a.total_after.amount_minor, a.reason,
                          a.principal) for a in adj.adjustments],
              [(pb.ADJUSTMENT_KIND_INITIAL, 300 * MDKK, 300 * MDKK, "initial total", label),
               (pb.ADJUSTMENT_KIND_TOP_UP, 50 * MDKK, 350 * MDKK, "Finance act 2025", label),
               (pb.ADJUSTMENT_KIND_REDUCTION, 20 * MDKK, 330 * MDKK, "Savings", label)],
              "adjustments of the 2025 pool")
    page1 = sp.ListAdjustments(pb.ListAdjustmentsRequest(
        pool_id=p.id, page=pb.PageRequest(page_size=2)), timeout=T)
    page2 = sp.ListAdjustments(pb.ListAdjustmentsRequest(
        pool_id=p.id, page=pb.PageRequest(page_size=2, page_token=page1.next_page_token)),
        timeout=T)
    probs.run(check_eq, [a.id for a in page1.adjustments] + [a.id for a in page2.adjustments],
              [a.id for a in adj.adjustments], "adjustments paged by 2")
    probs.run(check_eq, page2.next_page_token, "", "no third page")
    probs.run(check_eq, list(env.pools("auditor").ListAdjustments(
        pb.ListAdjustmentsRequest(pool_id=p.id), timeout=T).adjustments),
        list(adj.adjustments), "adjustments the auditor reads")
    for client in ("ministry-a", "reconciler", "embassy-vn", "admin"):
        probs.run(refuse, env, lambda: env.pools(client).ListAdjustments(
            pb.ListAdjustmentsRequest(pool_id=p.id), timeout=T), PD,
            "may not call /ssc.v1.Pools/ListAdjustments", what="ListAdjustments by %s" % client)
    probs.run(refuse, env, lambda: sp.ListAdjustments(pb.ListAdjustmentsRequest(
        pool_id=NOWHERE), timeout=T), NF, "pool %d not found" % NOWHERE,
        what="ListAdjustments of no pool")
    audited = env.pg.rows(
        "SELECT a.entity_id, a.principal FROM ssc.audit a WHERE a.entity = 'pool_adjustment' "
        "AND (a.after::jsonb ->> 'pool_id')::bigint = %d ORDER BY a.seq" % p.id)
    probs.run(check_eq, audited, [[str(a.id), subject] for a in adj.adjustments],
              "audit rows of the adjustments")
    probs.raise_if_any()


# --------------------------------------------------------------------------
# the workflow


def final_refusals(env, probs, a, status_word):
    """Everything after a final state is FAILED_PRECONDITION naming the
    state, and changes nothing."""
    pb, fx = env.pb, env.fx
    final = "application %d is %s; it may become nothing else (the decision is final)" % (
        a.id, status_word)
    for client, method, to in (("ministry-b", "Submit", "submitted"),
                               ("ministry-b", "Withdraw", "withdrawn"),
                               ("secretariat", "StartReview", "under_review"),
                               ("secretariat", "ReturnForRevision", "returned"),
                               ("secretariat", "Reject", "rejected")):
        probs.run(refuse, env, lambda: step(env, client, method, a.id, reason="why"), FP,
                  final, "not %s" % to, what="%s after %s" % (method, status_word))
    probs.run(refuse, env, lambda: env.apps("ministry-b").Edit(pb.EditApplicationRequest(
        id=a.id, update_mask=["title"], title="Later"), timeout=T), FP,
        "application %d is %s; only a draft or a returned application is edited" % (
            a.id, status_word), what="Edit after %s" % status_word)
    late = "application %d is %s; %%s is recorded only while it is under review" % (
        a.id, status_word)
    probs.run(refuse, env, lambda: approve(env, "secretariat-2", a.id, fx.pool.id, 1), FP,
              late % "an approval", what="Approve after %s" % status_word)
    probs.run(refuse, env, lambda: recommend(env, a.id), FP,
              late % "a recommendation of the Council for Development Policy",
              what="Recommend after %s" % status_word)
    probs.run(refuse, env, lambda: signoff(env, a.id), FP, late % "a ministerial sign-off",
              what="SignOff after %s" % status_word)


def case_workflow(env):
    """DRAFT -> SUBMITTED -> UNDER_REVIEW -> RETURNED -> (edit) -> SUBMITTED
    (version 2) -> UNDER_REVIEW -> REJECTED; withdraw from each of draft,
    submitted, under review and returned; every forbidden step refused with
    the allowed ones named; comments with who, when and version."""
    pb, w = env.pb, env.world
    probs = Problems()
    mb = env.apps("ministry-b")
    collab = new_collab(env, "Workflow")
    # A draft without a period or budget.
    a = mb.Create(pb.CreateApplicationRequest(collaboration_id=collab.id,
                                              phase=pb.PHASE_INCEPTION, title="Workflow",
                                              currency="DKK"), timeout=T)
    check_eq((a.status, a.submitted_version, a.applicant_id, a.collaboration_id, a.phase,
              a.starts_on, a.ends_on, a.version, a.allocation_id, a.HasField("decision")),
             (pb.APPLICATION_STATUS_DRAFT, 0, w.agency_b.id, collab.id, pb.PHASE_INCEPTION,
              "", "", 1, 0, False), "a new draft")
    check_eq((a.figures.budget_total.amount_minor, a.figures.requested.amount_minor,
              a.figures.HasField("requested_share")), (0, 0, False), "an empty draft's figures")
    probs.run(refuse, env, lambda: step(env, "ministry-b", "Submit", a.id), FP,
              "application %d: set the period (starts_on, ends_on) before submitting" % a.id,
              what="Submit without a period")
    a = mb.Edit(pb.EditApplicationRequest(id=a.id, update_mask=["starts_on", "ends_on"],
                                          starts_on="2025-01-01", ends_on="2025-12-31"),
                timeout=T)
    probs.run(refuse, env, lambda: step(env, "ministry-b", "Submit", a.id), FP,
              "application %d: a submission needs budget lines and a requested amount above 0"
              % a.id, what="Submit without a budget")
    # Co-financing that covers the whole budget leaves nothing requested.
    a = mb.Edit(pb.EditApplicationRequest(
        id=a.id, expected_version=a.version, update_mask=["budget", "cofinancing"],
        budget=[bline(env, pb.BUDGET_CATEGORY_TRAVEL, 2025, 5 * MDKK)],
        cofinancing=[cline(env, 5 * MDKK, funder_name="EU")]), timeout=T)
    probs.run(refuse, env, lambda: step(env, "ministry-b", "Submit", a.id), FP,
              "needs budget lines and a requested amount above 0",
              what="Submit with nothing requested")
    a = mb.Edit(pb.EditApplicationRequest(id=a.id, update_mask=["cofinancing"]), timeout=T)
    check_eq((a.figures.requested.amount_minor, a.version), (5 * MDKK, 4), "edited draft")
    probs.run(refuse, env, lambda: mb.Edit(pb.EditApplicationRequest(
        id=a.id, expected_version=1, update_mask=["title"], title="x"), timeout=T), FP,
        "expected version 1, found 4", what="Edit with a stale version")
    # Steps that do not start from a draft.
    for client, method, to in (("secretariat", "StartReview", "under_review"),
                               ("secretariat", "ReturnForRevision", "returned"),
                               ("secretariat", "Reject", "rejected")):
        probs.run(refuse, env, lambda: step(env, client, method, a.id, reason="r"), FP,
                  "application %d is draft; it may become submitted, withdrawn, not %s"
                  % (a.id, to), what="%s of a draft" % method)
    probs.run(refuse, env, lambda: approve(env, "secretariat", a.id, env.fx.pool.id, 1), FP,
              "application %d is draft; an approval is recorded only while it is under review"
              % a.id, what="Approve a draft")
    s = step(env, "ministry-b", "Submit", a.id, reason="Please consider")
    check_eq((s.status, s.submitted_version, s.version), (pb.APPLICATION_STATUS_SUBMITTED, 1, 5),
             "submitted")
    check(s.submitted_at, "submitted_at is set")
    probs.run(refuse, env, lambda: mb.Edit(pb.EditApplicationRequest(
        id=a.id, update_mask=["title"], title="After submit"), timeout=T), FP,
        "application %d is submitted; only a draft or a returned application is edited" % a.id,
        what="Edit after Submit")
    probs.run(refuse, env, lambda: step(env, "ministry-b", "Submit", a.id), FP,
              "application %d is submitted; it may become under_review, withdrawn, not submitted"
              % a.id, what="Submit twice")
    probs.run(refuse, env, lambda: step(env, "secretariat", "ReturnForRevision", a.id,
                                        reason="r"), FP,
              "it may become under_review, withdrawn, not returned", what="Return a submission")
    probs.run(refuse, env, lambda: approve(env, "secretariat", a.id, env.fx.pool.id, 1), FP,
              "application %d is submitted; an approval is recorded only while it is under review"
              % a.id, what="Approve before review")
    for client in ("ministry-b", "ministry-a"):
        probs.run(refuse, env, lambda: step(env, client, "StartReview", a.id), PD,
                  "role ministry may not call /ssc.v1.Applications/StartReview",
                  what="StartReview by a ministry (%s)" % client)
    probs.run(refuse, env, lambda: step(env, "secretariat", "Submit", a.id), PD,
              "role secretariat may not call /ssc.v1.Applications/Submit",
              what="Submit by the secretariat")
    r = step(env, "secretariat", "StartReview", a.id)
    check_eq((r.status, r.submitted_version), (pb.APPLICATION_STATUS_UNDER_REVIEW, 1),
             "under review")
    check_eq(list(r.decision.missing), ["1 approval"], "what a tier-1 application needs")
    probs.run(refuse, env, lambda: mb.Edit(pb.EditApplicationRequest(
        id=a.id, update_mask=["title"], title="x"), timeout=T), FP,
        "application %d is under_review; only a draft or a returned application is edited"
        % a.id, what="Edit under review")
    probs.run(refuse, env, lambda: step(env, "secretariat", "StartReview", a.id), FP,
              "application %d is under_review; it may become approved, rejected, returned, "
              "withdrawn, not under_review" % a.id, what="StartReview twice")
    probs.run(refuse, env, lambda: step(env, "ministry-b", "Submit", a.id), FP,
              "it may become approved, rejected, returned, withdrawn, not submitted",
              what="Submit under review")
    probs.run(refuse, env, lambda: step(env, "secretariat", "ReturnForRevision", a.id), IA,
              "reason: must not be empty", what="Return without a reason")
    probs.run(refuse, env, lambda: step(env, "secretariat", "Reject", a.id, reason=" "), IA,
              "reason: must not be empty", what="Reject without a reason")
    c1 = env.apps("secretariat").Comment(pb.CommentRequest(id=a.id, text="Budget unclear"),
                                         timeout=T)
    check_eq((c1.kind, c1.version, c1.principal, c1.text),
             ("comment", 1, env.label("secretariat"), "Budget unclear"), "a review comment")
    r = step(env, "secretariat", "ReturnForRevision", a.id, reason="Split the travel line")
    check_eq((r.status, r.submitted_version), (pb.APPLICATION_STATUS_RETURNED, 1), "returned")
    probs.run(refuse, env, lambda: step(env, "secretariat", "StartReview", a.id), FP,
              "application %d is returned; it may become submitted, withdrawn, not under_review"
              % a.id, what="StartReview of a returned application")
    r = mb.Edit(pb.EditApplicationRequest(
        id=a.id, update_mask=["budget", "title"], title="Workflow, revised",
        budget=[bline(env, pb.BUDGET_CATEGORY_TRAVEL, 2025, 2 * MDKK),
                bline(env, pb.BUDGET_CATEGORY_TRAVEL, 2025, 3 * MDKK)]), timeout=T)
    check_eq((r.status, r.title), (pb.APPLICATION_STATUS_RETURNED, "Workflow, revised"),
             "a returned application edited")
    r = step(env, "ministry-b", "Submit", a.id)
    check_eq((r.status, r.submitted_version), (pb.APPLICATION_STATUS_SUBMITTED, 2),
             "resubmitted: version 2")
    vs = mb.ListVersions(pb.ListVersionsRequest(application_id=a.id), timeout=T).versions
    check_eq([(v.number, v.title, len(v.budget), v.submitted_by) for v in vs],
             [(1, "Workflow", 1, env.label("ministry-b")),
              (2, "Workflow, revised", 2, env.label("ministry-b"))], "versions")
    step(env, "secretariat", "StartReview", a.id)
    c2 = mb.Comment(pb.CommentRequest(id=a.id, text="Split as asked"), timeout=T)
    check_eq((c2.version, c2.principal), (2, env.label("ministry-b")), "the applicant's comment")
    r = step(env, "secretariat", "Reject", a.id, reason="Out of scope")
    check_eq(r.status, pb.APPLICATION_STATUS_REJECTED, "rejected")
    check(r.decided_at, "decided_at is set on a rejection")
    cs = env.apps("auditor").ListComments(pb.ListCommentsRequest(application_id=a.id),
                                          timeout=T).comments
    check_eq([(c.kind, c.version, c.text, c.principal) for c in cs],
             [("comment", 1, "Please consider", env.label("ministry-b")),
              ("comment", 1, "Budget unclear", env.label("secretariat")),
              ("return", 1, "Split the travel line", env.label("secretariat")),
              ("comment", 2, "Split as asked", env.label("ministry-b")),
              ("reject", 2, "Out of scope", env.label("secretariat"))],
             "comments: kind, version, text, who")
    check(all(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$", c.at) for c in cs),
          "comments carry the time they were made: %s" % [c.at for c in cs])
    final_refusals(env, probs, a, "rejected")

    # Withdrawal from each state before a decision.
    def to_state(state):
        x = new_app(env, collab=collab, title="Withdraw from %s" % state)
        if state == "draft":
            return x
        step(env, "ministry-b", "Submit", x.id)
        if state == "submitted":
            return x
        step(env, "secretariat", "StartReview", x.id)
        if state == "under_review":
            return x
        step(env, "secretariat", "ReturnForRevision", x.id, reason="again")
        return x
    # Every step from every state before a decision: the forbidden ones
    # name the allowed ones.
    allowed = {"draft": "submitted, withdrawn", "submitted": "under_review, withdrawn",
               "under_review": "approved, rejected, returned, withdrawn",
               "returned": "submitted, withdrawn"}
    steps = (("ministry-b", "Submit", "submitted"), ("ministry-b", "Withdraw", "withdrawn"),
             ("secretariat", "StartReview", "under_review"),
             ("secretariat", "ReturnForRevision", "returned"),
             ("secretariat", "Reject", "rejected"))
    for state in allowed:
        x = to_state(state)
        for client, method, to in steps:
            if to in allowed[state].split(", "):
                continue
            probs.run(refuse, env, lambda: step(env, client, method, x.id, reason="r"), FP,
                      "application %d is %s; it may become %s, not %s" % (
                          x.id, state, allowed[state], to),
                      what="%s from %s" % (method, state))
        if state != "under_review":
            probs.run(refuse, env, lambda: approve(env, "secretariat", x.id, env.fx.pool.id, 1),
                      FP, "application %d is %s; an approval is recorded only while it is under "
                      "review" % (x.id, state), what="Approve from %s" % state)
    for state in ("draft", "submitted", "under_review", "returned"):
        x = to_state(state)
        probs.run(refuse, env, lambda: step(env, "secretariat", "Withdraw", x.id), PD,
                  "role secretariat may not call /ssc.v1.Applications/Withdraw",
                  what="Withdraw by the secretariat")
        probs.run(refuse, env, lambda: step(env, "ministry-s", "Withdraw", x.id), NF,
                  "application %d not found" % x.id, what="Withdraw by another ministry")
        r = step(env, "ministry-b", "Withdraw", x.id, reason="Not now")
        probs.run(check_eq, (r.status, r.decided_at),
                  (pb.APPLICATION_STATUS_WITHDRAWN, ""), "withdrawn from %s" % state)
        last = mb.ListComments(pb.ListCommentsRequest(application_id=x.id),
                               timeout=T).comments[-1]
        probs.run(check_eq, (last.kind, last.text), ("withdraw", "Not now"),
                  "the withdrawal's reason")
        if state == "draft":
            final_refusals(env, probs, x, "withdrawn")
    probs.raise_if_any()


def case_validation(env):
    """The rules of an application's content, each INVALID_ARGUMENT naming
    the field (or line) and the rule, on Create and Edit; an application
    for a collaboration that is over is FAILED_PRECONDITION."""
    pb, w = env.pb, env.world
    probs = Problems()
    mb = env.apps("ministry-b")
    S = pb.BUDGET_CATEGORY_STAFF_COMPENSATION
    c = new_collab(env, "Validation")
    ok_budget = [bline(env, S, 2025, 100)]
    for kw, needles in (
            (dict(phase=pb.PHASE_MATCHMAKING),
             ("phase: an application is for inception, long_term or phase_2, not matchmaking",)),
            (dict(phase=pb.PHASE_CLOSED), ("not closed",)),
            (dict(title=" "), ("title: must not be empty",)),
            (dict(title="t" * 201), ("title: must be at most 200 characters, not 201",)),
            (dict(currency="dkk"), ('currency: must be an ISO 4217 code such as DKK, not "dkk"',)),
            (dict(starts_on="2025-06-01", ends_on="2025-05-31"),
             ("ends_on: 2025-05-31 is before starts_on 2025-06-01",)),
            (dict(starts_on="2025-13-01"), ("starts_on: 2025-13-01 is not a calendar date",)),
            (dict(budget=[bline(env, pb.BUDGET_CATEGORY_UNSPECIFIED, 2025, 100)]),
             ("budget line 1: category must be one of staff_compensation, secondment, travel, "
              "workshops, analyses, partner_activities, contingency, not unset",)),
            (dict(budget=ok_budget + [bline(env, S, 2027, 100)]),
             ("budget line 2: year 2027 lies outside the period 2025-01-01 to 2026-12-31",)),
            (dict(budget=[bline(env, S, 1999, 100)]),
             ("budget line 1: year must be from 2000 to 2100, not 1999",)),
            (dict(budget=[bline(env, S, 2025, 0)]),
             ("budget line 1: amount must be more than 0",)),
            (dict(budget=[bline(env, S, 2025, -5)]),
             ("budget line 1: amount must be more than 0",)),
            (dict(budget=[bline(env, S, 2025, 100, desc="two\nlines")]),
             ("budget line 1: the description must be at most 500 characters on one line",)),
            (dict(budget=[bline(env, S, 2025, 1)] * 501), ("budget: at most 500 lines",)),
            (dict(budget=ok_budget, cofinancing=[cline(env, 1)]),
             ("cofinancing line 1: give exactly one of funder_id and funder_name",)),
            (dict(budget=ok_budget, cofinancing=[cline(env, 1, funder_id=w.moit.id,
                                                       funder_name="EU")]),
             ("cofinancing line 1: give exactly one of funder_id and funder_name",)),
            (dict(budget=ok_budget, cofinancing=[cline(env, 1, funder_name="EU"),
                                                 cline(env, 1, funder_name="eu")]),
             ('cofinancing line 2: funder "eu" is named twice',)),
            (dict(budget=ok_budget, cofinancing=[cline(env, 1, funder_id=NOWHERE)]),
             ("cofinancing line 1: funder_id: organisation %d does not exist" % NOWHERE,)),
            (dict(budget=ok_budget, cofinancing=[cline(env, 0, funder_name="EU")]),
             ("cofinancing line 1: amount must be more than 0",))):
        probs.run(refuse, env, lambda: new_app(env, collab=c, **kw), IA, *needles,
                  what="Create %s" % (needles,))
    d = new_app(env, collab=c, title="Validation draft", budget=ok_budget)
    for req, needles in (
            (dict(update_mask=[]), ("update_mask: must not be empty",)),
            (dict(update_mask=["status"]), ("update_mask",)),
            (dict(update_mask=["ends_on"], ends_on="2024-12-31"),
             ("ends_on: 2024-12-31 is before starts_on 2025-01-01",)),
            (dict(update_mask=["starts_on"], starts_on="2026-01-01"),
             ("budget line 1: year 2025 lies outside the period 2026-01-01 to 2026-12-31",)),
            (dict(update_mask=["phase"], phase=pb.PHASE_SUSPENDED), ("phase: an application is "
                                                                     "for inception",))):
        probs.run(refuse, env, lambda: mb.Edit(pb.EditApplicationRequest(id=d.id, **req),
                                               timeout=T), IA, *needles,
                  what="Edit %s" % (needles,))
    probs.run(refuse, env, lambda: mb.Edit(pb.EditApplicationRequest(
        id=NOWHERE, update_mask=["title"], title="x"), timeout=T), NF,
        "application %d not found" % NOWHERE, what="Edit of no application")
    probs.run(refuse, env, lambda: new_app(env, collab=types.SimpleNamespace(id=NOWHERE)), IA,
              "collaboration_id: collaboration %d not found" % NOWHERE,
              what="Create for no collaboration")
    over = new_collab(env, "Cancelled collaboration")
    env.collabs("secretariat").Transition(pb.TransitionRequest(
        id=over.id, to_phase=pb.PHASE_CANCELLED), timeout=T)
    probs.run(refuse, env, lambda: new_app(env, collab=over), FP,
              "collaboration %d is cancelled; it takes no applications" % over.id,
              what="Create for a cancelled collaboration")
    for client in ("secretariat", "auditor", "admin", "reconciler", "embassy-vn"):
        probs.run(refuse, env, lambda: new_app(env, client=client, collab=c), PD,
                  "may not call /ssc.v1.Applications/Create", what="Create by %s" % client)
    probs.raise_if_any()


# --------------------------------------------------------------------------
# frozen versions


def case_versions(env):
    """Each submission freezes a numbered version: ListVersions, GetVersion
    and Diff (the fields that changed, budget lines added, removed and
    changed with their deltas, co-financing lines by funder, the requested
    delta); as ssc_app no version can be written at all, and not even the
    owner can change or delete one."""
    pb, w, fx = env.pb, env.world, env.fx
    probs = Problems()
    mb = env.apps("ministry-b")
    S, TR, WS, AN = (pb.BUDGET_CATEGORY_STAFF_COMPENSATION, pb.BUDGET_CATEGORY_TRAVEL,
                     pb.BUDGET_CATEGORY_WORKSHOPS, pb.BUDGET_CATEGORY_ANALYSES)
    v1_budget = [bline(env, S, 2025, 1000000 * 100, desc="team"),
                 bline(env, TR, 2025, 200000 * 100),
                 bline(env, WS, 2026, 300000 * 100, desc="two workshops")]
    v1_cofin = [cline(env, 100000 * 100, funder_name="EU Interreg"),
                cline(env, 200000 * 100, funder_id=w.moit.id)]
    a = new_app(env, title="Versions", budget=v1_budget, cofinancing=v1_cofin,
                narrative="Line one.\nLine two.")
    step(env, "ministry-b", "Submit", a.id)
    step(env, "secretariat", "StartReview", a.id)
    step(env, "secretariat", "ReturnForRevision", a.id, reason="revise")
    mb.Edit(pb.EditApplicationRequest(
        id=a.id, update_mask=["title", "ends_on", "budget", "cofinancing"],
        title="Versions, revised", ends_on="2027-06-30",
        budget=[bline(env, S, 2025, 1200000 * 100, desc="team"),
                bline(env, WS, 2026, 300000 * 100, desc="two workshops"),
                bline(env, AN, 2027, 50000 * 100, desc="baseline study")],
        cofinancing=[cline(env, 150000 * 100, funder_name="eu interreg"),
                     cline(env, 10000 * 100, funder_name="Nordic Council")]), timeout=T)
    # "eu interreg" is the same funder as "EU Interreg" (matched without case).
    step(env, "ministry-b", "Submit", a.id)
    fx.versions_app = a.id
    vs = env.apps("auditor").ListVersions(pb.ListVersionsRequest(application_id=a.id),
                                          timeout=T).versions
    check_eq([v.number for v in vs], [1, 2], "version numbers")
    v1 = mb.GetVersion(pb.GetVersionRequest(application_id=a.id, number=1), timeout=T)
    check_eq(v1, vs[0], "GetVersion 1 and ListVersions' first")
    check_eq((v1.title, v1.narrative, v1.starts_on, v1.ends_on, v1.currency, v1.phase,
              v1.submitted_by, v1.figures.budget_total.amount_minor,
              v1.figures.cofinancing_total.amount_minor, v1.figures.requested.amount_minor,
              list(v1.budget), [(c.funder_id, c.funder_name, c.amount.amount_minor)
                                for c in v1.cofinancing]),
             ("Versions", "Line one.\nLine two.", "2025-01-01", "2026-12-31", "DKK",
              pb.PHASE_INCEPTION, env.label("ministry-b"), 150000000, 30000000, 120000000,
              v1_budget, [(0, "EU Interreg", 10000000), (w.moit.id, "", 20000000)]),
             "version 1 as submitted")
    check_eq([share_of(c.share) for c in v1.cofinancing],
             [(10000000, 150000000, "6.67"), (20000000, 150000000, "13.33")],
             "version 1's co-financing shares")
    check_eq(share_of(v1.figures.requested_share), (120000000, 150000000, "80.00"),
             "version 1's requested share")
    # The application moved on; version 1 did not.
    check_eq(get_app(env, a.id).title, "Versions, revised", "the application's title")
    probs.run(refuse, env, lambda: mb.GetVersion(pb.GetVersionRequest(
        application_id=a.id, number=3), timeout=T), NF,
        "number: application %d has no version 3 (versions are numbered from 1" % a.id,
        what="GetVersion 3")
    probs.run(refuse, env, lambda: mb.GetVersion(pb.GetVersionRequest(
        application_id=a.id, number=0), timeout=T), NF, "has no version 0",
        what="GetVersion 0")
    d = mb.Diff(pb.DiffVersionsRequest(application_id=a.id, **{"from": 1, "to": 2}),
                timeout=T)
    check_eq((d.application_id, getattr(d, "from"), d.to), (a.id, 1, 2), "diff header")
    check_eq([(f.field, getattr(f, "from"), f.to) for f in d.fields],
             [("title", "Versions", "Versions, revised"),
              ("ends_on", "2026-12-31", "2027-06-30")], "changed fields")
    ADD, REM, CHG = pb.LINE_CHANGE_ADDED, pb.LINE_CHANGE_REMOVED, pb.LINE_CHANGE_CHANGED

    def bl(x):
        return ((x.category, x.year, x.amount.amount_minor, x.description)
                if x.ByteSize() else None)
    check_eq([(b.change, bl(getattr(b, "from")), bl(b.to), b.delta.amount_minor,
               b.delta.currency) for b in d.budget],
             [(CHG, (S, 2025, 100000000, "team"), (S, 2025, 120000000, "team"), 20000000, "DKK"),
              (ADD, None, (AN, 2027, 5000000, "baseline study"), 5000000, "DKK"),
              (REM, (TR, 2025, 20000000, ""), None, -20000000, "DKK")],
             "budget lines changed, added, removed (the unchanged workshop line left out)")

    def cl(x):
        return ((x.funder_id, x.funder_name, x.amount.amount_minor, x.share.percent)
                if x.ByteSize() else None)
    check_eq([(c.change, cl(getattr(c, "from")), cl(c.to), c.delta.amount_minor)
              for c in d.cofinancing],
             [(CHG, (0, "EU Interreg", 10000000, "6.67"), (0, "eu interreg", 15000000, "9.68"),
               5000000),
              (ADD, None, (0, "Nordic Council", 1000000, "0.65"), 1000000),
              (REM, (w.moit.id, "", 20000000, "13.33"), None, -20000000)],
             "co-financing lines changed, added, removed (shares of each version's budget)")
    check_eq((d.from_figures.requested.amount_minor, d.to_figures.requested.amount_minor,
              d.requested_delta.amount_minor, d.requested_delta.currency),
             (120000000, 139000000, 19000000, "DKK"), "requested 1 -> 2 and its delta")
    back = mb.Diff(pb.DiffVersionsRequest(application_id=a.id, **{"from": 2, "to": 1}),
                   timeout=T)
    check_eq(sorted((b.change, b.delta.amount_minor) for b in back.budget),
             sorted([(CHG, -20000000), (REM, -5000000), (ADD, 20000000)]),
             "the diff 2 -> 1: mirrored")
    check_eq(back.requested_delta.amount_minor, -19000000, "requested delta 2 -> 1")
    same = mb.Diff(pb.DiffVersionsRequest(application_id=a.id, **{"from": 2, "to": 2}),
                   timeout=T)
    check_eq((len(same.fields), len(same.budget), len(same.cofinancing),
              same.requested_delta.amount_minor), (0, 0, 0, 0), "a version against itself")
    probs.run(refuse, env, lambda: mb.Diff(pb.DiffVersionsRequest(
        application_id=a.id, **{"from": 1, "to": 3}), timeout=T), NF,
        "to: application %d has no version 3" % a.id, what="Diff 1 -> 3")
    probs.run(refuse, env, lambda: mb.Diff(pb.DiffVersionsRequest(
        application_id=a.id, **{"from": 0, "to": 1}), timeout=T), NF,
        "from: application %d has no version 0" % a.id, what="Diff 0 -> 1")
    for method, req in (("ListVersions", pb.ListVersionsRequest(application_id=a.id)),
                        ("GetVersion", pb.GetVersionRequest(application_id=a.id, number=1)),
                        ("Diff", pb.DiffVersionsRequest(application_id=a.id,
                                                        **{"from": 1, "to": 2}))):
        probs.run(refuse, env, lambda: getattr(env.apps("ministry-s"), method)(req, timeout=T),
                  NF, "application %d not found" % a.id, what="%s by another ministry" % method)
        probs.run(refuse, env, lambda: getattr(env.apps("embassy-vn"), method)(req, timeout=T),
                  PD, "role embassy may not call /ssc.v1.Applications/%s" % method,
                  what="%s by an embassy" % method)
        probs.run(lambda: getattr(env.apps("ministry-a"), method)(req, timeout=T))

    # Frozen: as ssc_app nothing may be written to the versions, whatever
    # the session's role; as the owner a trigger refuses changes.
    before = env.snapshot()
    for client in ("ministry-b", "secretariat", "admin"):
        for sql in ("UPDATE ssc.application_versions SET title = 'forged' "
                    "WHERE application_id = %d;" % a.id,
                    "DELETE FROM ssc.application_versions WHERE application_id = %d;" % a.id,
                    "INSERT INTO ssc.application_versions (application_id, number, phase, title, "
                    "narrative, starts_on, ends_on, currency, budget, cofinancing, budget_total, "
                    "cofinancing_total, requested, submitted_by, submitted_at) VALUES (%d, 3, "
                    "'inception', 'forged', '', '2025-01-01', '2025-12-31', 'DKK', '[]', '[]', "
                    "0, 0, 0, 'x', now());" % a.id,
                    "TRUNCATE ssc.application_versions;"):
            err = probs.run(env.app_sql_error, client, sql)
            if err is not None and "permission denied for table application_versions" not in err:
                probs.add("as ssc_app (%s) %r: %s" % (client, sql, err.strip()))
    for sql in ("UPDATE ssc.application_versions SET title = 'forged' WHERE application_id = %d;"
                % a.id,
                "UPDATE ssc.application_versions SET requested = 0;",
                "DELETE FROM ssc.application_versions WHERE application_id = %d AND number = 1;"
                % a.id):
        try:
            env.pg.psql(sql, role=P.OWNER)
            probs.add("as the owner %r succeeded" % sql)
        except P.PsqlError as e:
            if "version 1 of application %d was submitted and never changes" % a.id \
                    not in e.stderr and "was submitted and never changes" not in e.stderr:
                probs.add("as the owner %r: %s" % (sql, e.stderr.strip()))
    try:
        env.pg.psql("TRUNCATE ssc.application_versions CASCADE;", role=P.OWNER)
        probs.add("as the owner TRUNCATE succeeded")
    except P.PsqlError as e:
        if "never change" not in e.stderr and "cannot truncate" not in e.stderr:
            probs.add("as the owner TRUNCATE: %s" % e.stderr.strip())
    changed = env.changed_since(before)
    if changed:
        probs.add("forging versions changed %s" % changed)
    check_eq(mb.GetVersion(pb.GetVersionRequest(application_id=a.id, number=1), timeout=T),
             v1, "version 1 after the attempts")
    probs.raise_if_any()


# --------------------------------------------------------------------------
# approval tiers


def tier_of(t):
    return (t.currency, t.up_to.amount_minor if t.HasField("up_to") else None, t.approvals,
            t.needs_council, t.needs_signoff)


def check_waiting(env, app, missing, what):
    check_eq((app.status, app.allocation_id, list(app.decision.missing)),
             (env.pb.APPLICATION_STATUS_UNDER_REVIEW, 0, missing), what)
    check_eq(env.count("ssc.allocations", "application_id = %d" % app.id), 0,
             "%s: allocations" % what)


def check_approved(env, app, amount, pool_id, collab_id, what):
    pb = env.pb
    check_eq((app.status, list(app.decision.missing)), (pb.APPLICATION_STATUS_APPROVED, []),
             what)
    check(app.decided_at, "%s: decided_at" % what)
    check(app.allocation_id > 0, "%s: no allocation id" % what)
    al = get_alloc(env, app.allocation_id)
    check_eq((al.application_id, al.pool_id, al.amount.amount_minor, al.amount.currency,
              al.disbursed.amount_minor, al.released.amount_minor, al.remaining.amount_minor,
              al.status, al.collaboration_id, al.organisation_id, al.phase, al.starts_on,
              al.ends_on),
             (app.id, pool_id, amount, app.currency, 0, 0, amount, pb.ALLOCATION_STATUS_OPEN,
              collab_id, app.applicant_id, app.phase, app.starts_on, app.ends_on),
             "%s: its allocation" % what)
    c = get_collab(env, collab_id)
    check_eq(c.phase, app.phase, "%s: the collaboration's phase" % what)
    plan = [x for x in c.phases if x.phase == app.phase]
    check_eq([(x.planned_start, x.planned_end, x.started_on) for x in plan],
             [(app.starts_on, app.ends_on, c.phase_since)], "%s: the phase's plan" % what)
    return al


def case_tiers(env):
    """The MFA's DKK tiers at and just past their limits: 10,000,000.00 one
    approval; 10,000,000.01 and 39,000,000.00 two; 39,000,000.01 two, the
    council's recommendation and the minister's sign-off in any order, the
    last one completing. Recommend and SignOff refused where the tier needs
    none; SetTiers by the admin only, validated and audited; a currency
    without tiers never approves."""
    pb, fx = env.pb, env.fx
    probs = Problems()
    pool = fx.pool.id
    tiers = env.apps("ministry-b").ListTiers(pb.ListTiersRequest(currency="DKK"),
                                             timeout=T).tiers
    check_eq([tier_of(t) for t in tiers],
             [("DKK", 10 * MDKK, 1, False, False), ("DKK", 39 * MDKK, 2, False, False),
              ("DKK", None, 2, True, True)], "the default DKK tiers")
    fx.approved = []  # (application, allocation) of approved DKK applications

    def mk(requested, title):
        c = new_collab(env, "Tier %s" % title)
        return under_review(env, requested, title=title, collab=c), c

    # Exactly 10 million: one approval.
    a, c = mk(10 * MDKK, "10,000,000.00")
    check_eq(tier_of(a.decision.tier), ("DKK", 10 * MDKK, 1, False, False),
             "tier of 10,000,000.00")
    check_waiting(env, a, ["1 approval"], "10,000,000.00 before its approval")
    check_eq(get_collab(env, c.id).phase, pb.PHASE_MATCHMAKING, "phase before")
    for what, fn, needles in (
            ("Recommend", lambda: recommend(env, a.id), "needs no council recommendation"),
            ("SignOff", lambda: signoff(env, a.id), "needs no ministerial sign-off")):
        probs.run(refuse, env, fn, FP, "application %d (DKK 10,000,000.00 requested) is in a "
                  "tier that %s" % (a.id, needles), what="%s for tier 1" % what)
    r = approve(env, "secretariat", a.id, pool, 10 * MDKK)
    fx.approved.append((r, check_approved(env, r, 10 * MDKK, pool, c.id,
                                          "10,000,000.00 after one approval")))
    check_eq([(x.principal, x.amount.amount_minor, x.pool_id, x.version)
              for x in r.decision.approvals],
             [(env.label("secretariat"), 10 * MDKK, pool, 1)], "the recorded approval")
    final_refusals(env, probs, r, "approved")

    # Just past: two approvals by different principals.
    for requested, title in ((10 * MDKK + 1, "10,000,000.01"), (39 * MDKK, "39,000,000.00")):
        a, c = mk(requested, title)
        check_eq(tier_of(a.decision.tier), ("DKK", 39 * MDKK, 2, False, False),
                 "tier of %s" % title)
        check_waiting(env, a, ["2 approvals"], "%s before approvals" % title)
        r = approve(env, "secretariat", a.id, pool, requested)
        check_waiting(env, r, ["1 more approval"], "%s after one approval" % title)
        check_eq(get_collab(env, c.id).phase, pb.PHASE_MATCHMAKING,
                 "%s: phase after one approval" % title)
        for what, fn, needles in (
                ("Recommend", lambda: recommend(env, a.id), "needs no council recommendation"),
                ("SignOff", lambda: signoff(env, a.id), "needs no ministerial sign-off")):
            probs.run(refuse, env, fn, FP, "application %d (%s requested) is in a tier that %s"
                      % (a.id, dkk(requested), needles), what="%s for %s" % (what, title))
        r = approve(env, "secretariat-2", a.id, pool, requested)
        fx.approved.append((r, check_approved(env, r, requested, pool, c.id,
                                              "%s after two approvals" % title)))
        check_eq([x.principal for x in r.decision.approvals],
                 [env.label("secretariat"), env.label("secretariat-2")], "%s: approvers" % title)

    # Past 39 million: two approvals, a recommendation and a sign-off, in
    # any order; the last completes.
    big = 39 * MDKK + 1
    A1 = ("approve", "secretariat")
    A2 = ("approve", "secretariat-2")
    RC = ("recommend", None)
    SO = ("signoff", None)
    all_missing = ["2 approvals", "a recommendation of the Council for Development Policy",
                   "a ministerial sign-off"]
    for order in ((A1, A2, RC, SO), (SO, RC, A1, A2), (A1, SO, A2, RC)):
        names = "/".join(k if k != "approve" else "approve(%s)" % who for k, who in order)
        a, c = mk(big, "39,000,000.01 " + names)
        check_eq(tier_of(a.decision.tier), ("DKK", None, 2, True, True),
                 "tier of 39,000,000.01")
        check_waiting(env, a, all_missing, "%s: before" % names)
        missing = list(all_missing)
        approvals = 0
        for n, (kind, who) in enumerate(order):
            if kind == "approve":
                r = approve(env, who, a.id, pool, big)
                approvals += 1
                missing[0] = "1 more approval" if approvals == 1 else None
            elif kind == "recommend":
                r = recommend(env, a.id)
                missing[1] = None
            else:
                r = signoff(env, a.id)
                missing[2] = None
            if n < 3:
                check_waiting(env, r, [m for m in missing if m],
                              "%s: after %d steps" % (names, n + 1))
                check_eq(get_collab(env, c.id).phase, pb.PHASE_MATCHMAKING,
                         "%s: phase after %d steps" % (names, n + 1))
        fx.approved.append((r, check_approved(env, r, big, pool, c.id,
                                              "%s: after the last step" % names)))
        d = r.decision
        check_eq((d.recommendation.on_date, d.recommendation.reference,
                  d.recommendation.recorded_by, d.signoff.signed_by, d.signoff.on_date,
                  d.signoff.reference, d.signoff.recorded_by, len(d.approvals)),
                 ("2025-03-01", "UPR 2025-3", env.label("secretariat"),
                  "The Minister for Development", "2025-03-15", "MIN 2025-17",
                  env.label("secretariat"), 2), "%s: the decision" % names)
    # A recommendation or sign-off once per version, and their own rules.
    a, c = mk(big, "39,000,000.01 repeats")
    recommend(env, a.id)
    signoff(env, a.id)
    probs.run(refuse, env, lambda: recommend(env, a.id), FP,
              "version 1 of application %d has its council recommendation already" % a.id,
              what="a second recommendation")
    probs.run(refuse, env, lambda: signoff(env, a.id), FP,
              "version 1 of application %d has its ministerial sign-off already" % a.id,
              what="a second sign-off")
    fx.big_waiting = a  # recommended and signed off, no approval yet
    for what, fn, code, needles in (
            ("Recommend without a date", lambda: env.apps().Recommend(pb.RecommendRequest(
                id=a.id, reference="x"), timeout=T), IA, ("on_date: must be set",)),
            ("Recommend without a reference", lambda: env.apps().Recommend(pb.RecommendRequest(
                id=a.id, on_date="2025-01-01"), timeout=T), IA, ("reference: must not be empty",)),
            ("SignOff without a minister", lambda: env.apps().SignOff(pb.SignOffRequest(
                id=a.id, on_date="2025-01-01", reference="x"), timeout=T), IA,
             ("signed_by: must not be empty",)),
            ("Recommend by a ministry", lambda: recommend(env, a.id, client="ministry-a"), PD,
             ("role ministry may not call /ssc.v1.Applications/Recommend",)),
            ("SignOff by the auditor", lambda: signoff(env, a.id, client="auditor"), PD,
             ("role auditor may not call /ssc.v1.Applications/SignOff",)),
            ("Recommend of no application", lambda: recommend(env, NOWHERE), NF,
             ("application %d not found" % NOWHERE,))):
        probs.run(refuse, env, fn, code, *needles, what=what)

    # SetTiers: the admin's, validated, audited.
    ad = env.apps("admin")

    def tier(up_to=None, approvals=1, council=False, signoff_=False, cur="NOK"):
        return pb.ApprovalTier(up_to=money(env, up_to, cur) if up_to is not None else None,
                               approvals=approvals, needs_council=council,
                               needs_signoff=signoff_)
    n_tier_audit = env.count("ssc.audit", "entity = 'approval_tier'")
    r = ad.SetTiers(pb.SetTiersRequest(currency="NOK", tiers=[
        tier(100 * 100, 1), tier(None, 3, council=True)]), timeout=T)
    check_eq([tier_of(t) for t in r.tiers],
             [("NOK", 10000, 1, False, False), ("NOK", None, 3, True, False)], "NOK tiers set")
    check_eq([tier_of(t) for t in env.apps("embassy-vn").ListTiers(
        pb.ListTiersRequest(currency="NOK"), timeout=T).tiers],
        [tier_of(t) for t in r.tiers], "NOK tiers as an embassy reads them")
    rows = env.pg.rows("SELECT principal, before IS NULL, after::jsonb ->> 'currency' FROM "
                       "ssc.audit WHERE entity = 'approval_tier' ORDER BY seq OFFSET %d"
                       % n_tier_audit)
    check_eq(rows, [[env.who("admin"), "t", "NOK"]] * 2,
             "audit rows of setting two NOK tiers (by the admin)")
    r = ad.SetTiers(pb.SetTiersRequest(currency="NOK", tiers=[tier(None, 2)]), timeout=T)
    check_eq([tier_of(t) for t in r.tiers], [("NOK", None, 2, False, False)], "NOK tiers reset")
    rows = env.pg.rows("SELECT before IS NULL, after IS NULL, "
                       "(before::jsonb ->> 'retired_at') IS NULL AND (after::jsonb ->> 'retired_at') "
                       "IS NOT NULL FROM ssc.audit WHERE entity = "
                       "'approval_tier' ORDER BY seq OFFSET %d" % (n_tier_audit + 2))
    check_eq(sorted(map(tuple, rows)), [("f", "f", "t"), ("f", "f", "t"), ("t", "f", "f")],
             "audit rows of replacing them: two retired (nothing deleted), one inserted")
    check_eq(env.pg.rows("SELECT count(*), count(retired_at) FROM ssc.approval_tiers "
                         "WHERE currency = 'NOK'"), [["3", "2"]],
             "the NOK tiers kept: two retired, one in force")
    for client in ("secretariat", "ministry-a", "auditor", "reconciler", "embassy-vn"):
        probs.run(refuse, env, lambda: env.apps(client).SetTiers(pb.SetTiersRequest(
            currency="NOK", tiers=[tier(None, 1)]), timeout=T), PD,
            "may not call /ssc.v1.Applications/SetTiers", what="SetTiers by %s" % client)
    for bad, needles in (
            ([], ("tiers: give 1 to 10 tiers",)),
            ([tier(100)], ("tiers: the last tier must be without a limit",)),
            ([tier(None), tier(None)], ("tiers: tier 1 has no limit, but only the last one",)),
            ([tier(100), tier(100), tier(None)], ("tiers: tier 2's up_to must be more than the "
                                                  "tier before's (NOK 1.00)",)),
            ([tier(0), tier(None)], ("tiers: tier 1's up_to must be more than",)),
            ([tier(None, 0)], ("tiers: tier 1 needs 1 to 5 approvals, not 0",)),
            ([tier(None, 6)], ("tiers: tier 1 needs 1 to 5 approvals, not 6",)),
            ([tier(100, cur="EUR"), tier(None)], ("tiers: tier 1's up_to is in EUR, the tiers "
                                                  "in NOK",))):
        probs.run(refuse, env, lambda: ad.SetTiers(pb.SetTiersRequest(currency="NOK", tiers=bad),
                                                   timeout=T), IA, *needles,
                  what="SetTiers %s" % (needles,))
    probs.run(refuse, env, lambda: ad.SetTiers(pb.SetTiersRequest(currency="nok", tiers=[
        tier(None)]), timeout=T), IA, 'currency: must be an ISO 4217 code such as DKK, not "nok"',
        what="SetTiers of currency nok")
    # EUR gets tiers for the co-financing case's approval.
    ad.SetTiers(pb.SetTiersRequest(currency="EUR", tiers=[tier(None, 1, cur="EUR")]), timeout=T)

    # A currency without tiers: an approval is refused and records nothing
    # (it could complete nothing), and the application waits.
    check_eq(len(env.apps().ListTiers(pb.ListTiersRequest(currency="SEK"), timeout=T).tiers), 0,
             "SEK has no tiers")
    a = under_review(env, 1000 * 100, currency="SEK", title="SEK application")
    want = ["an approval tier for SEK 1,000.00 (the admin sets the tiers of SEK)"]
    check_eq((a.decision.HasField("tier"), list(a.decision.missing)), (False, want),
             "an application in SEK under review")
    for who in ("secretariat", "secretariat-2"):
        probs.run(refuse, env, lambda: approve(env, who, a.id, fx.pool_sek.id, 1000 * 100,
                                               currency="SEK"), FP,
                  "application %d cannot be approved: no approval tier holds SEK 1,000.00 "
                  "(the admin sets the tiers of SEK)" % a.id, what="approving in SEK by %s" % who)
    check_waiting(env, get_app(env, a.id), want, "SEK after the refused approvals")
    check_eq(figures(get_pool(env, fx.pool_sek.id)), (50 * MDKK, 0, 0, 50 * MDKK),
             "the SEK pool: nothing committed")
    probs.raise_if_any()


# --------------------------------------------------------------------------
# decisions


def case_decisions(env):
    """Nobody of the applicant agency or its parent ministry approves; a
    principal approves a version once; every approval names the first one's
    amount and pool; an amount above the requested one is refused, a lower
    one allocated; approvals count per submitted version."""
    pb, w, fx = env.pb, env.world, env.fx
    probs = Problems()
    pool = fx.pool.id
    requested = 20 * MDKK
    c = new_collab(env, "Decisions")
    a = under_review(env, requested, title="Decisions", collab=c)
    for who, org in (("secretariat-dea", w.agency_b), ("secretariat-kefm", w.ministry_a)):
        probs.run(refuse, env, lambda: approve(env, who, a.id, pool, requested), PD,
                  "principal %s belongs to organisation %d, the applicant or a ministry above "
                  "it; it may not approve application %d" % (env.label(who), org.id, a.id),
                  what="approval by %s" % who)
    # Every organisation above the applicant counts, at any depth: an
    # application of agency C (below B, below A) is refused to both.
    cc = new_collab(env, "Sub-agency's", lead=w.agency_c)
    sub = under_review(env, MDKK, title="Sub-agency's", collab=cc)
    check_eq(sub.applicant_id, w.agency_c.id, "the sub-agency applies")
    for who, org in (("secretariat-dea", w.agency_b), ("secretariat-kefm", w.ministry_a)):
        probs.run(refuse, env, lambda: approve(env, who, sub.id, pool, MDKK), PD,
                  "principal %s belongs to organisation %d, the applicant or a ministry above "
                  "it; it may not approve application %d" % (env.label(who), org.id, sub.id),
                  what="approval of the sub-agency's application by %s" % who)
    for amount, cur, pool_id, code, needles in (
            (requested + 1, "DKK", pool, IA,
             ("amount: DKK 20,000,000.01 is more than the DKK 20,000,000.00 requested; an "
              "approval may be lower, never higher",)),
            (0, "DKK", pool, IA, ("amount: must be more than 0",)),
            (-1, "DKK", pool, IA, ("amount: the amount must not be negative",)),
            (requested, "EUR", fx.pool_eur.id, IA,
             ("amount: is in EUR, application %d in DKK" % a.id,)),
            (requested, "DKK", fx.pool_eur.id, IA,
             ("pool_id: pool %d is in EUR, application %d in DKK" % (fx.pool_eur.id, a.id),)),
            (requested, "DKK", NOWHERE, IA, ("pool_id: pool %d does not exist" % NOWHERE,)),
            (requested, "DKK", 0, IA, ("pool_id",))):
        probs.run(refuse, env, lambda: approve(env, "secretariat", a.id, pool_id, amount, cur),
                  code, *needles, what="approve %d %s from pool %d" % (amount, cur, pool_id))
    for client in ("ministry-a", "ministry-b", "auditor", "admin", "reconciler"):
        probs.run(refuse, env, lambda: approve(env, client, a.id, pool, requested), PD,
                  "may not call /ssc.v1.Applications/Approve", what="Approve by %s" % client)
    probs.run(refuse, env, lambda: approve(env, "secretariat", NOWHERE, pool, 1), NF,
              "application %d not found" % NOWHERE, what="approve no application")
    lower = 15 * MDKK
    r = approve(env, "secretariat", a.id, pool, lower)
    check_waiting(env, r, ["1 more approval"], "after the first approval")
    probs.run(refuse, env, lambda: approve(env, "secretariat", a.id, pool, lower), FP,
              "principal %s has already approved version 1 of application %d; a second "
              "approval must come from someone else" % (env.label("secretariat"), a.id),
              what="the same principal approving twice")
    agreed = ("version 1 of application %d was approved for DKK 15,000,000.00 from pool %d by "
              "%s; every approval of a version names the same amount and pool"
              % (a.id, pool, env.label("secretariat")))
    probs.run(refuse, env, lambda: approve(env, "secretariat-2", a.id, pool, lower + 1), FP,
              agreed, what="a second approval of another amount")
    probs.run(refuse, env, lambda: approve(env, "secretariat-2", a.id, pool, requested), FP,
              agreed, what="a second approval of the requested amount")
    probs.run(refuse, env, lambda: approve(env, "secretariat-2", a.id, fx.pool_2026.id, lower),
              FP, agreed, what="a second approval from another pool")
    before = figures(get_pool(env, pool))
    r = approve(env, "secretariat-2", a.id, pool, lower)
    al = check_approved(env, r, lower, pool, c.id, "approved for less than requested")
    check_eq((r.figures.requested.amount_minor, al.amount.amount_minor), (requested, lower),
             "requested and allocated")
    t, cm, d, av = before
    check_eq(figures(get_pool(env, pool)), (t, cm + lower, d, av - lower),
             "the pool after the lower approval")
    fx.approved.append((r, al))

    # Approvals are of a version: a returned and resubmitted application
    # starts over, and the same principal may approve the new version.
    c = new_collab(env, "Decisions per version")
    a = under_review(env, requested, title="Per version", collab=c)
    approve(env, "secretariat", a.id, pool, requested)
    step(env, "secretariat", "ReturnForRevision", a.id, reason="Cut the travel")
    env.apps("ministry-b").Edit(pb.EditApplicationRequest(
        id=a.id, update_mask=["budget"], budget=[bline(
            env, pb.BUDGET_CATEGORY_STAFF_COMPENSATION, 2025, requested - MDKK)]), timeout=T)
    step(env, "ministry-b", "Submit", a.id)
    r = step(env, "secretariat", "StartReview", a.id)
    check_eq((r.submitted_version, len(r.decision.approvals), list(r.decision.missing)),
             (2, 0, ["2 approvals"]), "version 2 under review: version 1's approval not counted")
    r = approve(env, "secretariat", a.id, pool, requested - MDKK)
    check_eq([(x.principal, x.version) for x in r.decision.approvals],
             [(env.label("secretariat"), 2)], "version 2's first approval, by version 1's approver")
    r = approve(env, "secretariat-2", a.id, pool, requested - MDKK)
    fx.approved.append((r, check_approved(env, r, requested - MDKK, pool, c.id,
                                          "version 2 approved")))
    check_eq(env.count("ssc.application_approvals", "application_id = %d" % a.id), 3,
             "approval rows of both versions kept")
    probs.raise_if_any()


def case_completion(env):
    """The approval that completes the tier approves, allocates and moves the
    collaboration in one transaction: refused for over-commitment (or a
    phase the collaboration cannot move to) it leaves no approval, no
    allocation and the phase as it was; the amount that fits exactly is
    allocated; a sign-off that completes is refused alike, and goes through
    after a top-up."""
    pb, fx = env.pb, env.fx
    probs = Problems()
    small = fx.pool_2026
    check_eq(figures(get_pool(env, small.id)), (MDKK, 0, 0, MDKK), "the small pool")
    c = new_collab(env, "Over-commitment")
    a = under_review(env, 2 * MDKK, title="Too big for the pool", collab=c)
    probs.run(refuse, env, lambda: approve(env, "secretariat", a.id, small.id, 2 * MDKK), FP,
              "pool %d would be over-committed: it has DKK 1,000,000.00 available (DKK 0.00 of "
              "DKK 1,000,000.00 committed); allocating DKK 2,000,000.00 for application %d would "
              "pass it by DKK 1,000,000.00" % (small.id, a.id),
              what="an over-committing approval")
    probs.run(refuse, env, lambda: approve(env, "secretariat", a.id, small.id, MDKK + 1), FP,
              "would pass it by DKK 0.01", what="over by one øre")
    check_eq((env.count("ssc.application_approvals", "application_id = %d" % a.id),
              env.count("ssc.allocations", "application_id = %d" % a.id),
              get_app(env, a.id).status, get_collab(env, c.id).phase,
              len(get_collab(env, c.id).phases)),
             (0, 0, pb.APPLICATION_STATUS_UNDER_REVIEW, pb.PHASE_MATCHMAKING, 1),
             "after the refusals: no approval, no allocation, phase unchanged")
    r = approve(env, "secretariat", a.id, small.id, MDKK)
    al = check_approved(env, r, MDKK, small.id, c.id, "approved for what the pool holds")
    check_eq(figures(get_pool(env, small.id)), (MDKK, MDKK, 0, 0), "the small pool, full")
    check_eq(get_pool(env, small.id).allocations, 1, "allocations of the small pool")
    tr = env.collabs("secretariat").ListTransitions(pb.ListTransitionsRequest(id=c.id),
                                                    timeout=T).transitions
    check_eq([(x.from_phase, x.to_phase, x.note) for x in tr][-1:],
             [(pb.PHASE_MATCHMAKING, pb.PHASE_INCEPTION,
               "application %d (version 1) approved" % a.id)], "the transition recorded")
    fx.small_alloc = al
    # Completion by a sign-off, refused while the pool is full.
    big = 39 * MDKK + 1
    c2 = new_collab(env, "Completed by a sign-off")
    b = under_review(env, big, title="Signed off last", collab=c2)
    approve(env, "secretariat", b.id, small.id, big)
    approve(env, "secretariat-2", b.id, small.id, big)
    r = recommend(env, b.id)
    check_waiting(env, r, ["a ministerial sign-off"], "approved twice and recommended")
    probs.run(refuse, env, lambda: signoff(env, b.id), FP,
              "pool %d would be over-committed: it has DKK 0.00 available" % small.id,
              "allocating DKK 39,000,000.01 for application %d" % b.id,
              what="a completing sign-off over the pool")
    check_eq((env.count("ssc.application_signoffs", "application_id = %d" % b.id),
              get_collab(env, c2.id).phase), (0, pb.PHASE_MATCHMAKING),
             "after the refused sign-off")
    adjust(env, small.id, pb.ADJUSTMENT_KIND_TOP_UP, big, reason="Supplementary")
    r = signoff(env, b.id)
    check_approved(env, r, big, small.id, c2.id, "completed by the sign-off after a top-up")
    check_eq(figures(get_pool(env, small.id)), (MDKK + big, MDKK + big, 0, 0),
             "the small pool, full again")
    # A phase the collaboration cannot move to: the submission is refused
    # (it could never be approved) ...
    c3 = new_collab(env, "Straight to long-term")
    budget = [bline(env, pb.BUDGET_CATEGORY_STAFF_COMPENSATION, 2025, MDKK)]
    x = new_app(env, budget=budget, title="Long-term from matchmaking", collab=c3,
                phase=pb.PHASE_LONG_TERM)
    probs.run(refuse, env, lambda: step(env, "ministry-b", "Submit", x.id), FP,
              "application %d: is for the long_term phase, but collaboration %d is in "
              "matchmaking and may not move to long_term from there" % (x.id, c3.id),
              what="submitting for a phase out of reach")
    # ... from inception to long-term it goes; but when the collaboration
    # is suspended meanwhile, the completing approval asks again and is
    # refused, leaving nothing.
    env.collabs("secretariat").Transition(pb.TransitionRequest(
        id=c3.id, to_phase=pb.PHASE_INCEPTION, on_date="2024-06-01"), timeout=T)
    step(env, "ministry-b", "Submit", x.id)
    step(env, "secretariat", "StartReview", x.id)
    env.collabs("secretariat").Transition(pb.TransitionRequest(
        id=c3.id, to_phase=pb.PHASE_SUSPENDED, on_date="2024-07-01"), timeout=T)
    probs.run(refuse, env, lambda: approve(env, "secretariat", x.id, fx.pool.id, MDKK), FP,
              "collaboration %d is in suspended; it may move to resume (to inception), "
              "cancelled, not long_term" % c3.id, what="completing into a phase out of reach")
    env.collabs("secretariat").Transition(pb.TransitionRequest(
        id=c3.id, resume=True, on_date="2024-08-01"), timeout=T)
    r = approve(env, "secretariat", x.id, fx.pool.id, MDKK)
    fx.approved.append((r, check_approved(env, r, MDKK, fx.pool.id, c3.id,
                                          "long-term application approved")))
    probs.raise_if_any()


# --------------------------------------------------------------------------
# shares, currencies, overflow


def case_shares(env):
    """Co-financing shares and the requested share are exact: numerator and
    denominator as given, the percentage to two decimals rounded half up.
    The InterLoc case (403,770.00 of 527,044.00 EUR from the EU) is 76.61;
    x.xx5 exactly rounds up; the InterLoc application is approved in EUR."""
    pb, w, fx = env.pb, env.world, env.fx
    probs = Problems()
    S, TR, WS = (pb.BUDGET_CATEGORY_STAFF_COMPENSATION, pb.BUDGET_CATEGORY_TRAVEL,
                 pb.BUDGET_CATEGORY_WORKSHOPS)
    c = new_collab(env, "InterLoc")
    a = new_app(env, collab=c, title="InterLoc", currency="EUR",
                budget=[bline(env, S, 2025, 30000000, "EUR", "staff"),
                        bline(env, TR, 2025, 12704400, "EUR", "travel"),
                        bline(env, WS, 2026, 10000000, "EUR", "workshops")],
                cofinancing=[cline(env, 40377000, "EUR", funder_name="EU (Interreg)")])
    check_eq([share_of(x.share) for x in a.cofinancing], [(40377000, 52704400, "76.61")],
             "InterLoc's co-financing share")
    f = a.figures
    check_eq((f.budget_total.amount_minor, f.budget_total.currency,
              f.cofinancing_total.amount_minor, f.requested.amount_minor,
              share_of(f.requested_share)),
             (52704400, "EUR", 40377000, 12327400, (12327400, 52704400, "23.39")),
             "InterLoc's figures")
    step(env, "ministry-b", "Submit", a.id)
    v = env.apps("ministry-b").GetVersion(pb.GetVersionRequest(application_id=a.id, number=1),
                                          timeout=T)
    check_eq(([share_of(x.share) for x in v.cofinancing], share_of(v.figures.requested_share)),
             ([(40377000, 52704400, "76.61")], (12327400, 52704400, "23.39")),
             "InterLoc's shares, frozen")
    step(env, "secretariat", "StartReview", a.id)
    r = approve(env, "secretariat", a.id, fx.pool_eur.id, 12327400, currency="EUR")
    check_approved(env, r, 12327400, fx.pool_eur.id, c.id, "InterLoc approved in EUR")
    check_eq(figures(get_pool(env, fx.pool_eur.id)),
             (50 * MDKK, 12327400, 0, 50 * MDKK - 12327400), "the EUR pool")
    fx.interloc = r

    # Rounding at the edges, through a draft's lines: (budget, co-financing,
    # co-financing's percent, requested's percent).
    d = new_app(env, title="Rounding")
    for budget, cof, want_c, want_r in (
            (16000, 100, "0.63", "99.38"),      # 0.625 and 99.375 exactly: up
            (3, 1, "33.33", "66.67"),
            (8, 1, "12.50", "87.50"),
            (200000, 1, "0.00", "100.00"),      # 0.0005 down (below half), 99.9995 up
            (20000, 1, "0.01", "100.00"),       # 0.005 and 99.995 exactly: up
            (1600, 1, "0.06", "99.94"),         # 0.0625 / 99.9375
            (527044, 403770, "76.61", "23.39"),
            (7, 7, "100.00", "0.00"),
            (INT64_MAX, INT64_MAX - 1, "100.00", "0.00"),
            (INT64_MAX, INT64_MAX // 2, "50.00", "50.00")):
        x = env.apps("ministry-b").Edit(pb.EditApplicationRequest(
            id=d.id, update_mask=["budget", "cofinancing"],
            budget=[bline(env, S, 2025, budget)],
            cofinancing=[cline(env, cof, funder_id=w.moit.id)]), timeout=T)
        probs.run(check_eq, (share_of(x.cofinancing[0].share),
                             share_of(x.figures.requested_share)),
                  ((cof, budget, want_c), (budget - cof, budget, want_r)),
                  "shares of %d in %d" % (cof, budget))
    # The rule itself, in SQL (n, d, percent).
    for n, dd, want in ((403770, 527044, "76.61"), (1, 160, "0.63"), (1, 1600, "0.06"),
                        (12345, 100000, "12.35"), (12344999, 100000000, "12.34"),
                        (5, 100000, "0.01"), (4999, 100000000, "0.00"), (1, 3, "33.33"),
                        (2, 3, "66.67"), (0, 5, "0.00"), (5, 5, "100.00"),
                        (INT64_MAX, INT64_MAX, "100.00"), (1, INT64_MAX, "0.00")):
        probs.run(check_eq, env.pg.scalar("SELECT ssc.share_json(%d, %d) ->> 'percent'"
                                          % (n, dd)), want, "share_json(%d, %d)" % (n, dd))
    probs.raise_if_any()


def case_currency_overflow(env):
    """Mixing currencies is INVALID_ARGUMENT (a budget or co-financing line,
    an approval's amount or pool, a disbursement, an adjustment), and so is
    an amount past int64 (lines adding up, a top-up); nothing is changed."""
    pb, fx = env.pb, env.fx
    probs = Problems()
    mb = env.apps("ministry-b")
    S = pb.BUDGET_CATEGORY_STAFF_COMPENSATION
    c = new_collab(env, "Currencies")
    # Lines in another currency, on Create and on Edit.
    for budget, cofin, needles in (
            ([bline(env, S, 2025, 100, "EUR")], [],
             ("budget line 1: the amount is in EUR, the application in DKK",)),
            ([bline(env, S, 2025, 100), bline(env, S, 2025, 100, "")], [],
             ("budget line 2: the amount is in no currency, the application in DKK",)),
            ([bline(env, S, 2025, 100)], [cline(env, 10, "SEK", funder_name="EU")],
             ("cofinancing line 1: the amount is in SEK, the application in DKK",)),
            ([bline(env, S, 2025, 2 ** 62), bline(env, S, 2025, 2 ** 62)], [],
             ("budget: the lines add up to 9223372036854775808, more than the largest amount "
              "(9223372036854775807 minor units)",)),
            ([bline(env, S, 2025, INT64_MAX), bline(env, S, 2026, 1)], [],
             ("budget: the lines add up to 9223372036854775808",)),
            ([bline(env, S, 2025, INT64_MAX)],
             [cline(env, INT64_MAX, funder_name="A"), cline(env, 1, funder_name="B")],
             ("cofinancing: the lines add up to 9223372036854775808",)),
            ([bline(env, S, 2025, 100)], [cline(env, 101, funder_name="EU")],
             ("cofinancing: the co-financing (DKK 1.01) is more than the budget (DKK 1.00)",))):
        probs.run(refuse, env, lambda: new_app(env, collab=c, budget=budget, cofinancing=cofin),
                  IA, *needles, what="Create: %s" % (needles,))
    d = new_app(env, collab=c, title="Currency draft")
    for mask, kw, needles in (
            (["currency"], dict(currency="EUR"),
             ("budget line 1: the amount is in DKK, the application in EUR",)),
            (["budget"], dict(budget=[bline(env, S, 2025, 100, "EUR")]),
             ("budget line 1: the amount is in EUR, the application in DKK",)),
            (["budget"], dict(budget=[bline(env, S, 2025, 2 ** 62),
                                      bline(env, S, 2025, 2 ** 62)]),
             ("budget: the lines add up to 9223372036854775808",)),
            (["cofinancing"], dict(cofinancing=[cline(env, 1, "EUR", funder_name="EU")]),
             ("cofinancing line 1: the amount is in EUR, the application in DKK",))):
        probs.run(refuse, env, lambda: mb.Edit(pb.EditApplicationRequest(
            id=d.id, update_mask=mask, **kw), timeout=T), IA, *needles,
            what="Edit %s: %s" % (mask, needles))
    # The largest amount itself is a budget like any other.
    x = mb.Edit(pb.EditApplicationRequest(id=d.id, update_mask=["budget"],
                                          budget=[bline(env, S, 2025, INT64_MAX)]), timeout=T)
    check_eq(x.figures.requested.amount_minor, INT64_MAX, "a budget of INT64_MAX")
    # Approvals, disbursements and adjustments in another currency.
    a = under_review(env, 1000 * 100, title="Currency approval", collab=c)
    probs.run(refuse, env, lambda: approve(env, "secretariat", a.id, fx.pool.id, 100, "EUR"), IA,
              "amount: is in EUR, application %d in DKK" % a.id, what="approve in EUR")
    probs.run(refuse, env, lambda: approve(env, "secretariat", a.id, fx.pool_eur.id, 100), IA,
              "pool_id: pool %d is in EUR, application %d in DKK" % (fx.pool_eur.id, a.id),
              what="approve from a EUR pool")
    probs.run(refuse, env, lambda: approve(env, "secretariat", fx.interloc.id, fx.pool.id, 100),
              FP, "is approved", what="approve a EUR application from a DKK pool, too late")
    al = fx.approved[0][1]
    probs.run(refuse, env, lambda: disburse(env, al.id, 100, currency="EUR"), IA,
              "amount: is in EUR, allocation %d in DKK" % al.id, what="disburse EUR")
    probs.run(refuse, env, lambda: disburse(env, fx.interloc.allocation_id, 100), IA,
              "amount: is in DKK, allocation %d in EUR" % fx.interloc.allocation_id,
              what="disburse DKK from a EUR allocation")
    probs.run(refuse, env, lambda: adjust(env, fx.pool.id, pb.ADJUSTMENT_KIND_REDUCTION, 100,
                                          "EUR"), IA,
              "amount: is in EUR, pool %d is in DKK" % fx.pool.id, what="reduce in EUR")
    probs.run(refuse, env, lambda: adjust(env, fx.pool_eur.id, pb.ADJUSTMENT_KIND_TOP_UP, 100),
              IA, "amount: is in DKK, pool %d is in EUR" % fx.pool_eur.id, what="top up in DKK")
    probs.run(refuse, env, lambda: adjust(env, fx.pool.id, pb.ADJUSTMENT_KIND_TOP_UP,
                                          INT64_MAX), IA,
              "amount: pool %d's total would pass the largest amount" % fx.pool.id,
              what="a top-up past int64")
    probs.raise_if_any()


# --------------------------------------------------------------------------
# money moving: the pool's figures, disbursements, releases


def check_pool_sums(env, pool_id, what):
    """The pool row holds the sums over its allocations, and each allocation
    the sum of its disbursements net of reversals."""
    rows = env.pg.rows(
        "SELECT p.committed_minor = coalesce(sum(a.amount_minor - a.released_minor), 0), "
        "p.disbursed_minor = coalesce(sum(a.disbursed_minor), 0), p.allocations = count(a.id) "
        "FROM ssc.pools p LEFT JOIN ssc.allocations a ON a.pool_id = p.id WHERE p.id = %d "
        "GROUP BY p.id" % pool_id)
    check_eq(rows, [["t", "t", "t"]], "%s: the pool row holds the sums of its allocations" % what)
    bad = env.pg.rows(
        "SELECT a.id FROM ssc.allocations a WHERE a.pool_id = %d AND a.disbursed_minor <> "
        "(SELECT coalesce(sum(CASE WHEN d.kind = 'reversal' THEN -d.amount_minor "
        "ELSE d.amount_minor END), 0) FROM ssc.disbursements d WHERE d.allocation_id = a.id)"
        % pool_id)
    check_eq(bad, [], "%s: allocations whose disbursed is not the sum of their disbursements"
             % what)


def case_money(env):
    """A pool of its own: after approvals, disbursements, reversals and
    releases its total, committed, disbursed and available are exact; a
    reduction below what is committed is FAILED_PRECONDITION with the
    figures; disbursements never pass their allocation; a reversal undoes
    its original once and is never reversed; compensation is not added
    through Add; a release waits for the collaboration to leave the phase
    and gives back exactly what is left."""
    pb, fx = env.pb, env.fx
    probs = Problems()
    sp = env.pools("secretariat")
    pool = sp.Create(pb.CreatePoolRequest(name="SSC 2027", fiscal_year=2027,
                                          total=money(env, 100 * MDKK)), timeout=T)
    model = {"total": 100 * MDKK, "committed": 0, "disbursed": 0}

    def expect(what):
        p = get_pool(env, pool.id)
        m = model
        check_eq(figures(p), (m["total"], m["committed"], m["disbursed"],
                              m["total"] - m["committed"]), "pool after %s" % what)
        check_pool_sums(env, pool.id, what)
        return p
    cx = new_collab(env, "Money X")
    cy = new_collab(env, "Money Y")
    x = under_review(env, 5 * MDKK, title="Money X", collab=cx)
    y = under_review(env, 8 * MDKK, title="Money Y", collab=cy)
    X = approve(env, "secretariat", x.id, pool.id, 5 * MDKK).allocation_id
    model["committed"] += 5 * MDKK
    expect("approving X")
    Y = approve(env, "secretariat", y.id, pool.id, 7 * MDKK).allocation_id
    model["committed"] += 7 * MDKK
    check_eq(expect("approving Y for less").allocations, 2, "allocations of the pool")

    d1 = disburse(env, X, MDKK, reference="ADV-1")
    check_eq((d1.allocation_id, d1.kind, d1.amount.amount_minor, d1.amount.currency, d1.paid_on,
              d1.reference, d1.reverses_id, d1.reversed_by_id, d1.principal),
             (X, pb.DISBURSEMENT_KIND_ADVANCE, MDKK, "DKK", "2025-04-01", "ADV-1", 0, 0,
              env.label("secretariat")), "an advance")
    d2 = disburse(env, X, MDKK // 2, kind=pb.DISBURSEMENT_KIND_EXPENSE, reference="EXP-1")
    model["disbursed"] += MDKK + MDKK // 2
    expect("two disbursements from X")
    al = get_alloc(env, X)
    check_eq((al.disbursed.amount_minor, al.remaining.amount_minor, al.released.amount_minor),
             (MDKK + MDKK // 2, 3 * MDKK + MDKK // 2, 0), "X after two disbursements")
    probs.run(refuse, env, lambda: disburse(env, X, 3 * MDKK + MDKK // 2 + 1), FP,
              "allocation %d has DKK 3,500,000.00 left (DKK 5,000,000.00 allocated, "
              "DKK 1,500,000.00 disbursed, DKK 0.00 released); a disbursement of "
              "DKK 3,500,000.01 would pass it" % X, what="a disbursement past the allocation")
    d3 = disburse(env, Y, 7 * MDKK, kind=pb.DISBURSEMENT_KIND_EXPENSE)
    model["disbursed"] += 7 * MDKK
    expect("disbursing all of Y")
    probs.run(refuse, env, lambda: disburse(env, Y, 1), FP,
              "allocation %d has DKK 0.00 left" % Y, "a disbursement of DKK 0.01 would pass it",
              what="one øre past a spent allocation")
    for kind, amount, extra, code, needles in (
            (pb.DISBURSEMENT_KIND_COMPENSATION, 100, {}, IA,
             ("kind: must be advance or expense, not compensation (compensation is booked by "
              "payroll reconciliation, a reversal by Reverse)",)),
            (pb.DISBURSEMENT_KIND_REVERSAL, 100, {}, IA, ("not reversal",)),
            (pb.DISBURSEMENT_KIND_UNSPECIFIED, 100, {}, IA, ("kind: must be advance or expense, "
                                                              "not unset",)),
            (pb.DISBURSEMENT_KIND_ADVANCE, 0, {}, IA, ("amount: must be more than 0",)),
            (pb.DISBURSEMENT_KIND_ADVANCE, -1, {}, IA, ("amount: the amount must not be "
                                                        "negative",)),
            (pb.DISBURSEMENT_KIND_ADVANCE, 100, {"paid_on": "2025-02-30"}, IA,
             ("paid_on: 2025-02-30 is not a calendar date",)),
            (pb.DISBURSEMENT_KIND_ADVANCE, 100, {"reference": "r" * 201}, IA,
             ("reference: must be at most 200 characters",))):
        req = pb.AddDisbursementRequest(allocation_id=X, kind=kind, amount=money(env, amount),
                                        **extra)
        probs.run(refuse, env, lambda: env.disb().Add(req, timeout=T), code, *needles,
                  what="Add %s %d %s" % (pb.DisbursementKind.Name(kind), amount, extra))
    probs.run(refuse, env, lambda: disburse(env, NOWHERE, 100), NF,
              "allocation %d not found" % NOWHERE, what="disburse from no allocation")

    r2 = reverse(env, d2.id, reason="Booked twice")
    check_eq((r2.kind, r2.reverses_id, r2.amount.amount_minor, r2.allocation_id, r2.reason,
              r2.reference), (pb.DISBURSEMENT_KIND_REVERSAL, d2.id, MDKK // 2, X,
                              "Booked twice", "EXP-1"), "the reversal")
    check_eq(env.disb().Get(pb.GetDisbursementRequest(id=d2.id), timeout=T).reversed_by_id,
             r2.id, "the original names its reversal")
    model["disbursed"] -= MDKK // 2
    expect("reversing the expense")
    probs.run(refuse, env, lambda: reverse(env, d2.id), FP,
              "disbursement %d was reversed already (by %d)" % (d2.id, r2.id),
              what="reversing twice")
    probs.run(refuse, env, lambda: reverse(env, r2.id), FP,
              "disbursement %d is a reversal; record the payment again instead of reversing it"
              % r2.id, what="reversing a reversal")
    probs.run(refuse, env, lambda: reverse(env, d1.id, reason=""), IA,
              "reason: must not be empty", what="a reversal without a reason")
    probs.run(refuse, env, lambda: reverse(env, NOWHERE), NF,
              "disbursement %d not found" % NOWHERE, what="reversing nothing")

    # A reduction below what is committed gives the figures.
    probs.run(refuse, env, lambda: adjust(env, pool.id, pb.ADJUSTMENT_KIND_REDUCTION,
                                          88 * MDKK + 1), FP,
              "pool %d has DKK 12,000,000.00 committed of its total DKK 100,000,000.00; a "
              "reduction of DKK 88,000,000.01 would leave DKK 11,999,999.99, below what is "
              "committed (at most DKK 88,000,000.00 can be taken away)" % pool.id,
              what="a reduction below committed")
    adjust(env, pool.id, pb.ADJUSTMENT_KIND_REDUCTION, 88 * MDKK)
    model["total"] -= 88 * MDKK
    expect("a reduction to exactly what is committed")
    z = under_review(env, 1, title="Money Z", collab=new_collab(env, "Money Z"))
    probs.run(refuse, env, lambda: approve(env, "secretariat", z.id, pool.id, 1), FP,
              "pool %d would be over-committed: it has DKK 0.00 available" % pool.id,
              what="one øre from a pool with nothing available")
    adjust(env, pool.id, pb.ADJUSTMENT_KIND_TOP_UP, 88 * MDKK)
    model["total"] += 88 * MDKK
    expect("topping it up again")

    # Releases: not while the collaboration is in the allocation's phase.
    ra = env.allocs("secretariat")
    probs.run(refuse, env, lambda: ra.Release(pb.ReleaseAllocationRequest(id=X), timeout=T), FP,
              "allocation %d is for the inception phase of collaboration %d, which has not "
              "closed (it is in inception); unused money is released when it does" % (X, cx.id),
              what="a release before the phase closes")
    for client in ("ministry-b", "auditor", "reconciler"):
        probs.run(refuse, env, lambda: env.allocs(client).Release(
            pb.ReleaseAllocationRequest(id=X), timeout=T), PD,
            "may not call /ssc.v1.Allocations/Release", what="Release by %s" % client)
    probs.run(refuse, env, lambda: ra.Release(pb.ReleaseAllocationRequest(id=NOWHERE), timeout=T),
              NF, "allocation %d not found" % NOWHERE, what="releasing nothing")
    env.collabs("secretariat").Transition(pb.TransitionRequest(id=cx.id,
                                                               to_phase=pb.PHASE_LONG_TERM),
                                          timeout=T)
    n_audit = env.count("ssc.audit", "entity = 'allocation' AND entity_id = '%d'" % X)
    r = ra.Release(pb.ReleaseAllocationRequest(id=X, reason="Inception over"), timeout=T)
    check_eq((r.status, r.released.amount_minor, r.disbursed.amount_minor,
              r.remaining.amount_minor, r.amount.amount_minor),
             (pb.ALLOCATION_STATUS_RELEASED, 4 * MDKK, MDKK, 0, 5 * MDKK), "X released")
    check(r.released_at, "released_at is set")
    model["committed"] -= 4 * MDKK
    expect("releasing X (exactly what was left)")
    check_eq(env.count("ssc.audit", "entity = 'allocation' AND entity_id = '%d'" % X) - n_audit,
             1, "audit rows of the release")
    probs.run(refuse, env, lambda: ra.Release(pb.ReleaseAllocationRequest(id=X), timeout=T), FP,
              "allocation %d has nothing left to release (DKK 1,000,000.00 disbursed, "
              "DKK 4,000,000.00 released of DKK 5,000,000.00)" % X, what="releasing twice")
    probs.run(refuse, env, lambda: disburse(env, X, 1), FP,
              "allocation %d has DKK 0.00 left" % X, what="disbursing from a released allocation")
    # A reversal after the release frees money; releasing again gives it back.
    reverse(env, d1.id)
    model["disbursed"] -= MDKK
    expect("reversing the advance after the release")
    check_eq(get_alloc(env, X).remaining.amount_minor, MDKK, "X's remaining after the reversal")
    r = ra.Release(pb.ReleaseAllocationRequest(id=X), timeout=T)
    check_eq((r.released.amount_minor, r.remaining.amount_minor), (5 * MDKK, 0), "X released whole")
    model["committed"] -= MDKK
    expect("releasing what the reversal freed")
    probs.run(refuse, env, lambda: ra.Release(pb.ReleaseAllocationRequest(id=Y), timeout=T), FP,
              "allocation %d has nothing left to release (DKK 7,000,000.00 disbursed, DKK 0.00 "
              "released of DKK 7,000,000.00)" % Y, what="releasing Y, spent")
    reverse(env, d3.id)
    model["disbursed"] -= 7 * MDKK
    expect("reversing Y's expense")
    probs.run(refuse, env, lambda: ra.Release(pb.ReleaseAllocationRequest(id=Y), timeout=T), FP,
              "allocation %d is for the inception phase of collaboration %d, which has not "
              "closed (it is in inception)" % (Y, cy.id), what="releasing Y before its phase ends")
    # Cancelling the collaboration ends it too.
    env.collabs("secretariat").Transition(pb.TransitionRequest(id=cy.id,
                                                               to_phase=pb.PHASE_CANCELLED),
                                          timeout=T)
    r = ra.Release(pb.ReleaseAllocationRequest(id=Y, reason="Cancelled"), timeout=T)
    check_eq((r.released.amount_minor, r.release_reason), (7 * MDKK, "Cancelled"),
             "Y released after the cancellation")
    model["committed"] -= 7 * MDKK
    expect("releasing Y")
    lst = env.disb().List(pb.ListDisbursementsRequest(allocation_id=X), timeout=T).disbursements
    check_eq([(d.kind, d.amount.amount_minor, d.reverses_id) for d in lst],
             [(pb.DISBURSEMENT_KIND_ADVANCE, MDKK, 0), (pb.DISBURSEMENT_KIND_EXPENSE, MDKK // 2, 0),
              (pb.DISBURSEMENT_KIND_REVERSAL, MDKK // 2, d2.id),
              (pb.DISBURSEMENT_KIND_REVERSAL, MDKK, d1.id)], "X's disbursements")
    check_eq([d.id for d in env.disb().List(pb.ListDisbursementsRequest(
        kind=pb.DISBURSEMENT_KIND_REVERSAL, allocation_id=X), timeout=T).disbursements],
        [r2.id, lst[3].id], "X's reversals")
    check_eq([a.id for a in ra.List(pb.ListAllocationsRequest(pool_id=pool.id),
                                    timeout=T).allocations], [X, Y], "the pool's allocations")
    check_eq(figures(get_pool(env, pool.id)), (100 * MDKK, 0, 0, 100 * MDKK),
             "the pool at the end: everything released, nothing paid")
    fx.money = types.SimpleNamespace(pool=pool, X=X, Y=Y, d1=d1, d3=d3)
    probs.raise_if_any()


# --------------------------------------------------------------------------
# row-level security through the API


def list_ids(method, make_req, field):
    out, token = [], ""
    for _ in range(1000):
        r = method(make_req(E_PB.PageRequest(page_size=7, page_token=token)), timeout=T)
        out.extend(x.id for x in getattr(r, field))
        token = r.next_page_token
        if not token:
            return out
    raise CaseFailure("List did not end")


def db_ids(env, sql):
    return [int(r[0]) for r in env.pg.rows(sql)]


E_PB = None  # the flat pb namespace, set in main()


def case_rls_api(env):
    """Who reads what, role by role: a ministry its own and its agencies'
    applications, allocations and disbursements (another ministry gets
    NOT_FOUND, and nothing of them in its lists); the secretariat and the
    auditor everything; the reconciler allocations and disbursements, not
    applications; an embassy pools and tiers only; the admin tiers only;
    the auditor writes nothing. Every refusal changes nothing."""
    pb, w, fx = env.pb, env.world, env.fx
    probs = Problems()
    pool = fx.pool.id
    # Records of three scopes: the sibling ministry's, ministry A's own, and
    # its agency B's (made by the other cases, plus one drafted by A for B).
    cs = new_collab(env, "Sibling ministry's", lead=w.ministry_s)
    s_app = under_review(env, MDKK, title="Sibling's", collab=cs, client="ministry-s")
    s_app = approve(env, "secretariat", s_app.id, pool, MDKK)
    s_dis = disburse(env, s_app.allocation_id, 1000)
    ca = new_collab(env, "Ministry A's own", lead=w.ministry_a)
    a_app = under_review(env, MDKK, title="Ministry A's", collab=ca, client="ministry-a")
    probs.run(refuse, env, lambda: approve(env, "secretariat-kefm", a_app.id, pool, MDKK), PD,
              "belongs to organisation %d, the applicant or a ministry above it" % w.ministry_a.id,
              what="approval by a principal of the applicant ministry")
    # A principal of an agency below the applicant is neither.
    a_app = approve(env, "secretariat-dea", a_app.id, pool, MDKK)
    check_eq(a_app.status, pb.APPLICATION_STATUS_APPROVED, "approved by the agency's principal")
    a_dis = disburse(env, a_app.allocation_id, 2000)
    b_app, b_alloc = fx.approved[0]
    b_dis = disburse(env, b_alloc.id, 3000)
    by_a = new_app(env, client="ministry-a", collab=new_collab(env, "Drafted by A for B"),
                   title="Drafted by the parent ministry")
    check_eq(by_a.applicant_id, w.agency_b.id, "the applicant of a draft A made for B")
    # A collaboration led outside a ministry's scope is one it cannot see.
    probs.run(refuse, env, lambda: new_app(env, client="ministry-b", collab=cs), IA,
              "collaboration_id: collaboration %d not found" % cs.id,
              what="B applying for the sibling's collaboration")
    probs.run(refuse, env, lambda: new_app(env, client="ministry-b", collab=ca), IA,
              "collaboration_id: collaboration %d not found" % ca.id,
              what="B applying for its parent's collaboration")

    scopes = {"ministry-a": w.ministry_a.id, "ministry-b": w.agency_b.id,
              "ministry-s": w.ministry_s.id}
    apps_all = db_ids(env, "SELECT id FROM ssc.applications ORDER BY id")
    allocs_all = db_ids(env, "SELECT id FROM ssc.allocations ORDER BY id")
    dis_all = db_ids(env, "SELECT id FROM ssc.disbursements ORDER BY id")
    for client in ("secretariat", "auditor", "ministry-a", "ministry-b", "ministry-s",
                   "reconciler"):
        if client in scopes:
            scope = "ssc.org_subtree(%d)" % scopes[client]
            want_apps = db_ids(env, "SELECT id FROM ssc.applications WHERE applicant_id = ANY "
                                    "(%s) ORDER BY id" % scope)
            want_allocs = db_ids(env, "SELECT id FROM ssc.allocations WHERE organisation_id = "
                                      "ANY (%s) ORDER BY id" % scope)
            want_dis = db_ids(env, "SELECT d.id FROM ssc.disbursements d JOIN ssc.allocations a "
                                   "ON a.id = d.allocation_id WHERE a.organisation_id = ANY (%s) "
                                   "ORDER BY d.id" % scope)
        else:
            want_apps, want_allocs, want_dis = apps_all, allocs_all, dis_all
        if client != "reconciler":
            probs.run(lambda: check_eq(list_ids(env.apps(client).List, lambda pg:
                                                pb.ListApplicationsRequest(page=pg),
                                                "applications"), want_apps,
                                       "applications %s lists" % client))
        probs.run(lambda: check_eq(list_ids(env.allocs(client).List, lambda pg:
                                            pb.ListAllocationsRequest(page=pg), "allocations"),
                                   want_allocs, "allocations %s lists" % client))
        probs.run(lambda: check_eq(list_ids(env.disb(client).List, lambda pg:
                                            pb.ListDisbursementsRequest(page=pg),
                                            "disbursements"),
                                   want_dis, "disbursements %s lists" % client))
        # Get: each scope's record, visible or NOT_FOUND.
        for app, alloc, dis, org in ((s_app, s_app.allocation_id, s_dis, w.ministry_s.id),
                                     (a_app, a_app.allocation_id, a_dis, w.ministry_a.id),
                                     (b_app, b_alloc.id, b_dis, w.agency_b.id)):
            sees = client not in scopes or org in db_ids(
                env, "SELECT unnest(ssc.org_subtree(%d))" % scopes[client])
            calls = [("allocation", alloc, lambda: get_alloc(env, alloc, client)),
                     ("disbursement", dis.id, lambda: env.disb(client).Get(
                         pb.GetDisbursementRequest(id=dis.id), timeout=T))]
            if client != "reconciler":
                calls.append(("application", app.id, lambda: get_app(env, app.id, client)))
            for what, id_, fn in calls:
                if sees:
                    probs.run(lambda: check_eq(fn().id, id_, "%s gets %s %d" % (client, what, id_)))
                else:
                    probs.run(refuse, env, fn, NF, "%s %d not found" % (what, id_),
                              what="%s getting %s %d (org %d)" % (client, what, id_, org))
    # What another ministry cannot see it cannot touch either.
    ms = env.apps("ministry-s")
    for method, req in (
            ("Edit", pb.EditApplicationRequest(id=by_a.id, update_mask=["title"], title="x")),
            ("Submit", pb.ApplicationStepRequest(id=by_a.id)),
            ("Withdraw", pb.ApplicationStepRequest(id=by_a.id)),
            ("Comment", pb.CommentRequest(id=by_a.id, text="x")),
            ("ListComments", pb.ListCommentsRequest(application_id=by_a.id)),
            ("ListVersions", pb.ListVersionsRequest(application_id=b_app.id))):
        probs.run(refuse, env, lambda: getattr(ms, method)(req, timeout=T), NF,
                  "application %d not found" % (req.id if hasattr(req, "id") else
                                                req.application_id),
                  what="%s by another ministry" % method)
    # The parent ministry and the agency both work on B's draft.
    env.apps("ministry-a").Edit(pb.EditApplicationRequest(id=by_a.id, update_mask=["title"],
                                                          title="Edited by A"), timeout=T)
    check_eq(step(env, "ministry-b", "Submit", by_a.id).title, "Edited by A",
             "B submits what A drafted")

    # Role sets: each method, each role; refusals write nothing.
    bi, bv = b_app.id, b_app.submitted_version
    reads = [
        ("pools", "Get", pb.GetPoolRequest(id=pool), {"secretariat", "auditor", "ministry-a",
                                                      "reconciler", "embassy-vn"}),
        ("pools", "List", pb.ListPoolsRequest(), {"secretariat", "auditor", "ministry-a",
                                                  "reconciler", "embassy-vn"}),
        ("pools", "ListAdjustments", pb.ListAdjustmentsRequest(pool_id=pool),
         {"secretariat", "auditor"}),
        ("apps", "Get", pb.GetApplicationRequest(id=bi), {"secretariat", "auditor", "ministry-a"}),
        ("apps", "List", pb.ListApplicationsRequest(), {"secretariat", "auditor", "ministry-a"}),
        ("apps", "ListVersions", pb.ListVersionsRequest(application_id=bi),
         {"secretariat", "auditor", "ministry-a"}),
        ("apps", "GetVersion", pb.GetVersionRequest(application_id=bi, number=bv),
         {"secretariat", "auditor", "ministry-a"}),
        ("apps", "Diff", pb.DiffVersionsRequest(application_id=bi, **{"from": 1, "to": bv}),
         {"secretariat", "auditor", "ministry-a"}),
        ("apps", "ListComments", pb.ListCommentsRequest(application_id=bi),
         {"secretariat", "auditor", "ministry-a"}),
        ("apps", "ListTiers", pb.ListTiersRequest(), {"secretariat", "auditor", "ministry-a",
                                                      "reconciler", "embassy-vn", "admin"}),
        ("allocs", "Get", pb.GetAllocationRequest(id=b_alloc.id),
         {"secretariat", "auditor", "ministry-a", "reconciler"}),
        ("allocs", "List", pb.ListAllocationsRequest(),
         {"secretariat", "auditor", "ministry-a", "reconciler"}),
        ("disb", "Get", pb.GetDisbursementRequest(id=b_dis.id),
         {"secretariat", "auditor", "ministry-a", "reconciler"}),
        ("disb", "List", pb.ListDisbursementsRequest(),
         {"secretariat", "auditor", "ministry-a", "reconciler"})]
    svc_name = {"pools": "Pools", "apps": "Applications", "allocs": "Allocations",
                "disb": "Disbursements"}
    roles = {"secretariat": "secretariat", "auditor": "auditor", "ministry-a": "ministry",
             "reconciler": "reconciler", "embassy-vn": "embassy", "admin": "admin"}
    for svc, method, req, allowed in reads:
        for client in roles:
            fn = getattr(getattr(env, svc)(client), method)
            if client in allowed:
                probs.run(fn, req, timeout=T)
            else:
                probs.run(refuse, env, lambda: fn(req, timeout=T), PD,
                          "role %s may not call /ssc.v1.%s/%s" % (roles[client], svc_name[svc],
                                                                  method),
                          what="%s calling %s/%s" % (client, svc_name[svc], method))
    writes = [
        ("pools", "Create", pb.CreatePoolRequest(name="X", fiscal_year=2040,
                                                 total=money(env, 1)), {"secretariat"}),
        ("pools", "Adjust", pb.AdjustPoolRequest(pool_id=pool, kind=pb.ADJUSTMENT_KIND_TOP_UP,
                                                 amount=money(env, 1), reason="x"),
         {"secretariat"}),
        ("apps", "Create", pb.CreateApplicationRequest(collaboration_id=by_a.collaboration_id,
                                                       phase=pb.PHASE_INCEPTION, title="x",
                                                       currency="DKK"), {"ministry-a"}),
        ("apps", "Edit", pb.EditApplicationRequest(id=by_a.id, update_mask=["title"],
                                                   title="x"), {"ministry-a"}),
        ("apps", "Submit", pb.ApplicationStepRequest(id=by_a.id), {"ministry-a"}),
        ("apps", "Withdraw", pb.ApplicationStepRequest(id=by_a.id), {"ministry-a"}),
        ("apps", "StartReview", pb.ApplicationStepRequest(id=by_a.id), {"secretariat"}),
        ("apps", "ReturnForRevision", pb.ApplicationStepRequest(id=by_a.id, reason="x"),
         {"secretariat"}),
        ("apps", "Reject", pb.ApplicationStepRequest(id=by_a.id, reason="x"), {"secretariat"}),
        ("apps", "Comment", pb.CommentRequest(id=by_a.id, text="x"),
         {"secretariat", "ministry-a"}),
        ("apps", "Approve", pb.ApproveRequest(id=by_a.id, pool_id=pool, amount=money(env, 1)),
         {"secretariat"}),
        ("apps", "Recommend", pb.RecommendRequest(id=by_a.id, on_date="2025-01-01",
                                                  reference="x"), {"secretariat"}),
        ("apps", "SignOff", pb.SignOffRequest(id=by_a.id, signed_by="x", on_date="2025-01-01",
                                              reference="x"), {"secretariat"}),
        ("apps", "SetTiers", pb.SetTiersRequest(currency="NOK", tiers=[pb.ApprovalTier(
            approvals=1)]), {"admin"}),
        ("allocs", "Release", pb.ReleaseAllocationRequest(id=b_alloc.id), {"secretariat"}),
        ("disb", "Add", pb.AddDisbursementRequest(allocation_id=b_alloc.id,
                                                  kind=pb.DISBURSEMENT_KIND_ADVANCE,
                                                  amount=money(env, 1)), {"secretariat"}),
        ("disb", "Reverse", pb.ReverseDisbursementRequest(id=b_dis.id, reason="x"),
         {"secretariat"})]
    for svc, method, req, allowed in writes:
        for client in roles:
            if client in allowed:
                continue
            fn = getattr(getattr(env, svc)(client), method)
            probs.run(refuse, env, lambda: fn(req, timeout=T), PD,
                      "role %s may not call /ssc.v1.%s/%s" % (roles[client], svc_name[svc], method),
                      what="%s calling %s/%s" % (client, svc_name[svc], method))
    fx.rls = types.SimpleNamespace(s_app=s_app, a_app=a_app, b_app=b_app, b_alloc=b_alloc,
                                   s_dis=s_dis, a_dis=a_dis, b_dis=b_dis, by_a=by_a)
    probs.raise_if_any()


# --------------------------------------------------------------------------
# row-level security and privileges as ssc_app in SQL


VISIBLE_SQL = """SELECT
  (SELECT coalesce(string_agg(id::text, ',' ORDER BY id), '') FROM ssc.applications),
  (SELECT coalesce(string_agg(id::text, ',' ORDER BY id), '') FROM ssc.application_versions),
  (SELECT coalesce(string_agg(id::text, ',' ORDER BY id), '') FROM ssc.application_comments),
  (SELECT coalesce(string_agg(id::text, ',' ORDER BY id), '') FROM ssc.application_approvals),
  (SELECT coalesce(string_agg(application_id || '.' || version, ',' ORDER BY application_id),
                   '') FROM ssc.application_recommendations),
  (SELECT coalesce(string_agg(application_id || '.' || version, ',' ORDER BY application_id),
                   '') FROM ssc.application_signoffs),
  (SELECT coalesce(string_agg(id::text, ',' ORDER BY id), '') FROM ssc.allocations),
  (SELECT coalesce(string_agg(id::text, ',' ORDER BY id), '') FROM ssc.disbursements),
  (SELECT coalesce(string_agg(id::text, ',' ORDER BY id), '') FROM ssc.pool_adjustments),
  (SELECT coalesce(string_agg(id::text, ',' ORDER BY id), '') FROM ssc.pools),
  (SELECT count(*)::text FROM ssc.approval_tiers),
  (SELECT count(*)::text FROM ssc.application_steps)"""
VISIBLE_TABLES = ("applications", "application_versions", "application_comments",
                  "application_approvals", "application_recommendations",
                  "application_signoffs", "allocations", "disbursements", "pool_adjustments",
                  "pools", "approval_tiers", "application_steps")


def expected_visible(env, apps, allocs, adjustments, any_role=True):
    """VISIBLE_SQL's row as the owner computes it for a session that sees
    the applications `apps`, the allocations `allocs` (SQL predicates on
    a and al) and the adjustments if `adjustments`."""
    q = VISIBLE_SQL
    q = q.replace("FROM ssc.applications)", "FROM ssc.applications a WHERE %s)" % apps)
    for t in ("application_versions", "application_comments", "application_approvals",
              "application_recommendations", "application_signoffs"):
        q = q.replace("FROM ssc.%s)" % t, "FROM ssc.%s x WHERE EXISTS (SELECT FROM "
                      "ssc.applications a WHERE a.id = x.application_id AND %s))" % (t, apps))
    q = q.replace("FROM ssc.allocations)", "FROM ssc.allocations al WHERE %s)" % allocs)
    q = q.replace("FROM ssc.disbursements)", "FROM ssc.disbursements d WHERE EXISTS (SELECT "
                  "FROM ssc.allocations al WHERE al.id = d.allocation_id AND %s))" % allocs)
    q = q.replace("FROM ssc.pool_adjustments)", "FROM ssc.pool_adjustments WHERE %s)"
                  % ("true" if adjustments else "false"))
    if not any_role:
        for t in ("pools)", "approval_tiers)", "application_steps)"):
            q = q.replace("FROM ssc.%s" % t, "FROM ssc.%s WHERE false)" % t[:-1])
    return env.pg.rows(q)[0]


def case_rls_sql(env):
    """As ssc_app after begin_call as each role, plain SELECTs see what the
    API shows: a ministry its scope's applications and what hangs on them,
    and its scope's allocations and their disbursements; the secretariat and
    the auditor all; the reconciler allocations and disbursements; an
    embassy and the admin none of them; pools, tiers and steps every role;
    without begin_call nothing. Plain writes that would break a rule fail:
    the figures of pools and allocations, disbursements and decisions are
    not writable, an allocation needs an approved application, the
    approval and workflow rules hold in SQL too."""
    w, fx = env.world, env.fx
    probs = Problems()
    every = "true"
    none = "false"
    sessions = {
        "secretariat": (every, every, True), "auditor": (every, every, True),
        "reconciler": (none, every, False), "embassy-vn": (none, none, False),
        "admin": (none, none, False)}
    for client, org in (("ministry-a", w.ministry_a), ("ministry-b", w.agency_b),
                        ("ministry-s", w.ministry_s)):
        sessions[client] = ("a.applicant_id = ANY (ssc.org_subtree(%d))" % org.id,
                            "al.organisation_id = ANY (ssc.org_subtree(%d))" % org.id, False)
    for client, (apps, allocs, adjustments) in sessions.items():
        got = env.app_sql(client, VISIBLE_SQL + ";")[-1]
        want = expected_visible(env, apps, allocs, adjustments)
        for t, g, x in zip(VISIBLE_TABLES, got, want):
            if g != x:
                probs.add("ssc_app as %s sees %s rows %s, want %s" % (client, t, g, x))
        if client.startswith("ministry"):
            probs.run(check, want[0] != "" or client == "ministry-s",
                      "%s should see some applications" % client)
    # Without begin_call: nothing at all.
    got = env.pg.rows(VISIBLE_SQL + ";", role=P.APP)[-1]
    want = expected_visible(env, none, none, False, any_role=False)
    probs.run(check_eq, got, want, "what ssc_app sees without begin_call")
    probs.run(check_eq, got[:10], [""] * 10, "ids visible without begin_call")

    # Plain writes.
    c = new_collab(env, "SQL writes")
    ur = under_review(env, MDKK, title="SQL under review", collab=c)
    sub = new_app(env, collab=c, title="SQL submitted")
    step(env, "ministry-b", "Submit", sub.id)
    b_app, b_alloc = fx.approved[0]
    open_alloc = fx.approved[1][1]  # its collaboration is still in inception
    pool = fx.pool.id
    denied = "permission denied for table %s"
    rls = 'new row violates row-level security policy for table "%s"'
    for client, sql, needle in (
            ("secretariat", "UPDATE ssc.pools SET total_minor = total_minor + 1;",
             denied % "pools"),
            ("secretariat", "UPDATE ssc.pools SET committed_minor = 0;", denied % "pools"),
            ("secretariat", "UPDATE ssc.pools SET disbursed_minor = 0;", denied % "pools"),
            ("secretariat", "INSERT INTO ssc.pools (name, fiscal_year, currency, total_minor) "
             "VALUES ('x', 2050, 'DKK', 100);", denied % "pools"),
            ("secretariat", "DELETE FROM ssc.pools;", denied % "pools"),
            ("ministry-a", "INSERT INTO ssc.pools (name, fiscal_year, currency) VALUES "
             "('x', 2050, 'DKK');", rls % "pools"),
            ("secretariat", "UPDATE ssc.pool_adjustments SET amount_minor = 1;",
             denied % "pool_adjustments"),
            ("secretariat", "DELETE FROM ssc.pool_adjustments;", denied % "pool_adjustments"),
            ("ministry-a", "INSERT INTO ssc.pool_adjustments (pool_id, kind, amount_minor, "
             "currency, reason) VALUES (%d, 'top_up', 1, 'DKK', 'x');" % pool,
             rls % "pool_adjustments"),
            ("secretariat", "UPDATE ssc.allocations SET amount_minor = 1;", denied % "allocations"),
            ("secretariat", "UPDATE ssc.allocations SET disbursed_minor = 0;",
             denied % "allocations"),
            ("secretariat", "DELETE FROM ssc.allocations;", denied % "allocations"),
            ("secretariat", "UPDATE ssc.allocations SET released_minor = amount_minor - "
             "disbursed_minor WHERE id = %d;" % open_alloc.id,
             "allocation %d is for the inception phase of collaboration %d, which has not closed"
             % (open_alloc.id, open_alloc.collaboration_id)),
            ("secretariat", "INSERT INTO ssc.allocations (pool_id, application_id, amount_minor, "
             "currency) VALUES (%d, %d, %d, 'DKK');" % (pool, ur.id, MDKK),
             "application %d is not approved; only its approval allocates money" % ur.id),
            ("secretariat", "INSERT INTO ssc.allocations (pool_id, application_id, amount_minor, "
             "currency) VALUES (%d, %d, %d, 'DKK');" % (pool, sub.id, 1),
             "application %d is not approved" % sub.id),
            ("secretariat", "INSERT INTO ssc.allocations (pool_id, application_id, amount_minor, "
             "currency) VALUES (%d, %d, %d, 'DKK');"
             % (pool, b_app.id, b_alloc.amount.amount_minor),
             "allocations_application_id_key"),
            ("secretariat", "INSERT INTO ssc.allocations (pool_id, application_id, amount_minor, "
             "currency) VALUES (%d, %d, %d, 'DKK');" % (pool, b_app.id, 1),
             "an allocation for application %d is what its approvals agreed" % b_app.id),
            ("ministry-b", "INSERT INTO ssc.allocations (pool_id, application_id, amount_minor, "
             "currency) VALUES (%d, %d, %d, 'DKK');"
             % (pool, b_app.id, b_alloc.amount.amount_minor),
             "role ministry may not allocate money"),
            ("secretariat", "UPDATE ssc.disbursements SET amount_minor = 1;",
             denied % "disbursements"),
            ("secretariat", "DELETE FROM ssc.disbursements;", denied % "disbursements"),
            ("ministry-b", "INSERT INTO ssc.disbursements (allocation_id, kind, amount_minor, "
             "currency, paid_on) VALUES (%d, 'advance', 1, 'DKK', '2025-01-01');" % b_alloc.id,
             "role ministry may not record disbursements"),
            ("secretariat", "INSERT INTO ssc.disbursements (allocation_id, kind, amount_minor, "
             "currency, paid_on) VALUES (%d, 'compensation', %d, 'DKK', '2025-01-01');"
             % (open_alloc.id, open_alloc.amount.amount_minor + 1),
             "allocation %d has" % open_alloc.id),
            ("secretariat", "UPDATE ssc.application_approvals SET amount_minor = 1;",
             denied % "application_approvals"),
            ("secretariat", "DELETE FROM ssc.application_approvals;",
             denied % "application_approvals"),
            ("secretariat-dea", "INSERT INTO ssc.application_approvals (application_id, pool_id, "
             "amount_minor, currency) VALUES (%d, %d, %d, 'DKK');" % (ur.id, pool, MDKK),
             "it may not approve application %d" % ur.id),
            ("ministry-b", "INSERT INTO ssc.application_approvals (application_id, pool_id, "
             "amount_minor, currency) VALUES (%d, %d, %d, 'DKK');" % (ur.id, pool, MDKK),
             "role ministry may not record an approval"),
            ("secretariat", "UPDATE ssc.applications SET status = 'approved' WHERE id = %d;"
             % ur.id, "application %d cannot be approved yet; it needs 1 approval" % ur.id),
            ("ministry-b", "UPDATE ssc.applications SET status = 'under_review' WHERE id = %d;"
             % sub.id, "role ministry may not move application %d from submitted to under_review"
             % sub.id),
            ("ministry-b", "UPDATE ssc.applications SET title = 'x' WHERE id = %d;" % sub.id,
             "application %d is submitted; only a draft or a returned application is edited"
             % sub.id),
            ("ministry-b", "UPDATE ssc.applications SET requested = 1 WHERE id = %d;" % sub.id,
             denied % "applications"),
            ("ministry-b", "DELETE FROM ssc.applications;", denied % "applications"),
            ("secretariat", "UPDATE ssc.application_comments SET text = 'x';",
             denied % "application_comments"),
            ("secretariat", "INSERT INTO ssc.approval_tiers (currency, up_to_minor, approvals) "
             "VALUES ('DKK', 5, 1);", rls % "approval_tiers"),
            ("admin", "UPDATE ssc.approval_tiers SET approvals = 1;", denied % "approval_tiers")):
        err = probs.run(env.app_sql_error, client, sql)
        if err is not None and needle not in err:
            probs.add("as ssc_app (%s) %s: %s, want %r" % (client, sql, err.strip(), needle))
    # What the grants allow is still judged: a pool's name, by the secretariat.
    probs.run(check_eq, env.app_sql("secretariat", "UPDATE ssc.pools SET name = 'Renamed' WHERE "
                                                   "id = %d RETURNING version;" % pool),
              [[str(get_pool(env, pool).version + 1)]], "renaming a pool in SQL (rolled back)")
    probs.run(check_eq, env.app_sql("ministry-a", "UPDATE ssc.pools SET name = 'Renamed' "
                                                  "RETURNING id;"), [],
              "pools a ministry may rename in SQL")
    probs.raise_if_any()


# --------------------------------------------------------------------------
# idempotency


def case_idempotency(env):
    """A retried Approve or Disburse (or Reverse) with its key answers the
    first response, even after the state moved on, and writes nothing; the
    same key with another request is ALREADY_EXISTS."""
    pb, fx = env.pb, env.fx
    probs = Problems()
    K = "funding-idem-%d-" % os.getpid()
    pool = fx.pool.id
    c = new_collab(env, "Idempotency")
    a = under_review(env, 20 * MDKK, title="Idempotent approvals", collab=c)

    def retried(fn, first, what):
        before = env.snapshot()
        again = fn()
        check_eq(again, first, "%s: the retry's answer" % what)
        changed = env.changed_since(before)
        check(not changed, "%s: the retry changed %s" % (what, changed))
    r1 = approve(env, "secretariat", a.id, pool, 20 * MDKK, key=K + "a1")
    check_waiting(env, r1, ["1 more approval"], "after the first approval")
    retried(lambda: approve(env, "secretariat", a.id, pool, 20 * MDKK, key=K + "a1"), r1,
            "a first approval retried")
    probs.run(refuse, env, lambda: approve(env, "secretariat", a.id, pool, 19 * MDKK,
                                           key=K + "a1"), AE,
              'idempotency key "%sa1" was already used for a different request' % K,
              what="the key of the first approval with another amount")
    r2 = approve(env, "secretariat-2", a.id, pool, 20 * MDKK, key=K + "a2")
    check_eq(r2.status, pb.APPLICATION_STATUS_APPROVED, "the completing approval")
    retried(lambda: approve(env, "secretariat-2", a.id, pool, 20 * MDKK, key=K + "a2"), r2,
            "the completing approval retried")
    retried(lambda: approve(env, "secretariat", a.id, pool, 20 * MDKK, key=K + "a1"), r1,
            "the first approval retried after the completion")
    check_eq((env.count("ssc.application_approvals", "application_id = %d" % a.id),
              env.count("ssc.allocations", "application_id = %d" % a.id)), (2, 1),
             "approvals and allocations after the retries")
    # Without a key, a repeat is a new request, refused by the rules.
    probs.run(refuse, env, lambda: approve(env, "secretariat-2", a.id, pool, 20 * MDKK), FP,
              "is approved", what="the completing approval repeated without its key")
    al = r2.allocation_id
    d = disburse(env, al, 2 * MDKK, key=K + "d1")
    retried(lambda: disburse(env, al, 2 * MDKK, key=K + "d1"), d, "a disbursement retried")
    check_eq(get_alloc(env, al).disbursed.amount_minor, 2 * MDKK, "disbursed once")
    probs.run(refuse, env, lambda: disburse(env, al, 3 * MDKK, key=K + "d1"), AE,
              "was already used for a different request", what="the disbursement's key reused")
    rv = env.disb().Reverse(pb.ReverseDisbursementRequest(idempotency_key=K + "r1", id=d.id,
                                                          reason="wrong account"), timeout=T)
    retried(lambda: env.disb().Reverse(pb.ReverseDisbursementRequest(
        idempotency_key=K + "r1", id=d.id, reason="wrong account"), timeout=T), rv,
        "a reversal retried")
    check_eq(get_alloc(env, al).disbursed.amount_minor, 0, "reversed once")
    # A key is its principal's: the same key from another is a new request.
    d2 = disburse(env, al, MDKK, key=K + "d1", client="secretariat-2")
    check(d2.id != d.id, "another principal's key is another key")
    probs.raise_if_any()


# --------------------------------------------------------------------------


CASES = [
    ("pools", case_pools),
    ("workflow", case_workflow),
    ("validation", case_validation),
    ("versions", case_versions),
    ("tiers", case_tiers),
    ("decisions", case_decisions),
    ("completion", case_completion),
    ("shares", case_shares),
    ("currency_overflow", case_currency_overflow),
    ("money", case_money),
    ("rls_api", case_rls_api),
    ("rls_sql", case_rls_sql),
    ("idempotency", case_idempotency),
]


def main():
    global E_PB
    args = E.parse_args(__doc__)
    runner = H.Runner("funding", only=args.only, verbose=args.verbose)
    env = FundingEnv(args, "funding")
    env.fx = types.SimpleNamespace()
    E_PB = env.pb
    runner.after_each = env.after_each
    try:
        env.setup()
    except Exception:  # noqa: BLE001 - report and stop
        runner.record("setup", ["could not set up:\n" + traceback.format_exc()])
        return env.teardown(runner)
    # The pools every other case uses are made even when --only leaves
    # their case out.
    if not runner.wanted("pools"):
        try:
            case_pools(env)
        except Exception:  # noqa: BLE001
            runner.record("pools", ["could not make the pools:\n" + traceback.format_exc()])
            return env.teardown(runner)
    for name, fn in CASES:
        runner.run(name, fn, env, timeout=300)
    env.close_sessions()
    return env.teardown(runner)


if __name__ == "__main__":
    sys.exit(main())
