/*
 * status.c - names of the gRPC status codes, both ways.
 *
 * Entry points: ssc_status_name(), ssc_status_from_name().
 */
#include "status.h"

#include <string.h>

const char *ssc_status_name(int code)
{
    switch (code) {
#define XX(name, num)                                                          \
    case (num):                                                                \
        return #name;
        SSC_STATUS_MAP(XX)
#undef XX
    default:
        return "UNKNOWN";
    }
}

int ssc_status_from_name(const char *name)
{
#define XX(sym, num)                                                           \
    if (strcmp(name, #sym) == 0)                                               \
        return (num);
    SSC_STATUS_MAP(XX)
#undef XX
    return -1;
}
