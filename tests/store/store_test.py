#!/usr/bin/python3
"""Store suite: a real grpcio client against a real sscd on a real PostgreSQL.

Starts a throwaway PostgreSQL 15 cluster (tests/lib/pg_harness.py), runs
`sscd migrate` and `sscd add-admin`, starts sscd with a [database] section,
then checks organisations (create/get/update/list, validation, paging),
roles and identities, row-level security (through the API and directly in
SQL as ssc_app), idempotency keys, the hash-chained audit trail and the
migration runner (a changed applied migration is refused; a database behind
the binary is refused at start). Prints PASS/FAIL per case and a final
"N passed, M failed".

    /usr/bin/python3 tests/store/store_test.py --sscd BUILD/daemon/sscd \
        --source . [--only CASE] [--keep] [-v]
"""

import datetime
import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)

import store_env as E  # noqa: E402
from store_env import (CALL_TIMEOUT, H, P, CaseFailure, check, check_eq,  # noqa: E402
                       expect_error, log, sql_literal)

import grpc  # noqa: E402

T = CALL_TIMEOUT
RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|\+00:00)$")


def parse_ts(s):
    check(RFC3339_UTC.match(s or ""), "timestamp %r is not RFC 3339 UTC" % (s,))
    s = s.replace("Z", "+00:00")
    if "." in s:
        head, rest = s.split(".", 1)
        frac, tz = rest[:-6], rest[-6:]
        s = head + "." + (frac + "000000")[:6] + tz
    return datetime.datetime.fromisoformat(s)


# --------------------------------------------------------------------------
# organisations


def case_orgs_create_get(env):
    pb, w = env.pb, env.world
    admin = env.orgs("admin")
    audit_before = env.audit_count()
    dea = admin.Create(pb.CreateOrganisationRequest(
        name="Danish Energy Agency", short_name="DEA",
        kind=pb.ORGANISATION_KIND_DANISH_AUTHORITY, country="DK",
        parent_id=w.ministry_a.id), timeout=T)
    check(dea.id > 0, "id %d" % dea.id)
    check_eq(dea.name, "Danish Energy Agency", "name")
    check_eq(dea.short_name, "DEA", "short_name")
    check_eq(dea.kind, pb.ORGANISATION_KIND_DANISH_AUTHORITY, "kind")
    check_eq(dea.country, "DK", "country")
    check_eq(dea.parent_id, w.ministry_a.id, "parent_id")
    check_eq(dea.version, 1, "version of a new organisation")
    created = parse_ts(dea.created_at)
    parse_ts(dea.updated_at)
    now = datetime.datetime.now(datetime.timezone.utc)
    check(abs((now - created).total_seconds()) < 300,
          "created_at %s is not now (%s)" % (dea.created_at, now.isoformat()))
    got = admin.Get(pb.GetOrganisationRequest(id=dea.id), timeout=T)
    check_eq(got, dea, "Get after Create")
    # Every reader role reads every organisation.
    for client in ("secretariat", "ministry-a", "ministry-b", "reconciler",
                   "auditor"):
        check_eq(env.orgs(client).Get(pb.GetOrganisationRequest(id=dea.id),
                                      timeout=T), dea, "Get as " + client)
    # No parent, empty short name: stored as given.
    emb = admin.Create(pb.CreateOrganisationRequest(
        name="Royal Danish Embassy in Beijing", kind=pb.ORGANISATION_KIND_EMBASSY,
        country="CN"), timeout=T)
    check_eq((emb.short_name, emb.parent_id), ("", 0), "short_name/parent_id")
    check_eq(env.audit_count() - audit_before, 2, "audit rows for two creates")
    check_eq(env.audit_rows_for("organisation", str(dea.id)), 1,
             "audit rows for the new organisation")
    expect_error(lambda: admin.Get(pb.GetOrganisationRequest(id=987654321),
                                   timeout=T), E.NOT_FOUND, what="Get unknown id")
    expect_error(lambda: env.orgs("ministry-a").Get(
        pb.GetOrganisationRequest(id=987654321), timeout=T), E.NOT_FOUND,
        what="Get unknown id as ministry")
    env.world.dea = dea


def case_orgs_validation(env):
    pb, w = env.pb, env.world
    admin = env.orgs("admin")
    partner = w.partner
    n_orgs, n_audit = env.org_count(), env.audit_count()

    def create(**kw):
        base = dict(name="Valid Name Agency", short_name="VNA",
                    kind=pb.ORGANISATION_KIND_DANISH_AUTHORITY, country="DK")
        base.update(kw)
        return lambda: admin.Create(pb.CreateOrganisationRequest(**base), timeout=T)

    bad_creates = [
        ("empty name", create(name=""), "name"),
        ("blank name", create(name="   \t "), "name"),
        ("name of 201 characters", create(name="x" * 201), "name"),
        ("short_name of 33 characters", create(short_name="S" * 33), "short_name"),
        ("empty country", create(country=""), "country"),
        ("lower-case country", create(country="dk"), "country"),
        ("three-letter country", create(country="DNK"), "country"),
        ("digit in country", create(country="D1"), "country"),
        ("unspecified kind", create(kind=pb.ORGANISATION_KIND_UNSPECIFIED), "kind"),
        ("unknown kind 99", create(kind=99), "kind"),
        ("parent that does not exist", create(parent_id=987654321), "parent_id"),
        ("negative parent", create(parent_id=-5), "parent_id"),
        ("parent that is a partner authority", create(parent_id=partner.id),
         "parent_id"),
    ]
    problems = []
    for what, fn, field in bad_creates:
        try:
            expect_error(fn, E.INVALID_ARGUMENT, field, what="Create with " + what)
        except CaseFailure as e:
            problems.append(str(e))
    # NUL cannot be stored in PostgreSQL text, and a C string would silently
    # cut the value at it: refused, naming the field.
    for what, fn, field in [
            ("NUL in name", create(name="Nul\x00Agency"), "name"),
            ("NUL in short_name", create(short_name="N\x00A"), "short_name"),
            ("NUL in country", create(country="D\x00"), "country")]:
        try:
            expect_error(fn, E.INVALID_ARGUMENT, field, what="Create with " + what)
        except CaseFailure as e:
            problems.append(str(e))
    stored = env.pg.rows("SELECT id, name, short_name FROM ssc.organisations WHERE "
                         "name IN ('Nul', 'Valid Name Agency')")
    if stored:
        problems.append("values cut at NUL were stored: %s" % stored)
        n_orgs += len(stored)
        n_audit += len(stored)
    # Invalid UTF-8 in a string field (sent as raw bytes; grpcio's protobuf
    # refuses to build such a message): INVALID_ARGUMENT naming the field.
    raw = env.channel("admin").unary_unary(
        "/ssc.v1.Organisations/Create", request_serializer=lambda b: b,
        response_deserializer=lambda b: b)
    body = (b"\x12\x06Bad\xff\xfeX" + b"\x20\x05" + b"\x2a\x02DK")
    try:
        expect_error(lambda: raw(body, timeout=T), E.INVALID_ARGUMENT, "name",
                     what="Create with invalid UTF-8 in name")
    except CaseFailure as e:
        problems.append(str(e))
    # A 200-character name is fine (the boundary).
    ok = admin.Create(pb.CreateOrganisationRequest(
        name="N" * 200, kind=pb.ORGANISATION_KIND_REGION, country="DK",
        short_name="S" * 32), timeout=T)
    check_eq(len(ok.name), 200, "200-character name")
    n_orgs += 1
    n_audit += 1

    # Update validation on a throwaway danish authority.
    a = admin.Create(pb.CreateOrganisationRequest(
        name="Loop Agency A", kind=pb.ORGANISATION_KIND_DANISH_AUTHORITY,
        country="DK"), timeout=T)
    b = admin.Create(pb.CreateOrganisationRequest(
        name="Loop Agency B", kind=pb.ORGANISATION_KIND_DANISH_AUTHORITY,
        country="DK", parent_id=a.id), timeout=T)
    n_orgs += 2
    n_audit += 2

    def update(**kw):
        base = dict(id=a.id)
        base.update(kw)
        return lambda: admin.Update(pb.UpdateOrganisationRequest(**base), timeout=T)

    bad_updates = [
        ("empty update_mask", update(name="X"), "update_mask"),
        ("unknown mask entry", update(update_mask=["bogus"], name="X"),
         "update_mask"),
        ("kind in the mask (not updatable)", update(update_mask=["kind"]),
         "update_mask"),
        ("empty name", update(update_mask=["name"], name=""), "name"),
        ("name of 201 characters", update(update_mask=["name"], name="y" * 201),
         "name"),
        ("short_name of 33", update(update_mask=["short_name"], short_name="Q" * 33),
         "short_name"),
        ("bad country", update(update_mask=["country"], country="xx"), "country"),
        ("itself as parent", update(update_mask=["parent_id"], parent_id=a.id),
         "parent_id"),
        ("a parent loop (A -> B -> A)", update(update_mask=["parent_id"],
                                               parent_id=b.id), "parent_id"),
        ("unknown parent", update(update_mask=["parent_id"], parent_id=987654321),
         "parent_id"),
    ]
    for what, fn, field in bad_updates:
        try:
            expect_error(fn, E.INVALID_ARGUMENT, field, what="Update with " + what)
        except CaseFailure as e:
            problems.append(str(e))
    try:
        expect_error(lambda: admin.Update(pb.UpdateOrganisationRequest(
            id=987654321, update_mask=["name"], name="Nobody"), timeout=T),
            E.NOT_FOUND, what="Update of an unknown id")
    except CaseFailure as e:
        problems.append(str(e))
    try:
        expect_error(lambda: admin.List(pb.ListOrganisationsRequest(
            page=pb.PageRequest(page_size=2, page_token="garbage!!")), timeout=T),
            E.INVALID_ARGUMENT, "page_token", what="List with a garbage page_token")
    except CaseFailure as e:
        problems.append(str(e))
    check_eq(admin.Get(pb.GetOrganisationRequest(id=a.id), timeout=T), a,
             "organisation after refused updates")
    if env.org_count() != n_orgs or env.audit_count() != n_audit:
        problems.append("refused calls wrote: organisations %d (want %d), audit "
                        "rows %d (want %d)" % (env.org_count(), n_orgs,
                                               env.audit_count(), n_audit))
    if problems:
        raise CaseFailure("%d of %d checks failed:\n%s" % (
            len(problems), len(bad_creates) + len(bad_updates) + 6,
            "\n".join(problems)))


