/*
 * err.c - names and messages for the SSC_ERRNO_MAP codes.
 *
 * Entry points: ssc_strerror(), ssc_err_name().
 */
#include "err.h"

const char *ssc_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
#define XX(name, code, msg)                                                    \
    case SSC_##name:                                                           \
        return msg;
        SSC_ERRNO_MAP(XX)
#undef XX
    default:
        return "unknown error";
    }
}

const char *ssc_err_name(int err)
{
    switch (err) {
    case 0:
        return "0";
#define XX(name, code, msg)                                                    \
    case SSC_##name:                                                           \
        return "SSC_" #name;
        SSC_ERRNO_MAP(XX)
#undef XX
    default:
        return "SSC_EUNKNOWN";
    }
}
