/*
 * organisations.c - ssc.v1.Organisations: the authorities, embassies, the
 * secretariat and regions that everything else refers to.
 *
 * Admin and the secretariat create and update any organisation; a ministry
 * updates its own (row-level security decides which that is); every role
 * reads all of them. The rules are the SQL functions' (sql/0016).
 *
 * Entry points: ssc_svc_organisations_register().
 */
#include "organisations.h"

#include "declare.h"
#include "roles.h"

#include "ssc/v1/organisations.pb-c.h"

#define SVC "/ssc.v1.Organisations/"
#define V1(stem) ssc__v1__##stem

static const ssc_decl methods[] = {
    SSC_DECL(SVC "Create", "ssc.org_create", ssc_roles_staff, MUTATE,
             V1(create_organisation_request), V1(organisation)),
    SSC_DECL(SVC "Get", "ssc.org_get", ssc_roles_everyone, READ,
             V1(get_organisation_request), V1(organisation)),
    SSC_DECL_PAGED(SVC "List", "ssc.org_list", ssc_roles_everyone,
                   V1(list_organisations_request),
                   V1(list_organisations_response), "organisations", "id"),
    SSC_DECL(SVC "Update", "ssc.org_update", ssc_roles_writers, MUTATE,
             V1(update_organisation_request), V1(organisation)),
};

int ssc_svc_organisations_register(ssc_router *r)
{
    return ssc_decl_register(r, methods, sizeof(methods) / sizeof(methods[0]));
}
