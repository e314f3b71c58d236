#!/usr/bin/python3
"""Domain suite: the Matchmaking, Collaborations, Agreements, Secondments and
Radar services through a real grpcio client against a real sscd on a real
PostgreSQL.

Starts a throwaway PostgreSQL 15 cluster (tests/lib/pg_harness.py), runs
`sscd migrate` and `sscd add-admin`, starts sscd, registers a small world
(tests/domain/domain_env.py: a ministry with an agency and a sub-agency, a
sibling ministry, partner authorities, embassies, and a principal for every
role), then checks every method of the four services: success, every
validation rule of every request (status and the field named), paging of
every list, idempotent retries, who sees and writes what (row-level
security through the API, role by role), the phase machine, IATI status,
agreements as of a date across versions, notice arithmetic, and a
secondment's stay with the default and a configured long_stay_months (a
second sscd on the same database), and the deadline radar (its events and
bands, filters, paging, refusals, what each role sees, and a configured
[radar] lead_days through a second sscd). Prints PASS/FAIL per case and a final
"N passed, M failed".

    /usr/bin/python3 tests/domain/domain_test.py --sscd BUILD/daemon/sscd \
        --source . [--only CASE] [--keep] [-v]
"""

import base64
import datetime
import os
import re
import sys
import threading
import time
import traceback
import types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)

import domain_env as E  # noqa: E402
from domain_env import (CALL_TIMEOUT, H, CaseFailure, Problems, check,  # noqa: E402
                        check_eq, expect_error, log, rpc_code)

T = CALL_TIMEOUT
IA = E.INVALID_ARGUMENT
NF = E.NOT_FOUND
PD = E.PERMISSION_DENIED
FP = E.FAILED_PRECONDITION
AE = E.ALREADY_EXISTS
RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|\+00:00)$")
NOWHERE = 987654321  # an id nothing has


# --------------------------------------------------------------------------
# small builders


def money(env, amount, currency="DKK"):
    return env.pb.Money(amount_minor=amount, currency=currency)


def shares(env, *pairs):
    return [env.pb.SectorShare(code=c, percentage=p) for c, p in pairs]


def share_pairs(c):
    return [(s.code, s.percentage) for s in c.sectors]


def page(env, size=0, token=""):
    return env.pb.PageRequest(page_size=size, page_token=token)


def list_all(method, make_req, field, page_size=2, limit=10000):
    """Pages through a List method; returns (items, pages) where pages is a
    list of (count, next_page_token)."""
    token = ""
    out, pages = [], []
    for _ in range(limit):
        r = method(make_req(E_PB.PageRequest(page_size=page_size,
                                             page_token=token)), timeout=T)
        items = list(getattr(r, field))
        out.extend(items)
        pages.append((len(items), r.next_page_token))
        if not r.next_page_token:
            return out, pages
        token = r.next_page_token
    raise CaseFailure("List did not end after %d pages" % limit)


def ids_of(method, make_req, field, key=lambda x: x.id):
    items, _ = list_all(method, make_req, field, page_size=500)
    return [key(x) for x in items]


E_PB = None  # the flat pb namespace, set in main()


def unset_none(d):
    """d without the keys whose value is None (a message field left unset)."""
    return {k: v for k, v in d.items() if v is not None}


def collab_req(env, **kw):
    w = env.world
    base = dict(title="Energy sector planning", lead_id=w.agency_b.id, country="VN",
                partner_ids=[w.erea.id], embassy_id=w.emb_vn.id,
                sectors=shares(env, ("23110", 60), ("23210", 40)),
                started_on="2024-01-01")
    base.update(kw)
    return env.pb.CreateCollaborationRequest(**unset_none(base))


def new_collab(env, client="secretariat", **kw):
    return env.collabs(client).Create(collab_req(env, **kw), timeout=T)


def agreement_req(env, **kw):
    w, pb = env.world, env.pb
    base = dict(kind=pb.AGREEMENT_KIND_MOU, title="MoU on energy cooperation",
                party_ids=[w.agency_b.id, w.erea.id], effective_from="2024-01-01",
                notice_months=6)
    base.update(kw)
    return pb.CreateAgreementRequest(**unset_none(base))


def new_agreement(env, client="secretariat", signed_on=None, **kw):
    a = env.agreements(client).Create(agreement_req(env, **kw), timeout=T)
    if signed_on:
        a = env.agreements(client).Sign(env.pb.SignAgreementRequest(
            id=a.id, signed_on=signed_on), timeout=T)
    return a


def secondment_req(env, **kw):
    w = env.world
    base = dict(collaboration_id=env.fx.collab_b.id, employer_id=w.agency_b.id,
                employee_ref="E-2001", expert_name="Anna Jensen", host_id=w.erea.id,
                starts_on="2025-03-01", ends_on="2025-08-31", share_bp=5000,
                monthly_compensation=money(env, 4500000))
    base.update(kw)
    return env.pb.CreateSecondmentRequest(**unset_none(base))


def new_secondment(env, client="secretariat", **kw):
    return env.secondments(client).Create(secondment_req(env, **kw), timeout=T)


def check_ts(s, what):
    check(RFC3339_UTC.match(s or ""), "%s %r is not RFC 3339 UTC" % (what, s))


# --------------------------------------------------------------------------
# the records most cases read and write


def case_records(env):
    """Creates, through the roles that own them, the records the other cases
    use (env.fx), and checks what each Create answers."""
    pb, w, fx = env.pb, env.world, env.fx
    today = E.today()

    # Demand signals: an embassy's own (embassy_id defaults to its own), and
    # one the secretariat records for an embassy.
    fx.ds_vn = env.mm("embassy-vn").CreateDemandSignal(pb.CreateDemandSignalRequest(
        sectors=["23210", "23110"], partner_id=w.erea.id, title="Grid integration of wind",
        description="Screened with EREA.\nTwo lines.", priority=1,
        screened_on="2025-01-15"), timeout=T)
    d = fx.ds_vn
    check_eq((d.embassy_id, d.country, list(d.sectors), d.partner_id, d.priority,
              d.screened_on, d.status, d.version),
             (w.emb_vn.id, "VN", ["23110", "23210"], w.erea.id, 1, "2025-01-15",
              pb.MATCH_STATUS_OPEN, 1), "demand signal as created by the embassy")
    check_eq(d.description, "Screened with EREA.\nTwo lines.", "description")
    check_ts(d.created_at, "created_at")
    check_ts(d.updated_at, "updated_at")
    fx.ds_ke = env.mm("secretariat").CreateDemandSignal(pb.CreateDemandSignalRequest(
        embassy_id=w.emb_ke.id, sectors=["23110"], title="Geothermal planning",
        priority=2, screened_on="2025-02-01"), timeout=T)
    check_eq((fx.ds_ke.embassy_id, fx.ds_ke.country, fx.ds_ke.partner_id),
             (w.emb_ke.id, "KE", 0), "demand signal recorded by the secretariat")

    # Interests: a ministry's own (organisation_id defaults to its own), a
    # ministry's for its agency, an agency's own, a sibling's.
    fx.int_a = env.mm("ministry-a").CreateInterest(pb.CreateInterestRequest(
        sectors=["23110"], countries=["VN", "KE", "VN"], capacity_months=24,
        description="Energy modelling"), timeout=T)
    check_eq((fx.int_a.organisation_id, list(fx.int_a.countries), fx.int_a.status,
              fx.int_a.capacity_months),
             (w.ministry_a.id, ["KE", "VN"], pb.MATCH_STATUS_OPEN, 24),
             "interest (own organisation, countries sorted and distinct)")
    fx.int_b_by_a = env.mm("ministry-a").CreateInterest(pb.CreateInterestRequest(
        organisation_id=w.agency_b.id, sectors=["23210"], countries=["KE"],
        capacity_months=6), timeout=T)
    check_eq(fx.int_b_by_a.organisation_id, w.agency_b.id,
             "interest a ministry records for its agency")
    fx.int_b = env.mm("ministry-b").CreateInterest(pb.CreateInterestRequest(
        sectors=["23210"], countries=["KE"], capacity_months=0), timeout=T)
    check_eq(fx.int_b.organisation_id, w.agency_b.id, "the agency's own interest")
    fx.int_s = env.mm("ministry-s").CreateInterest(pb.CreateInterestRequest(
        sectors=["31110"], countries=["VN"], capacity_months=12), timeout=T)

    # Collaborations: the parent ministry makes one for its agency B, the
    # agency's ministry one for its own agency C, the parent one of its own in
    # KE (lead defaults to its organisation), the sibling its own.
    fx.collab_b = env.collabs("ministry-a").Create(pb.CreateCollaborationRequest(
        title="Energy sector planning in Viet Nam", lead_id=w.agency_b.id,
        country="VN", partner_ids=[w.erea.id], embassy_id=w.emb_vn.id,
        sectors=shares(env, ("23210", 40), ("23110", 60)), started_on="2024-01-01",
        planned_start="2024-01-01", planned_end="2024-06-30"), timeout=T)
    c = fx.collab_b
    check(re.match(r"^SSC-VN-\d{4,}$", c.reference),
          "default reference %r is not SSC-VN-<id>" % c.reference)
    check(c.reference.endswith("%04d" % c.id), "reference %r vs id %d" %
          (c.reference, c.id))
    check_eq((c.lead_id, c.country, list(c.partner_ids), c.embassy_id, c.phase,
              c.phase_since, c.demand_signal_id, c.interest_id, c.version),
             (w.agency_b.id, "VN", [w.erea.id], w.emb_vn.id, pb.PHASE_MATCHMAKING,
              "2024-01-01", 0, 0, 1), "collaboration as created")
    check_eq(share_pairs(c), [("23110", 60), ("23210", 40)], "sectors (sorted)")
    check_eq([(p.phase, p.planned_start, p.planned_end, p.started_on, p.ended_on)
              for p in c.phases],
             [(pb.PHASE_MATCHMAKING, "2024-01-01", "2024-06-30", "2024-01-01", "")],
             "phases of a new collaboration")
    check_eq((c.as_of, c.iati_status, c.iati_status_name), (today, 1, "pipeline"),
             "IATI status of a collaboration in matchmaking")
    fx.collab_c = env.collabs("ministry-b").Create(pb.CreateCollaborationRequest(
        reference="ssc-vn-grid", title="Grid data exchange", lead_id=w.agency_c.id,
        country="VN", partner_ids=[w.erea.id, w.moit.id],
        sectors=shares(env, ("23110", 100))), timeout=T)
    check_eq((fx.collab_c.reference, fx.collab_c.phase_since, fx.collab_c.embassy_id),
             ("SSC-VN-GRID", today, 0),
             "reference upper-cased, started today by default, no embassy")
    fx.collab_a = env.collabs("ministry-a").Create(pb.CreateCollaborationRequest(
        title="Geothermal regulation", country="KE", partner_ids=[w.moe_ke.id],
        embassy_id=w.emb_ke.id, sectors=shares(env, ("23110", 100)),
        started_on="2024-01-01"), timeout=T)
    check_eq(fx.collab_a.lead_id, w.ministry_a.id, "lead defaults to the ministry's own")
    fx.collab_s = env.collabs("ministry-s").Create(pb.CreateCollaborationRequest(
        title="Food safety authority cooperation", country="VN",
        partner_ids=[w.moit.id], sectors=shares(env, ("31110", 70), ("23110", 30)),
        started_on="2024-01-01"), timeout=T)

    # Agreements.
    fx.ag_b = env.agreements("ministry-a").Create(agreement_req(
        env, collaboration_id=fx.collab_b.id, title="MoU with EREA",
        review_on="2025-06-30", scope="Energy planning"), timeout=T)
    a = fx.ag_b
    check_eq((a.kind, a.status, a.versions, a.collaboration_id, list(a.party_ids),
              a.in_force.number, a.in_force.signed_on, a.in_force.effective_from,
              a.in_force.effective_to, a.in_force.notice_months,
              a.in_force.review_on, a.in_force.scope, a.version, a.as_of),
             (pb.AGREEMENT_KIND_MOU, pb.AGREEMENT_STATUS_DRAFT, 1, fx.collab_b.id,
              [w.agency_b.id, w.erea.id], 1, "", "2024-01-01", "", 6, "2025-06-30",
              "Energy planning", 1, today), "agreement as created (a draft)")
    check(not a.in_force.HasField("contract"), "an MoU has contract terms: %s" %
          a.in_force.contract)
    fx.ag_s = env.agreements("ministry-s").Create(agreement_req(
        env, kind=pb.AGREEMENT_KIND_COOPERATION, title="Food safety cooperation",
        party_ids=[w.ministry_s.id, w.moit.id]), timeout=T)
    fx.ag_via = env.agreements("ministry-a").Create(agreement_req(
        env, kind=pb.AGREEMENT_KIND_FRAMEWORK, title="Framework between partners",
        party_ids=[w.erea.id, w.moit.id], collaboration_id=fx.collab_b.id), timeout=T)
    fx.contract_b = env.agreements("secretariat").Create(agreement_req(
        env, kind=pb.AGREEMENT_KIND_CONTRACT, title="Adviser contract",
        collaboration_id=fx.collab_b.id, effective_from="2025-01-01",
        effective_to="2026-12-31", contract=pb.ContractTerms(
            tasks="Long-term advisers", ceiling=money(env, 100000000),
            staff_categories=[
                pb.StaffCategory(name="senior adviser",
                                 max_monthly_rate=money(env, 6000000)),
                pb.StaffCategory(name="adviser",
                                 max_monthly_rate=money(env, 4000000))])),
        timeout=T)
    ct = fx.contract_b.in_force.contract
    check_eq((ct.tasks, ct.ceiling.amount_minor, ct.ceiling.currency,
              [(s.name, s.max_monthly_rate.amount_minor) for s in ct.staff_categories]),
             ("Long-term advisers", 100000000, "DKK",
              [("senior adviser", 6000000), ("adviser", 4000000)]), "contract terms")

    # Secondments.
    fx.sec_b = env.secondments("ministry-a").Create(secondment_req(
        env, employee_ref="B-001", expert_name="Bo Hansen", share_bp=3000,
        contract_id=fx.contract_b.id, staff_category="senior adviser",
        monthly_compensation=money(env, 5500000)), timeout=T)
    s = fx.sec_b
    check_eq((s.collaboration_id, s.employer_id, s.employee_ref, s.expert_name,
              s.host_id, s.country, s.starts_on, s.ends_on, s.share_bp,
              s.monthly_compensation.amount_minor, s.monthly_compensation.currency,
              s.contract_id, s.staff_category, s.stay, s.as_of, s.cancelled_on,
              s.version),
             (fx.collab_b.id, w.agency_b.id, "B-001", "Bo Hansen", w.erea.id, "VN",
              "2025-03-01", "2025-08-31", 3000, 5500000, "DKK", fx.contract_b.id,
              "senior adviser", pb.STAY_LONG, today, "", 1), "secondment as created")
    fx.sec_s_on_b = env.secondments("secretariat").Create(secondment_req(
        env, employer_id=w.ministry_s.id, employee_ref="S-001", host_id=w.moit.id,
        expert_name="Sara Nielsen"), timeout=T)
    fx.sec_a_ke = env.secondments("ministry-a").Create(secondment_req(
        env, employer_id=0, collaboration_id=fx.collab_a.id, host_id=w.moe_ke.id,
        employee_ref="A-001", expert_name="Ask Larsen"), timeout=T)
    check_eq(fx.sec_a_ke.employer_id, w.ministry_a.id,
             "employer defaults to the ministry's own")
    fx.sec_s = env.secondments("ministry-s").Create(secondment_req(
        env, employer_id=0, collaboration_id=fx.collab_s.id, host_id=w.moit.id,
        employee_ref="S-002", expert_name="Sif Holm"), timeout=T)


# --------------------------------------------------------------------------
# principals: the embassy role


def case_embassy_principals(env):
    """Role embassy needs an organisation of kind embassy; ministry a
    danish_authority; the embassy principals of the world read as
    ROLE_EMBASSY."""
    pb, w = env.pb, env.world
    adm = env.principals("admin")
    n = env.count("ssc.principals")
    fp = env.fingerprint("stranger")
    for what, org, role, needles in [
            ("role embassy for a danish_authority", w.ministry_a.id, pb.ROLE_EMBASSY,
             ("organisation_id", "embassy", "danish_authority")),
            ("role embassy for a partner_authority", w.erea.id, pb.ROLE_EMBASSY,
             ("organisation_id", "embassy", "partner_authority")),
            ("role embassy for the secretariat", w.sac.id, pb.ROLE_EMBASSY,
             ("organisation_id", "embassy", "secretariat")),
            ("role embassy without an organisation", 0, pb.ROLE_EMBASSY,
             ("organisation_id", "embassy")),
            ("role ministry for an embassy", w.emb_vn.id, pb.ROLE_MINISTRY,
             ("organisation_id", "danish_authority", "embassy"))]:
        expect_error(lambda: adm.Add(pb.AddPrincipalRequest(
            fingerprint=fp, organisation_id=org, role=role, name="x"), timeout=T),
            IA, *needles, what="principal add with " + what)
    check_eq(env.count("ssc.principals"), n, "principals after refused adds")
    listed = {p.id: p for p in list_all(
        adm.List, lambda pg: pb.ListPrincipalsRequest(page=pg), "principals",
        page_size=500)[0]}
    for client in ("embassy-vn", "embassy-ke"):
        p = listed.get(env.world.principals[client].id)
        check(p is not None, "%s missing from Principals/List" % client)
        check_eq(p.role, pb.ROLE_EMBASSY, "role of %s" % client)
    check_eq(listed[w.principals["embassy-vn"].id].organisation_id, w.emb_vn.id,
             "organisation of embassy-vn")
    # An embassy of another organisation kind cannot be registered, but an
    # embassy principal works: it calls a domain method.
    env.mm("embassy-vn").ListDemandSignals(pb.ListDemandSignalsRequest(), timeout=T)


# --------------------------------------------------------------------------
# matchmaking


def case_demand_signals(env):
    pb, w, fx = env.pb, env.world, env.fx
    vn, ke, sec = env.mm("embassy-vn"), env.mm("embassy-ke"), env.mm("secretariat")
    check_eq(vn.GetDemandSignal(pb.GetDemandSignalRequest(id=fx.ds_vn.id), timeout=T),
             fx.ds_vn, "GetDemandSignal by the embassy")
    check_eq(env.mm("ministry-s").GetDemandSignal(pb.GetDemandSignalRequest(
        id=fx.ds_vn.id), timeout=T), fx.ds_vn,
        "an open demand signal is read by any ministry")
    # The embassy writes its own only.
    expect_error(lambda: vn.CreateDemandSignal(pb.CreateDemandSignalRequest(
        embassy_id=w.emb_ke.id, sectors=["23110"], title="Not ours", priority=1,
        screened_on="2025-01-01"), timeout=T), PD, what="embassy-vn writing for KE")
    # Withdraw: open -> withdrawn once; then FAILED_PRECONDITION.
    d = vn.CreateDemandSignal(pb.CreateDemandSignalRequest(
        sectors=["41010"], title="Environmental monitoring", priority=3,
        screened_on="2025-03-01"), timeout=T)
    expect_error(lambda: ke.WithdrawDemandSignal(pb.WithdrawRequest(id=d.id), timeout=T),
                 NF, what="embassy-ke withdrawing a VN signal")
    wd = vn.WithdrawDemandSignal(pb.WithdrawRequest(id=d.id), timeout=T)
    check_eq((wd.status, wd.version), (pb.MATCH_STATUS_WITHDRAWN, 2),
             "(status, version) after withdraw")
    expect_error(lambda: vn.WithdrawDemandSignal(pb.WithdrawRequest(id=d.id), timeout=T),
                 FP, "withdrawn", "only an open one", what="withdraw twice")
    # The secretariat withdraws any.
    d2 = sec.CreateDemandSignal(pb.CreateDemandSignalRequest(
        embassy_id=w.emb_vn.id, sectors=["14010"], title="Water", priority=2,
        screened_on="2025-03-02"), timeout=T)
    check_eq(sec.WithdrawDemandSignal(pb.WithdrawRequest(id=d2.id), timeout=T).status,
             pb.MATCH_STATUS_WITHDRAWN, "withdrawn by the secretariat")
    # A ministry no longer reads a withdrawn one; the embassy and the
    # secretariat do.
    expect_error(lambda: env.mm("ministry-a").GetDemandSignal(
        pb.GetDemandSignalRequest(id=d.id), timeout=T), NF,
        what="ministry reading a withdrawn signal")
    check_eq(vn.GetDemandSignal(pb.GetDemandSignalRequest(id=d.id), timeout=T), wd,
             "the embassy reads its withdrawn signal")
    # Filters.
    got = ids_of(sec.ListDemandSignals, lambda pg: pb.ListDemandSignalsRequest(
        page=pg, status=pb.MATCH_STATUS_WITHDRAWN), "demand_signals")
    check(d.id in got and d2.id in got and fx.ds_vn.id not in got,
          "status=withdrawn filter: %s" % got)
    got = ids_of(sec.ListDemandSignals, lambda pg: pb.ListDemandSignalsRequest(
        page=pg, country="KE"), "demand_signals")
    check(fx.ds_ke.id in got and fx.ds_vn.id not in got, "country=KE filter: %s" % got)
    mins = list_all(env.mm("ministry-b").ListDemandSignals,
                    lambda pg: pb.ListDemandSignalsRequest(page=pg), "demand_signals",
                    page_size=500)[0]
    check(all(x.status == pb.MATCH_STATUS_OPEN for x in mins),
          "a ministry lists only open signals")
    check(fx.ds_vn.id in [x.id for x in mins] and d.id not in [x.id for x in mins],
          "ministry list: open VN signal in, withdrawn out")


