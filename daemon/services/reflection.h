/*
 * reflection.h - gRPC server reflection (grpc.reflection.v1 and v1alpha).
 *
 * Both versions of ServerReflection/ServerReflectionInfo are served, because
 * clients differ in which one they try first. Each request on the bidi stream
 * is answered as it arrives: list_services names the services the router
 * actually serves; file_by_filename and file_containing_symbol return the file
 * and every file it imports, the requested file first; extension queries are
 * answered with an error, since extensions are not indexed.
 *
 * Entry points: ssc_svc_reflection_register(), ssc_svc_reflection_free().
 */
#ifndef SSC_SVC_REFLECTION_H
#define SSC_SVC_REFLECTION_H

#include "descriptors.h"

typedef struct ssc_router ssc_router;
typedef struct ssc_svc_reflection ssc_svc_reflection;

/* Registers both reflection services on r, answering from d. The methods live
 * in *out, so that handlers reach d without a global: r and d must both
 * outlive *out's use, and *out is freed with ssc_svc_reflection_free() only
 * after the router is. Returns 0, or SSC_EINVAL (with nothing registered and
 * *out set to NULL) when either method is already registered. */
int ssc_svc_reflection_register(ssc_router *r, const ssc_descriptors *d,
                                ssc_svc_reflection **out);

/* Frees what ssc_svc_reflection_register() allocated; NULL is allowed. */
void ssc_svc_reflection_free(ssc_svc_reflection *s);

#endif
