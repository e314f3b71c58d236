/*
 * json_read.h - JSON text from PostgreSQL into jansson values, quickly.
 *
 * Every answer of the store arrives as one json or jsonb column. jansson's
 * own parser reads a byte at a time through a stream and copies every byte
 * into a growing buffer; for a one-row answer that was a third of the CPU
 * sscd spends on a call. This reader walks the text directly and builds the
 * same values with jansson's constructors.
 *
 * Entry points: ssc_json_read(), and for json_direct.c ssc__json_hex4(),
 * ssc__json_put_utf8() and ssc__json_int().
 */
#ifndef SSC_JSON_READ_H
#define SSC_JSON_READ_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Parses len bytes of JSON text (any value, not just objects or arrays).
 * Returns a new reference, or NULL when the text is not JSON. The result is
 * that of json_loadb(text, len, JSON_DECODE_ANY, NULL): what this reader
 * does not handle itself (numbers with a fraction or exponent, integers out
 * of range, escaped NULs, very deep nesting, malformed text) it hands to
 * json_loadb whole. */
json_t *ssc_json_read(const char *text, size_t len);

/* ---- shared with json_direct.c ------------------------------------------ */

/* Reads the 4 hex digits of a \uXXXX escape at p into *out; returns 0, or
 * -1 when one is not a hex digit. */
int ssc__json_hex4(const char *p, unsigned *out);

/* Writes code point cp (at most U+10FFFF) as 1 to 4 bytes of UTF-8 at out
 * and returns how many. */
size_t ssc__json_put_utf8(char *out, unsigned cp);

/* Reads a JSON integer at *p (before end) as jansson would: an optional
 * minus, digits without a leading zero, within int64. Returns 0 with *out
 * set and *p just past it, or -1 for anything else, a fraction, an exponent
 * or an overflow included (jansson makes reals of those or refuses them). */
int ssc__json_int(const char **p, const char *end, int64_t *out);

#endif
