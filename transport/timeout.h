/*
 * timeout.h - the grpc-timeout header.
 *
 * Grammar: 1 to 8 ASCII digits followed by one unit: H (hours), M (minutes),
 * S (seconds), m (milliseconds), u (microseconds), n (nanoseconds).
 *
 * Entry points: ssc_timeout_parse(), ssc_timeout_format().
 */
#ifndef SSC_TIMEOUT_H
#define SSC_TIMEOUT_H

#include <stddef.h>
#include <stdint.h>

/* Parses n bytes at s. On success stores the timeout in milliseconds, rounded
 * up (so 1n is 1 ms, never 0) and returns 0; returns SSC_EINVAL for anything
 * not of the grammar (empty, 9+ digits, unknown unit, trailing bytes). */
int ssc_timeout_parse(const char *s, size_t n, uint64_t *ms);

/* Writes the shortest exact encoding of ms milliseconds that fits in 8 digits
 * (e.g. "250m", "30S", "2H") into out, NUL-terminated, and returns its length.
 * A value with no exact 8-digit encoding is rounded up in the finest unit it
 * fits in (100000001 ms gives "100001S"); values too large for any unit are
 * clamped to "99999999H". */
size_t ssc_timeout_format(uint64_t ms, char out[16]);

#endif