def case_orgs_duplicate(env):
    pb = env.pb
    admin = env.orgs("admin")
    first = admin.Create(pb.CreateOrganisationRequest(
        name="Statistics Denmark", short_name="DST",
        kind=pb.ORGANISATION_KIND_DANISH_AUTHORITY, country="DK"), timeout=T)
    n = env.org_count()
    for name in ("Statistics Denmark", "statistics DENMARK"):
        expect_error(lambda: admin.Create(pb.CreateOrganisationRequest(
            name=name, kind=pb.ORGANISATION_KIND_DANISH_AUTHORITY, country="DK"),
            timeout=T), E.ALREADY_EXISTS, what="duplicate name %r in DK" % name)
    check_eq(env.org_count(), n, "organisations after refused duplicates")
    # The same name in another country is another organisation.
    other = admin.Create(pb.CreateOrganisationRequest(
        name="Statistics Denmark", kind=pb.ORGANISATION_KIND_PARTNER_AUTHORITY,
        country="NO"), timeout=T)
    check(other.id != first.id, "same id for another country")
    # Renaming onto an existing name+country is a duplicate too.
    other2 = admin.Create(pb.CreateOrganisationRequest(
        name="Statistics Norway", kind=pb.ORGANISATION_KIND_PARTNER_AUTHORITY,
        country="NO"), timeout=T)
    expect_error(lambda: admin.Update(pb.UpdateOrganisationRequest(
        id=other2.id, update_mask=["name"], name="statistics denmark"), timeout=T),
        E.ALREADY_EXISTS, what="rename onto an existing name in NO")


def case_orgs_update(env):
    pb = env.pb
    admin = env.orgs("admin")
    o = admin.Create(pb.CreateOrganisationRequest(
        name="Danish Meteorological Institute", short_name="DMI",
        kind=pb.ORGANISATION_KIND_DANISH_AUTHORITY, country="DK"), timeout=T)
    audit0 = env.audit_rows_for("organisation", str(o.id))
    # Only the masked field changes, even when others are filled in.
    u = admin.Update(pb.UpdateOrganisationRequest(
        id=o.id, expected_version=1, update_mask=["short_name"], short_name="DMI2",
        name="Ignored Name", country="SE"), timeout=T)
    check_eq((u.name, u.short_name, u.country, u.version),
             (o.name, "DMI2", "DK", 2), "(name, short_name, country, version)")
    check_eq(u.created_at, o.created_at, "created_at after update")
    check(parse_ts(u.updated_at) >= parse_ts(o.updated_at), "updated_at went back")
    check_eq(admin.Get(pb.GetOrganisationRequest(id=o.id), timeout=T), u,
             "Get after Update")
    # A stale expected_version: FAILED_PRECONDITION, nothing written.
    e = expect_error(lambda: admin.Update(pb.UpdateOrganisationRequest(
        id=o.id, expected_version=1, update_mask=["short_name"], short_name="X"),
        timeout=T), E.FAILED_PRECONDITION, what="stale expected_version")
    check("version" in (e.details() or ""),
          "stale-version message %r does not mention the version" % e.details())
    check_eq(admin.Get(pb.GetOrganisationRequest(id=o.id), timeout=T).version, 2,
             "version after a refused update")
    # expected_version 0: no check.
    u3 = admin.Update(pb.UpdateOrganisationRequest(
        id=o.id, update_mask=["name", "country"], name="DMI Renamed",
        country="GL"), timeout=T)
    check_eq((u3.name, u3.country, u3.version), ("DMI Renamed", "GL", 3),
             "(name, country, version) after a two-field update")
    # parent_id set and cleared.
    u4 = admin.Update(pb.UpdateOrganisationRequest(
        id=o.id, expected_version=3, update_mask=["parent_id"],
        parent_id=env.world.ministry_a.id), timeout=T)
    check_eq((u4.parent_id, u4.version), (env.world.ministry_a.id, 4), "parent set")
    u5 = admin.Update(pb.UpdateOrganisationRequest(
        id=o.id, expected_version=4, update_mask=["parent_id"], parent_id=0),
        timeout=T)
    check_eq((u5.parent_id, u5.version), (0, 5), "parent cleared")
    check_eq(env.audit_rows_for("organisation", str(o.id)) - audit0, 4,
             "audit rows for four updates")
    # The update's audit entry carries before and after.
    ents = [x for x in env.audit_all("admin", entity="organisation")
            if x.entity_id == str(o.id) and x.method.endswith("/Update")]
    check_eq(len(ents), 4, "Update entries in Audit/List")
    check(ents[0].before and ents[0].after and "DMI2" in ents[0].after
          and "DMI2" not in ents[0].before,
          "first update's before/after: %r / %r" % (ents[0].before, ents[0].after))
    check_eq(ents[0].method, "/ssc.v1.Organisations/Update", "audit method")


