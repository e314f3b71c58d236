/*
 * payroll.c - ssc.v1.Payroll: payroll compensation (sql/0034). The
 * reconciler (any organisation) and a ministry (its own and its agencies)
 * import batches of payroll lines, each accepted and booked as
 * compensation or flagged; the reconciler and the secretariat lock an
 * organisation's month; the secretariat, the auditor, the reconciler and
 * ministries read batches and reports as row-level security lets them.
 *
 * Import (client-streaming, COPY) and Report (server-streaming, paged)
 * need code: payroll_import.c and payroll_report.c. The rest are
 * declarations.
 *
 * Entry points: ssc_svc_payroll_register().
 */
#include "payroll.h"

#include "declare.h"
#include "payroll_import.h"
#include "payroll_report.h"
#include "roles.h"

#include "ssc/v1/payroll.pb-c.h"

#define SVC "/ssc.v1.Payroll/"
#define V1(stem) ssc__v1__##stem

static const ssc_decl methods[] = {
    SSC_DECL(SVC "Lock", "ssc.payroll_lock", ssc_roles_payroll_lockers, MUTATE,
             V1(lock_payroll_period_request), V1(payroll_period_lock)),
    SSC_DECL(SVC "GetBatch", "ssc.payroll_batch_get", ssc_roles_money_readers,
             READ, V1(get_payroll_batch_request), V1(payroll_batch)),
    SSC_DECL_PAGED(SVC "ListBatches", "ssc.payroll_batch_list",
                   ssc_roles_money_readers, V1(list_payroll_batches_request),
                   V1(list_payroll_batches_response), "batches", "id"),
};

int ssc_svc_payroll_register(ssc_router *r)
{
    int rc =
        ssc_db_register(ssc_payroll_report_stmts, SSC_PAYROLL_REPORT_NSTMTS);

    if (rc == 0)
        rc = ssc_router_add(r, &ssc_payroll_import_method);
    if (rc == 0)
        rc = ssc_router_add(r, &ssc_payroll_report_method);
    if (rc == 0)
        rc =
            ssc_decl_register(r, methods, sizeof(methods) / sizeof(methods[0]));
    return rc;
}
