/*
 * json_read.c - a recursive-descent JSON reader for the store's answers.
 *
 * The reader builds jansson values as it goes. It stops at the first thing
 * it does not handle exactly as jansson would and lets json_loadb() parse the
 * whole text instead, so its results never differ from jansson's; the
 * fallback is rare because PostgreSQL's output is well-formed and our rows
 * hold strings, integers, booleans and nulls.
 *
 * Entry points: ssc_json_read(), and for json_direct.c ssc__json_hex4() and
 * ssc__json_put_utf8().
 */
#include "json_read.h"

#include "hex.h"
#include "mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* jansson allows 2048 levels; ours go three deep. Deeper text goes to
 * json_loadb. */
#define MAX_DEPTH 64

typedef struct reader {
    const char *p;
    const char *end;
    char *buf; /* unescaped string text, grown as needed */
    size_t cap;
} reader;

static json_t *read_value(reader *r, int depth);

static void skip_space(reader *r)
{
    while (r->p < r->end &&
           (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
        r->p++;
}

int ssc__json_hex4(const char *p, unsigned *out)
{
    unsigned v = 0;

    for (int i = 0; i < 4; i++) {
        int d = ssc_hex_value((unsigned char)p[i]);

        if (d < 0)
            return -1;
        v = v << 4 | (unsigned)d;
    }
    *out = v;
    return 0;
}

/* Reads a \uXXXX escape (with its low surrogate when it is a high one) at
 * r->p, just past the backslash and 'u'. Returns the code point, or 0 for
 * what json_loadb must judge (NUL, lone surrogates, bad digits). */
static unsigned read_unicode(reader *r)
{
    unsigned hi, lo;

    if (r->end - r->p < 4 || ssc__json_hex4(r->p, &hi) != 0)
        return 0;
    r->p += 4;
    if (hi >= 0xDC00 && hi <= 0xDFFF)
        return 0;
    if (hi < 0xD800 || hi > 0xDBFF)
        return hi;
    if (r->end - r->p < 6 || r->p[0] != '\\' || r->p[1] != 'u' ||
        ssc__json_hex4(r->p + 2, &lo) != 0 || lo < 0xDC00 || lo > 0xDFFF)
        return 0;
    r->p += 6;
    return 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
}

size_t ssc__json_put_utf8(char *out, unsigned cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Unescapes the string at r->p (just past its opening quote) into r->buf.
 * Sets *len and returns 0, or -1 for what json_loadb must judge. */
static int read_string(reader *r, size_t *len)
{
    size_t n = 0;

    for (;;) {
        const char *run = r->p;
        unsigned char c;

        /* Plain text is copied a run at a time. */
        while (r->p < r->end && *r->p != '"' && *r->p != '\\' &&
               (unsigned char)*r->p >= 0x20)
            r->p++;
        /* The run, then an escape or a code point of at most 4 bytes. */
        if (n + (size_t)(r->p - run) + 4 > r->cap) {
            r->cap = (n + (size_t)(r->p - run) + 4) * 2;
            r->buf = ssc_xrealloc(r->buf, r->cap);
        }
        memcpy(r->buf + n, run, (size_t)(r->p - run));
        n += (size_t)(r->p - run);
        if (r->p >= r->end)
            return -1;
        c = (unsigned char)*r->p++;
        if (c == '"')
            break;
        if (c < 0x20)
            return -1;
        if (r->p >= r->end)
            return -1;
        c = (unsigned char)*r->p++;
        switch (c) {
        case '"':
        case '\\':
        case '/':
            r->buf[n++] = (char)c;
            break;
        case 'b':
            r->buf[n++] = '\b';
            break;
        case 'f':
            r->buf[n++] = '\f';
            break;
        case 'n':
            r->buf[n++] = '\n';
            break;
        case 'r':
            r->buf[n++] = '\r';
            break;
        case 't':
            r->buf[n++] = '\t';
            break;
        case 'u': {
            unsigned cp = read_unicode(r);

            if (cp == 0)
                return -1;
            n += ssc__json_put_utf8(r->buf + n, cp);
            break;
        }
        default:
            return -1;
        }
    }
    *len = n;
    return 0;
}

/* json_stringn() checks the text is UTF-8, as json_loadb does. */
static json_t *read_string_value(reader *r)
{
    size_t len;

    if (read_string(r, &len) != 0)
        return NULL;
    return json_stringn(r->buf, len);
}

int ssc__json_int(const char **p, const char *end, int64_t *out)
{
    const char *s = *p, *start;
    int neg = 0;
    uint64_t v = 0;

    if (s < end && *s == '-') {
        neg = 1;
        s++;
    }
    start = s;
    while (s < end && *s >= '0' && *s <= '9') {
        unsigned d = (unsigned)(*s - '0');

        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
        s++;
    }
    if (s == start || (*start == '0' && s - start > 1))
        return -1;
    if (s < end && (*s == '.' || *s == 'e' || *s == 'E'))
        return -1;
    if (v > (uint64_t)INT64_MAX + (uint64_t)neg)
        return -1;
    *out = neg && v > 0 ? -(int64_t)(v - 1) - 1 : (int64_t)v;
    *p = s;
    return 0;
}

/* Integers only: a fraction, an exponent or an overflow goes to json_loadb,
 * whose conversion and limits then apply. */
static json_t *read_number(reader *r)
{
    int64_t v;

    if (ssc__json_int(&r->p, r->end, &v) != 0)
        return NULL;
    return json_integer((json_int_t)v);
}

static int literal(reader *r, const char *word, size_t n)
{
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
        return -1;
    r->p += n;
    return 0;
}

/* Reads one "key": value into obj; a key repeated keeps the last value, as
 * in json_loadb. Returns 0 or -1. */
static int read_member(reader *r, json_t *obj, int depth)
{
    char small[128], *key = small;
    size_t klen;
    json_t *v;
    int rc = -1;

    skip_space(r);
    if (r->p >= r->end || *r->p++ != '"' || read_string(r, &klen) != 0 ||
        memchr(r->buf, '\0', klen) != NULL)
        return -1;
    /* The key is copied out before the value reuses r->buf. */
    if (klen >= sizeof(small))
        key = ssc_xmalloc(klen + 1);
    memcpy(key, r->buf, klen);
    key[klen] = '\0';
    skip_space(r);
    if (r->p >= r->end || *r->p++ != ':')
        goto out;
    v = read_value(r, depth + 1);
    if (v != NULL && json_object_set_new(obj, key, v) == 0)
        rc = 0;
out:
    if (key != small)
        free(key);
    return rc;
}

static json_t *read_object(reader *r, int depth)
{
    json_t *obj = json_object();

    skip_space(r);
    if (r->p < r->end && *r->p == '}') {
        r->p++;
        return obj;
    }
    for (;;) {
        if (read_member(r, obj, depth) != 0)
            goto err;
        skip_space(r);
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            continue;
        }
        if (r->p < r->end && *r->p++ == '}')
            return obj;
        goto err;
    }
err:
    json_decref(obj);
    return NULL;
}

static json_t *read_array(reader *r, int depth)
{
    json_t *arr = json_array();

    skip_space(r);
    if (r->p < r->end && *r->p == ']') {
        r->p++;
        return arr;
    }
    for (;;) {
        json_t *v = read_value(r, depth + 1);

        if (v == NULL || json_array_append_new(arr, v) != 0)
            goto err;
        skip_space(r);
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            continue;
        }
        if (r->p < r->end && *r->p++ == ']')
            return arr;
        goto err;
    }
err:
    json_decref(arr);
    return NULL;
}

static json_t *read_value(reader *r, int depth)
{
    if (depth > MAX_DEPTH)
        return NULL;
    skip_space(r);
    if (r->p >= r->end)
        return NULL;
    switch (*r->p) {
    case '{':
        r->p++;
        return read_object(r, depth);
    case '[':
        r->p++;
        return read_array(r, depth);
    case '"':
        r->p++;
        return read_string_value(r);
    case 't':
        return literal(r, "true", 4) == 0 ? json_true() : NULL;
    case 'f':
        return literal(r, "false", 5) == 0 ? json_false() : NULL;
    case 'n':
        return literal(r, "null", 4) == 0 ? json_null() : NULL;
    default:
        return read_number(r);
    }
}

json_t *ssc_json_read(const char *text, size_t len)
{
    reader r = {.p = text, .end = text + len};
    json_t *v = read_value(&r, 0);

    if (v != NULL) {
        skip_space(&r);
        if (r.p != r.end) {
            json_decref(v);
            v = NULL;
        }
    }
    free(r.buf);
    if (v == NULL)
        v = json_loadb(text, len, JSON_DECODE_ANY, NULL);
    return v;
}