def case_orgs_list_paging(env):
    pb = env.pb
    admin = env.orgs("admin")
    K = pb
    spec = [("Norwegian Water Resources and Energy Directorate", K.ORGANISATION_KIND_PARTNER_AUTHORITY),
            ("Norwegian Environment Agency", K.ORGANISATION_KIND_PARTNER_AUTHORITY),
            ("Norwegian Directorate of Health", K.ORGANISATION_KIND_PARTNER_AUTHORITY),
            ("Norwegian Maritime Authority", K.ORGANISATION_KIND_PARTNER_AUTHORITY),
            ("Royal Danish Embassy in Oslo", K.ORGANISATION_KIND_EMBASSY),
            ("Danish Consulate in Bergen", K.ORGANISATION_KIND_EMBASSY),
            ("Viken County", K.ORGANISATION_KIND_REGION)]
    made = [admin.Create(pb.CreateOrganisationRequest(name=n, kind=k, country="IS"),
                         timeout=T) for n, k in spec]
    ids = [o.id for o in made]

    # Country filter, pages of 2: 2, 2, 2, 1; a token on every page but the last.
    got, pages = env.list_all("admin", page_size=2, country="IS")
    check_eq([c for c, _ in pages], [2, 2, 2, 1], "page sizes for 7 in IS")
    check(all(t for _, t in pages[:-1]), "a page before the last has no token")
    check_eq(pages[-1][1], "", "token on the last page")
    check_eq([o.id for o in got], sorted(ids), "ids listed for IS (ordered by id)")
    check_eq(list(got), made, "listed rows equal the created ones")

    # Everything, pages of 2: each organisation exactly once, same as SQL.
    allorgs, pages = env.list_all("admin", page_size=2)
    listed = [o.id for o in allorgs]
    check_eq(len(listed), len(set(listed)), "an organisation listed twice")
    check(all(c == 2 for c, _ in pages[:-1]), "short page before the last: %s"
          % pages)
    check_eq(pages[-1][1], "", "token on the last page")
    in_db = [int(r[0]) for r in env.pg.rows(
        "SELECT id FROM ssc.organisations ORDER BY id")]
    check_eq(listed, in_db, "ids listed vs ids in ssc.organisations")

    # Kind filters across countries, compared with the full list.
    for kind in (K.ORGANISATION_KIND_EMBASSY, K.ORGANISATION_KIND_PARTNER_AUTHORITY,
                 K.ORGANISATION_KIND_DANISH_AUTHORITY):
        want = [o.id for o in allorgs if o.kind == kind]
        got, _ = env.list_all("admin", page_size=3, kind=kind)
        check_eq([o.id for o in got], want, "List kind=%d" % kind)
    got, _ = env.list_all("ministry-a", page_size=2, country="IS",
                          kind=K.ORGANISATION_KIND_PARTNER_AUTHORITY)
    check_eq([o.id for o in got], ids[:4], "List IS partner authorities")
    got, _ = env.list_all("admin", page_size=2, country="ZW")
    check_eq(len(got), 0, "List of a country with nothing")
    # page_size 0 is the default (50), not "nothing".
    r = admin.List(pb.ListOrganisationsRequest(country="IS"), timeout=T)
    check_eq(len(r.organisations), 7, "page_size 0 (default)")
    check_eq(r.next_page_token, "", "token when everything fits")
    # page_size above the cap is capped (common.proto: "the server caps it
    # at 500"), not refused.
    r = admin.List(pb.ListOrganisationsRequest(
        page=pb.PageRequest(page_size=100000)), timeout=T)
    check_eq(len(r.organisations), len(allorgs), "page_size 100000 (capped)")
    # Garbage tokens.
    for tok in ("garbage", "AAAA", "\u00e6\u00f8\u00e5", "x" * 300):
        expect_error(lambda: admin.List(pb.ListOrganisationsRequest(
            page=pb.PageRequest(page_size=2, page_token=tok)), timeout=T),
            E.INVALID_ARGUMENT, "page_token", what="page_token %r" % tok[:20])


def case_sectors_list(env):
    pb = env.pb
    st = env.sectors("ministry-a")
    token, out = "", []
    while True:
        r = st.List(pb.ListSectorsRequest(page=pb.PageRequest(
            page_size=7, page_token=token)), timeout=T)
        out.extend(r.sectors)
        if not r.next_page_token:
            break
        token = r.next_page_token
    codes = [s.code for s in out]
    check(len(codes) >= 10, "only %d sectors seeded" % len(codes))
    check_eq(codes, sorted(set(codes)), "sector codes ordered and unique")
    check("23110" in codes, "23110 (energy policy) missing")
    for s in out:
        check(re.match(r"^\d{5}$", s.code) and s.name and s.category == s.code[:3],
              "sector %r" % s)
    r = st.List(pb.ListSectorsRequest(category="231"), timeout=T)
    check(r.sectors and all(s.category == "231" for s in r.sectors),
          "category filter 231: %s" % [s.code for s in r.sectors])


# --------------------------------------------------------------------------
# roles and identities


def case_roles(env):
    pb, w = env.pb, env.world
    n_orgs, n_audit = env.org_count(), env.audit_count()
    create = pb.CreateOrganisationRequest(
        name="Sneaky Agency", kind=pb.ORGANISATION_KIND_DANISH_AUTHORITY,
        country="DK")
    for client in ("ministry-a", "reconciler", "auditor"):
        expect_error(lambda: env.orgs(client).Create(create, timeout=T),
                     E.PERMISSION_DENIED, what="Organisations/Create as " + client)
    for client in ("ministry-a", "secretariat", "auditor", "reconciler"):
        expect_error(lambda: env.principals(client).Add(pb.AddPrincipalRequest(
            fingerprint=env.fingerprint("stranger"), role=pb.ROLE_ADMIN,
            name="me, admin"), timeout=T), E.PERMISSION_DENIED,
            what="Principals/Add as " + client)
    check_eq((env.org_count(), env.audit_count()), (n_orgs, n_audit),
             "(organisations, audit rows) after refused calls")
    # The secretariat manages organisations.
    o = env.orgs("secretariat").Create(pb.CreateOrganisationRequest(
        name="Danish Health Authority", kind=pb.ORGANISATION_KIND_DANISH_AUTHORITY,
        country="DK"), timeout=T)
    check(o.id > 0, "secretariat create")
    env.orgs("secretariat").Update(pb.UpdateOrganisationRequest(
        id=w.ministry_b.id, update_mask=["short_name"], short_name="FVM"),
        timeout=T)
    # Admin lists principals, and sees what it added.
    r = env.principals("admin").List(pb.ListPrincipalsRequest(), timeout=T)
    fps = {p.fingerprint for p in r.principals}
    check(env.fingerprint("ministry-a") in fps, "ministry-a not in Principals/List")
    subj = [p for p in r.principals if p.subject == env.subject("auditor")]
    check(len(subj) == 1 and subj[0].role == pb.ROLE_AUDITOR and subj[0].active,
          "auditor principal by subject: %s" % subj)
    # Principal validation (admin).
    pr = env.principals("admin")
    for what, req, field in [
            ("both subject and fingerprint", dict(subject="CN=x", fingerprint="a" * 64,
                                                  role=pb.ROLE_AUDITOR), "fingerprint"),
            ("neither subject nor fingerprint", dict(role=pb.ROLE_AUDITOR), "subject"),
            ("upper-case fingerprint", dict(fingerprint="A" * 64,
                                            role=pb.ROLE_AUDITOR), "fingerprint"),
            ("short fingerprint", dict(fingerprint="ab" * 10, role=pb.ROLE_AUDITOR),
             "fingerprint"),
            ("unspecified role", dict(fingerprint="b" * 64), "role"),
            ("ministry without organisation", dict(fingerprint="c" * 64,
                                                   role=pb.ROLE_MINISTRY),
             "organisation_id")]:
        expect_error(lambda: pr.Add(pb.AddPrincipalRequest(**req), timeout=T),
                     E.INVALID_ARGUMENT, field, what="Principals/Add with " + what)
    expect_error(lambda: pr.Add(pb.AddPrincipalRequest(
        fingerprint=env.fingerprint("ministry-a"), role=pb.ROLE_MINISTRY,
        organisation_id=w.ministry_a.id), timeout=T), E.ALREADY_EXISTS,
        what="Principals/Add of a registered fingerprint")


