#!/usr/bin/python3
"""Store size suite: answers against a small max_message_bytes (1024).

  list_pages_by_size    40 organisations of about 400 bytes each, listed with
                        page_size 500: every page fits in 1024 bytes, and paging
                        on with next_page_token returns each of them exactly
                        once, in order. (Before: the page did not fit, the send
                        failed unseen and the call ended OK without a message.)
  row_too_big           an audit entry whose before and after are each about
                        900 bytes cannot fit in any page: Audit/List answers
                        RESOURCE_EXHAUSTED naming it, never OK without a
                        message; the entries around it still list.

    /usr/bin/python3 tests/store/size_test.py --sscd BUILD/daemon/sscd \\
        --source . [--only CASE] [--keep] [-v]
"""

import os
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)

import store_env as E  # noqa: E402
from store_env import CALL_TIMEOUT as T, H, check, check_eq, log  # noqa: E402

import grpc  # noqa: E402

LIMIT = 1024


def case_list_pages_by_size(env):
    pb = env.pb
    admin = env.orgs("admin")
    made = []
    for i in range(40):
        made.append(admin.Create(pb.CreateOrganisationRequest(
            name="Size Probe %02d " % i + "\u00c6" * 180,
            kind=pb.ORGANISATION_KIND_REGION, country="SE"), timeout=T).id)
    seen, pages, token = [], 0, ""
    while True:
        r = admin.List(pb.ListOrganisationsRequest(
            page=pb.PageRequest(page_size=500, page_token=token), country="SE"),
            timeout=T)
        size = r.ByteSize()
        check(size <= LIMIT, "page %d is %d bytes" % (pages, size))
        check(len(r.organisations) > 0, "page %d is empty" % pages)
        seen.extend(o.id for o in r.organisations)
        pages += 1
        if not r.next_page_token:
            break
        token = r.next_page_token
        check(pages < 100, "paging does not end")
    log("    %d organisations in %d pages of at most %d bytes" %
        (len(seen), pages, LIMIT))
    check(pages > 1, "one page held them all: nothing was cut")
    check_eq(seen, made, "ids over all pages")


def case_row_too_big(env):
    pb, pg = env.pb, env.pg
    admin = env.orgs("admin")
    o = admin.Create(pb.CreateOrganisationRequest(
        name="Big Before " + "\u00c6" * 180, kind=pb.ORGANISATION_KIND_REGION,
        country="NO"), timeout=T)
    before = int(pg.scalar("SELECT max(seq) FROM ssc.audit"))
    _update_name(env, o.id, "Big After " + "\u00d8" * 180)
    stub = env.audit("auditor")
    e = E.expect_error(lambda: stub.List(pb.ListAuditRequest(
        after_seq=before, page=pb.PageRequest(page_size=10)), timeout=T),
        grpc.StatusCode.RESOURCE_EXHAUSTED, what="Audit/List of a too-big entry")
    log("    %s: %r" % (e.code().name, e.details()))
    check("entries[0]" in e.details() and "max_message_bytes" in e.details(),
          "message does not say which entry and which limit: %r" % e.details())
    # The entry before it (the Create, about 500 bytes) still lists alone.
    r = stub.List(pb.ListAuditRequest(after_seq=before - 1,
                                      page=pb.PageRequest(page_size=10)),
                  timeout=T)
    check_eq(len(r.entries), 1, "entries that fit before the big one")
    check(r.next_page_token != "", "no token to go on with")


def _update_name(env, org_id, name):
    pb = env.pb
    req = pb.UpdateOrganisationRequest(id=org_id, name=name,
                                       update_mask=["name"])
    return env.orgs("admin").Update(req, timeout=T)


CASES = [
    ("list_pages_by_size", case_list_pages_by_size, 120),
    ("row_too_big", case_row_too_big, 60),
]


def main():
    args = E.parse_args(__doc__)
    runner = H.Runner("size", only=args.only, verbose=args.verbose)
    env = E.StoreEnv(args, "size")
    runner.after_each = env.after_each
    try:
        env.setup(overrides={"limits": {"max_message_bytes": str(LIMIT)}})
    except Exception:  # noqa: BLE001 - report and stop
        runner.record("setup", ["could not set up:\n" + traceback.format_exc()])
        return env.teardown(runner)
    for name, fn, limit in CASES:
        runner.run(name, fn, env, timeout=limit)
    return env.teardown(runner)


if __name__ == "__main__":
    sys.exit(main())
