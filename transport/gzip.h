/*
 * gzip.h - the "gzip" grpc-encoding, on zlib.
 *
 * Entry points: ssc_gzip_compress(), ssc_gzip_decompress().
 */
#ifndef SSC_GZIP_H
#define SSC_GZIP_H

#include "mem.h"

#include <stddef.h>
#include <stdint.h>

/* Appends the gzip encoding of n bytes at p to out. Returns 0 or SSC_ETOOBIG
 * when out's cap is reached. */
int ssc_gzip_compress(const uint8_t *p, size_t n, ssc_buf *out);

/* Appends the decoding of the gzip stream at p to out, never writing past out's
 * cap (a decompression bomb stops there). Returns 0, SSC_ETOOBIG when the
 * output would pass the cap, or SSC_EDECOMPRESS for a corrupt or truncated
 * stream. */
int ssc_gzip_decompress(const uint8_t *p, size_t n, ssc_buf *out);

#endif
