/*
 * status.h - gRPC status codes (grpc/grpc doc/statuscodes.md).
 *
 * Entry points: ssc_status_name(), ssc_status_from_name().
 */
#ifndef SSC_STATUS_H
#define SSC_STATUS_H

#define SSC_STATUS_MAP(XX)                                                     \
    XX(OK, 0)                                                                  \
    XX(CANCELLED, 1)                                                           \
    XX(UNKNOWN, 2)                                                             \
    XX(INVALID_ARGUMENT, 3)                                                    \
    XX(DEADLINE_EXCEEDED, 4)                                                   \
    XX(NOT_FOUND, 5)                                                           \
    XX(ALREADY_EXISTS, 6)                                                      \
    XX(PERMISSION_DENIED, 7)                                                   \
    XX(RESOURCE_EXHAUSTED, 8)                                                  \
    XX(FAILED_PRECONDITION, 9)                                                 \
    XX(ABORTED, 10)                                                            \
    XX(OUT_OF_RANGE, 11)                                                       \
    XX(UNIMPLEMENTED, 12)                                                      \
    XX(INTERNAL, 13)                                                           \
    XX(UNAVAILABLE, 14)                                                        \
    XX(DATA_LOSS, 15)                                                          \
    XX(UNAUTHENTICATED, 16)

typedef enum ssc_status {
#define XX(name, code) SSC_STATUS_##name = (code),
    SSC_STATUS_MAP(XX)
#undef XX
} ssc_status;

/* "INVALID_ARGUMENT" for 3; "UNKNOWN" for codes outside 0..16. */
const char *ssc_status_name(int code);

/* Parses a name as above; returns the code, or -1 when the name is not one. */
int ssc_status_from_name(const char *name);

#endif
