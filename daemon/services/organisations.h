/*
 * organisations.h - ssc.v1.Organisations: Create, Get, List, Update.
 *
 * Entry points: ssc_svc_organisations_register().
 */
#ifndef SSC_SVC_ORGANISATIONS_H
#define SSC_SVC_ORGANISATIONS_H

typedef struct ssc_router ssc_router;

/* Registers the service's SQL statements (once per process, before any
 * database pool exists; see ssc_db_register()) and adds its methods to r.
 * Returns 0, or SSC_EINVAL when a statement or method is already there. */
int ssc_svc_organisations_register(ssc_router *r);

#endif
