/*
 * pools.h - the methods of pools.c.
 *
 * Entry points: ssc_svc_pools_register().
 */
#ifndef SSC_SVC_POOLS_H
#define SSC_SVC_POOLS_H

typedef struct ssc_router ssc_router;

/* Registers the service's statements and adds its methods to r. Returns 0,
 * or SSC_EINVAL when a statement or method is already there. */
int ssc_svc_pools_register(ssc_router *r);

#endif