def case_interests(env):
    pb, w, fx = env.pb, env.world, env.fx
    ma, mb, ms = env.mm("ministry-a"), env.mm("ministry-b"), env.mm("ministry-s")
    check_eq(ma.GetInterest(pb.GetInterestRequest(id=fx.int_b.id), timeout=T),
             fx.int_b, "the parent ministry reads its agency's interest")
    expect_error(lambda: mb.GetInterest(pb.GetInterestRequest(id=fx.int_a.id),
                                        timeout=T), NF,
                 what="an agency's ministry reading its parent's interest")
    expect_error(lambda: ms.GetInterest(pb.GetInterestRequest(id=fx.int_b.id),
                                        timeout=T), NF,
                 what="a sibling reading another ministry's interest")
    # Writes: own scope only.
    for client, org in (("ministry-b", w.ministry_a.id), ("ministry-s", w.agency_b.id)):
        expect_error(lambda: env.mm(client).CreateInterest(pb.CreateInterestRequest(
            organisation_id=org, sectors=["23110"], countries=["VN"]), timeout=T),
            PD, what="%s recording an interest of organisation %d" % (client, org))
    i = ma.CreateInterest(pb.CreateInterestRequest(
        organisation_id=w.agency_c.id, sectors=["41010"], countries=["KE"],
        capacity_months=1200), timeout=T)
    check_eq(i.organisation_id, w.agency_c.id, "interest for a sub-agency (depth 2)")
    expect_error(lambda: ms.WithdrawInterest(pb.WithdrawRequest(id=i.id), timeout=T),
                 NF, what="a sibling withdrawing")
    wi = mb.WithdrawInterest(pb.WithdrawRequest(id=i.id), timeout=T)
    check_eq((wi.status, wi.version), (pb.MATCH_STATUS_WITHDRAWN, 2),
             "withdrawn by the sub-agency's parent agency")
    expect_error(lambda: ma.WithdrawInterest(pb.WithdrawRequest(id=i.id), timeout=T),
                 FP, "only an open one", what="withdraw twice")
    got = ids_of(ma.ListInterests, lambda pg: pb.ListInterestsRequest(
        page=pg, organisation_id=w.agency_b.id), "interests")
    check_eq(sorted(got), sorted([fx.int_b.id, fx.int_b_by_a.id]),
             "ListInterests organisation_id=B as ministry-a")
    got = ids_of(ma.ListInterests, lambda pg: pb.ListInterestsRequest(
        page=pg, status=pb.MATCH_STATUS_WITHDRAWN), "interests")
    check(i.id in got and fx.int_a.id not in got, "status filter: %s" % got)
    # Embassies read the interests naming their country.
    vn = ids_of(env.mm("embassy-vn").ListInterests,
                lambda pg: pb.ListInterestsRequest(page=pg), "interests")
    check(fx.int_a.id in vn and fx.int_s.id in vn and fx.int_b.id not in vn,
          "embassy-vn's interests: %s" % vn)
    check_eq(env.mm("embassy-ke").GetInterest(pb.GetInterestRequest(id=fx.int_b.id),
                                              timeout=T), fx.int_b,
             "embassy-ke reads an interest naming KE")
    expect_error(lambda: env.mm("embassy-ke").GetInterest(
        pb.GetInterestRequest(id=fx.int_s.id), timeout=T), NF,
        what="embassy-ke reading an interest naming only VN")


def case_matches(env):
    """Ranking, filters, the string cursor and taking a match into a
    collaboration, on a country of its own (GH)."""
    pb, w = env.pb, env.world
    sec = env.mm("secretariat")

    def signal(sectors, prio, partner=0):
        return sec.CreateDemandSignal(pb.CreateDemandSignalRequest(
            embassy_id=w.emb_gh.id, sectors=sectors, partner_id=partner,
            title="GH demand %s p%d" % ("+".join(sectors), prio), priority=prio,
            screened_on="2025-04-01"), timeout=T)

    d1 = signal(["23110", "23210"], 2)
    d2 = signal(["23110"], 1, w.gh_partner.id)
    d3 = signal(["41010"], 3)
    d4 = signal(["23110"], 1)
    i1 = env.mm("ministry-a").CreateInterest(pb.CreateInterestRequest(
        sectors=["23110", "23210"], countries=["GH"], capacity_months=10), timeout=T)
    i2 = env.mm("ministry-s").CreateInterest(pb.CreateInterestRequest(
        sectors=["41010", "23110"], countries=["GH", "VN"], capacity_months=10),
        timeout=T)
    # The sibling already leads an open collaboration in GH.
    env.collabs("ministry-s").Create(pb.CreateCollaborationRequest(
        title="Earlier work in Ghana", country="GH", partner_ids=[w.gh_partner.id],
        sectors=shares(env, ("31110", 100)), started_on="2024-01-01"), timeout=T)

    def matches(client="secretariat", page_size=500, **kw):
        return list_all(env.mm(client).ListMatches,
                        lambda pg: pb.ListMatchesRequest(page=pg, **kw), "matches",
                        page_size=page_size)

    got, _ = matches(country="GH")
    want = [(d1, i1, 98, False), (d2, i2, 99, True), (d4, i2, 99, True),
            (d2, i1, 99, False), (d4, i1, 99, False), (d1, i2, 99, True),
            (d3, i2, 99, True)]
    check_eq([(m.demand_signal_id, m.interest_id) for m in got],
             [(d.id, i.id) for d, i, _, _ in want],
             "matches in GH, best first (overlap, priority, works there, ids)")
    for m, (d, i, r1, works) in zip(got, want):
        shared = sorted(set(d.sectors) & set(i.sectors))
        check_eq((m.country, list(m.shared_sectors), m.overlap, m.priority,
                  m.organisation_id, m.works_in_country, m.title),
                 ("GH", shared, len(shared), d.priority, i.organisation_id, works,
                  d.title), "match (%d, %d)" % (d.id, i.id))
        check_eq(m.cursor, "%d.%d.%d.%d.%d" % (r1, d.priority, 0 if works else 1,
                                              d.id, i.id), "cursor of a match")
    # Paging through the string cursor, one and two at a time.
    for ps in (1, 2, 3):
        paged, pages = matches(country="GH", page_size=ps)
        check_eq([m.cursor for m in paged], [m.cursor for m in got],
                 "matches paged %d at a time" % ps)
        check(all(n == ps for n, _ in pages[:-1]) and pages[-1][1] == "" and
              pages[-1][0] >= 1, "pages of %d: %s" % (ps, pages))
    # Filters: sector, and what a ministry sees (open signals, its interests).
    check_eq([(m.demand_signal_id, m.interest_id) for m in
              matches(country="GH", sector="41010")[0]], [(d3.id, i2.id)],
             "sector=41010")
    check_eq([(m.demand_signal_id, m.interest_id) for m in
              matches(country="GH", sector="23210")[0]], [(d1.id, i1.id)],
             "sector=23210")
    check_eq([(m.demand_signal_id, m.interest_id) for m in
              matches("ministry-a", country="GH")[0]],
             [(d1.id, i1.id), (d2.id, i1.id), (d4.id, i1.id)],
             "ministry-a's matches in GH (its interests only)")
    check_eq(matches("embassy-vn", country="GH")[0], [],
             "embassy-vn's matches in GH")
    # Taking a match: the collaboration defaults to the match's country,
    # lead, embassy, partner and shared sectors; both sides become matched.
    c = env.collabs("ministry-s").Create(pb.CreateCollaborationRequest(
        title="Grid planning in Ghana", demand_signal_id=d2.id, interest_id=i2.id,
        started_on="2025-04-02"), timeout=T)
    check_eq((c.country, c.lead_id, c.embassy_id, list(c.partner_ids), share_pairs(c),
              c.demand_signal_id, c.interest_id),
             ("GH", w.ministry_s.id, w.emb_gh.id, [w.gh_partner.id], [("23110", 100)],
              d2.id, i2.id), "collaboration made from a match")
    check_eq(sec.GetDemandSignal(pb.GetDemandSignalRequest(id=d2.id), timeout=T).status,
             pb.MATCH_STATUS_MATCHED, "the demand signal after the match")
    check_eq(sec.GetInterest(pb.GetInterestRequest(id=i2.id), timeout=T).status,
             pb.MATCH_STATUS_MATCHED, "the interest after the match")
    check_eq([(m.demand_signal_id, m.interest_id) for m in matches(country="GH")[0]],
             [(d1.id, i1.id), (d4.id, i1.id)],
             "matches after d2 and i2 were matched")
    n = env.count("ssc.collaborations")
    expect_error(lambda: env.collabs("secretariat").Create(pb.CreateCollaborationRequest(
        title="Again", demand_signal_id=d2.id, interest_id=i2.id), timeout=T),
        FP, "matched", "a match needs both open",
        what="a collaboration from a match already taken")
    # A ministry reads open demand signals only: a matched one is not found.
    expect_error(lambda: env.collabs("ministry-s").Create(pb.CreateCollaborationRequest(
        title="Again", demand_signal_id=d2.id, interest_id=i2.id), timeout=T),
        IA, "demand_signal_id", "not found",
        what="a ministry taking a match already taken")
    expect_error(lambda: env.collabs("secretariat").Create(pb.CreateCollaborationRequest(
        title="No shared sector", demand_signal_id=d3.id, interest_id=i1.id,
        partner_ids=[w.gh_partner.id]), timeout=T), FP, "do not meet",
        what="a pair that shares no sector")
    check_eq(env.count("ssc.collaborations"), n, "collaborations after refusals")
    # A withdrawn signal leaves the matches.
    sec.WithdrawDemandSignal(pb.WithdrawRequest(id=d4.id), timeout=T)
    check_eq([(m.demand_signal_id, m.interest_id) for m in matches(country="GH")[0]],
             [(d1.id, i1.id)], "matches after d4 was withdrawn")


# --------------------------------------------------------------------------
# collaborations


def case_collaborations(env):
    pb, w, fx = env.pb, env.world, env.fx
    ma = env.collabs("ministry-a")
    c = fx.collab_c
    check_eq(ma.Get(pb.GetCollaborationRequest(id=c.id), timeout=T), c,
             "Get by id (the parent ministry, depth 2)")
    check_eq(ma.Get(pb.GetCollaborationRequest(reference="ssc-vn-grid"), timeout=T), c,
             "Get by reference (any case)")
    expect_error(lambda: ma.Get(pb.GetCollaborationRequest(
        id=fx.collab_b.id, reference="SSC-VN-GRID"), timeout=T), NF,
        what="Get with an id and another collaboration's reference")
    # Update: only the masked fields, version moves, expected_version.
    u = ma.Update(pb.UpdateCollaborationRequest(
        id=c.id, expected_version=1, update_mask=["title", "sectors"],
        title="Grid data exchange and forecasting", partner_ids=[w.moit.id],
        sectors=shares(env, ("23110", 50), ("23210", 30), ("41010", 20))), timeout=T)
    check_eq((u.title, list(u.partner_ids), share_pairs(u), u.version, u.reference,
              u.lead_id), ("Grid data exchange and forecasting", [w.erea.id, w.moit.id],
                           [("23110", 50), ("23210", 30), ("41010", 20)], 2,
                           "SSC-VN-GRID", w.agency_c.id),
             "collaboration after Update(title, sectors)")
    u = ma.Update(pb.UpdateCollaborationRequest(
        id=c.id, update_mask=["partner_ids", "embassy_id"], partner_ids=[w.moit.id],
        embassy_id=w.emb_vn.id), timeout=T)
    check_eq((list(u.partner_ids), u.embassy_id, u.version),
             ([w.moit.id], w.emb_vn.id, 3), "after Update(partner_ids, embassy_id)")
    u = ma.Update(pb.UpdateCollaborationRequest(
        id=c.id, update_mask=["embassy_id"], embassy_id=0), timeout=T)
    check_eq((u.embassy_id, u.version), (0, 4), "embassy cleared")
    expect_error(lambda: ma.Update(pb.UpdateCollaborationRequest(
        id=c.id, expected_version=2, update_mask=["title"], title="Stale"), timeout=T),
        FP, "expected version 2", what="a stale expected_version")
    # PlanPhase: sets a phase's planned dates, version moves.
    p = ma.PlanPhase(pb.PlanPhaseRequest(id=c.id, phase=pb.PHASE_INCEPTION,
                                         planned_start="2025-01-01",
                                         planned_end="2025-06-30"), timeout=T)
    check_eq(p.version, 5, "version after PlanPhase")
    check_eq([(x.phase, x.planned_start, x.planned_end, x.started_on) for x in p.phases],
             [(pb.PHASE_MATCHMAKING, "", "", E.today()),
              (pb.PHASE_INCEPTION, "2025-01-01", "2025-06-30", "")],
             "phases after planning inception")
    p = ma.PlanPhase(pb.PlanPhaseRequest(id=c.id, phase=pb.PHASE_INCEPTION,
                                         planned_start="2025-02-01",
                                         planned_end="2025-07-31"), timeout=T)
    check_eq([(x.planned_start, x.planned_end) for x in p.phases][1],
             ("2025-02-01", "2025-07-31"), "a new plan replaces the old")
    # List filters: country, phase, lead; every row matches.
    sec = env.collabs("secretariat")
    for kw, pred in [
            (dict(country="KE"), lambda x: x.country == "KE"),
            (dict(lead_id=w.agency_b.id), lambda x: x.lead_id == w.agency_b.id),
            (dict(phase=pb.PHASE_MATCHMAKING), lambda x: x.phase == pb.PHASE_MATCHMAKING),
            (dict(country="VN", lead_id=w.ministry_s.id),
             lambda x: x.country == "VN" and x.lead_id == w.ministry_s.id)]:
        got = list_all(sec.List, lambda pg: pb.ListCollaborationsRequest(page=pg, **kw),
                       "collaborations", page_size=500)[0]
        check(got and all(pred(x) for x in got), "List %s: %s" % (kw, [
            (x.id, x.country, x.lead_id, x.phase) for x in got]))
        allc = list_all(sec.List, lambda pg: pb.ListCollaborationsRequest(page=pg),
                        "collaborations", page_size=500)[0]
        check_eq([x.id for x in got], [x.id for x in allc if pred(x)],
                 "List %s vs the unfiltered list" % kw)
    # ListTransitions: each transition with its date, principal and note.
    t = sec.Transition(pb.TransitionRequest(id=fx.collab_s.id, to_phase=pb.PHASE_INCEPTION,
                                            on_date="2024-03-01", note="Kick-off\nheld",
                                            planned_start="2024-03-01",
                                            planned_end="2024-12-31"), timeout=T)
    check_eq((t.phase, t.phase_since, t.version), (pb.PHASE_INCEPTION, "2024-03-01", 2),
             "after Transition to inception")
    hist = sec.ListTransitions(pb.ListTransitionsRequest(id=fx.collab_s.id), timeout=T)
    check_eq([(x.collaboration_id, x.from_phase, x.to_phase, x.on_date, x.principal_id,
               x.note) for x in hist.transitions],
             [(fx.collab_s.id, pb.PHASE_MATCHMAKING, pb.PHASE_INCEPTION, "2024-03-01",
               w.principals["secretariat"].id, "Kick-off\nheld")], "ListTransitions")
    check_ts(hist.transitions[0].at, "transition at")
    check_eq(env.collabs("ministry-s").ListTransitions(pb.ListTransitionsRequest(
        id=fx.collab_s.id), timeout=T), hist, "ListTransitions by the lead ministry")


def drive(env, cid, path, client="secretariat", start=0):
    """Moves collaboration cid along path (phases, or "resume"), a month
    apart from 2024-02-01 (plus start months) on; returns the last answer."""
    pb = env.pb
    st = env.collabs(client)
    r = None
    for n, step in enumerate(path):
        on = "2024-%02d-01" % (start + n + 2)
        if step == "resume":
            r = st.Transition(pb.TransitionRequest(id=cid, resume=True, on_date=on),
                              timeout=T)
        else:
            r = st.Transition(pb.TransitionRequest(id=cid, to_phase=step, on_date=on),
                              timeout=T)
    return r


def case_phase_machine(env):
    """Every step of collaboration_phase_steps is allowed, every other one is
    FAILED_PRECONDITION naming the allowed steps, and nothing is written by a
    refused one."""
    pb = env.pb
    M, I, L, P2, CL, CA, S = (pb.PHASE_MATCHMAKING, pb.PHASE_INCEPTION,
                              pb.PHASE_LONG_TERM, pb.PHASE_PHASE_2, pb.PHASE_CLOSED,
                              pb.PHASE_CANCELLED, pb.PHASE_SUSPENDED)
    name = {M: "matchmaking", I: "inception", L: "long_term", P2: "phase_2",
            CL: "closed", CA: "cancelled", S: "suspended", "resume": "resume"}
    paths = {M: [], I: [I], L: [I, L], P2: [I, L, P2], S: [I, L, S], CL: [I, L, CL],
             CA: [CA]}
    allowed = {M: [I, CA], I: [L, S, CA], L: [P2, CL, S, CA], P2: [CL, S, CA],
               S: ["resume", CA], CL: [], CA: []}
    allowed_text = {M: "inception, cancelled", I: "long_term, suspended, cancelled",
                    L: "phase_2, closed, suspended, cancelled",
                    P2: "closed, suspended, cancelled",
                    S: "resume (to long_term), cancelled",
                    CL: "nothing (the phase is final)",
                    CA: "nothing (the phase is final)"}
    every = [M, I, L, P2, CL, CA, S, "resume"]
    probs = Problems()
    st = env.collabs("secretariat")
    for frm, path in paths.items():
        c = new_collab(env, title="Phase machine from %s" % name[frm])
        if path:
            drive(env, c.id, path)
        before = st.Get(pb.GetCollaborationRequest(id=c.id), timeout=T)
        if before.phase != frm:
            probs.add("could not bring a collaboration to %s: %s" % (name[frm], before))
            continue
        n_audit = env.audit_count()
        for to in every:
            if to in allowed[frm]:
                continue
            req = (pb.TransitionRequest(id=c.id, resume=True, on_date="2024-12-01")
                   if to == "resume" else
                   pb.TransitionRequest(id=c.id, to_phase=to, on_date="2024-12-01"))
            probs.run(expect_error, lambda: st.Transition(req, timeout=T), FP,
                      "collaboration %d is in %s" % (c.id, name[frm]),
                      "may move to %s" % allowed_text[frm], "not %s" % name[to],
                      what="%s -> %s" % (name[frm], name[to]))
        if env.audit_count() != n_audit:
            probs.add("refused transitions from %s wrote %d audit rows" % (
                name[frm], env.audit_count() - n_audit))
        probs.run(lambda: check_eq(st.Get(pb.GetCollaborationRequest(id=c.id),
                                          timeout=T), before,
                                   "collaboration after refused transitions from %s"
                                   % name[frm]))
        # Every allowed step, each on a collaboration of its own.
        for to in allowed[frm]:
            c2 = new_collab(env, title="Phase step %s to %s" % (name[frm], name[to]))
            if path:
                drive(env, c2.id, path)
            r = probs.run(drive, env, c2.id, [to], start=len(path))
            if r is None:
                continue
            want = L if to == "resume" else to
            probs.run(lambda: check_eq((r.phase, r.suspended_from, r.phase_since),
                                       (want, frm if want == S else pb.PHASE_UNSPECIFIED,
                                        "2024-%02d-01" % (len(path) + 2)),
                                       "%s -> %s" % (name[frm], name[to])))
            hist = st.ListTransitions(pb.ListTransitionsRequest(id=c2.id), timeout=T)
            probs.run(lambda: check_eq(
                [(x.from_phase, x.to_phase) for x in hist.transitions][-1:],
                [(frm, want)], "last transition of %s -> %s" % (name[frm], name[to])))
    probs.raise_if_any()


