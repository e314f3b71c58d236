/*
 * audit.h - ssc.v1.Audit: List, Verify.
 *
 * Entry points: ssc_svc_audit_register().
 */
#ifndef SSC_SVC_AUDIT_H
#define SSC_SVC_AUDIT_H

typedef struct ssc_router ssc_router;

/* Registers the service's SQL statements (once per process, before any
 * database pool exists; see ssc_db_register()) and adds its methods to r.
 * Returns 0, or SSC_EINVAL when a statement or method is already there. */
int ssc_svc_audit_register(ssc_router *r);

#endif
