/*
 * router.h - the method table: gRPC :path -> method, with its cardinality.
 *
 * protobuf-c method descriptors carry no streaming flags, so the table is where
 * each method's cardinality lives. Services register their methods at start;
 * the table is read-only once the loops run, so every loop shares it.
 *
 * Entry points: ssc_router_new(), ssc_router_add(), ssc_router_add_all(),
 * ssc_router_find(), ssc_router_has_service(), ssc_router_service_count(),
 * ssc_router_service_name(), ssc_router_free().
 */
#ifndef SSC_ROUTER_H
#define SSC_ROUTER_H

#include <stddef.h>

typedef struct ssc_method ssc_method;
typedef struct ssc_router ssc_router;

ssc_router *ssc_router_new(void);

/* Registers m (not copied: it must outlive the router). Returns 0, or
 * SSC_EINVAL when m->path is not of the form "/package.Service/Method" or is
 * already registered. */
int ssc_router_add(ssc_router *r, const ssc_method *m);

/* Registers the n methods of a service table in order, as ssc_router_add().
 * Returns 0, or the first error (methods before it stay registered). */
int ssc_router_add_all(ssc_router *r, const ssc_method *methods, size_t n);

/* Looks up an exact, case-sensitive path of len bytes; NULL when unknown. */
const ssc_method *ssc_router_find(const ssc_router *r, const char *path,
                                  size_t len);

/* Non-zero when some method of the fully-qualified service name is registered.
 */
int ssc_router_has_service(const ssc_router *r, const char *service);

/* The distinct services registered, in registration order. */
size_t ssc_router_service_count(const ssc_router *r);
const char *ssc_router_service_name(const ssc_router *r, size_t i);

void ssc_router_free(ssc_router *r);

#endif
