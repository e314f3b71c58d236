/*
 * pct.h - percent-encoding of grpc-message values.
 *
 * gRPC sends grpc-message as UTF-8 in which every byte outside 0x20..0x7E, and
 * '%' itself, is written as %XX (upper-case hex). A space at either end is
 * written as %20 too, since HTTP/2 forbids a header value that begins or ends
 * with whitespace. Decoding is lenient as the
 * protocol asks: a '%' not followed by two hex digits is kept literally.
 *
 * Entry points: ssc_pct_encode(), ssc_pct_decode().
 */
#ifndef SSC_PCT_H
#define SSC_PCT_H

#include <stddef.h>

/* Returns a newly allocated, NUL-terminated encoding of the n bytes at s; the
 * caller frees it. *outlen (if not NULL) receives its length. */
char *ssc_pct_encode(const char *s, size_t n, size_t *outlen);

/* Returns a newly allocated, NUL-terminated decoding of the n bytes at s; the
 * caller frees it. *outlen (if not NULL) receives its length (which excludes
 * the terminator; the decoded bytes may contain NUL). */
char *ssc_pct_decode(const char *s, size_t n, size_t *outlen);

#endif
