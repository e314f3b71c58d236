/*
 * allocations.c - ssc.v1.Allocations and ssc.v1.Disbursements: the money
 * approvals commit from pools, and what is paid out of it (sql/0031).
 *
 * Allocations are made by the approval that completes an application
 * (applications.c), never directly. The secretariat releases what is
 * unused and records disbursements and their reversals; the secretariat,
 * the auditor and the reconciler read all, a ministry its own.
 *
 * Entry points: ssc_svc_allocations_register().
 */
#include "allocations.h"

#include "declare.h"
#include "roles.h"

#include "ssc/v1/allocations.pb-c.h"

#define ALLOC "/ssc.v1.Allocations/"
#define DISB "/ssc.v1.Disbursements/"
#define V1(stem) ssc__v1__##stem

static const ssc_decl methods[] = {
    SSC_DECL(ALLOC "Get", "ssc.allocation_get", ssc_roles_money_readers, READ,
             V1(get_allocation_request), V1(allocation)),
    SSC_DECL_PAGED(ALLOC "List", "ssc.allocation_list", ssc_roles_money_readers,
                   V1(list_allocations_request), V1(list_allocations_response),
                   "allocations", "id"),
    SSC_DECL(ALLOC "Release", "ssc.allocation_release", ssc_roles_secretariat,
             MUTATE, V1(release_allocation_request), V1(allocation)),
    SSC_DECL(DISB "Add", "ssc.disbursement_add", ssc_roles_secretariat, MUTATE,
             V1(add_disbursement_request), V1(disbursement)),
    SSC_DECL(DISB "Get", "ssc.disbursement_get", ssc_roles_money_readers, READ,
             V1(get_disbursement_request), V1(disbursement)),
    SSC_DECL_PAGED(DISB "List", "ssc.disbursement_list",
                   ssc_roles_money_readers, V1(list_disbursements_request),
                   V1(list_disbursements_response), "disbursements", "id"),
    SSC_DECL(DISB "Reverse", "ssc.disbursement_reverse", ssc_roles_secretariat,
             MUTATE, V1(reverse_disbursement_request), V1(disbursement)),
};

int ssc_svc_allocations_register(ssc_router *r)
{
    return ssc_decl_register(r, methods, sizeof(methods) / sizeof(methods[0]));
}
