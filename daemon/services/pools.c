/*
 * pools.c - ssc.v1.Pools: the funding pools, one per fiscal year and
 * currency, with their total, committed, disbursed and available figures
 * from one row (sql/0028).
 *
 * The secretariat creates and adjusts pools; every role with business in
 * the record reads them; adjustments are read by the secretariat and the
 * auditor.
 *
 * Entry points: ssc_svc_pools_register().
 */
#include "pools.h"

#include "declare.h"
#include "roles.h"

#include "ssc/v1/pools.pb-c.h"

#define SVC "/ssc.v1.Pools/"
#define V1(stem) ssc__v1__##stem

static const ssc_decl methods[] = {
    SSC_DECL(SVC "Create", "ssc.pool_create", ssc_roles_secretariat, MUTATE,
             V1(create_pool_request), V1(pool)),
    SSC_DECL(SVC "Get", "ssc.pool_get", ssc_roles_pool_readers, READ,
             V1(get_pool_request), V1(pool)),
    SSC_DECL_PAGED(SVC "List", "ssc.pool_list", ssc_roles_pool_readers,
                   V1(list_pools_request), V1(list_pools_response), "pools",
                   "id"),
    SSC_DECL(SVC "Adjust", "ssc.pool_adjust", ssc_roles_secretariat, MUTATE,
             V1(adjust_pool_request), V1(adjust_pool_response)),
    SSC_DECL_PAGED(SVC "ListAdjustments", "ssc.pool_adjustment_list",
                   ssc_roles_overseers, V1(list_adjustments_request),
                   V1(list_adjustments_response), "adjustments", "id"),
};

int ssc_svc_pools_register(ssc_router *r)
{
    return ssc_decl_register(r, methods, sizeof(methods) / sizeof(methods[0]));
}
