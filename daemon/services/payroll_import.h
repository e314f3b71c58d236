/*
 * payroll_import.h - Payroll/Import, the client-streaming method of
 * payroll.c's service (payroll_import.c).
 *
 * Entry points: ssc_payroll_import_method.
 */
#ifndef SSC_SVC_PAYROLL_IMPORT_H
#define SSC_SVC_PAYROLL_IMPORT_H

#include "router.h"

#include "call.h"

extern const ssc_method ssc_payroll_import_method;

#endif
