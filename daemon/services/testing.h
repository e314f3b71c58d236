/*
 * testing.h - grpc.testing.TestService, the server side of the public gRPC
 * interop tests (grpc/grpc doc/interop-test-descriptions.md).
 *
 * Served only when [testing] interop_service is on. UnimplementedCall is left
 * unregistered on purpose: the interop "unimplemented_method" case expects the
 * router's UNIMPLEMENTED answer.
 *
 * Entry points: ssc_svc_testing_register().
 */
#ifndef SSC_SVC_TESTING_H
#define SSC_SVC_TESTING_H

typedef struct ssc_router ssc_router;

/* Adds the TestService methods to r; the method table is static, so nothing
 * needs freeing. Returns 0, or SSC_EINVAL when a method is already there. */
int ssc_svc_testing_register(ssc_router *r);

#endif
