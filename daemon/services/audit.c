/*
 * audit.c - ssc.v1.Audit: the hash-chained trail of every change.
 *
 * Every role lists the entries it may see (row-level security); admin, the
 * auditor and the secretariat verify the chain. The rules are the SQL
 * functions' (sql/0016).
 *
 * Entry points: ssc_svc_audit_register().
 */
#include "audit.h"

#include "declare.h"
#include "roles.h"

#include "ssc/v1/audit.pb-c.h"

#define SVC "/ssc.v1.Audit/"

static const char *const verify_roles[] = {"admin", "auditor", "secretariat",
                                           NULL};

#define V1(stem) ssc__v1__##stem

static const ssc_decl methods[] = {
    SSC_DECL_PAGED(SVC "List", "ssc.audit_list", ssc_roles_readers,
                   V1(list_audit_request), V1(list_audit_response), "entries",
                   "seq"),
    SSC_DECL(SVC "Verify", "ssc.audit_verify", verify_roles, READ,
             V1(verify_audit_request), V1(verify_audit_response)),
};

int ssc_svc_audit_register(ssc_router *r)
{
    return ssc_decl_register(r, methods, sizeof(methods) / sizeof(methods[0]));
}