def case_phase_details(env):
    """What each kind of step does to the phases: suspend keeps the phase
    running, resume goes on with its start date, moving on ends it; to_phase
    and resume together, a date before the phase began."""
    pb = env.pb
    st = env.collabs("secretariat")
    c = new_collab(env, title="Phase details")
    r = st.Transition(pb.TransitionRequest(
        id=c.id, to_phase=pb.PHASE_INCEPTION, on_date="2024-02-01",
        planned_start="2024-02-01", planned_end="2024-04-30"), timeout=T)
    r = st.Transition(pb.TransitionRequest(id=c.id, to_phase=pb.PHASE_LONG_TERM,
                                           on_date="2024-05-01"), timeout=T)
    check_eq([(x.phase, x.started_on, x.ended_on) for x in r.phases],
             [(pb.PHASE_MATCHMAKING, "2024-01-01", "2024-02-01"),
              (pb.PHASE_INCEPTION, "2024-02-01", "2024-05-01"),
              (pb.PHASE_LONG_TERM, "2024-05-01", "")], "phases after two steps")
    r = st.Transition(pb.TransitionRequest(id=c.id, to_phase=pb.PHASE_SUSPENDED,
                                           on_date="2024-06-01", note="elections"),
                      timeout=T)
    check_eq((r.phase, r.suspended_from, r.phases[-1].ended_on),
             (pb.PHASE_SUSPENDED, pb.PHASE_LONG_TERM, ""),
             "suspended: the long-term phase does not end")
    expect_error(lambda: st.Transition(pb.TransitionRequest(
        id=c.id, to_phase=pb.PHASE_LONG_TERM, on_date="2024-07-01"), timeout=T),
        FP, "resume (to long_term)", "not long_term",
        what="back to long_term without resume")
    expect_error(lambda: st.Transition(pb.TransitionRequest(
        id=c.id, resume=True, on_date="2024-05-31"), timeout=T), IA, "on_date",
        what="resume dated before the suspension")
    r = st.Transition(pb.TransitionRequest(id=c.id, resume=True, on_date="2024-07-01"),
                      timeout=T)
    check_eq((r.phase, r.suspended_from, r.phase_since, r.phases[-1].started_on,
              r.phases[-1].ended_on),
             (pb.PHASE_LONG_TERM, pb.PHASE_UNSPECIFIED, "2024-07-01", "2024-05-01", ""),
             "resumed: long-term again, its start kept")
    r = st.Transition(pb.TransitionRequest(id=c.id, to_phase=pb.PHASE_CLOSED,
                                           on_date="2024-12-31"), timeout=T)
    check_eq((r.phase, r.phases[-1].ended_on), (pb.PHASE_CLOSED, "2024-12-31"),
             "closed: the long-term phase ends")
    hist = st.ListTransitions(pb.ListTransitionsRequest(id=c.id), timeout=T)
    check_eq([(x.from_phase, x.to_phase, x.on_date, x.note) for x in hist.transitions],
             [(pb.PHASE_MATCHMAKING, pb.PHASE_INCEPTION, "2024-02-01", ""),
              (pb.PHASE_INCEPTION, pb.PHASE_LONG_TERM, "2024-05-01", ""),
              (pb.PHASE_LONG_TERM, pb.PHASE_SUSPENDED, "2024-06-01", "elections"),
              (pb.PHASE_SUSPENDED, pb.PHASE_LONG_TERM, "2024-07-01", ""),
              (pb.PHASE_LONG_TERM, pb.PHASE_CLOSED, "2024-12-31", "")],
             "transitions of the collaboration")


def case_iati_status(env):
    """IATI activity status derived as of a date, on Get and List."""
    pb = env.pb
    st = env.collabs("secretariat")
    c = new_collab(env, title="IATI status", started_on="2024-01-01")

    def status(as_of, cid=None):
        r = st.Get(pb.GetCollaborationRequest(id=cid or c.id, as_of=as_of), timeout=T)
        check_eq(r.as_of, as_of, "as_of echoed")
        return r.iati_status, r.iati_status_name

    check_eq(status("2024-01-15"), (1, "pipeline"), "matchmaking")
    st.Transition(pb.TransitionRequest(id=c.id, to_phase=pb.PHASE_INCEPTION,
                                       on_date="2024-03-01", planned_start="2024-03-01",
                                       planned_end="2024-08-31"), timeout=T)
    for as_of, want in [("2024-02-29", (1, "pipeline")),
                        ("2024-03-01", (2, "implementation")),
                        ("2024-08-31", (2, "implementation")),
                        ("2024-09-01", (3, "finalisation"))]:
        check_eq(status(as_of), want, "inception (2024-03-01..2024-08-31) as of %s" % as_of)
    got = [x for x in list_all(st.List, lambda pg: pb.ListCollaborationsRequest(
        page=pg, as_of="2024-09-01"), "collaborations", page_size=500)[0] if x.id == c.id]
    check_eq([(x.as_of, x.iati_status, x.iati_status_name) for x in got],
             [("2024-09-01", 3, "finalisation")], "List as_of 2024-09-01")
    st.Transition(pb.TransitionRequest(id=c.id, to_phase=pb.PHASE_SUSPENDED,
                                       on_date="2024-05-01"), timeout=T)
    check_eq(status("2024-06-01"), (6, "suspended"), "suspended")
    st.Transition(pb.TransitionRequest(id=c.id, resume=True, on_date="2024-06-01"),
                  timeout=T)
    check_eq(status("2024-06-15"), (2, "implementation"), "resumed")
    st.Transition(pb.TransitionRequest(id=c.id, to_phase=pb.PHASE_CANCELLED,
                                       on_date="2024-07-01"), timeout=T)
    check_eq(status("2024-07-15"), (5, "cancelled"), "cancelled")
    c2 = new_collab(env, title="IATI closed")
    drive(env, c2.id, [pb.PHASE_INCEPTION, pb.PHASE_LONG_TERM, pb.PHASE_CLOSED])
    check_eq(status("2025-01-01", c2.id), (4, "closed"), "closed")
    # A long-term phase without a planned end never turns to finalisation.
    c3 = new_collab(env, title="IATI no plan")
    drive(env, c3.id, [pb.PHASE_INCEPTION, pb.PHASE_LONG_TERM])
    check_eq(status("2030-01-01", c3.id), (2, "implementation"),
             "long-term without planned end, years later")
    # as_of defaults to today.
    r = st.Get(pb.GetCollaborationRequest(id=c2.id), timeout=T)
    check_eq(r.as_of, E.today(), "as_of by default")


# --------------------------------------------------------------------------
# agreements


def case_agreement_versions(env):
    """Sign, two amendments, and Get as of dates across the three versions;
    ListVersions; a signed version never changes."""
    pb, w = env.pb, env.world
    st = env.agreements("ministry-a")
    a = st.Create(agreement_req(env, title="Cooperation on offshore wind",
                                kind=pb.AGREEMENT_KIND_COOPERATION,
                                effective_from="2024-01-01", effective_to="2024-12-31",
                                notice_months=3, scope="Version one"), timeout=T)
    n_audit = env.audit_rows_for("agreement", str(a.id))
    check_eq(n_audit, 1, "audit rows of a new agreement")
    expect_error(lambda: st.Amend(pb.AmendAgreementRequest(
        id=a.id, update_mask=["scope"], scope="x", effective_from="2024-06-01"),
        timeout=T), FP, "draft", what="amending a draft")
    s = st.Sign(pb.SignAgreementRequest(id=a.id, signed_on="2023-12-15"), timeout=T)
    check_eq((s.in_force.signed_on, s.version, s.versions), ("2023-12-15", 2, 1),
             "(signed_on, version, versions) after Sign")
    expect_error(lambda: st.Sign(pb.SignAgreementRequest(id=a.id, signed_on="2024-01-02"),
                                 timeout=T), FP, "signed already", what="Sign twice")
    a2 = st.Amend(pb.AmendAgreementRequest(
        id=a.id, update_mask=["effective_to", "scope"], effective_from="2025-01-01",
        effective_to="2025-12-31", scope="Version two", notice_months=9), timeout=T)
    check_eq((a2.versions, a2.version), (2, 3), "(versions, version) after Amend")
    a3 = st.Amend(pb.AmendAgreementRequest(
        id=a.id, update_mask=["open_ended", "notice_months"], open_ended=True,
        notice_months=12, effective_from="2026-01-01", signed_on="2025-11-20"),
        timeout=T)
    check_eq(a3.versions, 3, "versions after a second Amend")

    def at(as_of):
        r = st.Get(pb.GetAgreementRequest(id=a.id, as_of=as_of), timeout=T)
        v = r.in_force
        return (r.as_of, r.status, v.number, v.signed_on, v.effective_from,
                v.effective_to, v.notice_months, v.scope)

    D, S_, A, X = (pb.AGREEMENT_STATUS_DRAFT, pb.AGREEMENT_STATUS_SIGNED,
                   pb.AGREEMENT_STATUS_ACTIVE, pb.AGREEMENT_STATUS_EXPIRED)
    v1 = ("2023-12-15", "2024-01-01", "2024-12-31", 3, "Version one")
    v2 = ("2025-01-01", "2025-01-01", "2025-12-31", 3, "Version two")
    v3 = ("2025-11-20", "2026-01-01", "", 12, "Version two")
    for as_of, status, num, v in [
            ("2023-12-14", D, 1, v1), ("2023-12-15", S_, 1, v1),
            ("2023-12-31", S_, 1, v1), ("2024-01-01", A, 1, v1),
            ("2024-12-31", A, 1, v1), ("2025-01-01", A, 2, v2),
            ("2025-12-31", A, 2, v2), ("2026-01-01", A, 3, v3),
            ("2040-06-01", A, 3, v3)]:
        check_eq(at(as_of), (as_of, status, num) + v, "Get as of %s" % as_of)
    vs = st.ListVersions(pb.ListAgreementVersionsRequest(id=a.id), timeout=T)
    check_eq([(v.agreement_id, v.number, v.signed_on, v.effective_from, v.effective_to,
               v.notice_months, v.scope) for v in vs.versions],
             [(a.id, 1) + v1, (a.id, 2) + v2, (a.id, 3) + v3], "ListVersions")
    check_eq(vs.next_page_token, "", "ListVersions of three: one page")
    # Audit: create, sign (version row and agreement row), two amendments.
    check_eq(env.audit_rows_for("agreement_version", "%d.1" % a.id), 2,
             "audit rows of version 1 (insert, sign)")
    check_eq(env.audit_rows_for("agreement_version", "%d.3" % a.id), 1,
             "audit rows of version 3")
    # A signed version cannot change even through SQL as ssc_app.
    try:
        env.pg.psql("SET ROLE ssc_app; SELECT set_config('ssc.role', 'secretariat', "
                    "false); UPDATE ssc.agreement_versions SET signed_on = '2020-01-01' "
                    "WHERE agreement_id = %d AND number = 1;" % a.id)
        changed = True
    except E.P.PsqlError as e:
        changed = False
        check("signed and cannot change" in e.stderr,
              "refusal of an UPDATE of a signed version: %s" % e.stderr.strip())
    check(not changed, "a signed version was changed through SQL as ssc_app")
    check_eq(at("2024-06-01")[-1], "Version one", "version 1 scope afterwards")
    # An agreement whose only version ended is expired after its end.
    b = new_agreement(env, "ministry-a", signed_on="2024-01-01",
                      title="Short agreement", effective_from="2024-01-01",
                      effective_to="2024-12-31")
    r = st.Get(pb.GetAgreementRequest(id=b.id, as_of="2025-01-01"), timeout=T)
    check_eq(r.status, X, "status after the end of the only version")
    # List: status as of a date, kind, party, collaboration.
    lst = env.agreements("secretariat")
    got = ids_of(lst.List, lambda pg: pb.ListAgreementsRequest(
        page=pg, as_of="2025-01-01", status=X), "agreements")
    check(b.id in got and a.id not in got, "List status=expired as of 2025-01-01: %s"
          % got)
    got = ids_of(lst.List, lambda pg: pb.ListAgreementsRequest(
        page=pg, as_of="2023-12-14", status=D), "agreements")
    check(a.id in got, "List status=draft as of 2023-12-14: %s" % got)
    got = list_all(lst.List, lambda pg: pb.ListAgreementsRequest(
        page=pg, kind=pb.AGREEMENT_KIND_CONTRACT), "agreements", page_size=500)[0]
    check(got and all(x.kind == pb.AGREEMENT_KIND_CONTRACT for x in got) and
          env.fx.contract_b.id in [x.id for x in got], "List kind=contract")
    got = list_all(lst.List, lambda pg: pb.ListAgreementsRequest(
        page=pg, party_id=w.moit.id), "agreements", page_size=500)[0]
    check(got and all(w.moit.id in x.party_ids for x in got), "List party_id=MOIT")
    got = ids_of(lst.List, lambda pg: pb.ListAgreementsRequest(
        page=pg, collaboration_id=env.fx.collab_b.id), "agreements")
    check_eq(sorted(got), sorted([env.fx.ag_b.id, env.fx.ag_via.id,
                                  env.fx.contract_b.id]),
             "List collaboration_id=collab_b")
    # Contract terms carry over into an amendment that does not name them,
    # and change when it does.
    c = env.fx.contract_b
    lst.Sign(pb.SignAgreementRequest(id=c.id, signed_on="2024-12-01"), timeout=T)
    c2 = lst.Amend(pb.AmendAgreementRequest(
        id=c.id, update_mask=["scope"], scope="More", effective_from="2026-01-01"),
        timeout=T)
    vs = lst.ListVersions(pb.ListAgreementVersionsRequest(id=c.id), timeout=T).versions
    check_eq(vs[1].contract, vs[0].contract, "contract terms kept by an amendment")
    lst.Amend(pb.AmendAgreementRequest(
        id=c.id, update_mask=["contract"], effective_from="2026-06-01",
        contract=pb.ContractTerms(tasks="Fewer", ceiling=money(env, 50000000, "EUR"))),
        timeout=T)
    vs = lst.ListVersions(pb.ListAgreementVersionsRequest(id=c.id), timeout=T).versions
    check_eq((vs[2].contract.tasks, vs[2].contract.ceiling.currency,
              len(vs[2].contract.staff_categories)), ("Fewer", "EUR", 0),
             "contract terms replaced by an amendment")
    check_eq(c2.versions, 2, "versions after the first amendment of the contract")


def case_notice(env):
    """Notice ends at the notice date plus the notice period of the version
    in force, the day clamped to the month's end, or at a fixed end that
    comes sooner."""
    pb, w = env.pb, env.world
    st = env.agreements("ministry-a")

    def signed(signed_on="2022-12-01", **kw):
        return new_agreement(env, "ministry-a", signed_on=signed_on, **kw)

    def notice(a, on, by=None):
        return st.GiveNotice(pb.GiveNoticeRequest(id=a.id, by_party_id=by or w.erea.id,
                                                  on_date=on), timeout=T)

    def status(a, as_of):
        return st.Get(pb.GetAgreementRequest(id=a.id, as_of=as_of), timeout=T).status

    for eff, on, months, ends in [("2025-01-01", "2025-08-31", 6, "2026-02-28"),
                                  ("2023-01-01", "2023-08-31", 6, "2024-02-29"),
                                  ("2023-01-01", "2024-01-31", 1, "2024-02-29"),
                                  ("2023-01-01", "2023-03-31", 1, "2023-04-30"),
                                  ("2023-01-01", "2023-05-15", 0, "2023-05-15"),
                                  ("2023-01-01", "2023-05-15", 120, "2033-05-15")]:
        a = signed(title="Notice %s + %d" % (on, months), effective_from=eff,
                   notice_months=months)
        r = notice(a, on)
        check_eq((r.notice_on, r.notice_by, r.ends_on, r.terminated_on),
                 (on, w.erea.id, ends, ""),
                 "notice on %s with %d months" % (on, months))
    # The first one in detail: statuses around the dates.
    a = signed(title="Notice statuses", effective_from="2025-01-01", notice_months=6)
    notice(a, "2025-08-31", w.agency_b.id)
    for as_of, want in [("2025-08-30", pb.AGREEMENT_STATUS_ACTIVE),
                        ("2025-08-31", pb.AGREEMENT_STATUS_NOTICE_GIVEN),
                        ("2026-02-28", pb.AGREEMENT_STATUS_NOTICE_GIVEN),
                        ("2026-03-01", pb.AGREEMENT_STATUS_TERMINATED)]:
        check_eq(status(a, as_of), want, "status as of %s under notice" % as_of)
    expect_error(lambda: notice(a, "2025-09-15"), FP, "notice was given on 2025-08-31",
                 "2026-02-28", what="notice twice")
    expect_error(lambda: st.Amend(pb.AmendAgreementRequest(
        id=a.id, update_mask=["scope"], scope="x", effective_from="2025-10-01"),
        timeout=T), FP, "under notice", what="amending under notice")
    # A fixed end sooner than the notice's end comes first.
    a = signed(title="Fixed end first", effective_from="2025-01-01",
               effective_to="2025-10-31", notice_months=6)
    check_eq(notice(a, "2025-08-31").ends_on, "2025-10-31", "fixed end before notice end")
    # The notice period is the one of the version in force on the notice date.
    for on, ends in [("2025-05-31", "2025-08-31"), ("2025-06-30", "2025-12-30")]:
        a = signed(title="Period of the version in force %s" % on,
                   effective_from="2025-01-01", notice_months=3)
        st.Amend(pb.AmendAgreementRequest(id=a.id, update_mask=["notice_months"],
                                          notice_months=6, effective_from="2025-06-01"),
                 timeout=T)
        check_eq(notice(a, on).ends_on, ends, "notice on %s (3 months until "
                 "2025-05-31, then 6)" % on)
    # Refusals: a draft, an expired agreement, a date before signing, a
    # non-party.
    d = new_agreement(env, "ministry-a", title="Draft notice")
    expect_error(lambda: notice(d, "2025-01-01"), FP, "draft", what="notice on a draft")
    a = signed(title="Signed late", effective_from="2024-01-01", signed_on="2024-06-01")
    expect_error(lambda: notice(a, "2024-05-31"), FP, "not signed on 2024-05-31",
                 what="notice before signing")
    a = signed(title="Expired notice", effective_from="2023-01-01",
               effective_to="2023-12-31")
    expect_error(lambda: notice(a, "2024-01-01"), FP, "expired on 2023-12-31",
                 what="notice after the end")
    expect_error(lambda: notice(a, "2023-06-01", w.moit.id), IA, "by_party_id",
                 "not a party", what="notice by a non-party")


def case_terminate(env):
    pb, w = env.pb, env.world
    st = env.agreements("ministry-a")
    a = new_agreement(env, "ministry-a", signed_on="2024-01-01", title="To terminate",
                      effective_from="2024-01-01")
    r = st.Terminate(pb.TerminateAgreementRequest(id=a.id, on_date="2025-05-01"),
                     timeout=T)
    check_eq((r.terminated_on, r.ends_on, r.notice_on), ("2025-05-01", "2025-05-01", ""),
             "(terminated_on, ends_on, notice_on)")
    for as_of, want in [("2025-04-30", pb.AGREEMENT_STATUS_ACTIVE),
                        ("2025-05-01", pb.AGREEMENT_STATUS_TERMINATED),
                        ("2030-01-01", pb.AGREEMENT_STATUS_TERMINATED)]:
        check_eq(st.Get(pb.GetAgreementRequest(id=a.id, as_of=as_of), timeout=T).status,
                 want, "status as of %s" % as_of)
    n = env.audit_count()
    for what, fn in [
            ("Sign", lambda: st.Sign(pb.SignAgreementRequest(id=a.id), timeout=T)),
            ("Amend", lambda: st.Amend(pb.AmendAgreementRequest(
                id=a.id, update_mask=["scope"], effective_from="2025-06-01"), timeout=T)),
            ("GiveNotice", lambda: st.GiveNotice(pb.GiveNoticeRequest(
                id=a.id, by_party_id=w.erea.id, on_date="2025-04-01"), timeout=T)),
            ("Terminate", lambda: st.Terminate(pb.TerminateAgreementRequest(
                id=a.id, on_date="2025-06-01"), timeout=T))]:
        expect_error(fn, FP, "was terminated on 2025-05-01", what=what + " after Terminate")
    check_eq(env.audit_count(), n, "audit rows after refused changes")
    # Terminating under notice: the earlier end stands.
    b = new_agreement(env, "ministry-a", signed_on="2024-01-01", title="Notice then end",
                      effective_from="2024-01-01", notice_months=6)
    st.GiveNotice(pb.GiveNoticeRequest(id=b.id, by_party_id=w.erea.id,
                                       on_date="2025-01-31"), timeout=T)
    r = st.Terminate(pb.TerminateAgreementRequest(id=b.id, on_date="2025-03-15"),
                     timeout=T)
    check_eq((r.ends_on, r.terminated_on, r.notice_on),
             ("2025-03-15", "2025-03-15", "2025-01-31"), "terminated under notice")
    d = new_agreement(env, "ministry-a", title="Draft to terminate")
    expect_error(lambda: st.Terminate(pb.TerminateAgreementRequest(
        id=d.id, on_date="2025-01-01"), timeout=T), FP, "draft",
        what="terminating a draft")
    s = new_agreement(env, "ministry-a", signed_on="2025-02-01", title="Signed later")
    expect_error(lambda: st.Terminate(pb.TerminateAgreementRequest(
        id=s.id, on_date="2025-01-31"), timeout=T), FP, "not signed by 2025-01-31",
        what="terminating before signing")


# --------------------------------------------------------------------------
# secondments


