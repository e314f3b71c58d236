/*
 * agreements.c - ssc.v1.Agreements: agreements in versions, signing,
 * amendments, notice and termination, and their status as of any date
 * (sql/0020).
 *
 * The secretariat writes every agreement; a ministry those its
 * organisation or an agency below it is a party to.
 *
 * Entry points: ssc_svc_agreements_register().
 */
#include "agreements.h"

#include "declare.h"
#include "roles.h"

#include "ssc/v1/agreements.pb-c.h"

#define SVC "/ssc.v1.Agreements/"
#define V1(stem) ssc__v1__##stem

static const ssc_decl methods[] = {
    SSC_DECL(SVC "Create", "ssc.agreement_create", ssc_roles_domain_writers,
             MUTATE, V1(create_agreement_request), V1(agreement)),
    SSC_DECL(SVC "Get", "ssc.agreement_get", ssc_roles_domain_readers, READ,
             V1(get_agreement_request), V1(agreement)),
    SSC_DECL_PAGED(SVC "List", "ssc.agreement_list", ssc_roles_domain_readers,
                   V1(list_agreements_request), V1(list_agreements_response),
                   "agreements", "id"),
    SSC_DECL(SVC "Sign", "ssc.agreement_sign", ssc_roles_domain_writers, MUTATE,
             V1(sign_agreement_request), V1(agreement)),
    SSC_DECL(SVC "Amend", "ssc.agreement_amend", ssc_roles_domain_writers,
             MUTATE, V1(amend_agreement_request), V1(agreement)),
    SSC_DECL(SVC "GiveNotice", "ssc.agreement_notice", ssc_roles_domain_writers,
             MUTATE, V1(give_notice_request), V1(agreement)),
    SSC_DECL(SVC "Terminate", "ssc.agreement_terminate",
             ssc_roles_domain_writers, MUTATE, V1(terminate_agreement_request),
             V1(agreement)),
    SSC_DECL_PAGED(SVC "ListVersions", "ssc.agreement_versions",
                   ssc_roles_domain_readers,
                   V1(list_agreement_versions_request),
                   V1(list_agreement_versions_response), "versions", "number"),
};

int ssc_svc_agreements_register(ssc_router *r)
{
    return ssc_decl_register(r, methods, sizeof(methods) / sizeof(methods[0]));
}
