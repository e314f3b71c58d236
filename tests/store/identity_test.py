#!/usr/bin/python3
"""Store identity suite: a client certificate is identified by its whole subject.

Certificates from the suite's own CA, made with the openssl CLI, whose RFC 2253
subjects are long and alike:

  shared_prefix_255     a principal registered by a subject of exactly 255
                        bytes; a second certificate whose subject is that one
                        with ",C=DK" after it (RFC 2253 prints the broad
                        attributes last) is not that principal: UNAUTHENTICATED,
                        while the first certificate is served.
  long_subjects_differ  two subjects of about 400 bytes, equal but for the O at
                        the end: the one registered is served, the other is
                        UNAUTHENTICATED.
  subject_limit         a certificate whose subject is exactly 2048 bytes (the
                        bound on a registered subject, sql/0013) registers and
                        is served; one of 2049 bytes is refused at registration
                        (INVALID_ARGUMENT naming the subject) and, connecting,
                        is no one: UNAUTHENTICATED.
  add_admin_whole_subject
                        `sscd add-admin --cert` with a 2048-byte subject prints
                        the whole subject; without --name it says the default
                        name (the subject) is too long and how to give one.

    /usr/bin/python3 tests/store/identity_test.py --sscd BUILD/daemon/sscd \
        --source . [--only CASE] [--keep] [-v]
"""

import os
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)

import store_env as E  # noqa: E402
from store_env import (CALL_TIMEOUT, H, check, check_eq,  # noqa: E402
                       expect_error, sql_literal)

T = CALL_TIMEOUT
SUBJECT_MAX_BYTES = 2048
OU_CHARS = 60  # each OU value; RFC 5280 allows 64


def subject_parts(nbytes, org, tag):
    """(cn, [ou...]) such that "CN=cn,OU=...,...,O=org" is exactly nbytes long:
    OUs of OU_CHARS letters, the CN (tag and padding, at most 64) taking up
    the rest."""
    rest = nbytes - len("CN=") - len(",O=" + org)
    for k in range(0, 200):
        cn_len = rest - k * (len(",OU=") + OU_CHARS)
        if len(tag) <= cn_len <= 64:
            ous = [("ou%02d" % i) + "u" * (OU_CHARS - 4) for i in range(k)]
            return tag + "c" * (cn_len - len(tag)), ous
    raise ValueError("no subject of %d bytes" % nbytes)


def make_client(env, name, cn, ous, org, country=None):
    """Issues certs/NAME.pem and NAME.key from the suite's CA with the subject
    C (if given), O, the OUs, CN, in that order, so that RFC 2253 prints it
    reversed: CN first, O and C last. Returns its subject as sscd reads it."""
    d = env.certs.dir
    subj = ("/C=" + country if country else "") + "/O=" + org
    subj += "".join("/OU=" + ou for ou in ous) + "/CN=" + cn
    ext = os.path.join(d, name + ".ext")
    with open(ext, "w") as f:
        f.write("[ext]\nbasicConstraints=critical,CA:FALSE\n"
                "keyUsage=critical,digitalSignature\n"
                "authorityKeyIdentifier=keyid\nextendedKeyUsage=clientAuth\n")
    H._openssl(["req", "-new", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                name + ".key", "-out", name + ".csr", "-subj", subj], d)
    H._openssl(["x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey",
                "ca.key", "-CAcreateserial", "-out", name + ".pem", "-days",
                "30", "-sha256", "-extfile", ext, "-extensions", "ext"], d)
    os.unlink(os.path.join(d, name + ".csr"))
    os.unlink(ext)
    os.chmod(os.path.join(d, name + ".key"), 0o600)
    return env.subject(name)


def make_sized(env, name, nbytes, org, tag):
    cn, ous = subject_parts(nbytes, org, tag)
    subject = make_client(env, name, cn, ous, org)
    check_eq(len(subject.encode()), nbytes, "bytes in the subject of " + name)
    return subject


def add_by_subject(env, subject, what):
    return env.principals("admin").Add(env.pb.AddPrincipalRequest(
        subject=subject, role=env.pb.ROLE_AUDITOR, name=what), timeout=T)