def case_secondments(env):
    pb, w, fx = env.pb, env.world, env.fx
    ma = env.secondments("ministry-a")
    s = fx.sec_b

    def get(sid, as_of):
        return ma.Get(pb.GetSecondmentRequest(id=sid, as_of=as_of), timeout=T)

    for as_of, want in [("2025-02-28", pb.SECONDMENT_STATUS_PLANNED),
                        ("2025-03-01", pb.SECONDMENT_STATUS_ACTIVE),
                        ("2025-08-31", pb.SECONDMENT_STATUS_ACTIVE),
                        ("2025-09-01", pb.SECONDMENT_STATUS_COMPLETED)]:
        r = get(s.id, as_of)
        check_eq((r.as_of, r.status), (as_of, want), "status as of %s" % as_of)
    # Amend: masked fields only, expected_version, the contract's cap.
    a = ma.Amend(pb.AmendSecondmentRequest(
        id=s.id, expected_version=1, update_mask=["share_bp", "expert_name"],
        share_bp=4000, expert_name="Bo K. Hansen", ends_on="2026-01-01"), timeout=T)
    check_eq((a.share_bp, a.expert_name, a.ends_on, a.version), (4000, "Bo K. Hansen",
                                                                  "2025-08-31", 2),
             "after Amend(share_bp, expert_name)")
    expect_error(lambda: ma.Amend(pb.AmendSecondmentRequest(
        id=s.id, expected_version=1, update_mask=["share_bp"], share_bp=10), timeout=T),
        FP, "expected version 1, found 2", what="a stale expected_version")
    expect_error(lambda: ma.Amend(pb.AmendSecondmentRequest(
        id=s.id, update_mask=["monthly_compensation"],
        monthly_compensation=money(env, 6000001)), timeout=T), IA,
        "monthly_compensation", "exceeds", what="pay above the staff category's maximum")
    a = ma.Amend(pb.AmendSecondmentRequest(
        id=s.id, update_mask=["monthly_compensation", "starts_on", "ends_on"],
        monthly_compensation=money(env, 6000000), starts_on="2025-04-01",
        ends_on="2025-09-30"), timeout=T)
    check_eq((a.monthly_compensation.amount_minor, a.starts_on, a.ends_on, a.version),
             (6000000, "2025-04-01", "2025-09-30", 3), "after Amend(pay, dates)")
    # The 100 % rule, one call at a time.
    base = dict(employee_ref="FT-1", expert_name="Full Time", starts_on="2025-01-01",
                ends_on="2025-06-30")
    s1 = new_secondment(env, "ministry-a", share_bp=6000, **base)
    e = expect_error(lambda: new_secondment(env, "ministry-a", share_bp=5000,
                                            **dict(base, starts_on="2025-06-30",
                                                   ends_on="2025-12-31")),
                     FP, "share_bp", "FT-1", "11000", "2025-06-30",
                     what="a second secondment that would pass 100 % on one day")
    log("    refusal: %s" % e.details())
    s2 = new_secondment(env, "ministry-a", share_bp=5000,
                        **dict(base, starts_on="2025-07-01", ends_on="2025-12-31"))
    s3 = new_secondment(env, "ministry-a", share_bp=4000, **base)
    check_eq(s3.share_bp, 4000, "6000 + 4000 on the same days: exactly full time")
    expect_error(lambda: ma.Amend(pb.AmendSecondmentRequest(
        id=s3.id, update_mask=["share_bp"], share_bp=4001), timeout=T), FP,
        "share_bp", "10001", what="an amendment past full time")
    expect_error(lambda: ma.Amend(pb.AmendSecondmentRequest(
        id=s2.id, update_mask=["starts_on"], starts_on="2025-06-30"), timeout=T), FP,
        "share_bp", "15000", what="moving a start into a full period")
    # The same reference at another employer is another expert.
    new_secondment(env, "secretariat", employer_id=w.ministry_s.id, host_id=w.moit.id,
                   share_bp=9000, **base)
    # Cancel: status cancelled whatever the date; frees the share; no more
    # changes.
    c = ma.Cancel(pb.CancelSecondmentRequest(id=s1.id, on_date="2024-12-15"), timeout=T)
    check_eq((c.cancelled_on, c.status, c.version), ("2024-12-15",
                                                    pb.SECONDMENT_STATUS_CANCELLED, 2),
             "after Cancel")
    check_eq(get(s1.id, "2025-03-01").status, pb.SECONDMENT_STATUS_CANCELLED,
             "cancelled as of a date in its period")
    expect_error(lambda: ma.Cancel(pb.CancelSecondmentRequest(id=s1.id), timeout=T),
                 FP, "cancelled on 2024-12-15", what="Cancel twice")
    expect_error(lambda: ma.Amend(pb.AmendSecondmentRequest(
        id=s1.id, update_mask=["share_bp"], share_bp=100), timeout=T), FP,
        "cancelled", what="Amend after Cancel")
    new_secondment(env, "ministry-a", share_bp=6000, **base)
    c = ma.Cancel(pb.CancelSecondmentRequest(id=s3.id), timeout=T)
    check_eq(c.cancelled_on, E.today(), "cancelled today by default")
    # List filters.
    got = list_all(ma.List, lambda pg: pb.ListSecondmentsRequest(
        page=pg, employer_id=w.agency_b.id, employee_ref="FT-1"), "secondments",
        page_size=500)[0]
    check(len(got) == 4 and {s1.id, s2.id, s3.id} <= {x.id for x in got} and
          all(x.employee_ref == "FT-1" and x.employer_id == w.agency_b.id for x in got),
          "List employer=B, employee_ref=FT-1: %s" % [(x.id, x.employer_id) for x in got])
    got = list_all(ma.List, lambda pg: pb.ListSecondmentsRequest(
        page=pg, status=pb.SECONDMENT_STATUS_CANCELLED, as_of="2025-03-01",
        employer_id=w.agency_b.id, employee_ref="FT-1"), "secondments",
        page_size=500)[0]
    check_eq(sorted(x.id for x in got), sorted([s1.id, s3.id]),
             "List status=cancelled")
    got = list_all(ma.List, lambda pg: pb.ListSecondmentsRequest(
        page=pg, status=pb.SECONDMENT_STATUS_PLANNED, as_of="2025-06-30",
        employer_id=w.agency_b.id, employee_ref="FT-1"), "secondments",
        page_size=500)[0]
    check_eq([x.id for x in got], [s2.id], "List status=planned as of 2025-06-30")
    check(all(x.as_of == "2025-06-30" for x in got), "as_of of listed rows")
    got = ids_of(ma.List, lambda pg: pb.ListSecondmentsRequest(
        page=pg, collaboration_id=fx.collab_a.id), "secondments")
    check_eq(got, [fx.sec_a_ke.id], "List collaboration_id=collab_a")


def case_stay(env):
    """Stay: long from long_stay_months months on (default 6); a second sscd
    on the same database with [domain] long_stay_months = 3 derives it with
    3, both reading the same rows."""
    pb, w = env.pb, env.world
    periods = [("2025-03-01", "2025-08-31"), ("2025-03-01", "2025-08-30"),
               ("2025-03-01", "2025-05-31"), ("2025-03-01", "2025-05-30"),
               ("2024-08-31", "2025-02-26"), ("2024-08-31", "2025-02-27"),
               ("2025-01-01", "2025-01-01")]
    rows = [new_secondment(env, employee_ref="STAY-%d" % n, starts_on=a, ends_on=b,
                           share_bp=100) for n, (a, b) in enumerate(periods)]
    L, S = pb.STAY_LONG, pb.STAY_SHORT
    # 31 August + 6 months is 28 February: 31 August to 27 February lasts
    # six months, to 26 February does not (sql/0017 lasts_months).
    want6 = [L, S, S, S, S, L, S]
    want3 = [L, L, L, S, L, L, S]
    check_eq([r.stay for r in rows], want6, "stay in Create's answers (6 months)")
    check_eq([env.secondments().Get(pb.GetSecondmentRequest(id=r.id), timeout=T).stay
              for r in rows], want6, "stay on Get (6 months)")
    other = env.start_other("stay3", overrides={"domain": {"long_stay_months": "3"}},
                            clients=("secretariat",))
    try:
        st3 = env.secondments("secretariat", sscd=other)
        check_eq([st3.Get(pb.GetSecondmentRequest(id=r.id), timeout=T).stay
                  for r in rows], want3, "stay on Get through sscd with 3 months")
        got = {x.id: x.stay for x in list_all(st3.List, lambda pg:
                                              pb.ListSecondmentsRequest(
                                                  page=pg, employer_id=w.agency_b.id),
                                              "secondments", page_size=500)[0]}
        check_eq([got.get(r.id) for r in rows], want3, "stay on List (3 months)")
        made = st3.Create(secondment_req(env, employee_ref="STAY-X",
                                         starts_on="2025-03-01", ends_on="2025-05-31",
                                         share_bp=100), timeout=T)
        check_eq(made.stay, L, "Create through the 3-month sscd: 3 months is long")
        check_eq(env.secondments().Get(pb.GetSecondmentRequest(id=made.id),
                                       timeout=T).stay, S,
                 "the same row through the 6-month sscd is short")
        check_eq([env.secondments().Get(pb.GetSecondmentRequest(id=r.id), timeout=T).stay
                  for r in rows], want6, "the first sscd still says 6 months")
    finally:
        env.close_channels()
        problems = other.stop()
        env.others.remove(other)
    check(not problems, "the second sscd: %s" % problems)


# --------------------------------------------------------------------------
# validation: every rule of every request, status and field named, nothing
# written


def run_table(env, rows, label):
    """rows: (what, fn, code, needles...). Every call must fail as said and
    nothing may be written (audit rows and idempotency keys unchanged)."""
    probs = Problems()
    n_audit, n_keys = env.audit_count(), env.count("ssc.idempotency")
    for row in rows:
        what, fn, code, needles = row[0], row[1], row[2], row[3:]
        probs.run(expect_error, fn, code, *needles, what="%s: %s" % (label, what))
    if env.audit_count() != n_audit:
        probs.add("%s: refused calls wrote %d audit rows" % (
            label, env.audit_count() - n_audit))
    if env.count("ssc.idempotency") != n_keys:
        probs.add("%s: refused calls kept %d idempotency keys" % (
            label, env.count("ssc.idempotency") - n_keys))
    log("    %d refusals checked" % len(rows))
    probs.raise_if_any()


def token_of(env, cursor):
    """A page token as sscd makes them ("c1:" + cursor, base64url)."""
    return base64.urlsafe_b64encode(("c1:" + cursor).encode()).decode().rstrip("=")


def case_validation_matchmaking(env):
    pb, w = env.pb, env.world
    sec, vn = env.mm("secretariat"), env.mm("embassy-vn")

    def ds(client="secretariat", **kw):
        base = dict(embassy_id=w.emb_vn.id, sectors=["23110"], partner_id=w.erea.id,
                    title="Grid code review", priority=2, screened_on="2025-02-01")
        base.update(kw)
        return lambda: env.mm(client).CreateDemandSignal(
            pb.CreateDemandSignalRequest(**base), timeout=T)

    def it(client="secretariat", **kw):
        base = dict(organisation_id=w.agency_b.id, sectors=["23110"], countries=["VN"],
                    capacity_months=12)
        base.update(kw)
        return lambda: env.mm(client).CreateInterest(pb.CreateInterestRequest(**base),
                                                     timeout=T)

    int_token = sec.ListDemandSignals(pb.ListDemandSignalsRequest(
        page=page(env, 1)), timeout=T).next_page_token
    check(int_token, "no next_page_token from ListDemandSignals with page_size 1")
    match_token = token_of(env, "99.1.1.1.1")
    rows = [
        ("no embassy_id", ds(embassy_id=0), IA, "embassy_id: must be set"),
        ("negative embassy_id", ds(embassy_id=-4), IA, "embassy_id"),
        ("unknown embassy_id", ds(embassy_id=NOWHERE), IA, "embassy_id", "does not exist"),
        ("embassy_id of a ministry", ds(embassy_id=w.ministry_a.id), IA, "embassy_id",
         "danish_authority"),
        ("partner_id of another country", ds(partner_id=w.moe_ke.id), IA, "partner_id",
         "KE"),
        ("partner_id not a partner authority", ds(partner_id=w.agency_b.id), IA,
         "partner_id", "partner_authority"),
        ("unknown partner_id", ds(partner_id=NOWHERE), IA, "partner_id"),
        ("priority 0", ds(priority=0), IA, "priority"),
        ("priority 4", ds(priority=4), IA, "priority"),
        ("priority -1", ds(priority=-1), IA, "priority"),
        ("no sectors", ds(sectors=[]), IA, "sectors", "at least one"),
        ("unknown sector", ds(sectors=["99999"]), IA, "sectors", "99999"),
        ("sector not 5 digits", ds(sectors=["231"]), IA, "sectors", "231"),
        ("a sector twice", ds(sectors=["23110", "23110"]), IA, "sectors", "twice"),
        ("51 sectors", ds(sectors=["23110"] * 51), IA, "sectors", "at most 50"),
        ("empty title", ds(title=""), IA, "title", "must not be empty"),
        ("blank title", ds(title=" \t "), IA, "title", "must not be empty"),
        ("title of 201", ds(title="t" * 201), IA, "title", "at most 200"),
        ("newline in title", ds(title="two\nlines"), IA, "title", "control"),
        ("control character in title", ds(title="bell\x07"), IA, "title", "control"),
        ("description of 4001", ds(description="d" * 4001), IA, "description",
         "at most 4000"),
        ("control character in description", ds(description="x\x01y"), IA,
         "description", "control"),
        ("no screened_on", ds(screened_on=""), IA, "screened_on", "must be set"),
        ("screened_on not YYYY-MM-DD", ds(screened_on="1/3/2025"), IA, "screened_on",
         "YYYY-MM-DD"),
        ("screened_on 2025-02-30", ds(screened_on="2025-02-30"), IA, "screened_on",
         "not a calendar date"),
        ("idempotency_key of 129", ds(idempotency_key="k" * 129), IA, "idempotency_key"),
        ("the embassy writing for another embassy", ds("embassy-vn",
                                                       embassy_id=w.emb_ke.id,
                                                       partner_id=0), PD,
         "may not write demand signals of embassy %d" % w.emb_ke.id),
        ("a ministry", ds("ministry-a"), PD),
        ("GetDemandSignal id 0", lambda: sec.GetDemandSignal(
            pb.GetDemandSignalRequest(), timeout=T), IA, "id: must be set"),
        ("GetDemandSignal id -1", lambda: sec.GetDemandSignal(
            pb.GetDemandSignalRequest(id=-1), timeout=T), IA, "id"),
        ("GetDemandSignal unknown id", lambda: sec.GetDemandSignal(
            pb.GetDemandSignalRequest(id=NOWHERE), timeout=T), NF, str(NOWHERE)),
        ("ListDemandSignals country vn", lambda: sec.ListDemandSignals(
            pb.ListDemandSignalsRequest(country="vn"), timeout=T), IA, "country"),
        ("ListDemandSignals unknown status", lambda: sec.ListDemandSignals(
            pb.ListDemandSignalsRequest(status=99), timeout=T), IA, "status"),
        ("ListDemandSignals garbage page_token", lambda: sec.ListDemandSignals(
            pb.ListDemandSignalsRequest(page=page(env, 2, "garbage!!")), timeout=T),
         IA, "page_token"),
        ("ListDemandSignals with a ListMatches token", lambda: sec.ListDemandSignals(
            pb.ListDemandSignalsRequest(page=page(env, 2, match_token)), timeout=T),
         IA, "page_token"),
        ("WithdrawDemandSignal id 0", lambda: vn.WithdrawDemandSignal(
            pb.WithdrawRequest(), timeout=T), IA, "id: must be set"),
        ("WithdrawDemandSignal unknown id", lambda: vn.WithdrawDemandSignal(
            pb.WithdrawRequest(id=NOWHERE), timeout=T), NF),
        # interests
        ("no organisation_id (secretariat)", it(organisation_id=0), IA,
         "organisation_id: must be set"),
        ("unknown organisation_id", it(organisation_id=NOWHERE), IA, "organisation_id",
         "does not exist"),
        ("organisation_id of a partner", it(organisation_id=w.erea.id), IA,
         "organisation_id", "partner_authority"),
        ("organisation_id of an embassy", it(organisation_id=w.emb_vn.id), IA,
         "organisation_id", "embassy"),
        ("capacity_months -1", it(capacity_months=-1), IA, "capacity_months"),
        ("capacity_months 1201", it(capacity_months=1201), IA, "capacity_months"),
        ("no sectors", it(sectors=[]), IA, "sectors", "at least one"),
        ("unknown sector", it(sectors=["12345"]), IA, "sectors", "12345"),
        ("no countries", it(countries=[]), IA, "countries", "at least one"),
        ("lower-case country", it(countries=["vn"]), IA, "countries", "vn"),
        ("three-letter country", it(countries=["VNM"]), IA, "countries", "VNM"),
        ("51 countries", it(countries=["VN"] * 51), IA, "countries", "at most 50"),
        ("description of 4001", it(description="d" * 4001), IA, "description"),
        ("an embassy", it("embassy-vn"), PD),
        ("GetInterest id 0", lambda: sec.GetInterest(pb.GetInterestRequest(),
                                                     timeout=T), IA, "id"),
        ("GetInterest unknown id", lambda: sec.GetInterest(pb.GetInterestRequest(
            id=NOWHERE), timeout=T), NF),
        ("ListInterests organisation_id -1", lambda: sec.ListInterests(
            pb.ListInterestsRequest(organisation_id=-1), timeout=T), IA,
         "organisation_id"),
        ("ListInterests garbage page_token", lambda: sec.ListInterests(
            pb.ListInterestsRequest(page=page(env, 2, "@@@")), timeout=T), IA,
         "page_token"),
        ("WithdrawInterest id 0", lambda: sec.WithdrawInterest(pb.WithdrawRequest(),
                                                               timeout=T), IA, "id"),
        ("WithdrawInterest unknown id", lambda: sec.WithdrawInterest(
            pb.WithdrawRequest(id=NOWHERE), timeout=T), NF),
        # matches
        ("ListMatches country v", lambda: sec.ListMatches(pb.ListMatchesRequest(
            country="v"), timeout=T), IA, "country"),
        ("ListMatches unknown sector", lambda: sec.ListMatches(pb.ListMatchesRequest(
            sector="99999"), timeout=T), IA, "sector"),
        ("ListMatches garbage page_token", lambda: sec.ListMatches(
            pb.ListMatchesRequest(page=page(env, 2, "garbage!!")), timeout=T), IA,
         "page_token"),
        ("ListMatches with a ListDemandSignals token", lambda: sec.ListMatches(
            pb.ListMatchesRequest(page=page(env, 2, int_token)), timeout=T), IA,
         "page_token"),
        ("ListMatches with a cursor of letters", lambda: sec.ListMatches(
            pb.ListMatchesRequest(page=page(env, 2, token_of(env, "a.b.c.d.e"))),
            timeout=T), IA, "page_token"),
        ("ListMatches with a cursor of four parts", lambda: sec.ListMatches(
            pb.ListMatchesRequest(page=page(env, 2, token_of(env, "99.1.1.1"))),
            timeout=T), IA, "page_token"),
        ("ListMatches with an empty cursor part", lambda: sec.ListMatches(
            pb.ListMatchesRequest(page=page(env, 2, token_of(env, "99..1.1.1"))),
            timeout=T), IA, "page_token"),
        ("ListMatches with a cursor part past int", lambda: sec.ListMatches(
            pb.ListMatchesRequest(page=page(env, 2, token_of(
                env, "99999999999.1.1.1.1"))), timeout=T), IA, "page_token"),
        ("ListMatches with a cursor part past bigint", lambda: sec.ListMatches(
            pb.ListMatchesRequest(page=page(env, 2, token_of(
                env, "99.1.1.99999999999999999999.1"))), timeout=T), IA, "page_token"),
    ]
    run_table(env, rows, "matchmaking")


