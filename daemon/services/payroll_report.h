/*
 * payroll_report.h - Payroll/Report, the server-streaming method of
 * payroll.c's service (payroll_report.c).
 *
 * Entry points: ssc_payroll_report_method, ssc_payroll_report_stmts,
 * SSC_PAYROLL_REPORT_NSTMTS.
 */
#ifndef SSC_SVC_PAYROLL_REPORT_H
#define SSC_SVC_PAYROLL_REPORT_H

#include "router.h"

#include "call.h"
#include "db.h"

#define SSC_PAYROLL_REPORT_NSTMTS 1

extern const ssc_method ssc_payroll_report_method;
extern const ssc_db_stmt ssc_payroll_report_stmts[SSC_PAYROLL_REPORT_NSTMTS];

#endif
