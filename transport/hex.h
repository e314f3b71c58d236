/*
 * hex.h - hexadecimal, both ways: certificate fingerprints, migration
 * checksums, idempotency hashes, bytea text and percent-encoding all use it.
 *
 * Entry points: ssc_hex_value(), ssc_hex_encode().
 */
#ifndef SSC_HEX_H
#define SSC_HEX_H

#include <stddef.h>
#include <stdint.h>

/* 0..15 for a hex digit of either case, -1 for anything else. */
int ssc_hex_value(int c);

/* Writes the n bytes at p as 2n lower-case hex digits and a NUL to out
 * (2n + 1 bytes). */
void ssc_hex_encode(const uint8_t *p, size_t n, char *out);

#endif
