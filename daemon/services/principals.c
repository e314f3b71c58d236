/*
 * principals.c - ssc.v1.Principals: which client certificate is who.
 *
 * A principal ties a certificate (by its subject, or by the SHA-256
 * fingerprint of its DER encoding) to a role and, for ministries and the
 * reconciliation job, an organisation. Admin only. The rules are the SQL
 * functions' (sql/0016).
 *
 * Entry points: ssc_svc_principals_register().
 */
#include "principals.h"

#include "declare.h"
#include "roles.h"

#include "ssc/v1/principals.pb-c.h"

#define SVC "/ssc.v1.Principals/"
#define V1(stem) ssc__v1__##stem

static const ssc_decl methods[] = {
    SSC_DECL(SVC "Add", "ssc.principal_add", ssc_roles_admin, MUTATE,
             V1(add_principal_request), V1(principal)),
    SSC_DECL_PAGED(SVC "List", "ssc.principal_list", ssc_roles_admin,
                   V1(list_principals_request), V1(list_principals_response),
                   "principals", "id"),
    SSC_DECL(SVC "Disable", "ssc.principal_disable", ssc_roles_admin, MUTATE,
             V1(disable_principal_request), V1(principal)),
};

int ssc_svc_principals_register(ssc_router *r)
{
    return ssc_decl_register(r, methods, sizeof(methods) / sizeof(methods[0]));
}
