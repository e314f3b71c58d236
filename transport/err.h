/*
 * err.h - the project's error codes.
 *
 * Every function that can fail returns 0 or one of these negative codes. Errors
 * from OpenSSL, nghttp2 and libuv are translated into these once, where they
 * are first seen; detail goes to the log at that point.
 *
 * Entry points: ssc_strerror(), ssc_err_name().
 */
#ifndef SSC_ERR_H
#define SSC_ERR_H

#define SSC_ERRNO_MAP(XX)                                                      \
    XX(EINVAL, -1, "invalid argument")                                         \
    XX(ENOMEM, -2, "out of memory")                                            \
    XX(ETOOBIG, -3, "message larger than the configured limit")                \
    XX(EPROTO, -4, "protocol error")                                           \
    XX(ETLS, -5, "tls error")                                                  \
    XX(EH2, -6, "http/2 error")                                                \
    XX(EIO, -7, "i/o error")                                                   \
    XX(ECONFIG, -8, "configuration error")                                     \
    XX(ECLOSED, -9, "connection or stream closed")                             \
    XX(ETIMEDOUT, -10, "timed out")                                            \
    XX(ECANCELED, -11, "cancelled")                                            \
    XX(ENOTFOUND, -12, "not found")                                            \
    XX(EDECOMPRESS, -13, "could not decompress message")                       \
    XX(EAGAIN, -14, "try again later")

enum {
#define XX(name, code, msg) SSC_##name = (code),
    SSC_ERRNO_MAP(XX)
#undef XX
};

/* Returns a static, human message for an error code; never NULL. */
const char *ssc_strerror(int err);

/* Returns the symbolic name ("SSC_ETOOBIG") of an error code; never NULL. */
const char *ssc_err_name(int err);

#endif