def case_principal_by_subject(env):
    check(env.world.subject_problem is None, env.world.subject_problem or "")
    check_eq(env.world.principals["auditor"].subject, env.subject("auditor"),
             "subject of the auditor principal")


def case_unregistered_cert(env):
    pb = env.pb
    get = pb.GetOrganisationRequest(id=env.world.ministry_a.id)
    expect_error(lambda: env.orgs("stranger").Get(get, timeout=T),
                 E.UNAUTHENTICATED, what="Get with an unregistered certificate")
    expect_error(lambda: env.orgs("stranger").List(
        pb.ListOrganisationsRequest(), timeout=T), E.UNAUTHENTICATED,
        what="List with an unregistered certificate")
    expect_error(lambda: env.audit("stranger").Verify(pb.VerifyAuditRequest(),
                                                      timeout=T),
                 E.UNAUTHENTICATED, what="Audit/Verify unregistered")
    # Health and reflection need no principal.
    check_eq(env.health_status("stranger"),
             env.stubs.health_pb2.HealthCheckResponse.SERVING, "health for stranger")
    s = env.stubs
    stub = s.refl_v1_pb2_grpc.ServerReflectionStub(env.channel("stranger"))
    resp = list(stub.ServerReflectionInfo(
        iter([s.refl_v1_pb2.ServerReflectionRequest(list_services="")]),
        timeout=T))
    check_eq(len(resp), 1, "reflection responses")
    names = {x.name for x in resp[0].list_services_response.service}
    for want in ("ssc.v1.Organisations", "ssc.v1.Principals", "ssc.v1.Audit",
                 "ssc.v1.Sectors", "grpc.health.v1.Health"):
        check(want in names, "reflection does not list %s: %s" % (want, sorted(names)))
    # The file containing the Organisations service resolves too.
    resp = list(stub.ServerReflectionInfo(iter([s.refl_v1_pb2.ServerReflectionRequest(
        file_containing_symbol="ssc.v1.Organisations")]), timeout=T))
    check(resp and resp[0].file_descriptor_response.file_descriptor_proto,
          "reflection has no descriptor for ssc.v1.Organisations: %s" % resp)


def case_disabled_principal(env):
    pb = env.pb
    p = env.add_principal("retired", pb.ROLE_AUDITOR)
    check(p.active, "new principal not active")
    get = pb.GetOrganisationRequest(id=env.world.ministry_a.id)
    ch = env.channel("retired")
    env.orgs(channel=ch).Get(get, timeout=T)
    d = env.principals("admin").Disable(pb.DisablePrincipalRequest(id=p.id),
                                        timeout=T)
    check_eq((d.id, d.active), (p.id, False), "(id, active) after Disable")
    # Identity is checked per call: the open connection is refused as well.
    expect_error(lambda: env.orgs(channel=ch).Get(get, timeout=T),
                 E.UNAUTHENTICATED, what="Get by a disabled principal (old channel)")
    fresh = H.grpc_channel(env.sscd.target, env.certs, client="retired")
    try:
        expect_error(lambda: env.orgs(channel=fresh).Get(get, timeout=T),
                     E.UNAUTHENTICATED, what="Get by a disabled principal (new channel)")
    finally:
        fresh.close()
    expect_error(lambda: env.principals("admin").Disable(
        pb.DisablePrincipalRequest(id=987654321), timeout=T), E.NOT_FOUND,
        what="Disable of an unknown principal")


# --------------------------------------------------------------------------
# row-level security


def case_rls_update(env):
    pb, w = env.pb, env.world
    a_stub = env.orgs("ministry-a")
    mine = a_stub.Update(pb.UpdateOrganisationRequest(
        id=w.ministry_a.id, update_mask=["short_name"], short_name="KEFM-A"),
        timeout=T)
    check_eq(mine.short_name, "KEFM-A", "ministry-a updating its own organisation")
    b_before = env.orgs("admin").Get(pb.GetOrganisationRequest(id=w.ministry_b.id),
                                     timeout=T)
    expect_error(lambda: a_stub.Update(pb.UpdateOrganisationRequest(
        id=w.ministry_b.id, update_mask=["short_name"], short_name="PWNED"),
        timeout=T), (E.NOT_FOUND, E.PERMISSION_DENIED),
        what="ministry-a updating ministry-b's organisation")
    expect_error(lambda: a_stub.Update(pb.UpdateOrganisationRequest(
        id=w.partner.id, update_mask=["name"], name="PWNED"), timeout=T),
        (E.NOT_FOUND, E.PERMISSION_DENIED),
        what="ministry-a updating a partner authority")
    b_after = env.orgs("admin").Get(pb.GetOrganisationRequest(id=w.ministry_b.id),
                                    timeout=T)
    check_eq(b_after, b_before, "ministry-b's organisation after ministry-a's attempt")
    # ministry-b updates its own (gives the audit cases rows of B).
    env.orgs("ministry-b").Update(pb.UpdateOrganisationRequest(
        id=w.ministry_b.id, update_mask=["short_name"], short_name="FVM-B"),
        timeout=T)
    w.rls_update_done = True


def case_rls_audit_api(env):
    w = env.world
    if not getattr(w, "rls_update_done", False):
        case_rls_update(env)
    a_id, b_id = w.ministry_a.id, w.ministry_b.id
    seen_a = env.audit_all("ministry-a", page_size=5)
    check(seen_a, "ministry-a sees no audit rows at all")
    foreign = [(x.seq, x.organisation_id) for x in seen_a if x.organisation_id != a_id]
    check(not foreign, "ministry-a sees audit rows of other organisations "
          "(seq, organisation_id): %s" % foreign[:10])
    own_update = [x for x in seen_a if x.entity_id == str(a_id)
                  and x.method == "/ssc.v1.Organisations/Update"]
    check(own_update, "ministry-a does not see the audit row of its own update")
    want = int(env.pg.scalar("SELECT count(*) FROM ssc.audit WHERE "
                             "organisation_id::text = '%d'" % a_id))
    check_eq(len(seen_a), want, "rows ministry-a sees vs rows of A in SQL")
    seen_b = env.audit_all("ministry-b")
    check(seen_b and all(x.organisation_id == b_id for x in seen_b),
          "ministry-b's view: %s" % sorted({x.organisation_id for x in seen_b}))
    total = env.audit_count()
    for client in ("auditor", "admin", "secretariat"):
        got = env.audit_all(client, page_size=50)
        check_eq(len(got), total, "audit rows %s sees (all)" % client)
        check_eq([x.seq for x in got], sorted({x.seq for x in got}),
                 "%s's audit list ordered by seq, unique" % client)


def app_rls_count(env, role, org_id, extra_grant=False):
    """(visible, visible-but-foreign) rows of ssc.audit for ssc_app with the
    session settings begin_call would make."""
    # \gset: run the statement, keep its output out of the result.
    sets = ""
    if role is not None:
        sets += "SELECT set_config('ssc.role', %s, false) AS r \\gset\n" % \
            sql_literal(role)
    if org_id is not None:
        sets += "SELECT set_config('ssc.org_id', %s, false) AS o \\gset\n" % \
            sql_literal(org_id)
    q = ("SELECT count(*), count(*) FILTER (WHERE organisation_id::text IS "
         "DISTINCT FROM %s) FROM ssc.audit;\n" %
         sql_literal(org_id if org_id is not None else ""))
    if not extra_grant:
        rows = env.pg.rows(sets + q, role=P.APP)
    else:
        rows = env.pg.rows("BEGIN;\nGRANT SELECT ON ssc.audit TO ssc_app;\n"
                           "SET LOCAL ROLE ssc_app;\n" + sets + q + "ROLLBACK;\n",
                           role=P.OWNER)
    return int(rows[-1][0]), int(rows[-1][1])


