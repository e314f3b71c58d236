/*
 * pct.c - percent-encoding of grpc-message values.
 *
 * Entry points: ssc_pct_encode(), ssc_pct_decode().
 */
#include "pct.h"

#include "hex.h"
#include "mem.h"

#include <stdint.h>

/* The gRPC rule, plus one from HTTP/2 (RFC 9113 section 8.2.1): a field value
 * may not begin or end with whitespace, so a space there is escaped too. */
static int needs_escape(const char *s, size_t n, size_t i)
{
    unsigned char c = (unsigned char)s[i];

    if (c == ' ')
        return i == 0 || i == n - 1;
    return c < 0x20 || c > 0x7e || c == '%';
}

char *ssc_pct_encode(const char *s, size_t n, size_t *outlen)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t len = n;
    size_t i;
    char *out;
    char *w;

    for (i = 0; i < n; i++)
        if (needs_escape(s, n, i))
            len += 2;
    out = ssc_xmalloc(len + 1);
    w = out;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (needs_escape(s, n, i)) {
            *w++ = '%';
            *w++ = hex[c >> 4];
            *w++ = hex[c & 0x0f];
        } else {
            *w++ = (char)c;
        }
    }
    *w = '\0';
    if (outlen != NULL)
        *outlen = len;
    return out;
}

char *ssc_pct_decode(const char *s, size_t n, size_t *outlen)
{
    char *out = ssc_xmalloc(n + 1);
    size_t len = 0;
    size_t i = 0;

    while (i < n) {
        int hi = i + 2 < n ? ssc_hex_value((unsigned char)s[i + 1]) : -1;
        int lo = i + 2 < n ? ssc_hex_value((unsigned char)s[i + 2]) : -1;

        if (s[i] == '%' && hi >= 0 && lo >= 0) {
            out[len++] = (char)(hi << 4 | lo);
            i += 3;
        } else {
            out[len++] = s[i++];
        }
    }
    out[len] = '\0';
    if (outlen != NULL)
        *outlen = len;
    return out;
}
