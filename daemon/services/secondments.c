/*
 * secondments.c - ssc.v1.Secondments: experts seconded to partner
 * authorities, with the rule that no expert works more than full time on
 * any day (sql/0021).
 *
 * A ministry writes the secondments of its experts, the secretariat any;
 * embassies read those in their country.
 *
 * Entry points: ssc_svc_secondments_register().
 */
#include "secondments.h"

#include "declare.h"
#include "roles.h"

#include "ssc/v1/secondments.pb-c.h"

#define SVC "/ssc.v1.Secondments/"
#define V1(stem) ssc__v1__##stem

static const ssc_decl methods[] = {
    SSC_DECL(SVC "Create", "ssc.secondment_create", ssc_roles_domain_writers,
             MUTATE, V1(create_secondment_request), V1(secondment)),
    SSC_DECL(SVC "Get", "ssc.secondment_get", ssc_roles_domain_readers, READ,
             V1(get_secondment_request), V1(secondment)),
    SSC_DECL_PAGED(SVC "List", "ssc.secondment_list", ssc_roles_domain_readers,
                   V1(list_secondments_request), V1(list_secondments_response),
                   "secondments", "id"),
    SSC_DECL(SVC "Amend", "ssc.secondment_amend", ssc_roles_domain_writers,
             MUTATE, V1(amend_secondment_request), V1(secondment)),
    SSC_DECL(SVC "Cancel", "ssc.secondment_cancel", ssc_roles_domain_writers,
             MUTATE, V1(cancel_secondment_request), V1(secondment)),
};

int ssc_svc_secondments_register(ssc_router *r)
{
    return ssc_decl_register(r, methods, sizeof(methods) / sizeof(methods[0]));
}