def case_rls_sql(env):
    w = env.world
    if not getattr(w, "rls_update_done", False):
        case_rls_update(env)
    a_id, b_id = str(w.ministry_a.id), str(w.ministry_b.id)
    grant = False
    try:
        app_rls_count(env, "ministry", a_id)
    except P.PsqlError as e:
        if "permission denied" not in e.stderr:
            raise
        log("    note: ssc_app has no SELECT on ssc.audit (%s); testing the "
            "policy with a grant inside a rolled-back transaction" %
            e.stderr.strip().splitlines()[-1])
        grant = True
    for org, name in ((a_id, "A"), (b_id, "B")):
        vis, foreign = app_rls_count(env, "ministry", org, grant)
        want = int(env.pg.scalar("SELECT count(*) FROM ssc.audit WHERE "
                                 "organisation_id::text = %s" % sql_literal(org)))
        check(vis > 0, "ssc_app as ministry %s sees no rows" % name)
        check_eq(foreign, 0, "rows of other organisations visible to ministry %s"
                 % name)
        check_eq(vis, want, "rows visible to ministry %s" % name)
    # Fail closed: no session settings at all -> nothing.
    vis, _ = app_rls_count(env, None, None, grant)
    check_eq(vis, 0, "ssc.audit rows visible to ssc_app without ssc.role/ssc.org_id")
    vis, _ = app_rls_count(env, "ministry", None, grant)
    check_eq(vis, 0, "rows visible to a ministry with no ssc.org_id")
    # Everyone sees everything with a reader role that sees all.
    total = env.audit_count()
    vis, _ = app_rls_count(env, "auditor", "", grant)
    check_eq(vis, total, "rows visible to role auditor")
    # ssc_app cannot write the audit trail, delete or truncate anything, or
    # set columns the functions own; writes it may make (column grants for the
    # SECURITY INVOKER functions) are refused by row-level security when the
    # session has no role, so nothing changes.
    snap = ("SELECT (SELECT md5(string_agg(t::text, ',' ORDER BY t.id)) FROM "
            "ssc.organisations t), (SELECT md5(string_agg(t::text, ',' ORDER BY "
            "t.id)) FROM ssc.principals t), (SELECT count(*) FROM ssc.audit)")
    before = env.pg.rows(snap)
    must_deny = ("UPDATE ssc.audit SET after = NULL;",
                 "DELETE FROM ssc.audit;",
                 "TRUNCATE ssc.audit;",
                 "INSERT INTO ssc.audit (seq) VALUES (1000000);",
                 "DELETE FROM ssc.organisations;",
                 "TRUNCATE ssc.organisations;",
                 "UPDATE ssc.organisations SET version = version + 1;",
                 "DELETE FROM ssc.principals;",
                 "UPDATE ssc.principals SET role = 'admin';")
    rls_or_deny = ("INSERT INTO ssc.organisations (name, kind, country) VALUES "
                   "('direct', 'region', 'DK');",
                   "UPDATE ssc.organisations SET name = 'direct';",
                   "INSERT INTO ssc.principals (fingerprint, role, name) VALUES "
                   "(repeat('d', 64), 'admin', 'direct');",
                   "UPDATE ssc.principals SET active = true;")
    for sql in must_deny + rls_or_deny:
        try:
            env.pg.psql(sql, role=P.APP)
        except P.PsqlError as e:
            err = e.stderr
            ok = "permission denied" in err or "must be owner" in err or (
                sql in rls_or_deny and "row-level security" in err)
            check(ok, "ssc_app %r failed, but not with a privilege or row-level "
                  "security error: %s" % (sql, err.strip()))
            continue
        check(sql in rls_or_deny, "ssc_app could run %r directly" % sql)
    check_eq(env.pg.rows(snap), before,
             "(organisations, principals, audit rows) after ssc_app's direct writes")


def case_app_role_catalog(env):
    pg = env.pg
    row = pg.rows("SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb "
                  "FROM pg_roles WHERE rolname = 'ssc_app'")
    check_eq(row, [["f", "f", "f", "f"]],
             "ssc_app (rolsuper, rolbypassrls, rolcreaterole, rolcreatedb)")
    owned = pg.rows(
        "SELECT 'relation ' || c.relname FROM pg_class c JOIN pg_namespace n ON "
        "n.oid = c.relnamespace WHERE n.nspname = 'ssc' AND c.relowner = "
        "'ssc_app'::regrole UNION ALL SELECT 'function ' || p.proname FROM pg_proc "
        "p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'ssc' "
        "AND p.proowner = 'ssc_app'::regrole UNION ALL SELECT 'schema ' || nspname "
        "FROM pg_namespace WHERE nspname = 'ssc' AND nspowner = 'ssc_app'::regrole")
    check_eq(owned, [], "objects in schema ssc owned by ssc_app")
    rls = pg.rows("SELECT c.relname, c.relrowsecurity FROM pg_class c JOIN "
                  "pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'ssc' "
                  "AND c.relname IN ('organisations', 'audit', 'principals') "
                  "ORDER BY 1")
    check_eq(rls, [["audit", "t"], ["organisations", "t"], ["principals", "t"]],
             "row-level security enabled on (audit, organisations, principals)")
    # ssc_app's privileges on tables: never INSERT/UPDATE/DELETE/TRUNCATE.
    writes = pg.rows(
        "SELECT table_name, privilege_type FROM information_schema.role_table_grants "
        "WHERE grantee = 'ssc_app' AND table_schema = 'ssc' AND privilege_type IN "
        "('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE') ORDER BY 1, 2")
    check_eq(writes, [], "write privileges of ssc_app on tables in ssc")


# --------------------------------------------------------------------------
# idempotency


