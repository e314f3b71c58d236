/*
 * b64.c - base64 for binary ("-bin") metadata (RFC 4648 section 4).
 *
 * Decoding accepts non-zero bits in the last character's unused low bits, as
 * most gRPC implementations do; everything else outside the grammar is refused.
 *
 * Entry points: ssc_b64_encode(), ssc_b64_decode().
 */
#include "b64.h"

#include "err.h"
#include "mem.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Returns 0..63 for a character of the alphabet, -1 otherwise. */
static int sextet(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

char *ssc_b64_encode(const uint8_t *p, size_t n, size_t *outlen)
{
    static const size_t tail[3] = {0, 2, 3};
    size_t len = n / 3 * 4 + tail[n % 3];
    char *out = ssc_xmalloc(len + 1);
    size_t i;
    size_t w = 0;

    for (i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;

        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        out[w++] = alphabet[v >> 18 & 0x3f];
        out[w++] = alphabet[v >> 12 & 0x3f];
        if (i + 1 < n)
            out[w++] = alphabet[v >> 6 & 0x3f];
        if (i + 2 < n)
            out[w++] = alphabet[v & 0x3f];
    }
    out[w] = '\0';
    if (outlen != NULL)
        *outlen = len;
    return out;
}

/* Stores in *len the number of characters before any padding. Returns 0, or
 * SSC_EINVAL when padding appears where it may not: only one or two '=' may end
 * an input whose length is a multiple of four. */
static int strip_padding(const char *s, size_t n, size_t *len)
{
    size_t l = n;

    while (l > 0 && n - l < 2 && s[l - 1] == '=')
        l--;
    if (l != n && n % 4 != 0)
        return SSC_EINVAL;
    *len = l;
    return 0;
}

/* Checks every character and that the length is one base64 can produce. */
static int validate(const char *s, size_t len)
{
    size_t i;

    if (len % 4 == 1)
        return SSC_EINVAL;
    for (i = 0; i < len; i++)
        if (sextet((unsigned char)s[i]) < 0)
            return SSC_EINVAL;
    return 0;
}

int ssc_b64_decode(const char *s, size_t n, uint8_t **out, size_t *outlen)
{
    size_t len;
    size_t i;
    size_t w = 0;
    uint32_t acc = 0;
    uint8_t *buf;

    if (strip_padding(s, n, &len) != 0 || validate(s, len) != 0)
        return SSC_EINVAL;
    buf = ssc_xmalloc(len / 4 * 3 + 2);
    for (i = 0; i < len; i++) {
        acc = acc << 6 | (uint32_t)sextet((unsigned char)s[i]);
        if (i % 4 == 3) {
            buf[w++] = (uint8_t)(acc >> 16);
            buf[w++] = (uint8_t)(acc >> 8);
            buf[w++] = (uint8_t)acc;
            acc = 0;
        }
    }
    if (len % 4 == 2)
        buf[w++] = (uint8_t)(acc >> 4);
    if (len % 4 == 3) {
        buf[w++] = (uint8_t)(acc >> 10);
        buf[w++] = (uint8_t)(acc >> 2);
    }
    *out = buf;
    *outlen = w;
    return 0;
}
