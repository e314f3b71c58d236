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

static const ssc_decl methods[] = {
    {SVC "List", "ssc.audit_list", ssc_roles_readers,
     &ssc__v1__list_audit_request__descriptor,
     &ssc__v1__list_audit_response__descriptor, SSC_DECL_LIST, "entries",
     "seq"},
    {SVC "Verify", "ssc.audit_verify", verify_roles,
     &ssc__v1__verify_audit_request__descriptor,
     &ssc__v1__verify_audit_response__descriptor, SSC_DECL_READ},
};

int ssc_svc_audit_register(ssc_router *r)
{
    return ssc_decl_register(r, methods, sizeof(methods) / sizeof(methods[0]));
}