def case_idempotency(env):
    pb = env.pb
    admin = env.orgs("admin")
    K = "idem-create-%d" % os.getpid()
    req = pb.CreateOrganisationRequest(
        idempotency_key=K, name="Danish Agency for Data Supply",
        short_name="SDFI", kind=pb.ORGANISATION_KIND_DANISH_AUTHORITY, country="DK")
    first = admin.Create(req, timeout=T)
    n_orgs, n_audit = env.org_count(), env.audit_count()
    time.sleep(0.05)
    again = admin.Create(req, timeout=T)
    check_eq(again, first, "second Create with the same key")
    check_eq((env.org_count(), env.audit_count()), (n_orgs, n_audit),
             "(organisations, audit rows) after the retry")
    check_eq(env.audit_rows_for("organisation", str(first.id)), 1,
             "audit rows for the organisation")
    # The same key with another request: ALREADY_EXISTS, nothing written.
    other = pb.CreateOrganisationRequest()
    other.CopyFrom(req)
    other.name = "Another Name Entirely"
    e = expect_error(lambda: admin.Create(other, timeout=T), E.ALREADY_EXISTS,
                     what="same key, different request")
    check("idempotency" in (e.details() or "").lower() or K in (e.details() or ""),
          "message %r does not say the idempotency key was reused" % e.details())
    check_eq((env.org_count(), env.audit_count()), (n_orgs, n_audit),
             "(organisations, audit rows) after the refused reuse")
    check_eq(int(env.pg.scalar("SELECT count(*) FROM ssc.organisations WHERE "
                               "name = 'Another Name Entirely'")), 0,
             "organisations named like the refused request")
    # Keys belong to a principal: the secretariat's K is another key.
    sec = env.orgs("secretariat").Create(pb.CreateOrganisationRequest(
        idempotency_key=K, name="Danish Road Directorate",
        kind=pb.ORGANISATION_KIND_DANISH_AUTHORITY, country="DK"), timeout=T)
    check(sec.id != first.id, "the secretariat's key K returned admin's result")
    # A retried Update returns the first result and bumps the version once.
    UK = "idem-update-%d" % os.getpid()
    ureq = pb.UpdateOrganisationRequest(idempotency_key=UK, id=first.id,
                                        update_mask=["short_name"], short_name="SDFE")
    u1 = admin.Update(ureq, timeout=T)
    u2 = admin.Update(ureq, timeout=T)
    check_eq(u2, u1, "retried Update")
    check_eq(admin.Get(pb.GetOrganisationRequest(id=first.id), timeout=T).version,
             2, "version after a retried update")
    check_eq(env.audit_rows_for("organisation", str(first.id)), 2,
             "audit rows after create + retried update")
    # Keys that differ only after a NUL are different keys (or refused):
    # never cut to a common prefix.
    k1 = pb.CreateOrganisationRequest(idempotency_key="nul\x00one", name="NUL Key One",
                                      kind=pb.ORGANISATION_KIND_REGION, country="DK")
    k2 = pb.CreateOrganisationRequest(idempotency_key="nul\x00two", name="NUL Key Two",
                                      kind=pb.ORGANISATION_KIND_REGION, country="DK")
    c1, d1, r1 = E.rpc_code(lambda: admin.Create(k1, timeout=T))
    c2, d2, r2 = E.rpc_code(lambda: admin.Create(k2, timeout=T))
    if c1 == E.INVALID_ARGUMENT:
        check("idempotency_key" in d1, "NUL key refused without naming the "
              "field: %r" % d1)
    else:
        check_eq((c1, c2), (E.OK, E.OK), "two keys differing after a NUL "
                 "(second: %r)" % d2)
        check(r1.id != r2.id, "two keys differing after a NUL gave one row")
    # A failed request does not burn its key: the same key with the same (bad)
    # request fails the same way, and nothing is stored for it.
    bad = pb.CreateOrganisationRequest(idempotency_key="idem-bad", name="",
                                       kind=pb.ORGANISATION_KIND_REGION, country="DK")
    expect_error(lambda: admin.Create(bad, timeout=T), E.INVALID_ARGUMENT, "name")
    expect_error(lambda: admin.Create(bad, timeout=T), E.INVALID_ARGUMENT, "name",
                 what="the same bad request again")
    good = pb.CreateOrganisationRequest(idempotency_key="idem-bad", name="Fixed",
                                        kind=pb.ORGANISATION_KIND_REGION, country="DK")
    admin.Create(good, timeout=T)


def case_idempotency_expiry(env):
    """Keys past the keep time are forgotten by sscd's sweep (this suite runs
    sscd with idempotency_keep_h = 1, idempotency_sweep_s = 1); the key is
    then new again. Younger keys stay and still replay."""
    pb = env.pb
    admin = env.orgs("admin")
    old_key = "idem-expire-old-%d" % os.getpid()
    young_key = "idem-expire-young-%d" % os.getpid()
    req = pb.CreateOrganisationRequest(
        idempotency_key=old_key, name="Expiry Test Authority %d" % os.getpid(),
        kind=pb.ORGANISATION_KIND_DANISH_AUTHORITY, country="DK")
    first = admin.Create(req, timeout=T)
    young_req = pb.CreateOrganisationRequest(
        idempotency_key=young_key, name="Expiry Test Agency %d" % os.getpid(),
        kind=pb.ORGANISATION_KIND_DANISH_AUTHORITY, country="DK")
    young = admin.Create(young_req, timeout=T)
    # Claimed two hours ago, as far as the database knows.
    env.pg.psql("UPDATE ssc.idempotency SET created_at = now() - interval "
                   "'2 hours' WHERE key = %s" % sql_literal(old_key))

    def gone():
        return int(env.pg.scalar("SELECT count(*) FROM ssc.idempotency WHERE key = %s"
                                 % sql_literal(old_key))) == 0
    check(E.wait_for(gone, 15.0),
          "the two-hour-old key is still there 15 s later (keep 1 h, sweep 1 s)")
    check("forgot" in env.sscd.stderr_text(),
          "sscd did not log the keys it forgot:\n%s" % env.sscd.stderr_tail(20))
    # The young key stays and still replays its first answer.
    check_eq(int(env.pg.scalar("SELECT count(*) FROM ssc.idempotency WHERE key = %s"
                               % sql_literal(young_key))), 1, "rows for the young key")
    check_eq(admin.Create(young_req, timeout=T), young, "retry with the young key")
    # The forgotten key is new: another request with it is carried out.
    other = pb.CreateOrganisationRequest(
        idempotency_key=old_key, name="Expiry Test Office %d" % os.getpid(),
        kind=pb.ORGANISATION_KIND_DANISH_AUTHORITY, country="DK")
    again = admin.Create(other, timeout=T)
    check(again.id != first.id, "the forgotten key replayed the old answer")
    check_eq(again.name, other.name, "name of the new organisation")


def case_idempotency_concurrent(env):
    """Eight concurrent Creates with one key: one organisation, every answer
    either that organisation or (at worst) ALREADY_EXISTS/ABORTED; never a
    second row."""
    pb = env.pb
    req = pb.CreateOrganisationRequest(
        idempotency_key="idem-race", name="Danish Geodata Agency",
        kind=pb.ORGANISATION_KIND_DANISH_AUTHORITY, country="DK")
    results = []
    lock = threading.Lock()
    chans = [H.grpc_channel(env.sscd.target, env.certs, client="admin")
             for _ in range(8)]
    barrier = threading.Barrier(len(chans))

    def one(ch):
        barrier.wait()
        r = E.rpc_code(lambda: env.orgs(channel=ch).Create(req, timeout=T))
        with lock:
            results.append(r)

    ths = [threading.Thread(target=one, args=(c,)) for c in chans]
    for t in ths:
        t.start()
    for t in ths:
        t.join(60)
    for c in chans:
        c.close()
    oks = [r for c, _, r in results if c == E.OK]
    others = [(c, d) for c, d, _ in results if c != E.OK]
    n = int(env.pg.scalar("SELECT count(*) FROM ssc.organisations WHERE name = "
                          "'Danish Geodata Agency'"))
    check_eq(n, 1, "organisations created by 8 racing Creates with one key")
    check(oks, "no racing Create succeeded: %s" % others)
    check(all(r == oks[0] for r in oks), "racing Creates returned different rows")
    if others:
        log("    note: %d of 8 racing Creates were answered %s" %
            (len(others), sorted({c.name for c, _ in others})))
    check(all(c == E.ALREADY_EXISTS or c == grpc.StatusCode.ABORTED
              for c, _ in others), "racing Creates: %s" % others)


# --------------------------------------------------------------------------
# audit


def audit_column_type(env, col):
    return env.pg.scalar(
        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE "
        "attrelid = 'ssc.audit'::regclass AND attname = %s" % sql_literal(col))


def verify(env, client="auditor"):
    return env.audit(client).Verify(env.pb.VerifyAuditRequest(), timeout=T)