def case_validation_collaborations(env):
    pb, w, fx = env.pb, env.world, env.fx
    sec = env.collabs("secretariat")
    c = new_collab(env, title="Validation target")

    def cr(**kw):
        return lambda: sec.Create(collab_req(env, **kw), timeout=T)

    def up(**kw):
        base = dict(id=c.id)
        base.update(kw)
        return lambda: sec.Update(pb.UpdateCollaborationRequest(**base), timeout=T)

    def tr(**kw):
        base = dict(id=c.id, to_phase=pb.PHASE_INCEPTION, on_date="2024-02-01")
        base.update(kw)
        return lambda: sec.Transition(pb.TransitionRequest(**base), timeout=T)

    def pl(**kw):
        base = dict(id=c.id, phase=pb.PHASE_INCEPTION, planned_start="2024-03-01",
                    planned_end="2024-09-30")
        base.update(kw)
        return lambda: sec.PlanPhase(pb.PlanPhaseRequest(**base), timeout=T)

    ds = env.mm("embassy-vn").CreateDemandSignal(pb.CreateDemandSignalRequest(
        sectors=["23110"], title="For validation", priority=2, screened_on="2025-01-01"),
        timeout=T)
    it = env.mm("ministry-a").CreateInterest(pb.CreateInterestRequest(
        sectors=["23110"], countries=["VN"]), timeout=T)
    twenty_one = [(code, 1) for code in (
        "11110", "11182", "11330", "12110", "12182", "12196", "12310", "14010",
        "14015", "14020", "14040", "14050", "14081", "15110", "15111", "15112",
        "15114", "15125", "15130", "15142")] + [("23110", 80)]
    rows = [
        ("empty title", cr(title=""), IA, "title", "must not be empty"),
        ("title of 201", cr(title="t" * 201), IA, "title", "at most 200"),
        ("no lead_id (secretariat)", cr(lead_id=0), IA, "lead_id: must be set"),
        ("unknown lead_id", cr(lead_id=NOWHERE), IA, "lead_id", "does not exist"),
        ("lead_id of a partner", cr(lead_id=w.erea.id), IA, "lead_id",
         "partner_authority"),
        ("no country", cr(country=""), IA, "country"),
        ("lower-case country", cr(country="vn"), IA, "country", "vn"),
        ("no partner_ids", cr(partner_ids=[]), IA, "partner_ids", "at least one"),
        ("a partner twice", cr(partner_ids=[w.erea.id, w.erea.id]), IA, "partner_ids",
         "twice"),
        ("negative partner id", cr(partner_ids=[-1]), IA, "partner_ids"),
        ("partner of another country", cr(partner_ids=[w.moe_ke.id]), IA,
         "partner_ids", "not a partner authority in VN"),
        ("partner that is a ministry", cr(partner_ids=[w.ministry_a.id]), IA,
         "partner_ids"),
        ("embassy of another country", cr(embassy_id=w.emb_ke.id), IA, "embassy_id",
         "not an embassy in VN"),
        ("embassy_id of a ministry", cr(embassy_id=w.ministry_a.id), IA, "embassy_id"),
        ("no sectors", cr(sectors=[]), IA, "sectors", "at least one"),
        ("sectors summing to 90", cr(sectors=shares(env, ("23110", 50), ("23210", 40))),
         IA, "sectors", "sum to 100", "90"),
        ("sectors summing to 110", cr(sectors=shares(env, ("23110", 60), ("23210", 50))),
         IA, "sectors", "sum to 100", "110"),
        ("percentage 0", cr(sectors=shares(env, ("23110", 100), ("23210", 0))), IA,
         "sectors", "between 1 and 100"),
        ("percentage 101", cr(sectors=shares(env, ("23110", 101))), IA, "sectors",
         "between 1 and 100"),
        ("percentage -1", cr(sectors=shares(env, ("23210", -1), ("23110", 101))), IA,
         "sectors", "between 1 and 100"),
        ("a sector twice", cr(sectors=shares(env, ("23110", 50), ("23110", 50))), IA,
         "sectors", "twice"),
        ("unknown sector", cr(sectors=shares(env, ("99999", 100))), IA, "sectors",
         "99999"),
        ("21 sectors", cr(sectors=shares(env, *twenty_one)), IA, "sectors", "at most 20"),
        ("reference of two", cr(reference="ab"), IA, "reference"),
        ("reference with a space", cr(reference="SSC VN 1"), IA, "reference"),
        ("reference of 41", cr(reference="R" * 41), IA, "reference"),
        ("reference starting with a dash", cr(reference="-ABC"), IA, "reference"),
        ("reference taken", cr(reference=fx.collab_c.reference.lower()), AE,
         "reference", fx.collab_c.reference),
        ("planned_end before planned_start", cr(planned_start="2024-06-01",
                                                planned_end="2024-05-31"), IA,
         "planned_end"),
        ("started_on 2024-13-01", cr(started_on="2024-13-01"), IA, "started_on"),
        ("planned_start not a date", cr(planned_start="soon"), IA, "planned_start"),
        ("demand_signal_id without interest_id", cr(demand_signal_id=ds.id), IA,
         "demand_signal_id and interest_id"),
        ("interest_id without demand_signal_id", cr(interest_id=it.id), IA,
         "demand_signal_id and interest_id"),
        ("unknown demand signal", cr(demand_signal_id=NOWHERE, interest_id=it.id), IA,
         "demand_signal_id", "not found"),
        ("unknown interest", cr(demand_signal_id=ds.id, interest_id=NOWHERE), IA,
         "interest_id", "not found"),
        ("a match in another country", cr(demand_signal_id=ds.id, interest_id=it.id,
                                          country="KE", partner_ids=[w.moe_ke.id],
                                          embassy_id=0), IA, "country",
         "the demand signal is in VN"),
        ("an embassy", lambda: env.collabs("embassy-vn").Create(collab_req(env),
                                                               timeout=T), PD),
        # Get / List
        ("Get without id or reference", lambda: sec.Get(pb.GetCollaborationRequest(),
                                                        timeout=T), IA, "id",
         "reference"),
        ("Get as_of 2024-02-30", lambda: sec.Get(pb.GetCollaborationRequest(
            id=c.id, as_of="2024-02-30"), timeout=T), IA, "as_of"),
        ("Get unknown id", lambda: sec.Get(pb.GetCollaborationRequest(id=NOWHERE),
                                           timeout=T), NF),
        ("Get unknown reference", lambda: sec.Get(pb.GetCollaborationRequest(
            reference="NO-SUCH-REF"), timeout=T), NF, "NO-SUCH-REF"),
        ("List country DNK", lambda: sec.List(pb.ListCollaborationsRequest(
            country="DNK"), timeout=T), IA, "country"),
        ("List as_of garbage", lambda: sec.List(pb.ListCollaborationsRequest(
            as_of="yesterday"), timeout=T), IA, "as_of"),
        ("List unknown phase", lambda: sec.List(pb.ListCollaborationsRequest(
            phase=42), timeout=T), IA, "phase"),
        ("List lead_id -2", lambda: sec.List(pb.ListCollaborationsRequest(
            lead_id=-2), timeout=T), IA, "lead_id"),
        ("List garbage page_token", lambda: sec.List(pb.ListCollaborationsRequest(
            page=page(env, 1, "x")), timeout=T), IA, "page_token"),
        # Update
        ("Update with an empty mask", up(title="x"), IA, "update_mask"),
        ("Update of lead_id", up(update_mask=["lead_id"]), IA, "update_mask",
         "lead_id"),
        ("Update of phase", up(update_mask=["title", "phase"], title="x"), IA,
         "update_mask", "phase"),
        ("Update to an empty title", up(update_mask=["title"], title=""), IA, "title"),
        ("Update to no partners", up(update_mask=["partner_ids"]), IA, "partner_ids"),
        ("Update to a partner of KE", up(update_mask=["partner_ids"],
                                         partner_ids=[w.moe_ke.id]), IA,
         "partner_ids"),
        ("Update to sectors of 50 %", up(update_mask=["sectors"],
                                         sectors=shares(env, ("23110", 50))), IA,
         "sectors", "sum to 100"),
        ("Update to no sectors", up(update_mask=["sectors"]), IA, "sectors"),
        ("Update to the embassy of KE", up(update_mask=["embassy_id"],
                                           embassy_id=w.emb_ke.id), IA, "embassy_id"),
        ("Update with a stale expected_version", up(update_mask=["title"], title="x",
                                                     expected_version=7), FP,
         "expected version 7, found 1"),
        ("Update id 0", up(id=0, update_mask=["title"], title="x"), IA, "id"),
        ("Update unknown id", up(id=NOWHERE, update_mask=["title"], title="x"), NF),
        # Transition
        ("Transition without to_phase or resume", tr(to_phase=0), IA, "to_phase",
         "must be set"),
        ("Transition with to_phase and resume", tr(resume=True), IA, "to_phase",
         "either"),
        ("Transition to an unknown phase", tr(to_phase=77), IA, "to_phase"),
        ("Transition planned_end before planned_start",
         tr(planned_start="2024-05-01", planned_end="2024-04-30"), IA, "planned_end"),
        ("Transition before the phase began", tr(on_date="2023-12-31"), IA, "on_date",
         "before the current phase began"),
        ("Transition on_date not a date", tr(on_date="2024-2-1"), IA, "on_date"),
        ("Transition note of 2001", tr(note="n" * 2001), IA, "note", "at most 2000"),
        ("Transition note with a control character", tr(note="a\x1bb"), IA, "note"),
        ("Transition id 0", tr(id=0), IA, "id"),
        ("Transition unknown id", tr(id=NOWHERE), NF),
        ("Transition by an auditor", lambda: env.collabs("auditor").Transition(
            pb.TransitionRequest(id=c.id, to_phase=pb.PHASE_INCEPTION), timeout=T), PD),
        # PlanPhase
        ("PlanPhase without phase", pl(phase=0), IA, "phase"),
        ("PlanPhase of closed", pl(phase=pb.PHASE_CLOSED), IA, "phase", "closed"),
        ("PlanPhase of suspended", pl(phase=pb.PHASE_SUSPENDED), IA, "phase"),
        ("PlanPhase without planned_start", pl(planned_start=""), IA, "planned_start",
         "must be set"),
        ("PlanPhase without planned_end", pl(planned_end=""), IA, "planned_end",
         "must be set"),
        ("PlanPhase end before start", pl(planned_end="2024-02-29"), IA, "planned_end"),
        ("PlanPhase id 0", pl(id=0), IA, "id"),
        ("PlanPhase unknown id", pl(id=NOWHERE), NF),
        # ListTransitions
        ("ListTransitions id 0", lambda: sec.ListTransitions(
            pb.ListTransitionsRequest(), timeout=T), IA, "id"),
        ("ListTransitions unknown id", lambda: sec.ListTransitions(
            pb.ListTransitionsRequest(id=NOWHERE), timeout=T), NF),
        ("ListTransitions garbage page_token", lambda: sec.ListTransitions(
            pb.ListTransitionsRequest(id=c.id, page=page(env, 1, "!")), timeout=T), IA,
         "page_token"),
    ]
    run_table(env, rows, "collaborations")
    check_eq(sec.Get(pb.GetCollaborationRequest(id=c.id), timeout=T).version, 1,
             "the target's version after refused changes")


def case_validation_agreements(env):
    pb, w = env.pb, env.world
    st = env.agreements("secretariat")
    draft = new_agreement(env, title="Validation draft")
    signed = new_agreement(env, title="Validation signed", signed_on="2024-01-01")

    def cr(**kw):
        return lambda: st.Create(agreement_req(env, **kw), timeout=T)

    def contract(**kw):
        base = dict(tasks="Advice", ceiling=money(env, 1000000),
                    staff_categories=[pb.StaffCategory(
                        name="adviser", max_monthly_rate=money(env, 50000))])
        base.update(kw)
        return cr(kind=pb.AGREEMENT_KIND_CONTRACT,
                  contract=pb.ContractTerms(**unset_none(base)))

    def am(**kw):
        base = dict(id=signed.id, update_mask=["scope"], scope="new",
                    effective_from="2025-01-01")
        base.update(kw)
        return lambda: st.Amend(pb.AmendAgreementRequest(**base), timeout=T)

    def gn(**kw):
        base = dict(id=signed.id, by_party_id=w.erea.id, on_date="2025-01-01")
        base.update(kw)
        return lambda: st.GiveNotice(pb.GiveNoticeRequest(**base), timeout=T)

    def te(**kw):
        base = dict(id=signed.id, on_date="2025-01-01")
        base.update(kw)
        return lambda: st.Terminate(pb.TerminateAgreementRequest(**base), timeout=T)

    rows = [
        ("no kind", cr(kind=0), IA, "kind: must be set"),
        ("unknown kind", cr(kind=99), IA, "kind"),
        ("empty title", cr(title=""), IA, "title"),
        ("title of 201", cr(title="t" * 201), IA, "title", "at most 200"),
        ("one party", cr(party_ids=[w.agency_b.id]), IA, "party_ids", "two or more"),
        ("no parties", cr(party_ids=[]), IA, "party_ids", "two or more"),
        ("21 parties", cr(party_ids=list(range(1, 22))), IA, "party_ids", "at most 20"),
        ("a party twice", cr(party_ids=[w.erea.id, w.erea.id]), IA, "party_ids",
         "twice"),
        ("an unknown party", cr(party_ids=[w.erea.id, NOWHERE]), IA, "party_ids",
         "does not exist"),
        ("unknown collaboration", cr(collaboration_id=NOWHERE), IA, "collaboration_id",
         "not found"),
        ("notice_months -1", cr(notice_months=-1), IA, "notice_months"),
        ("notice_months 121", cr(notice_months=121), IA, "notice_months"),
        ("no effective_from", cr(effective_from=""), IA, "effective_from",
         "must be set"),
        ("effective_from 2024-02-30", cr(effective_from="2024-02-30"), IA,
         "effective_from"),
        ("effective_to before effective_from", cr(effective_to="2023-12-31"), IA,
         "effective_to"),
        ("review_on not a date", cr(review_on="2024-1-1"), IA, "review_on"),
        ("scope of 8001", cr(scope="s" * 8001), IA, "scope", "at most 8000"),
        ("contract terms on an MoU", cr(contract=pb.ContractTerms(
            tasks="x", ceiling=money(env, 1))), IA, "contract", "kind contract"),
        ("contract without ceiling", contract(ceiling=None), IA, "ceiling",
         "must be set"),
        ("ceiling in dkk", contract(ceiling=money(env, 1, "dkk")), IA, "ceiling",
         "ISO 4217"),
        ("ceiling without currency", contract(ceiling=money(env, 1, "")), IA,
         "ceiling"),
        ("negative ceiling", contract(ceiling=money(env, -1)), IA, "ceiling",
         "negative"),
        ("a staff category twice", contract(staff_categories=[
            pb.StaffCategory(name="adviser", max_monthly_rate=money(env, 1)),
            pb.StaffCategory(name="adviser", max_monthly_rate=money(env, 2))]), IA,
         "staff_categories", "twice"),
        ("a rate in another currency", contract(staff_categories=[
            pb.StaffCategory(name="adviser", max_monthly_rate=money(env, 1, "EUR"))]),
         IA, "staff_categories", "EUR"),
        ("a staff category without name", contract(staff_categories=[
            pb.StaffCategory(name="", max_monthly_rate=money(env, 1))]), IA, "name"),
        ("a staff category without rate", contract(staff_categories=[
            pb.StaffCategory(name="adviser")]), IA, "max_monthly_rate"),
        ("tasks of 8001", contract(tasks="t" * 8001), IA, "tasks"),
        ("an embassy", lambda: env.agreements("embassy-vn").Create(
            agreement_req(env), timeout=T), PD),
        # Get / List / ListVersions
        ("Get id 0", lambda: st.Get(pb.GetAgreementRequest(), timeout=T), IA, "id"),
        ("Get as_of garbage", lambda: st.Get(pb.GetAgreementRequest(
            id=draft.id, as_of="2024-00-01"), timeout=T), IA, "as_of"),
        ("Get unknown id", lambda: st.Get(pb.GetAgreementRequest(id=NOWHERE),
                                          timeout=T), NF),
        ("List as_of garbage", lambda: st.List(pb.ListAgreementsRequest(
            as_of="20240101"), timeout=T), IA, "as_of"),
        ("List unknown kind", lambda: st.List(pb.ListAgreementsRequest(kind=55),
                                              timeout=T), IA, "kind"),
        ("List unknown status", lambda: st.List(pb.ListAgreementsRequest(status=55),
                                                timeout=T), IA, "status"),
        ("List party_id -1", lambda: st.List(pb.ListAgreementsRequest(party_id=-1),
                                             timeout=T), IA, "party_id"),
        ("List garbage page_token", lambda: st.List(pb.ListAgreementsRequest(
            page=page(env, 1, "zz")), timeout=T), IA, "page_token"),
        ("ListVersions id 0", lambda: st.ListVersions(
            pb.ListAgreementVersionsRequest(), timeout=T), IA, "id"),
        ("ListVersions unknown id", lambda: st.ListVersions(
            pb.ListAgreementVersionsRequest(id=NOWHERE), timeout=T), NF),
        ("ListVersions garbage page_token", lambda: st.ListVersions(
            pb.ListAgreementVersionsRequest(id=signed.id, page=page(env, 1, "a")),
            timeout=T), IA, "page_token"),
        ("ListVersions with a version number past int", lambda: st.ListVersions(
            pb.ListAgreementVersionsRequest(id=signed.id, page=page(
                env, 1, token_of(env, "99999999999"))), timeout=T), IA, "page_token"),
        # Sign
        ("Sign id 0", lambda: st.Sign(pb.SignAgreementRequest(), timeout=T), IA, "id"),
        ("Sign unknown id", lambda: st.Sign(pb.SignAgreementRequest(id=NOWHERE),
                                            timeout=T), NF),
        ("Sign signed_on garbage", lambda: st.Sign(pb.SignAgreementRequest(
            id=draft.id, signed_on="today"), timeout=T), IA, "signed_on"),
        ("Sign twice", lambda: st.Sign(pb.SignAgreementRequest(id=signed.id),
                                       timeout=T), FP, "signed already"),
        # Amend
        ("Amend with an empty mask", am(update_mask=[]), IA, "update_mask"),
        ("Amend of parties", am(update_mask=["party_ids"]), IA, "update_mask",
         "party_ids"),
        ("Amend with effective_to and open_ended",
         am(update_mask=["effective_to", "open_ended"], effective_to="2025-12-31",
            open_ended=True), IA, "open_ended"),
        ("Amend open_ended false", am(update_mask=["open_ended"]), IA, "open_ended",
         "must be true"),
        ("Amend without effective_from", am(effective_from=""), IA, "effective_from",
         "must be set"),
        ("Amend effective on the version's own date", am(effective_from="2024-01-01"),
         IA, "effective_from"),
        ("Amend effective before the version", am(effective_from="2023-06-01"), IA,
         "effective_from"),
        ("Amend effective_to before effective_from",
         am(update_mask=["effective_to"], effective_to="2024-12-31"), IA,
         "effective_to"),
        ("Amend without effective_to in the mask's value",
         am(update_mask=["effective_to"]), IA, "effective_to"),
        ("Amend notice_months 121", am(update_mask=["notice_months"],
                                       notice_months=121), IA, "notice_months"),
        ("Amend signed_on garbage", am(signed_on="x"), IA, "signed_on"),
        ("Amend contract terms of an MoU", am(update_mask=["contract"],
                                              contract=pb.ContractTerms(
                                                  ceiling=money(env, 1))), IA,
         "contract"),
        ("Amend a draft", am(id=draft.id), FP, "draft"),
        ("Amend id 0", am(id=0), IA, "id"),
        ("Amend unknown id", am(id=NOWHERE), NF),
        # GiveNotice
        ("GiveNotice without by_party_id", gn(by_party_id=0), IA, "by_party_id"),
        ("GiveNotice without on_date", gn(on_date=""), IA, "on_date", "must be set"),
        ("GiveNotice by a non-party", gn(by_party_id=w.moit.id), IA, "by_party_id",
         "not a party"),
        ("GiveNotice on a draft", gn(id=draft.id, by_party_id=w.agency_b.id), FP,
         "draft"),
        ("GiveNotice id 0", gn(id=0), IA, "id"),
        ("GiveNotice unknown id", gn(id=NOWHERE), NF),
        # Terminate
        ("Terminate without on_date", te(on_date=""), IA, "on_date", "must be set"),
        ("Terminate a draft", te(id=draft.id), FP, "draft"),
        ("Terminate id 0", te(id=0), IA, "id"),
        ("Terminate unknown id", te(id=NOWHERE), NF),
    ]
    run_table(env, rows, "agreements")


def case_validation_secondments(env):
    pb, w, fx = env.pb, env.world, env.fx
    st = env.secondments("secretariat")
    s = new_secondment(env, employee_ref="VAL-1", share_bp=1000)
    gone = new_secondment(env, employee_ref="VAL-2", share_bp=1000)
    st.Cancel(pb.CancelSecondmentRequest(id=gone.id, on_date="2025-01-01"), timeout=T)

    def cr(**kw):
        return lambda: st.Create(secondment_req(env, **kw), timeout=T)

    def am(**kw):
        base = dict(id=s.id, update_mask=["share_bp"], share_bp=2000)
        base.update(kw)
        return lambda: st.Amend(pb.AmendSecondmentRequest(**base), timeout=T)

    def ca(**kw):
        base = dict(id=s.id)
        base.update(kw)
        return lambda: st.Cancel(pb.CancelSecondmentRequest(**base), timeout=T)

    mou = fx.ag_b
    rows = [
        ("no collaboration_id", cr(collaboration_id=0), IA, "collaboration_id",
         "must be set"),
        ("unknown collaboration", cr(collaboration_id=NOWHERE), IA, "collaboration_id",
         "not found"),
        ("no employer (secretariat)", cr(employer_id=0), IA, "employer_id: must be set"),
        ("employer a partner", cr(employer_id=w.erea.id), IA, "employer_id",
         "partner_authority"),
        ("unknown employer", cr(employer_id=NOWHERE), IA, "employer_id",
         "does not exist"),
        ("no host", cr(host_id=0), IA, "host_id", "must be set"),
        ("host a Danish authority", cr(host_id=w.agency_c.id), IA, "host_id",
         "partner_authority"),
        ("host in another country", cr(host_id=w.moe_ke.id), IA, "host_id", "KE", "VN"),
        ("no employee_ref", cr(employee_ref=""), IA, "employee_ref"),
        ("employee_ref with a space", cr(employee_ref="E 1"), IA, "employee_ref"),
        ("employee_ref of 65", cr(employee_ref="e" * 65), IA, "employee_ref"),
        ("no expert_name", cr(expert_name=""), IA, "expert_name"),
        ("expert_name of 201", cr(expert_name="n" * 201), IA, "expert_name"),
        ("no starts_on", cr(starts_on=""), IA, "starts_on", "must be set"),
        ("no ends_on", cr(ends_on=""), IA, "ends_on", "must be set"),
        ("ends_on before starts_on", cr(ends_on="2025-02-28"), IA, "ends_on", "before"),
        ("starts_on garbage", cr(starts_on="2025-02-29"), IA, "starts_on"),
        ("share_bp 0", cr(share_bp=0), IA, "share_bp", "between 1 and 10000"),
        ("share_bp 10001", cr(share_bp=10001), IA, "share_bp", "between 1 and 10000"),
        ("share_bp -5", cr(share_bp=-5), IA, "share_bp"),
        ("no monthly_compensation", cr(monthly_compensation=None), IA,
         "monthly_compensation", "must be set"),
        ("compensation in dk", cr(monthly_compensation=money(env, 1, "dk")), IA,
         "monthly_compensation", "ISO 4217"),
        ("negative compensation", cr(monthly_compensation=money(env, -1)), IA,
         "monthly_compensation", "negative"),
        ("staff_category without contract", cr(staff_category="adviser"), IA,
         "staff_category", "contract_id"),
        ("contract_id of an MoU", cr(contract_id=mou.id), IA, "contract_id"),
        ("unknown contract_id", cr(contract_id=NOWHERE), IA, "contract_id"),
        ("unknown staff category", cr(contract_id=fx.contract_b.id,
                                      staff_category="intern"), IA, "staff_category",
         "intern"),
        ("pay above the category's maximum", cr(
            contract_id=fx.contract_b.id, staff_category="adviser",
            monthly_compensation=money(env, 4000001)), IA, "monthly_compensation",
         "exceeds"),
        ("pay in another currency than the category's", cr(
            contract_id=fx.contract_b.id, staff_category="adviser",
            monthly_compensation=money(env, 1, "EUR")), IA, "monthly_compensation",
         "EUR"),
        ("past full time", cr(employee_ref="VAL-1", share_bp=9001), FP, "share_bp",
         "10001"),
        ("an embassy", lambda: env.secondments("embassy-vn").Create(
            secondment_req(env), timeout=T), PD),
        # Get / List
        ("Get id 0", lambda: st.Get(pb.GetSecondmentRequest(), timeout=T), IA, "id"),
        ("Get as_of garbage", lambda: st.Get(pb.GetSecondmentRequest(
            id=s.id, as_of="2025-13-01"), timeout=T), IA, "as_of"),
        ("Get unknown id", lambda: st.Get(pb.GetSecondmentRequest(id=NOWHERE),
                                          timeout=T), NF),
        ("List employee_ref without employer", lambda: st.List(
            pb.ListSecondmentsRequest(employee_ref="VAL-1"), timeout=T), IA,
         "employee_ref", "employer_id"),
        ("List as_of garbage", lambda: st.List(pb.ListSecondmentsRequest(
            as_of="never"), timeout=T), IA, "as_of"),
        ("List unknown status", lambda: st.List(pb.ListSecondmentsRequest(status=9),
                                                timeout=T), IA, "status"),
        ("List garbage page_token", lambda: st.List(pb.ListSecondmentsRequest(
            page=page(env, 1, "%%%")), timeout=T), IA, "page_token"),
        # Amend
        ("Amend with an empty mask", am(update_mask=[]), IA, "update_mask"),
        ("Amend of host_id", am(update_mask=["host_id"]), IA, "update_mask", "host_id"),
        ("Amend ends_on before starts_on", am(update_mask=["ends_on"],
                                              ends_on="2025-01-01"), IA, "ends_on"),
        ("Amend starts_on after ends_on", am(update_mask=["starts_on"],
                                             starts_on="2025-09-01"), IA, "ends_on"),
        ("Amend share_bp 0", am(share_bp=0), IA, "share_bp"),
        ("Amend expert_name empty", am(update_mask=["expert_name"]), IA, "expert_name"),
        ("Amend compensation missing", am(update_mask=["monthly_compensation"]), IA,
         "monthly_compensation"),
        ("Amend stale expected_version", am(expected_version=5), FP,
         "expected version 5, found 1"),
        ("Amend a cancelled secondment", am(id=gone.id), FP, "cancelled"),
        ("Amend id 0", am(id=0), IA, "id"),
        ("Amend unknown id", am(id=NOWHERE), NF),
        # Cancel
        ("Cancel on_date garbage", ca(on_date="2025/01/01"), IA, "on_date"),
        ("Cancel twice", ca(id=gone.id), FP, "cancelled on 2025-01-01"),
        ("Cancel id 0", ca(id=0), IA, "id"),
        ("Cancel unknown id", ca(id=NOWHERE), NF),
    ]
    run_table(env, rows, "secondments")
    check_eq(st.Get(pb.GetSecondmentRequest(id=s.id), timeout=T).version, 1,
             "the target's version after refused changes")


