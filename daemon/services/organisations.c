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

static const ssc_decl methods[] = {
    {SVC "Create", "ssc.org_create", ssc_roles_staff,
     &ssc__v1__create_organisation_request__descriptor,
     &ssc__v1__organisation__descriptor, SSC_DECL_MUTATE},
    {SVC "Get", "ssc.org_get", ssc_roles_readers,
     &ssc__v1__get_organisation_request__descriptor,
     &ssc__v1__organisation__descriptor, SSC_DECL_READ},
    {SVC "List", "ssc.org_list", ssc_roles_readers,
     &ssc__v1__list_organisations_request__descriptor,
     &ssc__v1__list_organisations_response__descriptor, SSC_DECL_LIST,
     "organisations", "id"},
    {SVC "Update", "ssc.org_update", ssc_roles_writers,
     &ssc__v1__update_organisation_request__descriptor,
     &ssc__v1__organisation__descriptor, SSC_DECL_MUTATE},
};

int ssc_svc_organisations_register(ssc_router *r)
{
    return ssc_decl_register(r, methods, sizeof(methods) / sizeof(methods[0]));
}