def case_audit_verify_tamper(env):
    v = verify(env)
    total = env.audit_count()
    check(v.ok, "Verify on an untouched chain: %s" % v)
    check_eq(v.entries_checked, total, "entries_checked vs rows in ssc.audit")
    check_eq(v.first_broken_seq, 0, "first_broken_seq when ok")
    # A row in the middle of the chain that has an `after`.
    seqs = [int(r[0]) for r in env.pg.rows(
        "SELECT seq FROM ssc.audit WHERE after IS NOT NULL ORDER BY seq")]
    check(len(seqs) >= 5, "too few audit rows to tamper with: %d" % len(seqs))
    S = seqs[len(seqs) // 2]
    typ = audit_column_type(env, "after")
    orig = env.pg.scalar("SELECT after::text FROM ssc.audit WHERE seq = %d" % S)
    log("    tampering with seq %d of %d (after is %s)" % (S, total, typ))
    tamper = ("SET session_replication_role = replica;\n"
              "UPDATE ssc.audit SET after = CAST(%s AS %s) WHERE seq = %d;\n")
    env.pg.psql(tamper % (sql_literal('{"tampered": true}'), typ, S))
    now = env.pg.scalar("SELECT after::text FROM ssc.audit WHERE seq = %d" % S)
    check(now != orig, "the UPDATE as owner did not change the row (rule?)")
    try:
        v = verify(env)
        check(not v.ok, "Verify says ok after row %d was rewritten" % S)
        check_eq(v.first_broken_seq, S, "first_broken_seq")
        check(v.reason, "no reason given")
        check_eq(v.entries_checked >= 1, True, "entries_checked")
        log("    Verify: first_broken_seq %d, reason %r" % (v.first_broken_seq,
                                                           v.reason))
        # The other readers see the same verdict; a ministry may not verify
        # the whole chain or gets the same answer (role rules aside).
        v2 = verify(env, "admin")
        check_eq((v2.ok, v2.first_broken_seq), (False, S), "Verify as admin")
    finally:
        env.pg.psql(tamper % (sql_literal(orig), typ, S))
    v = verify(env)
    check(v.ok, "Verify after restoring the row: %s" % v)
    # prev_hash tampering: the next row is where the link breaks, or this row.
    prev = env.pg.scalar("SELECT encode(prev_hash, 'hex') FROM ssc.audit WHERE "
                         "seq = %d" % S)
    env.pg.psql("SET session_replication_role = replica;\nUPDATE ssc.audit SET "
                "prev_hash = decode(repeat('ab', 32), 'hex') WHERE seq = %d;" % S)
    try:
        v = verify(env)
        check(not v.ok and v.first_broken_seq == S,
              "Verify after rewriting prev_hash of %d: %s" % (S, v))
    finally:
        env.pg.psql("SET session_replication_role = replica;\nUPDATE ssc.audit SET "
                    "prev_hash = decode('%s', 'hex') WHERE seq = %d;" % (prev, S))
    check(verify(env).ok, "Verify after restoring prev_hash")


def canonical_field(text):
    return "%d:%s" % (len(text), text)


def case_audit_hash_chain(env):
    """Recomputes every row's hash from the rule in sql/API.md and compares
    the API's entries with the table."""
    rows = env.pg.rows(
        "SELECT seq, to_char(at AT TIME ZONE 'UTC', "
        "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), principal, "
        "coalesce(organisation_id::text, ''), method, entity, entity_id, "
        "coalesce(before::text, ''), coalesce(after::text, ''), "
        "encode(prev_hash, 'hex'), encode(hash, 'hex') FROM ssc.audit ORDER BY seq")
    check(rows, "no audit rows")
    prev = b"\x00" * 32
    expect_seq = int(rows[0][0])
    check_eq(expect_seq, 1, "first seq")
    for r in rows:
        seq = int(r[0])
        check_eq(seq, expect_seq, "seq (gap)")
        expect_seq += 1
        check_eq(r[9], prev.hex(), "prev_hash of seq %d" % seq)
        canon = "".join(canonical_field(x) for x in [r[0]] + r[1:9])
        h = hashlib.sha256(prev + canon.encode("utf-8")).digest()
        if h.hex() != r[10]:
            raise CaseFailure("hash of seq %d does not follow sql/API.md: stored %s, "
                              "recomputed %s over %r" % (seq, r[10], h.hex(),
                                                         canon[:400]))
        prev = h
    # The API shows the same chain.
    api = env.audit_all("auditor", page_size=37)
    check_eq(len(api), len(rows), "entries in Audit/List")
    for a, r in zip(api, rows):
        check_eq((a.seq, a.prev_hash.hex(), a.hash.hex()),
                 (int(r[0]), r[9], r[10]), "entry %d (seq, prev_hash, hash)" % a.seq)
        check_eq(a.principal, r[2], "principal of %d" % a.seq)
        check_eq(a.method, r[4], "method of %d" % a.seq)
        check_eq((a.entity, a.entity_id), (r[5], r[6]), "entity of %d" % a.seq)
        check_eq(parse_ts(a.at), parse_ts(r[1]), "at of %d" % a.seq)
    # A bootstrap row exists for add-admin; creates have empty before.
    check(any(a.principal == "bootstrap" for a in api),
          "no audit row by principal 'bootstrap' (sscd add-admin)")
    creates = [a for a in api if a.method == "/ssc.v1.Organisations/Create"]
    check(creates and all(a.before == "" and a.after for a in creates),
          "Create entries must have empty before and an after")
    # after_seq and entity filters.
    mid = api[len(api) // 2].seq
    r = env.audit("auditor").List(env.pb.ListAuditRequest(
        after_seq=mid, page=env.pb.PageRequest(page_size=500)), timeout=T)
    check_eq([x.seq for x in r.entries], [a.seq for a in api if a.seq > mid],
             "List after_seq")
    r = env.audit("auditor").List(env.pb.ListAuditRequest(
        entity="principal", page=env.pb.PageRequest(page_size=500)), timeout=T)
    check(r.entries and all(x.entity == "principal" for x in r.entries),
          "List entity=principal: %s" % sorted({x.entity for x in r.entries}))


# --------------------------------------------------------------------------
# migrations


def migration_files(env):
    files = sorted(glob.glob(os.path.join(env.args.source, "sql",
                                          "[0-9][0-9][0-9][0-9]_*.sql")))
    check(files, "no sql/NNNN_*.sql migrations in %s" % env.args.source)
    return files


def migrations_table(env, db):
    if env.pg.scalar("SELECT to_regclass('public.ssc_schema_migrations') IS NOT "
                     "NULL", db=db) == "t":
        return "public.ssc_schema_migrations"
    t = env.pg.scalar(
        "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM "
        "pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE "
        "c.relkind IN ('r', 'p') AND c.relname ILIKE '%migration%' AND "
        "n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1 LIMIT 1",
        db=db)
    check(t, "no migrations table in database %s" % db)
    return t


def sql_dir_copy(env, name, files):
    d = os.path.join(env.wd.path, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for f in files:
        shutil.copy(f, d)
    return d


def sql_dir_unsupported(r):
    out = r.stdout.lower()
    return r.returncode not in (0, None) and "sql-dir" in out and (
        "unrecognized" in out or "unknown" in out or "usage" in out or
        "invalid option" in out)


def start_expect_refusal(sscd, timeout=30.0):
    """Runs `sscd --config F`; returns (exit code, output). A daemon still
    running after timeout is killed and reported as a failure."""
    sscd.write_config()
    p = subprocess.Popen([sscd.binary, "--config", sscd.config_path],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, cwd=sscd.workdir)
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
        raise CaseFailure("sscd started on a database behind its migrations and "
                          "was still running after %.0f s; output:\n%s" %
                          (timeout, out.decode("utf-8", "replace")[-2000:]))
    return p.returncode, out.decode("utf-8", "replace")


def case_migrate_again(env):
    files = migration_files(env)
    t = migrations_table(env, P.DB)
    before = env.pg.rows("SELECT * FROM %s ORDER BY 1" % t)
    check_eq(len(before), len(files), "rows in %s vs migration files" % t)
    n_orgs = env.org_count()
    r = env.migrate(env.sscd, check_ok=False)
    check_eq(r.returncode, 0, "second `sscd migrate` exit code (output: %r)" %
             r.stdout[-500:])
    check_eq(env.pg.rows("SELECT * FROM %s ORDER BY 1" % t), before,
             "migrations table after a second migrate")
    check_eq(env.org_count(), n_orgs, "organisations after a second migrate")
    check(env.serving(), "sscd stopped serving after a second migrate")


def case_migrate_concurrent(env):
    files = migration_files(env)
    env.pg.create_database("ssc_conc")
    a = env.new_sscd("conc-a", db="ssc_conc")
    b = env.new_sscd("conc-b", db="ssc_conc")
    res = {}

    def run(s):
        res[s.name] = env.migrate(s, check_ok=False)

    ths = [threading.Thread(target=run, args=(s,)) for s in (a, b)]
    for t in ths:
        t.start()
    for t in ths:
        t.join(300)
    for name, r in sorted(res.items()):
        check_eq(r.returncode, 0, "%s: exit code of one of two concurrent "
                 "migrates (output: %r)" % (name, r.stdout[-800:]))
    t = migrations_table(env, "ssc_conc")
    n = int(env.pg.scalar("SELECT count(*) FROM %s" % t, db="ssc_conc"))
    check_eq(n, len(files), "rows in %s after two concurrent migrates" % t)


def case_migrate_changed_file(env):
    files = migration_files(env)
    env.pg.create_database("ssc_tamper")
    s = env.new_sscd("tamper", db="ssc_tamper")
    d = sql_dir_copy(env, "sql-tampered", files)
    r = env.migrate(s, "--sql-dir", d, check_ok=False)
    if sql_dir_unsupported(r):
        raise CaseFailure("`sscd migrate --sql-dir DIR` is not supported (exit %s): "
                          "%s" % (r.returncode, r.stdout.strip()[-300:]))
    check_eq(r.returncode, 0, "migrate --sql-dir with an unchanged copy "
             "(output %r)" % r.stdout[-800:])
    t = migrations_table(env, "ssc_tamper")
    before = env.pg.rows("SELECT * FROM %s ORDER BY 1" % t, db="ssc_tamper")
    victim = os.path.join(d, os.path.basename(files[0]))
    with open(victim, "a") as f:
        f.write("\n-- changed after it was applied\nSELECT 1;\n")
    r = env.migrate(s, "--sql-dir", d, check_ok=False)
    check(r.returncode not in (0, None),
          "migrate accepted a changed, already applied migration (exit %s): %r" %
          (r.returncode, r.stdout[-800:]))
    check(os.path.basename(victim) in r.stdout,
          "the refusal does not name %s: %r" % (os.path.basename(victim),
                                                r.stdout[-800:]))
    log("    refusal: %s" % r.stdout.strip().splitlines()[-1][:300])
    check_eq(env.pg.rows("SELECT * FROM %s ORDER BY 1" % t, db="ssc_tamper"),
             before, "migrations table after the refusal")
    # The embedded (unchanged) migrations still agree with the database.
    r = env.migrate(s, check_ok=False)
    check_eq(r.returncode, 0, "migrate with the embedded migrations afterwards "
             "(output %r)" % r.stdout[-500:])


def case_migrate_behind(env):
    files = migration_files(env)
    env.pg.create_database("ssc_behind")
    s = env.new_sscd("behind", db="ssc_behind")
    if len(files) >= 2:
        # The embedded migrations up to the next-to-last one.
        target = int(os.path.basename(files[-2])[:4])
        r = env.migrate(s, "--target", str(target), check_ok=False)
        how = "--target %d (of %d migrations)" % (target, len(files))
    else:
        d = sql_dir_copy(env, "sql-behind", [])
        r = env.migrate(s, "--sql-dir", d, check_ok=False)
        how = "--sql-dir with no migrations"
    if sql_dir_unsupported(r) or "target" in r.stdout and r.returncode == 2:
        # Fallback: migrate fully, then forget the last migration's row.
        log("    note: %s not supported (%s); deleting the last row of the "
            "migrations table" % (how, r.stdout.strip()[-200:]))
        env.migrate(s)
        t = migrations_table(env, "ssc_behind")
        env.pg.psql("DELETE FROM %s WHERE ctid = (SELECT ctid FROM %s ORDER BY 1 "
                    "DESC LIMIT 1);" % (t, t), db="ssc_behind")
        how = "the last row of %s deleted" % t
    else:
        check_eq(r.returncode, 0, "migrate %s (output %r)" % (how, r.stdout[-500:]))
        t = migrations_table(env, "ssc_behind")
        n = int(env.pg.scalar("SELECT count(*) FROM %s" % t, db="ssc_behind"))
        check_eq(n, len(files) - 1, "migrations applied with %s" % how)
    log("    database behind: %s" % how)
    rc, out = start_expect_refusal(s)
    check(rc != 0, "sscd exited 0 on a database behind its migrations")
    check("sscd migrate" in out, "the refusal does not mention `sscd migrate`: %r"
          % out[-800:])
    log("    refusal (exit %d): %s" % (rc, out.strip().splitlines()[-1][:300]
                                      if out.strip() else ""))
    # After migrating, the same config starts.
    env.migrate(s)
    env.add_admin(s)
    s.start()
    try:
        ch = H.grpc_channel(s.target, env.certs, client="admin")
        try:
            ok = E.wait_for(lambda: env.health_status(channel=ch) ==
                            env.stubs.health_pb2.HealthCheckResponse.SERVING, 30)
            check(ok, "sscd on the migrated database is not SERVING")
            env.orgs(channel=ch).List(env.pb.ListOrganisationsRequest(), timeout=T)
        finally:
            ch.close()
    finally:
        problems = s.stop()
    check(not problems, "sscd on ssc_behind: %s" % problems)


def case_migrate_no_database(env):
    """sscd with a database URL nobody answers: migrate fails with a message,
    and serve either refuses or comes up NOT_SERVING (never crashes)."""
    s = H.Sscd(env.args.sscd, env.wd.path, env.certs, name="nodb",
               database={"url": env.pg.url(P.APP, "no_such_db"),
                         "owner_url": env.pg.url(P.OWNER, "no_such_db")})
    r = env.migrate(s, check_ok=False, timeout=60)
    check(r.returncode not in (0, None), "migrate on a missing database exited %s"
          % r.returncode)
    check("no_such_db" in r.stdout or "does not exist" in r.stdout,
          "migrate's message does not say what failed: %r" % r.stdout[-500:])


CASES = [
    ("orgs_create_get", case_orgs_create_get),
    ("orgs_validation", case_orgs_validation),
    ("orgs_duplicate", case_orgs_duplicate),
    ("orgs_update", case_orgs_update),
    ("orgs_list_paging", case_orgs_list_paging),
    ("sectors_list", case_sectors_list),
    ("roles", case_roles),
    ("principal_by_subject", case_principal_by_subject),
    ("unregistered_cert", case_unregistered_cert),
    ("disabled_principal", case_disabled_principal),
    ("rls_update", case_rls_update),
    ("rls_audit_api", case_rls_audit_api),
    ("rls_sql", case_rls_sql),
    ("app_role_catalog", case_app_role_catalog),
    ("idempotency", case_idempotency),
    ("idempotency_concurrent", case_idempotency_concurrent),
    ("idempotency_expiry", case_idempotency_expiry),
    ("audit_hash_chain", case_audit_hash_chain),
    ("audit_verify_tamper", case_audit_verify_tamper),
    ("migrate_again", case_migrate_again),
    ("migrate_concurrent", case_migrate_concurrent),
    ("migrate_changed_file", case_migrate_changed_file),
    ("migrate_behind", case_migrate_behind),
    ("migrate_no_database", case_migrate_no_database),
]


def main():
    args = E.parse_args(__doc__)
    runner = H.Runner("store", only=args.only, verbose=args.verbose)
    env = E.StoreEnv(args, "store")
    runner.after_each = env.after_each
    try:
        # Keys expire after the shortest keep time, swept every second, for
        # case_idempotency_expiry; no other case makes a key that old.
        env.setup(overrides={"database": {"idempotency_keep_h": "1",
                                          "idempotency_sweep_s": "1"}})
    except Exception:  # noqa: BLE001 - report and stop
        runner.record("setup", ["could not set up:\n" + traceback.format_exc()])
        return env.teardown(runner)
    for name, fn in CASES:
        runner.run(name, fn, env, timeout=300)
    return env.teardown(runner)


if __name__ == "__main__":
    sys.exit(main())