# --------------------------------------------------------------------------
# paging


def check_paging(probs, label, method, make_req, field, key=lambda x: x.id,
                 at_least=3):
    full, pages = list_all(method, make_req, field, page_size=500)
    keys = [key(x) for x in full]
    if len(full) < at_least:
        probs.add("%s: only %d rows to page through (want %d or more)" % (
            label, len(full), at_least))
        return
    if pages != [(len(full), "")]:
        probs.add("%s: one page of 500 came as %s" % (label, pages))
    for ps in (1, 2):
        got, pages = list_all(method, make_req, field, page_size=ps)
        gk = [key(x) for x in got]
        if len(set(gk)) != len(gk):
            probs.add("%s, pages of %d: duplicates %s" % (label, ps, gk))
        if gk != keys:
            probs.add("%s, pages of %d: %s, want %s (gaps or another order)" % (
                label, ps, gk, keys))
        if any(n != ps for n, _ in pages[:-1]) or pages[-1][1] != "" or \
                pages[-1][0] < 1 or pages[-1][0] > ps:
            probs.add("%s, pages of %d: page sizes and tokens %s" % (label, ps, pages))
    log("    %s: %d rows, paged by 1 and 2" % (label, len(full)))


def case_paging(env):
    pb = env.pb
    # A collaboration with five transitions, an agreement with four versions.
    c = new_collab(env, title="Paging transitions")
    drive(env, c.id, [pb.PHASE_INCEPTION, pb.PHASE_LONG_TERM, pb.PHASE_SUSPENDED,
                      "resume", pb.PHASE_PHASE_2])
    a = new_agreement(env, title="Paging versions", signed_on="2024-01-01")
    for n, eff in enumerate(("2024-06-01", "2025-01-01", "2025-06-01")):
        env.agreements().Amend(pb.AmendAgreementRequest(
            id=a.id, update_mask=["scope"], scope="v%d" % (n + 2), effective_from=eff),
            timeout=T)
    probs = Problems()
    for client in ("secretariat", "ministry-a", "embassy-vn"):
        mm = env.mm(client)
        probs.run(check_paging, probs, "ListDemandSignals as " + client,
                  mm.ListDemandSignals, lambda pg: pb.ListDemandSignalsRequest(page=pg),
                  "demand_signals", at_least=2)
        probs.run(check_paging, probs, "ListInterests as " + client, mm.ListInterests,
                  lambda pg: pb.ListInterestsRequest(page=pg), "interests", at_least=2)
        probs.run(check_paging, probs, "ListMatches as " + client, mm.ListMatches,
                  lambda pg: pb.ListMatchesRequest(page=pg), "matches",
                  key=lambda m: m.cursor, at_least=2 if client != "secretariat" else 3)
        co = env.collabs(client)
        probs.run(check_paging, probs, "Collaborations/List as " + client, co.List,
                  lambda pg: pb.ListCollaborationsRequest(page=pg), "collaborations")
        probs.run(check_paging, probs, "Secondments/List as " + client,
                  env.secondments(client).List,
                  lambda pg: pb.ListSecondmentsRequest(page=pg), "secondments",
                  at_least=2)
    for client in ("secretariat", "ministry-a"):
        probs.run(check_paging, probs, "Agreements/List as " + client,
                  env.agreements(client).List,
                  lambda pg: pb.ListAgreementsRequest(page=pg), "agreements")
    probs.run(check_paging, probs, "Collaborations/List country=VN",
              env.collabs().List,
              lambda pg: pb.ListCollaborationsRequest(page=pg, country="VN"),
              "collaborations")
    probs.run(check_paging, probs, "ListMatches country=GH", env.mm().ListMatches,
              lambda pg: pb.ListMatchesRequest(page=pg, country="GH"), "matches",
              key=lambda m: m.cursor, at_least=1)
    probs.run(check_paging, probs, "ListTransitions", env.collabs().ListTransitions,
              lambda pg: pb.ListTransitionsRequest(page=pg, id=c.id), "transitions",
              at_least=5)
    probs.run(check_paging, probs, "ListVersions", env.agreements().ListVersions,
              lambda pg: pb.ListAgreementVersionsRequest(page=pg, id=a.id), "versions",
              key=lambda v: v.number, at_least=4)
    # A list with nothing in it: one empty page, no token.
    r = env.collabs().List(pb.ListCollaborationsRequest(country="ZZ", page=page(env, 1)),
                           timeout=T)
    if list(r.collaborations) or r.next_page_token:
        probs.add("an empty list answered %s" % r)
    # page_size 0 is the default (50); larger than 500 is capped.
    r = env.collabs().List(pb.ListCollaborationsRequest(page=page(env, 100000)),
                           timeout=T)
    if r.next_page_token or not r.collaborations:
        probs.add("page_size 100000: %d rows, token %r" % (len(r.collaborations),
                                                            r.next_page_token))
    probs.raise_if_any()


# --------------------------------------------------------------------------
# idempotency


def idem(env, label, call, req, mutate, rows_sql=None):
    """call(req) twice with one key: one answer, nothing written twice; then
    the same key with another request (mutate(req) changes it): the store's
    refusal, nothing written. Returns the first answer."""
    first = call(req)
    n_audit = env.audit_count()
    n_rows = env.pg.scalar(rows_sql) if rows_sql else None
    again = call(req)
    check_eq(again, first, "%s: the answer to a retry" % label)
    check_eq(env.audit_count(), n_audit, "%s: audit rows after the retry" % label)
    if rows_sql:
        check_eq(env.pg.scalar(rows_sql), n_rows, "%s: rows after the retry" % label)
    other = type(req)()
    other.CopyFrom(req)
    mutate(other)
    check(other != req, "%s: the other request is the same" % label)
    e = expect_error(lambda: call(other), AE, what="%s: the key with another request"
                     % label)
    check("idempotency" in e.details() and req.idempotency_key in e.details(),
          "%s: message %r does not say the key was reused" % (label, e.details()))
    check_eq(env.audit_count(), n_audit, "%s: audit rows after the refusal" % label)
    if rows_sql:
        check_eq(env.pg.scalar(rows_sql), n_rows, "%s: rows after the refusal" % label)
    return first


def case_idempotency(env):
    pb, w, fx = env.pb, env.world, env.fx
    K = "idem-%d-" % os.getpid()
    vn = env.mm("embassy-vn")
    ds = idem(env, "CreateDemandSignal",
              lambda r: vn.CreateDemandSignal(r, timeout=T),
              pb.CreateDemandSignalRequest(idempotency_key=K + "ds", sectors=["23110"],
                                           title="Idempotent demand", priority=1,
                                           screened_on="2025-05-01"),
              lambda r: setattr(r, "priority", 2),
              "SELECT count(*) FROM ssc.demand_signals")
    idem(env, "WithdrawDemandSignal", lambda r: vn.WithdrawDemandSignal(r, timeout=T),
         pb.WithdrawRequest(idempotency_key=K + "wd", id=ds.id),
         lambda r: setattr(r, "id", fx.ds_vn.id))
    ma = env.mm("ministry-a")
    it = idem(env, "CreateInterest", lambda r: ma.CreateInterest(r, timeout=T),
              pb.CreateInterestRequest(idempotency_key=K + "in", sectors=["23110"],
                                       countries=["VN"], capacity_months=3),
              lambda r: setattr(r, "capacity_months", 4),
              "SELECT count(*) FROM ssc.interests")
    idem(env, "WithdrawInterest", lambda r: ma.WithdrawInterest(r, timeout=T),
         pb.WithdrawRequest(idempotency_key=K + "wi", id=it.id),
         lambda r: setattr(r, "id", fx.int_a.id))
    co = env.collabs("ministry-a")
    c = idem(env, "Collaborations/Create", lambda r: co.Create(r, timeout=T),
             collab_req(env, idempotency_key=K + "co", title="Idempotent collaboration"),
             lambda r: setattr(r, "title", "Another title"),
             "SELECT count(*) FROM ssc.collaborations")
    idem(env, "Collaborations/Update", lambda r: co.Update(r, timeout=T),
         pb.UpdateCollaborationRequest(idempotency_key=K + "cu", id=c.id,
                                       expected_version=1, update_mask=["title"],
                                       title="Renamed once"),
         lambda r: setattr(r, "title", "Renamed twice"))
    t = idem(env, "Collaborations/Transition", lambda r: co.Transition(r, timeout=T),
             pb.TransitionRequest(idempotency_key=K + "ct", id=c.id,
                                  to_phase=pb.PHASE_INCEPTION, on_date="2024-02-01"),
             lambda r: setattr(r, "on_date", "2024-02-02"),
             "SELECT count(*) FROM ssc.collaboration_transitions")
    check_eq(t.phase, pb.PHASE_INCEPTION, "phase after a retried transition")
    idem(env, "Collaborations/PlanPhase", lambda r: co.PlanPhase(r, timeout=T),
         pb.PlanPhaseRequest(idempotency_key=K + "cp", id=c.id,
                             phase=pb.PHASE_LONG_TERM, planned_start="2024-06-01",
                             planned_end="2025-05-31"),
         lambda r: setattr(r, "planned_end", "2025-06-30"))
    check_eq(co.Get(pb.GetCollaborationRequest(id=c.id), timeout=T).version, 4,
             "version after create, update, transition, plan (each retried)")
    ag = env.agreements("ministry-a")
    a = idem(env, "Agreements/Create", lambda r: ag.Create(r, timeout=T),
             agreement_req(env, idempotency_key=K + "ac", title="Idempotent MoU"),
             lambda r: setattr(r, "notice_months", 7),
             "SELECT count(*) FROM ssc.agreements")
    idem(env, "Agreements/Sign", lambda r: ag.Sign(r, timeout=T),
         pb.SignAgreementRequest(idempotency_key=K + "as", id=a.id,
                                 signed_on="2023-12-01"),
         lambda r: setattr(r, "signed_on", "2023-12-02"))
    idem(env, "Agreements/Amend", lambda r: ag.Amend(r, timeout=T),
         pb.AmendAgreementRequest(idempotency_key=K + "aa", id=a.id,
                                  update_mask=["scope"], scope="v2",
                                  effective_from="2025-01-01"),
         lambda r: setattr(r, "scope", "v2b"),
         "SELECT count(*) FROM ssc.agreement_versions")
    idem(env, "Agreements/GiveNotice", lambda r: ag.GiveNotice(r, timeout=T),
         pb.GiveNoticeRequest(idempotency_key=K + "an", id=a.id, by_party_id=w.erea.id,
                              on_date="2025-08-31"),
         lambda r: setattr(r, "on_date", "2025-09-01"))
    idem(env, "Agreements/Terminate", lambda r: ag.Terminate(r, timeout=T),
         pb.TerminateAgreementRequest(idempotency_key=K + "at", id=a.id,
                                      on_date="2025-10-01"),
         lambda r: setattr(r, "on_date", "2025-10-02"))
    check_eq(ag.ListVersions(pb.ListAgreementVersionsRequest(id=a.id),
                             timeout=T).versions[-1].number, 2,
             "versions after a retried amendment")
    se = env.secondments("ministry-a")
    # 6000 bp: running it twice would pass full time; a retry must not.
    s = idem(env, "Secondments/Create", lambda r: se.Create(r, timeout=T),
             secondment_req(env, idempotency_key=K + "sc", employee_ref="IDEM-1",
                            share_bp=6000),
             lambda r: setattr(r, "share_bp", 6001),
             "SELECT count(*) FROM ssc.secondments")
    idem(env, "Secondments/Amend", lambda r: se.Amend(r, timeout=T),
         pb.AmendSecondmentRequest(idempotency_key=K + "sa", id=s.id, expected_version=1,
                                   update_mask=["share_bp"], share_bp=7000),
         lambda r: setattr(r, "share_bp", 7001))
    idem(env, "Secondments/Cancel", lambda r: se.Cancel(r, timeout=T),
         pb.CancelSecondmentRequest(idempotency_key=K + "sx", id=s.id,
                                    on_date="2025-02-01"),
         lambda r: setattr(r, "on_date", "2025-02-02"))
    check_eq(env.audit_rows_for("secondment", str(s.id)), 3,
             "audit rows of the secondment (create, amend, cancel)")
    ents = [x for x in list_all(env.audit("auditor").List, lambda pg:
                                pb.ListAuditRequest(page=pg, entity="secondment"),
                                "entries", page_size=500)[0]
            if x.entity_id == str(s.id)]
    check_eq([x.method for x in ents], ["/ssc.v1.Secondments/Create",
                                        "/ssc.v1.Secondments/Amend",
                                        "/ssc.v1.Secondments/Cancel"],
             "Audit/List entries of the secondment")
    check(ents[0].before == "" and '"share_bp": 6000' in ents[0].after and
          '"share_bp": 7000' in ents[1].after and '"cancelled_on": "2025-02-01"'
          in ents[2].after, "audit before/after of the secondment: %s" % [
              (x.before[:80], x.after[:200]) for x in ents])
    # A key is per method: the same key on another method is another request.
    expect_error(lambda: co.Create(collab_req(env, idempotency_key=K + "in"),
                                   timeout=T), AE, "idempotency",
                 what="CreateInterest's key on Collaborations/Create")
    # Keys are per principal: ministry-b may use the same key.
    c2 = env.collabs("ministry-b").Create(collab_req(
        env, idempotency_key=K + "co", title="Idempotent collaboration"), timeout=T)
    check(c2.id != c.id, "ministry-b's key returned ministry-a's collaboration")
    # A refused request does not burn its key.
    bad = collab_req(env, idempotency_key=K + "bad", title="")
    expect_error(lambda: co.Create(bad, timeout=T), IA, "title")
    good = collab_req(env, idempotency_key=K + "bad", title="Fixed title")
    check_eq(co.Create(good, timeout=T).title, "Fixed title",
             "the key of a refused request, with a good one")


# --------------------------------------------------------------------------
# roles and row-level security


def methods(env):
    """(service, method, request, writes) for every method of the four
    services; requests that would succeed for a role allowed to call them."""
    pb, fx, w = env.pb, env.fx, env.world
    return [
        ("mm", "CreateDemandSignal", pb.CreateDemandSignalRequest(
            embassy_id=w.emb_vn.id, sectors=["23110"], title="Role probe", priority=1,
            screened_on="2025-01-01"), True),
        ("mm", "GetDemandSignal", pb.GetDemandSignalRequest(id=fx.ds_vn.id), False),
        ("mm", "ListDemandSignals", pb.ListDemandSignalsRequest(), False),
        ("mm", "WithdrawDemandSignal", pb.WithdrawRequest(id=fx.ds_vn.id), True),
        ("mm", "CreateInterest", pb.CreateInterestRequest(
            organisation_id=w.agency_b.id, sectors=["23110"], countries=["VN"]), True),
        ("mm", "GetInterest", pb.GetInterestRequest(id=fx.int_a.id), False),
        ("mm", "ListInterests", pb.ListInterestsRequest(), False),
        ("mm", "WithdrawInterest", pb.WithdrawRequest(id=fx.int_a.id), True),
        ("mm", "ListMatches", pb.ListMatchesRequest(), False),
        ("collabs", "Create", collab_req(env), True),
        ("collabs", "Get", pb.GetCollaborationRequest(id=fx.collab_b.id), False),
        ("collabs", "List", pb.ListCollaborationsRequest(), False),
        ("collabs", "Update", pb.UpdateCollaborationRequest(
            id=fx.collab_b.id, update_mask=["title"], title="Role probe"), True),
        ("collabs", "Transition", pb.TransitionRequest(
            id=fx.collab_b.id, to_phase=pb.PHASE_INCEPTION), True),
        ("collabs", "PlanPhase", pb.PlanPhaseRequest(
            id=fx.collab_b.id, phase=pb.PHASE_INCEPTION, planned_start="2025-01-01",
            planned_end="2025-02-01"), True),
        ("collabs", "ListTransitions", pb.ListTransitionsRequest(id=fx.collab_b.id),
         False),
        ("agreements", "Create", agreement_req(env), True),
        ("agreements", "Get", pb.GetAgreementRequest(id=fx.ag_b.id), False),
        ("agreements", "List", pb.ListAgreementsRequest(), False),
        ("agreements", "Sign", pb.SignAgreementRequest(id=fx.ag_b.id), True),
        ("agreements", "Amend", pb.AmendAgreementRequest(
            id=fx.ag_b.id, update_mask=["scope"], effective_from="2030-01-01"), True),
        ("agreements", "GiveNotice", pb.GiveNoticeRequest(
            id=fx.ag_b.id, by_party_id=w.erea.id, on_date="2030-01-01"), True),
        ("agreements", "Terminate", pb.TerminateAgreementRequest(
            id=fx.ag_b.id, on_date="2030-01-01"), True),
        ("agreements", "ListVersions", pb.ListAgreementVersionsRequest(id=fx.ag_b.id),
         False),
        ("secondments", "Create", secondment_req(env, employee_ref="ROLE-1",
                                                 share_bp=1), True),
        ("secondments", "Get", pb.GetSecondmentRequest(id=fx.sec_b.id), False),
        ("secondments", "List", pb.ListSecondmentsRequest(), False),
        ("secondments", "Amend", pb.AmendSecondmentRequest(
            id=fx.sec_b.id, update_mask=["share_bp"], share_bp=1), True),
        ("secondments", "Cancel", pb.CancelSecondmentRequest(id=fx.sec_b.id), True),
    ]


def call(env, client, svc, name, req):
    return getattr(getattr(env, svc)(client), name)(req, timeout=T)


