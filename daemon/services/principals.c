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

static const ssc_decl methods[] = {
    {SVC "Add", "ssc.principal_add", ssc_roles_admin,
     &ssc__v1__add_principal_request__descriptor,
     &ssc__v1__principal__descriptor, SSC_DECL_MUTATE},
    {SVC "List", "ssc.principal_list", ssc_roles_admin,
     &ssc__v1__list_principals_request__descriptor,
     &ssc__v1__list_principals_response__descriptor, SSC_DECL_LIST,
     "principals", "id"},
    {SVC "Disable", "ssc.principal_disable", ssc_roles_admin,
     &ssc__v1__disable_principal_request__descriptor,
     &ssc__v1__principal__descriptor, SSC_DECL_MUTATE},
};

int ssc_svc_principals_register(ssc_router *r)
{
    return ssc_decl_register(r, methods, sizeof(methods) / sizeof(methods[0]));
}
