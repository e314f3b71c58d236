/*
 * applications.h - the methods of applications.c.
 *
 * Entry points: ssc_svc_applications_register().
 */
#ifndef SSC_SVC_APPLICATIONS_H
#define SSC_SVC_APPLICATIONS_H

typedef struct ssc_router ssc_router;

/* Registers the service's statements and adds its methods to r. Returns 0,
 * or SSC_EINVAL when a statement or method is already there. */
int ssc_svc_applications_register(ssc_router *r);

#endif