def get_org(env, client):
    return env.orgs(client).Get(env.pb.GetOrganisationRequest(
        id=env.world.secretariat.id), timeout=T)


def served(env, client):
    got = get_org(env, client)
    check_eq(got.id, env.world.secretariat.id, "organisation read by " + client)


def refused(env, client):
    expect_error(lambda: get_org(env, client), E.UNAUTHENTICATED,
                 what="Organisations/Get with certificate %s" % client)


# --------------------------------------------------------------------------


def case_shared_prefix_255(env):
    cn, ous = subject_parts(255, "ssc test", "victim")
    victim = make_client(env, "victim255", cn, ous, "ssc test")
    check_eq(len(victim.encode()), 255, "bytes in the victim's subject")
    other = make_client(env, "other255", cn, ous, "ssc test", country="DK")
    check_eq(other, victim + ",C=DK", "the other certificate's subject")
    p = add_by_subject(env, victim, "255-byte subject")
    check_eq(p.subject, victim, "registered subject")
    served(env, "victim255")
    refused(env, "other255")


def case_long_subjects_differ(env):
    a = make_sized(env, "long-a", 400, "Ministry A", "long")
    b = make_sized(env, "long-b", 400, "Ministry B", "long")
    check(a[:255] == b[:255] and a != b,
          "the subjects should share 255 bytes and differ after:\n%s\n%s" % (a, b))
    p = add_by_subject(env, a, "400-byte subject")
    check_eq(p.subject, a, "registered subject")
    served(env, "long-a")
    refused(env, "long-b")


def case_subject_limit(env):
    at = make_sized(env, "at-limit", SUBJECT_MAX_BYTES, "ssc test", "limit")
    past = make_sized(env, "past-limit", SUBJECT_MAX_BYTES + 1, "ssc test", "past")
    p = add_by_subject(env, at, "subject at the limit")
    check_eq(p.subject, at, "registered subject")
    served(env, "at-limit")
    expect_error(lambda: add_by_subject(env, past, "subject past the limit"),
                 E.INVALID_ARGUMENT, "subject",
                 what="Principals/Add of a %d-byte subject" % (SUBJECT_MAX_BYTES + 1))
    check_eq(env.pg.scalar("SELECT count(*) FROM ssc.principals WHERE subject = "
                           + sql_literal(past)), "0", "rows with the long subject")
    refused(env, "past-limit")


def case_add_admin_whole_subject(env):
    subject = make_sized(env, "long-admin", SUBJECT_MAX_BYTES, "ssc test", "admin")
    cert = env.certs.client("long-admin")[0]
    r = env.sscd.run_subcommand("add-admin", "--cert", cert)
    check(r.returncode != 0, "add-admin took a 2048-byte subject as the name:\n"
          + r.stdout)
    check("--name" in r.stdout, "add-admin does not say to give --name:\n" + r.stdout)
    r = env.sscd.run_subcommand("add-admin", "--cert", cert, "--name", "long admin")
    check_eq(r.returncode, 0, "add-admin exit code (output %s)" % r.stdout)
    check_eq(r.stdout, "admin principal for %s (sha256 %s)\n" % (
        subject, env.fingerprint("long-admin")), "add-admin output")
    served(env, "long-admin")


CASES = [
    ("shared_prefix_255", case_shared_prefix_255),
    ("long_subjects_differ", case_long_subjects_differ),
    ("subject_limit", case_subject_limit),
    ("add_admin_whole_subject", case_add_admin_whole_subject),
]


def main():
    args = E.parse_args(__doc__)
    runner = H.Runner("identity", only=args.only, verbose=args.verbose)
    env = E.StoreEnv(args, "identity")
    runner.after_each = env.after_each
    try:
        env.setup()
    except Exception:  # noqa: BLE001 - report and stop
        runner.record("setup", ["could not set up:\n" + traceback.format_exc()])
        return env.teardown(runner)
    for name, fn in CASES:
        runner.run(name, fn, env, timeout=300)
    return env.teardown(runner)


if __name__ == "__main__":
    sys.exit(main())