def case_roles(env):
    """begin_call's role sets: admin and reconciler call none of the domain
    methods, the auditor reads only, an embassy writes only demand signals, a
    ministry writes no demand signals; nothing is written by a refusal."""
    probs = Problems()
    n_audit = env.audit_count()
    ms = methods(env)
    check_eq(len(ms), 29, "methods of the four services")
    for client in ("admin", "reconciler"):
        for svc, name, req, _ in ms:
            probs.run(expect_error, lambda: call(env, client, svc, name, req), PD,
                      "role", "may not call", name,
                      what="%s calling %s/%s" % (client, svc, name))
    for svc, name, req, writes in ms:
        if writes:
            probs.run(expect_error, lambda: call(env, "auditor", svc, name, req), PD,
                      "role auditor may not call",
                      what="auditor calling %s/%s" % (svc, name))
        if writes and name not in ("CreateDemandSignal", "WithdrawDemandSignal"):
            probs.run(expect_error, lambda: call(env, "embassy-vn", svc, name, req), PD,
                      "role embassy may not call",
                      what="embassy calling %s/%s" % (svc, name))
        if name in ("CreateDemandSignal", "WithdrawDemandSignal"):
            probs.run(expect_error, lambda: call(env, "ministry-a", svc, name, req), PD,
                      "role ministry may not call",
                      what="ministry calling %s/%s" % (svc, name))
    # The auditor reads every one of them.
    for svc, name, req, writes in ms:
        if not writes:
            probs.run(call, env, "auditor", svc, name, req)
    # A certificate nobody registered.
    probs.run(expect_error, lambda: call(env, "stranger", "collabs", "List",
                                         env.pb.ListCollaborationsRequest()),
              E.UNAUTHENTICATED, what="an unregistered certificate")
    if env.audit_count() != n_audit:
        probs.add("refused calls wrote %d audit rows" % (env.audit_count() - n_audit))
    probs.raise_if_any()


def visible(env, client, svc, list_name, req_cls, field):
    return set(ids_of(getattr(getattr(env, svc)(client), list_name),
                      lambda pg: req_cls(page=pg), field))


def case_rls_ministries(env):
    """A parent ministry reads and writes its agency's (and sub-agency's)
    collaborations, agreements and secondments; the agency's ministry its
    own subtree only; a sibling none of them: NOT_FOUND on Get, absent from
    List, NOT_FOUND on writes (a row it cannot see), PERMISSION_DENIED on
    creating for an organisation outside its scope or changing a row it
    sees but may not write."""
    pb, w, fx = env.pb, env.world, env.fx
    probs = Problems()
    col = {"b": fx.collab_b.id, "c": fx.collab_c.id, "a": fx.collab_a.id,
           "s": fx.collab_s.id}
    agr = {"b": fx.ag_b.id, "s": fx.ag_s.id, "via": fx.ag_via.id,
           "contract": fx.contract_b.id}
    sec = {"b": fx.sec_b.id, "s_on_b": fx.sec_s_on_b.id, "a_ke": fx.sec_a_ke.id,
           "s": fx.sec_s.id}
    sees = {
        "ministry-a": ({"b", "c", "a"}, {"b", "via", "contract"}, {"b", "s_on_b", "a_ke"}),
        "ministry-b": ({"b", "c"}, {"b", "via", "contract"}, {"b", "s_on_b"}),
        "ministry-s": ({"s"}, {"s"}, {"s_on_b", "s"}),
    }
    scope = {"ministry-a": {w.ministry_a.id, w.agency_b.id, w.agency_c.id},
             "ministry-b": {w.agency_b.id, w.agency_c.id},
             "ministry-s": {w.ministry_s.id}}
    for client, (sc, sa, ss) in sees.items():
        for what, ids, want, get in [
                ("collaboration", col, sc, lambda i: env.collabs(client).Get(
                    pb.GetCollaborationRequest(id=i), timeout=T)),
                ("agreement", agr, sa, lambda i: env.agreements(client).Get(
                    pb.GetAgreementRequest(id=i), timeout=T)),
                ("secondment", sec, ss, lambda i: env.secondments(client).Get(
                    pb.GetSecondmentRequest(id=i), timeout=T))]:
            for k, i in ids.items():
                code, det, _ = rpc_code(lambda: get(i))
                wantc = E.OK if k in want else NF
                if code != wantc:
                    probs.add("%s Get %s %s (%d): %s %r, want %s" % (
                        client, what, k, i, code.name, det, wantc.name))
        lc = visible(env, client, "collabs", "List", pb.ListCollaborationsRequest,
                     "collaborations")
        la = visible(env, client, "agreements", "List", pb.ListAgreementsRequest,
                     "agreements")
        ls = visible(env, client, "secondments", "List", pb.ListSecondmentsRequest,
                     "secondments")
        for what, ids, want, listed in [("collaborations", col, sc, lc),
                                        ("agreements", agr, sa, la),
                                        ("secondments", sec, ss, ls)]:
            for k, i in ids.items():
                if (i in listed) != (k in want):
                    probs.add("%s List %s: %s (%d) %s" % (
                        client, what, k, i, "listed" if i in listed else "missing"))
        # Every row listed is one the rules let it see.
        rows = list_all(env.collabs(client).List, lambda pg:
                        pb.ListCollaborationsRequest(page=pg), "collaborations",
                        page_size=500)[0]
        bad = [x.id for x in rows if x.lead_id not in scope[client]]
        if bad:
            probs.add("%s lists collaborations led outside its scope: %s" % (client, bad))
        want_n = int(env.pg.scalar(
            "SELECT count(*) FROM ssc.collaborations WHERE lead_id = ANY('{%s}')" %
            ",".join(str(x) for x in scope[client])))
        if len(rows) != want_n:
            probs.add("%s lists %d collaborations, its scope leads %d" % (
                client, len(rows), want_n))
        rows = list_all(env.secondments(client).List, lambda pg:
                        pb.ListSecondmentsRequest(page=pg), "secondments",
                        page_size=500)[0]
        lead = {x.id: x.lead_id for x in list_all(
            env.collabs("secretariat").List,
            lambda pg: pb.ListCollaborationsRequest(page=pg), "collaborations",
            page_size=500)[0]}
        bad = [x.id for x in rows if x.employer_id not in scope[client] and
               lead.get(x.collaboration_id) not in scope[client]]
        if bad:
            probs.add("%s lists secondments outside its scope: %s" % (client, bad))
        rows = list_all(env.agreements(client).List, lambda pg:
                        pb.ListAgreementsRequest(page=pg), "agreements",
                        page_size=500)[0]
        bad = [x.id for x in rows if not (set(x.party_ids) & scope[client]) and
               lead.get(x.collaboration_id) not in scope[client]]
        if bad:
            probs.add("%s lists agreements outside its scope: %s" % (client, bad))

    # Writes by the parent ministry on its agency's rows.
    def ok(what, fn):
        code, det, r = rpc_code(fn)
        if code != E.OK:
            probs.add("%s: %s %r, want OK" % (what, code.name, det))
        return r

    ma_c, ma_a, ma_s = (env.collabs("ministry-a"), env.agreements("ministry-a"),
                        env.secondments("ministry-a"))
    ok("ministry-a Update of agency B's collaboration", lambda: ma_c.Update(
        pb.UpdateCollaborationRequest(id=fx.collab_b.id, update_mask=["title"],
                                      title="Energy sector planning (Viet Nam)"),
        timeout=T))
    ok("ministry-a PlanPhase of sub-agency C's collaboration", lambda: ma_c.PlanPhase(
        pb.PlanPhaseRequest(id=fx.collab_c.id, phase=pb.PHASE_LONG_TERM,
                            planned_start="2026-01-01", planned_end="2027-12-31"),
        timeout=T))
    ok("ministry-a Sign of agency B's agreement", lambda: ma_a.Sign(
        pb.SignAgreementRequest(id=fx.ag_b.id, signed_on="2023-12-20"), timeout=T))
    ok("ministry-a Sign of an agreement through B's collaboration", lambda: ma_a.Sign(
        pb.SignAgreementRequest(id=fx.ag_via.id, signed_on="2023-12-20"), timeout=T))
    ok("ministry-a Amend of agency B's secondment", lambda: ma_s.Amend(
        pb.AmendSecondmentRequest(id=fx.sec_b.id, update_mask=["expert_name"],
                                  expert_name="Bo Hansen"), timeout=T))
    ok("ministry-a Create of a secondment of sub-agency C", lambda: ma_s.Create(
        secondment_req(env, employer_id=w.agency_c.id, employee_ref="C-001",
                       share_bp=100), timeout=T))
    ok("ministry-b Transition of its sub-agency's collaboration", lambda:
       env.collabs("ministry-b").Transition(pb.TransitionRequest(
           id=fx.collab_c.id, to_phase=pb.PHASE_INCEPTION), timeout=T))
    ok("ministry-s Amend of its expert in B's collaboration", lambda:
       env.secondments("ministry-s").Amend(pb.AmendSecondmentRequest(
           id=fx.sec_s_on_b.id, update_mask=["share_bp"], share_bp=4000), timeout=T))

    # Refusals: the sibling on rows it cannot see (NOT_FOUND), anyone making
    # rows outside its scope (PERMISSION_DENIED), a row seen but not written
    # (PERMISSION_DENIED).
    n_audit = env.audit_count()
    sc, sa, ss = (env.collabs("ministry-s"), env.agreements("ministry-s"),
                  env.secondments("ministry-s"))
    refusals = [
        ("sibling Update of B's collaboration", lambda: sc.Update(
            pb.UpdateCollaborationRequest(id=fx.collab_b.id, update_mask=["title"],
                                          title="x"), timeout=T), NF),
        ("sibling Transition of B's collaboration", lambda: sc.Transition(
            pb.TransitionRequest(id=fx.collab_b.id, to_phase=pb.PHASE_CANCELLED),
            timeout=T), NF),
        ("sibling PlanPhase of B's collaboration", lambda: sc.PlanPhase(
            pb.PlanPhaseRequest(id=fx.collab_b.id, phase=pb.PHASE_INCEPTION,
                                planned_start="2025-01-01", planned_end="2025-02-01"),
            timeout=T), NF),
        ("sibling ListTransitions of B's collaboration", lambda: sc.ListTransitions(
            pb.ListTransitionsRequest(id=fx.collab_b.id), timeout=T), NF),
        ("sibling Sign of B's agreement", lambda: sa.Sign(
            pb.SignAgreementRequest(id=fx.contract_b.id), timeout=T), NF),
        ("sibling Terminate of B's agreement", lambda: sa.Terminate(
            pb.TerminateAgreementRequest(id=fx.ag_b.id, on_date="2025-01-01"),
            timeout=T), NF),
        ("sibling ListVersions of B's agreement", lambda: sa.ListVersions(
            pb.ListAgreementVersionsRequest(id=fx.ag_b.id), timeout=T), NF),
        ("sibling Amend of B's secondment", lambda: ss.Amend(
            pb.AmendSecondmentRequest(id=fx.sec_b.id, update_mask=["share_bp"],
                                      share_bp=1), timeout=T), NF),
        ("sibling Cancel of B's secondment", lambda: ss.Cancel(
            pb.CancelSecondmentRequest(id=fx.sec_b.id), timeout=T), NF),
        ("sibling WithdrawInterest of B's interest", lambda: env.mm(
            "ministry-s").WithdrawInterest(pb.WithdrawRequest(id=fx.int_b.id),
                                           timeout=T), NF),
        ("sibling Create of a collaboration led by B", lambda: sc.Create(
            collab_req(env, lead_id=w.agency_b.id), timeout=T), PD),
        ("sibling Create of an agreement between B and EREA", lambda: sa.Create(
            agreement_req(env), timeout=T), PD),
        ("sibling Create of a secondment of B's expert in its own collaboration",
         lambda: ss.Create(secondment_req(env, collaboration_id=fx.collab_s.id,
                                          employer_id=w.agency_b.id,
                                          employee_ref="X-1"), timeout=T), PD),
        ("sibling Create of an interest of B", lambda: env.mm("ministry-s")
         .CreateInterest(pb.CreateInterestRequest(
             organisation_id=w.agency_b.id, sectors=["23110"], countries=["VN"]),
             timeout=T), PD),
        ("agency's ministry Create of a collaboration led by its parent", lambda:
         env.collabs("ministry-b").Create(collab_req(env, lead_id=w.ministry_a.id),
                                          timeout=T), PD),
        ("agency's ministry Get of its parent's collaboration", lambda:
         env.collabs("ministry-b").Get(pb.GetCollaborationRequest(
             id=fx.collab_a.id), timeout=T), NF),
        ("ministry-a Create of an agreement none of whose parties it answers for",
         lambda: env.agreements("ministry-a").Create(agreement_req(
             env, party_ids=[w.erea.id, w.moit.id]), timeout=T), PD),
        ("ministry-a Amend of the sibling's expert in B's collaboration (seen, not "
         "written)", lambda: ma_s.Amend(pb.AmendSecondmentRequest(
             id=fx.sec_s_on_b.id, update_mask=["share_bp"], share_bp=1), timeout=T), PD),
        ("ministry-a Cancel of the sibling's expert in B's collaboration", lambda:
         ma_s.Cancel(pb.CancelSecondmentRequest(id=fx.sec_s_on_b.id), timeout=T), PD),
        ("sibling Create of a secondment in B's collaboration (it cannot see)",
         lambda: ss.Create(secondment_req(env, employer_id=0, employee_ref="S-9"),
                           timeout=T), IA),
    ]
    for what, fn, code in refusals:
        probs.run(expect_error, fn, code, what=what)
    if env.audit_count() != n_audit:
        probs.add("refused writes wrote %d audit rows" % (env.audit_count() - n_audit))
    probs.raise_if_any()


def case_rls_embassies(env):
    """An embassy reads its country's collaborations, demand signals and
    secondments, the interests naming its country, no agreements; it writes
    its own demand signals only."""
    pb, w, fx = env.pb, env.world, env.fx
    probs = Problems()
    every_collab = list_all(env.collabs("auditor").List, lambda pg:
                            pb.ListCollaborationsRequest(page=pg), "collaborations",
                            page_size=500)[0]
    every_sec = list_all(env.secondments("auditor").List, lambda pg:
                         pb.ListSecondmentsRequest(page=pg), "secondments",
                         page_size=500)[0]
    every_ds = list_all(env.mm("auditor").ListDemandSignals, lambda pg:
                        pb.ListDemandSignalsRequest(page=pg), "demand_signals",
                        page_size=500)[0]
    every_int = list_all(env.mm("auditor").ListInterests, lambda pg:
                         pb.ListInterestsRequest(page=pg), "interests",
                         page_size=500)[0]
    for client, country in (("embassy-vn", "VN"), ("embassy-ke", "KE")):
        for what, stub, name, req, field, allrows, pred in [
                ("collaborations", env.collabs(client), "List",
                 pb.ListCollaborationsRequest, "collaborations", every_collab,
                 lambda x: x.country == country),
                ("secondments", env.secondments(client), "List",
                 pb.ListSecondmentsRequest, "secondments", every_sec,
                 lambda x: x.country == country),
                ("demand signals", env.mm(client), "ListDemandSignals",
                 pb.ListDemandSignalsRequest, "demand_signals", every_ds,
                 lambda x: x.country == country),
                ("interests", env.mm(client), "ListInterests",
                 pb.ListInterestsRequest, "interests", every_int,
                 lambda x: country in x.countries)]:
            got = [x.id for x in list_all(getattr(stub, name),
                                          lambda pg: req(page=pg), field,
                                          page_size=500)[0]]
            want = [x.id for x in allrows if pred(x)]
            if got != want or not want:
                probs.add("%s lists %s %s, want %s" % (client, what, got, want))
        la = visible(env, client, "agreements", "List", pb.ListAgreementsRequest,
                     "agreements")
        if la:
            probs.add("%s lists agreements %s, want none" % (client, sorted(la)))
        for a in (fx.ag_b.id, fx.ag_s.id, fx.contract_b.id):
            probs.run(expect_error, lambda: env.agreements(client).Get(
                pb.GetAgreementRequest(id=a), timeout=T), NF,
                what="%s Get agreement %d" % (client, a))
            probs.run(expect_error, lambda: env.agreements(client).ListVersions(
                pb.ListAgreementVersionsRequest(id=a), timeout=T), NF,
                what="%s ListVersions of agreement %d" % (client, a))
    vn = env.collabs("embassy-vn")
    probs.run(lambda: check_eq(vn.Get(pb.GetCollaborationRequest(id=fx.collab_s.id),
                                      timeout=T).id, fx.collab_s.id,
                               "embassy-vn Get of a VN collaboration"))
    probs.run(lambda: vn.ListTransitions(pb.ListTransitionsRequest(id=fx.collab_b.id),
                                         timeout=T))
    probs.run(expect_error, lambda: vn.Get(pb.GetCollaborationRequest(
        id=fx.collab_a.id), timeout=T), NF, what="embassy-vn Get of a KE collaboration")
    probs.run(expect_error, lambda: env.secondments("embassy-vn").Get(
        pb.GetSecondmentRequest(id=fx.sec_a_ke.id), timeout=T), NF,
        what="embassy-vn Get of a KE secondment")
    probs.run(lambda: check_eq(env.secondments("embassy-ke").Get(
        pb.GetSecondmentRequest(id=fx.sec_a_ke.id), timeout=T).id, fx.sec_a_ke.id,
        "embassy-ke Get of a KE secondment"))
    probs.run(expect_error, lambda: env.mm("embassy-ke").GetDemandSignal(
        pb.GetDemandSignalRequest(id=fx.ds_vn.id), timeout=T), NF,
        what="embassy-ke Get of a VN demand signal")
    # Writes: its own demand signals only.
    d = probs.run(lambda: env.mm("embassy-ke").CreateDemandSignal(
        pb.CreateDemandSignalRequest(sectors=["23110"], title="KE demand",
                                     priority=2, screened_on="2025-06-01"), timeout=T))
    if d is not None:
        probs.run(lambda: check_eq((d.embassy_id, d.country), (w.emb_ke.id, "KE"),
                                   "embassy-ke's own signal"))
        probs.run(expect_error, lambda: env.mm("embassy-vn").WithdrawDemandSignal(
            pb.WithdrawRequest(id=d.id), timeout=T), NF,
            what="embassy-vn withdrawing KE's signal")
        probs.run(lambda: check_eq(env.mm("embassy-ke").WithdrawDemandSignal(
            pb.WithdrawRequest(id=d.id), timeout=T).status, pb.MATCH_STATUS_WITHDRAWN,
            "embassy-ke withdrawing its own"))
    probs.run(expect_error, lambda: env.mm("embassy-ke").CreateDemandSignal(
        pb.CreateDemandSignalRequest(embassy_id=w.emb_vn.id, sectors=["23110"],
                                     title="Not mine", priority=2,
                                     screened_on="2025-06-01"), timeout=T), PD,
        "may not write demand signals", what="embassy-ke writing for VN")
    probs.raise_if_any()


def case_rls_readers(env):
    """The secretariat and the auditor read every row of every table; the
    auditor writes nothing (case roles), the secretariat everything."""
    pb = env.pb
    probs = Problems()
    for client in ("secretariat", "auditor"):
        for what, stub, name, req, field, table in [
                ("demand signals", env.mm(client), "ListDemandSignals",
                 pb.ListDemandSignalsRequest, "demand_signals", "ssc.demand_signals"),
                ("interests", env.mm(client), "ListInterests", pb.ListInterestsRequest,
                 "interests", "ssc.interests"),
                ("collaborations", env.collabs(client), "List",
                 pb.ListCollaborationsRequest, "collaborations", "ssc.collaborations"),
                ("agreements", env.agreements(client), "List",
                 pb.ListAgreementsRequest, "agreements", "ssc.agreements"),
                ("secondments", env.secondments(client), "List",
                 pb.ListSecondmentsRequest, "secondments", "ssc.secondments")]:
            got = ids_of(getattr(stub, name), lambda pg: req(page=pg), field)
            want = [int(r[0]) for r in env.pg.rows("SELECT id FROM %s ORDER BY id"
                                                   % table)]
            if got != want:
                probs.add("%s lists %d %s, the table holds %d" % (
                    client, len(got), what, len(want)))
    probs.raise_if_any()


def race(env, client, fn, n=10):
    """Runs fn(channel) in n threads at once, each on a connection of its
    own (fn a list: thread k runs fn[k]); returns [(code, details,
    response)]."""
    fns = fn if isinstance(fn, list) else [fn] * n
    chans = [H.grpc_channel(env.sscd.target, env.certs, client=client)
             for _ in range(n)]
    try:
        for ch in chans:  # connected and served before the race starts
            check(E.wait_for(lambda: env.health_status(channel=ch) ==
                             env.stubs.health_pb2.HealthCheckResponse.SERVING, 30),
                  "a racing connection is not SERVING")
        barrier = threading.Barrier(n)
        out = []
        lock = threading.Lock()

        def one(f, ch):
            barrier.wait()
            r = rpc_code(lambda: f(ch))
            with lock:
                out.append(r)

        ths = [threading.Thread(target=one, args=(f, ch)) for f, ch in zip(fns, chans)]
        for t in ths:
            t.start()
        for t in ths:
            t.join(120)
        check(not any(t.is_alive() for t in ths), "a racing call hung")
        return out
    finally:
        for ch in chans:
            ch.close()


