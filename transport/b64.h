/*
 * b64.h - base64 for binary ("-bin") metadata.
 *
 * gRPC carries binary header values in standard base64 (RFC 4648 section 4).
 * Senders emit it unpadded; receivers accept padded and unpadded.
 *
 * Entry points: ssc_b64_encode(), ssc_b64_decode().
 */
#ifndef SSC_B64_H
#define SSC_B64_H

#include <stddef.h>
#include <stdint.h>

/* Returns a newly allocated, NUL-terminated unpadded encoding of n bytes; the
 * caller frees it. *outlen (if not NULL) receives its length. */
char *ssc_b64_encode(const uint8_t *p, size_t n, size_t *outlen);

/* Decodes n characters at s, padded or not, into a newly allocated buffer
 * stored in *out (the caller frees it) with its length in *outlen. Returns 0,
 * or SSC_EINVAL (nothing allocated) for characters outside the alphabet,
 * padding in the wrong place or an impossible length (n % 4 == 1). */
int ssc_b64_decode(const char *s, size_t n, uint8_t **out, size_t *outlen);

#endif
