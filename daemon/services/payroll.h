/*
 * payroll.h - the methods of payroll.c.
 *
 * Entry points: ssc_svc_payroll_register().
 */
#ifndef SSC_SVC_PAYROLL_H
#define SSC_SVC_PAYROLL_H

typedef struct ssc_router ssc_router;

/* Registers the service's statements and adds its methods to r. Returns 0,
 * or SSC_EINVAL when a statement or method is already there. */
int ssc_svc_payroll_register(ssc_router *r);

#endif