def case_concurrent_state_changes(env):
    """A state change that may happen once happens once when ten arrive
    together: withdrawing a demand signal or an interest, a phase step,
    signing, notice, cancelling, taking a match. The others are
    FAILED_PRECONDITION, and one audit entry is written."""
    pb, w = env.pb, env.world
    probs = Problems()

    def once(label, client, fn, entity, eid, fp_text):
        n0 = env.audit_rows_for(entity, str(eid))
        res = race(env, client, fn)
        ok = [r for c, _, r in res if c == E.OK]
        others = sorted({(c.name, d) for c, d, _ in res if c != E.OK})
        if len(ok) != 1:
            probs.add("%s: %d of 10 concurrent calls succeeded (want 1); the others: "
                      "%s" % (label, len(ok), others))
        if any(c != FP or fp_text not in d for c, d, _ in res if c != E.OK):
            probs.add("%s: refusals %s, want FAILED_PRECONDITION saying %r" % (
                label, others, fp_text))
        n1 = env.audit_rows_for(entity, str(eid))
        if n1 - n0 != 1:
            probs.add("%s: %d audit entries written (want 1)" % (label, n1 - n0))

    # Three rounds each: the window of the race is short.
    for rnd in range(3):
        d = env.mm("embassy-vn").CreateDemandSignal(pb.CreateDemandSignalRequest(
            sectors=["23110"], title="Race withdraw %d" % rnd, priority=1,
            screened_on="2025-01-01"), timeout=T)
        probs.run(once, "WithdrawDemandSignal (round %d)" % rnd, "embassy-vn",
                  lambda ch: env.mm(channel=ch).WithdrawDemandSignal(
                      pb.WithdrawRequest(id=d.id), timeout=T),
                  "demand_signal", d.id, "only an open one can be withdrawn")
        got = env.mm().GetDemandSignal(pb.GetDemandSignalRequest(id=d.id), timeout=T)
        if got.version != 2:
            probs.add("WithdrawDemandSignal (round %d): version %d after one "
                      "withdrawal (want 2)" % (rnd, got.version))
        i = env.mm("ministry-a").CreateInterest(pb.CreateInterestRequest(
            sectors=["23110"], countries=["VN"]), timeout=T)
        probs.run(once, "WithdrawInterest (round %d)" % rnd, "ministry-a",
                  lambda ch: env.mm(channel=ch).WithdrawInterest(
                      pb.WithdrawRequest(id=i.id), timeout=T),
                  "interest", i.id, "only an open one can be withdrawn")
    c = new_collab(env, title="Race transition")
    probs.run(once, "Transition", "secretariat", lambda ch: env.collabs(
        channel=ch).Transition(pb.TransitionRequest(
            id=c.id, to_phase=pb.PHASE_INCEPTION, on_date="2024-02-01"), timeout=T),
        "collaboration", c.id, "is in inception")
    n = env.count("ssc.collaboration_transitions", "collaboration_id = %d" % c.id)
    if n != 1:
        probs.add("Transition: %d transition rows (want 1)" % n)
    a = new_agreement(env, title="Race sign")
    probs.run(once, "Sign", "secretariat", lambda ch: env.agreements(
        channel=ch).Sign(pb.SignAgreementRequest(id=a.id, signed_on="2024-01-01"),
                         timeout=T), "agreement", a.id, "signed already")
    probs.run(once, "GiveNotice", "secretariat", lambda ch: env.agreements(
        channel=ch).GiveNotice(pb.GiveNoticeRequest(id=a.id, by_party_id=w.erea.id,
                                                    on_date="2025-01-31"), timeout=T),
        "agreement", a.id, "notice was given")
    s = new_secondment(env, employee_ref="RACE-C", share_bp=100)
    probs.run(once, "Cancel", "secretariat", lambda ch: env.secondments(
        channel=ch).Cancel(pb.CancelSecondmentRequest(id=s.id, on_date="2025-01-01"),
                           timeout=T), "secondment", s.id, "was cancelled")
    # Taking one match ten times: one collaboration.
    d = env.mm("embassy-vn").CreateDemandSignal(pb.CreateDemandSignalRequest(
        sectors=["41010"], title="Race match", priority=1, screened_on="2025-01-01"),
        timeout=T)
    i = env.mm("ministry-s").CreateInterest(pb.CreateInterestRequest(
        sectors=["41010"], countries=["VN"]), timeout=T)
    t0 = time.monotonic()
    res = race(env, "secretariat", lambda ch: env.collabs(channel=ch).Create(
        pb.CreateCollaborationRequest(title="Race match", demand_signal_id=d.id,
                                      interest_id=i.id, partner_ids=[w.erea.id]),
        timeout=T))
    dt = time.monotonic() - t0
    made = env.count("ssc.collaborations", "demand_signal_id = %d" % d.id)
    oks = [r for c_, _, r in res if c_ == E.OK]
    refusals = sorted({(c_.name, dd) for c_, dd, _ in res if c_ != E.OK})
    if made != 1 or len(oks) != 1:
        probs.add("one match taken by 10 concurrent Creates: %d collaborations, %d OK; "
                  "%s" % (made, len(oks), refusals))
    if any(c_ != FP or "a match needs both open" not in dd
           for c_, dd, _ in res if c_ != E.OK):
        probs.add("one match taken by 10 concurrent Creates: the refusals are %s, "
                  "want FAILED_PRECONDITION 'a match needs both open' (%.1f s)" %
                  (refusals, dt))
    if dt > 10:
        probs.add("one match taken by 10 concurrent Creates took %.1f s" % dt)
    # Withdrawing a demand signal while a collaboration takes its match: one
    # of them wins, and the record agrees with the answers (a collaboration
    # from a withdrawn signal, or a matched signal overwritten by a late
    # withdrawal, would not).
    for rnd in range(4):
        d = env.mm("embassy-vn").CreateDemandSignal(pb.CreateDemandSignalRequest(
            sectors=["14010"], title="Race %d" % rnd, priority=1,
            screened_on="2025-01-01"), timeout=T)
        i = env.mm("ministry-s").CreateInterest(pb.CreateInterestRequest(
            sectors=["14010"], countries=["VN"]), timeout=T)
        calls = [lambda ch: env.mm(channel=ch).WithdrawDemandSignal(
                     pb.WithdrawRequest(id=d.id), timeout=T),
                 lambda ch: env.collabs(channel=ch).Create(pb.CreateCollaborationRequest(
                     title="Race %d" % rnd, demand_signal_id=d.id, interest_id=i.id,
                     partner_ids=[w.erea.id]), timeout=T)]
        res = race(env, "secretariat", calls, n=2)
        status = env.mm().GetDemandSignal(pb.GetDemandSignalRequest(id=d.id),
                                          timeout=T).status
        made = env.count("ssc.collaborations", "demand_signal_id = %d" % d.id)
        codes = sorted(c_.name for c_, _, _ in res)
        want = ((pb.MATCH_STATUS_MATCHED, 1) if made else
                (pb.MATCH_STATUS_WITHDRAWN, 0))
        if (status, made) != want or codes != ["FAILED_PRECONDITION", "OK"]:
            probs.add("withdraw racing a match (round %d): signal %s, %d collaborations, "
                      "answers %s" % (rnd, pb.MatchStatus.Name(status), made, [
                          (c_.name, dd) for c_, dd, _ in res]))
    probs.raise_if_any()


def case_audit_chain(env):
    """Every domain write left an audit entry in one unbroken chain, each
    entry naming its principal and method."""
    pb = env.pb
    v = env.audit("auditor").Verify(pb.VerifyAuditRequest(), timeout=T)
    check(v.ok, "Audit/Verify after the domain cases: %s" % v)
    check_eq(v.entries_checked, env.audit_count(), "entries_checked")
    rows = env.pg.rows(
        "SELECT entity, count(*), count(DISTINCT method), bool_and(principal <> '') "
        "FROM ssc.audit WHERE entity IN ('demand_signal', 'interest', 'collaboration', "
        "'collaboration_transition', 'agreement', 'agreement_version', 'secondment') "
        "GROUP BY entity ORDER BY entity")
    check_eq([r[0] for r in rows], sorted(["agreement", "agreement_version",
                                           "collaboration", "collaboration_transition",
                                           "demand_signal", "interest", "secondment"]),
             "entities with audit entries")
    check(all(r[3] == "t" for r in rows), "an entry without principal: %s" % rows)
    bad = env.pg.rows("SELECT seq, method FROM ssc.audit WHERE entity = 'secondment' "
                      "AND method NOT LIKE '/ssc.v1.Secondments/%'")
    check_eq(bad, [], "secondment entries written by other methods")


# --------------------------------------------------------------------------
# the deadline radar


def radar_rows(events):
    """Events as (date, days_left, band_days, band, kind, entity, entity_id,
    title, organisation_ids) tuples."""
    return [(e.date, e.days_left, e.band_days, e.band, e.kind, e.entity, e.entity_id,
             e.title, list(e.organisation_ids)) for e in events]


def radar_list(env, client="secretariat", sscd=None, page_size=500, **kw):
    """Every event of Radar/List with request fields kw, paged."""
    items, _ = list_all(env.radar(client, sscd=sscd).List,
                        lambda pg: env.pb.ListRadarRequest(page=pg, **kw), "events",
                        page_size=page_size)
    return items


def radar_world(env):
    """A collaboration of its own (led by agency_c, in VN) with one deadline
    of each kind the record has, so the radar's answers do not depend on
    what other cases made: filtered by this collaboration, as of
    2031-01-01, the secondment ends in 30 days, the agreement's last notice
    day (30 June is a month end, 3 months' notice: 31 March) and the
    matchmaking phase's planned end in 89, the agreement's end in 180."""
    if getattr(env.fx, "radar", None):
        return env.fx.radar
    w = env.world
    c = new_collab(env, title="Radar collaboration", lead_id=w.agency_c.id,
                   started_on="2030-01-01", planned_start="2030-01-01",
                   planned_end="2031-03-31")
    a = new_agreement(env, title="Radar MoU", party_ids=[w.agency_c.id, w.erea.id],
                      collaboration_id=c.id, effective_from="2030-01-01",
                      effective_to="2031-06-30", notice_months=3, signed_on="2029-12-01")
    s = new_secondment(env, collaboration_id=c.id, employer_id=w.agency_c.id,
                       employee_ref="RADAR-1", expert_name="Radar Expert",
                       starts_on="2030-06-01", ends_on="2031-01-31")
    env.fx.radar = types.SimpleNamespace(collab=c, agreement=a, secondment=s)
    return env.fx.radar


def case_radar(env):
    """Radar/List: each kind in date order with its days and band, the
    organisations involved; the filters; paging by 1 and 2 with the composite
    cursor; who sees which events (row-level security through the API)."""
    pb, w = env.pb, env.world
    r = radar_world(env)
    c, a, s = r.collab, r.agreement, r.secondment
    orgs_c = sorted([w.agency_c.id, w.erea.id, w.emb_vn.id])
    orgs_a = sorted([w.agency_c.id, w.erea.id])
    orgs_s = sorted([w.agency_c.id, w.erea.id])
    want = [
        ("2031-01-31", 30, 30, "30", pb.RADAR_EVENT_KIND_SECONDMENT_END, "secondment", s.id,
         "Radar Expert", orgs_s),
        ("2031-03-31", 89, 90, "90", pb.RADAR_EVENT_KIND_NOTICE_DEADLINE, "agreement", a.id,
         "Radar MoU", orgs_a),
        ("2031-03-31", 89, 90, "90", pb.RADAR_EVENT_KIND_PHASE_END, "collaboration", c.id,
         "%s matchmaking" % c.reference, orgs_c),
        ("2031-06-30", 180, 180, "180", pb.RADAR_EVENT_KIND_AGREEMENT_END, "agreement", a.id,
         "Radar MoU", orgs_a),
    ]
    base = dict(as_of="2031-01-01", horizon_days=365, collaboration_id=c.id)
    probs = Problems()
    got = probs.run(radar_list, env, **base)
    probs.run(check_eq, radar_rows(got or []), want, "the collaboration's events")
    probs.run(check_eq, [e.collaboration_id for e in got or []], [c.id] * 4,
              "collaboration_id of each event")
    # The horizon counts both ends: 180 days takes the end on day 180, 179
    # does not; the default horizon is the largest lead value, 180.
    probs.run(lambda: check_eq(len(radar_list(env, **dict(base, horizon_days=180))), 4,
                               "horizon 180: the end on day 180 is in"))
    probs.run(lambda: check_eq(len(radar_list(env, **dict(base, horizon_days=179))), 3,
                               "horizon 179: the end on day 180 is out"))
    probs.run(lambda: check_eq(len(radar_list(env, **dict(base, horizon_days=0))), 4,
                               "no horizon: 180 days"))
    probs.run(lambda: check_eq(radar_rows(radar_list(env, **dict(base, as_of="2031-01-31",
                                                                 horizon_days=1))),
                               [("2031-01-31", 0, 0, "due",
                                 pb.RADAR_EVENT_KIND_SECONDMENT_END, "secondment", s.id,
                                 "Radar Expert", orgs_s)],
                               "due on the day; nothing before as_of"))
    # Filters.
    probs.run(lambda: check_eq(
        [e.kind for e in radar_list(env, kinds=[pb.RADAR_EVENT_KIND_PHASE_END,
                                                pb.RADAR_EVENT_KIND_AGREEMENT_END], **base)],
        [pb.RADAR_EVENT_KIND_PHASE_END, pb.RADAR_EVENT_KIND_AGREEMENT_END], "kinds"))
    probs.run(lambda: check_eq(
        [e.kind for e in radar_list(env, organisation_id=w.emb_vn.id, **base)],
        [pb.RADAR_EVENT_KIND_PHASE_END], "organisation_id: the embassy is in the phase only"))
    probs.run(lambda: check_eq(
        len(radar_list(env, organisation_id=w.moe_ke.id, **base)), 0,
        "organisation_id: an organisation not involved"))
    # Paging: pages of 1 and 2 give the same list in the same order.
    probs.run(check_paging, probs, "Radar/List", env.radar().List,
              lambda pg: pb.ListRadarRequest(page=pg, **base), "events",
              key=lambda e: e.cursor, at_least=4)
    # Who sees what: the ministry above and the agency above agency_c, the
    # auditor; not a sibling ministry; the embassy in VN the collaboration's
    # and the secondment's, never an agreement's; not the embassy in KE.
    everything = [(e[4], e[6]) for e in want]
    no_agreements = [(e[4], e[6]) for e in want if e[5] != "agreement"]
    for client, seen in (("ministry-a", everything), ("ministry-b", everything),
                         ("auditor", everything), ("ministry-s", []),
                         ("embassy-vn", no_agreements), ("embassy-ke", [])):
        probs.run(lambda: check_eq([(e.kind, e.entity_id)
                                    for e in radar_list(env, client, **base)], seen,
                                   "events %s sees" % client))
    probs.run(lambda: check_eq(
        [e.entity for e in radar_list(env, "embassy-vn", as_of="2024-01-01",
                                      horizon_days=3660) if e.entity == "agreement"], [],
        "the embassy sees no agreement's deadline at all"))
    probs.run(expect_error, lambda: env.radar("admin").List(
        pb.ListRadarRequest(**base), timeout=T), PD, "role admin may not call",
        what="admin")
    probs.raise_if_any()


def case_radar_today(env):
    """as_of defaults to today (UTC): a secondment ending in 10 days is in
    band 30 with 10 days left, one ending in 200 days is past the default
    horizon (180) and "later" (-1) within 365. Today is read before and
    after the calls, so a call across midnight is judged by either day."""
    pb, w = env.pb, env.world
    r = radar_world(env)
    before = datetime.datetime.now(datetime.timezone.utc).date()
    soon = before + datetime.timedelta(days=10)
    late = before + datetime.timedelta(days=200)
    for n, end in enumerate((soon, late)):
        new_secondment(env, collaboration_id=r.collab.id, employer_id=w.agency_c.id,
                       employee_ref="RADAR-T%d" % n, expert_name="Today %d" % n,
                       starts_on=before.isoformat(), ends_on=end.isoformat())
    kinds = [pb.RADAR_EVENT_KIND_SECONDMENT_END]
    default = radar_list(env, collaboration_id=r.collab.id, kinds=kinds)
    year = radar_list(env, collaboration_id=r.collab.id, kinds=kinds, horizon_days=365)
    after = datetime.datetime.now(datetime.timezone.utc).date()
    wants = []
    for today in {before, after}:
        d = lambda day: (day - today).days  # noqa: E731
        wants.append(([(soon.isoformat(), d(soon), 30, "30", "Today 0")],
                      [(soon.isoformat(), d(soon), 30, "30", "Today 0"),
                       (late.isoformat(), d(late), -1, "later", "Today 1")]))
    got = ([(e.date, e.days_left, e.band_days, e.band, e.title) for e in default],
           [(e.date, e.days_left, e.band_days, e.band, e.title) for e in year])
    check(got in wants, "as of today: got %s, want %s" % (got, wants[0]))


def case_radar_validation(env):
    """Radar/List refusals: INVALID_ARGUMENT naming the field and the rule,
    nothing written."""
    pb = env.pb
    rd = env.radar()

    def call(**kw):
        return lambda: rd.List(pb.ListRadarRequest(**kw), timeout=T)

    rows = [
        ("horizon -1", call(horizon_days=-1), IA,
         "horizon_days: must be between 1 and 3660, not -1"),
        ("horizon 3661", call(horizon_days=3661), IA,
         "horizon_days: must be between 1 and 3660, not 3661"),
        ("horizon 4000", call(horizon_days=4000), IA, "horizon_days", "not 4000"),
        ("unknown kind", call(kinds=[pb.RADAR_EVENT_KIND_REVIEW, 99]), IA, "kinds", "99"),
        ("bad date", call(as_of="2031-02-30"), IA, "as_of: 2031-02-30 is not a calendar date"),
        ("date form", call(as_of="31/01/2031"), IA, "as_of: must be a date as YYYY-MM-DD"),
        ("negative collaboration", call(collaboration_id=-1), IA, "collaboration_id"),
        ("negative organisation", call(organisation_id=-2), IA, "organisation_id"),
        ("page token not ours", call(page=page(env, 2, "zzz")), IA, "page_token"),
        ("cursor of another form", call(page=page(env, 2, token_of(env, "17"))), IA,
         "page_token: not a token of this list"),
        ("cursor of an unknown kind", call(page=page(env, 2, token_of(
            env, "2031-01-31.deadline.1"))), IA, "page_token: not a token of this list"),
        ("cursor not a date", call(page=page(env, 2, token_of(
            env, "2031-02-30.review.1"))), IA, "page_token: not a token of this list"),
    ]
    run_table(env, rows, "Radar/List")


def case_radar_lead_days(env):
    """[radar] lead_days reaches the bands: a second sscd on the same
    database with lead_days = 60,7 bands the same events by 7 and 60 days
    (30 days left: band 60; 89 and 180: later) and looks 60 days ahead by
    default, while the first sscd keeps 30, 90 and 180."""
    pb = env.pb
    r = radar_world(env)
    base = dict(as_of="2031-01-01", collaboration_id=r.collab.id,
                kinds=[pb.RADAR_EVENT_KIND_SECONDMENT_END, pb.RADAR_EVENT_KIND_PHASE_END,
                       pb.RADAR_EVENT_KIND_AGREEMENT_END])
    other = env.start_other("radar7", overrides={"radar": {"lead_days": "60,7"}},
                            clients=("secretariat",))
    try:
        check_eq([(e.days_left, e.band_days, e.band)
                  for e in radar_list(env, sscd=other, horizon_days=365, **base)],
                 [(30, 60, "60"), (89, -1, "later"), (180, -1, "later")],
                 "bands with lead_days 60,7")
        check_eq([e.days_left for e in radar_list(env, sscd=other, **base)], [30],
                 "the default horizon with lead_days 60,7: 60 days")
        check_eq([(e.days_left, e.band_days) for e in radar_list(env, horizon_days=365,
                                                                 **base)],
                 [(30, 30), (89, 90), (180, 180)], "the first sscd: 30, 90, 180")
    finally:
        env.close_channels()
        problems = other.stop()
        env.others.remove(other)
    check(not problems, "the second sscd: %s" % problems)


# --------------------------------------------------------------------------


CASES = [
    ("records", case_records),
    ("embassy_principals", case_embassy_principals),
    ("demand_signals", case_demand_signals),
    ("interests", case_interests),
    ("matches", case_matches),
    ("collaborations", case_collaborations),
    ("phase_machine", case_phase_machine),
    ("phase_details", case_phase_details),
    ("iati_status", case_iati_status),
    ("agreement_versions", case_agreement_versions),
    ("notice", case_notice),
    ("terminate", case_terminate),
    ("secondments", case_secondments),
    ("stay", case_stay),
    ("validation_matchmaking", case_validation_matchmaking),
    ("validation_collaborations", case_validation_collaborations),
    ("validation_agreements", case_validation_agreements),
    ("validation_secondments", case_validation_secondments),
    ("paging", case_paging),
    ("idempotency", case_idempotency),
    ("roles", case_roles),
    ("rls_ministries", case_rls_ministries),
    ("rls_embassies", case_rls_embassies),
    ("rls_readers", case_rls_readers),
    ("concurrent_state_changes", case_concurrent_state_changes),
    ("radar", case_radar),
    ("radar_today", case_radar_today),
    ("radar_validation", case_radar_validation),
    ("radar_lead_days", case_radar_lead_days),
    ("audit_chain", case_audit_chain),
]


def main():
    global E_PB
    args = E.parse_args(__doc__)
    runner = H.Runner("domain", only=args.only, verbose=args.verbose)
    env = E.DomainEnv(args, "domain")
    E_PB = env.pb
    env.fx = types.SimpleNamespace()
    runner.after_each = env.after_each
    try:
        env.setup()
    except Exception:  # noqa: BLE001 - report and stop
        runner.record("setup", ["could not set up:\n" + traceback.format_exc()])
        return env.teardown(runner)
    # The records every other case uses are made even when --only leaves
    # their case out.
    if not runner.wanted("records"):
        try:
            case_records(env)
        except Exception:  # noqa: BLE001
            runner.record("records", ["could not make the records:\n" +
                                      traceback.format_exc()])
            return env.teardown(runner)
    for name, fn in CASES:
        runner.run(name, fn, env, timeout=300)
    return env.teardown(runner)


if __name__ == "__main__":
    sys.exit(main())
