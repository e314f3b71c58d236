/*
 * json_direct.c - a one-pass reader from the store's JSON text into protobuf
 * messages.
 *
 * The tree way of json_pb.c parses an answer into jansson values (a malloc
 * per value, key and string; some 26 for an organisation row), then walks
 * the descriptor looking keys up in the tree, then frees the tree. This
 * reader walks the text once, left to right: for each key it looks up the
 * field of that name, converts the value with the conversions json_pb.c
 * uses (ssc__json_pb_*()) and stores it, so an organisation row costs the
 * message and its strings and nothing else.
 *
 * The tree way stays the reference. This reader gives up (SSC_EINVAL; the
 * caller then decodes the whole answer the tree way) at the first thing it
 * does not handle exactly as that way would:
 *   - anything the tree way refuses. Only the tree way reports errors, so
 *     their text is its own: the first bad field in descriptor order, or
 *     "not JSON" for text malformed anywhere, even past a bad field;
 *   - a key given twice for a field, or two members of one oneof: jansson
 *     keeps the last value and the decoder takes fields in descriptor order;
 *   - numbers with a fraction or exponent (jansson's reals and their
 *     limits), integers outside int64;
 *   - a string field given an object or array, which gets jansson's dump;
 *   - \u0000, lone surrogates and invalid UTF-8, which jansson refuses;
 *   - nesting deeper than SSC_JSON_PB_MAX_DEPTH, messages of more than 64
 *     fields.
 * None of these occurs in PostgreSQL's answers for our rows, so the fallback
 * is rare. tests/fuzz/json_direct_fuzz.c holds the two ways to the same
 * bytes on arbitrary text.
 *
 * Everything is malloc'd as the tree way does it, so
 * protobuf_c_message_free_unpacked() frees a message given up halfway.
 *
 * Entry points: ssc_json_direct_decode(), ssc_json_direct_page().
 */
#include "json_direct.h"

#include "err.h"
#include "json_pb.h"
#include "json_read.h"
#include "mem.h"
#include "page.h"
#include "pb_field.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fields a message may have: which ones were seen is a 64-bit mask. */
#define MAX_FIELDS 64

/* The cursor_key member of a page's last kept row, as the tree way's
 * token_after() reads it. */
typedef enum cursor_kind {
    CURSOR_NONE,  /* not seen */
    CURSOR_ID,    /* an integer */
    CURSOR_CODE,  /* a string */
    CURSOR_OTHER, /* anything else: no token can be made */
} cursor_kind;

typedef struct cursor {
    cursor_kind kind;
    int64_t id;
    char *code; /* malloc'd */
} cursor;

typedef struct reader {
    const char *p;
    const char *end;
    char *buf;  /* a key or string unescaped and NUL-terminated */
    size_t cap; /* of buf: small, or a malloc'd block when a string is long */
    const char *cursor_key;
    cursor *capture; /* filled from the next object read, when not NULL */
    char small[256];
} reader;

/* A string's text as it stands between its quotes, checked. */
typedef struct span {
    const char *s;
    size_t n;
    int escaped; /* holds a backslash, so unescaping changes it */
} span;

static int read_message(reader *r, const ProtobufCMessageDescriptor *desc,
                        int depth, ProtobufCMessage **out);
static int skip_value(reader *r, int depth);

static void reader_init(reader *r, const char *text, size_t len)
{
    r->p = text;
    r->end = text + len;
    r->buf = r->small;
    r->cap = sizeof(r->small);
    r->cursor_key = NULL;
    r->capture = NULL;
}

static void reader_done(reader *r)
{
    if (r->buf != r->small)
        free(r->buf);
}

/* ---- tokens ----------------------------------------------------------- */

static void skip_space(reader *r)
{
    while (r->p < r->end &&
           (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
        r->p++;
}

/* Consumes c, after any space, and returns non-zero; or returns 0 with
 * nothing but the space consumed. */
static int next_is(reader *r, char c)
{
    skip_space(r);
    if (r->p >= r->end || *r->p != c)
        return 0;
    r->p++;
    return 1;
}

static int expect(reader *r, char c)
{
    return next_is(r, c) ? 0 : SSC_EINVAL;
}

static int literal(reader *r, const char *word, size_t n)
{
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
        return SSC_EINVAL;
    r->p += n;
    return 0;
}

/* Reads an integer the way jansson does (JSON's syntax, within int64).
 * Numbers with a fraction or an exponent fail: jansson makes reals of them,
 * with limits and conversions of its own. */
static int read_int(reader *r, int64_t *out)
{
    return ssc__json_int(&r->p, r->end, out) == 0 ? 0 : SSC_EINVAL;
}

/* ---- strings ---------------------------------------------------------- */

/* The length of the UTF-8 sequence at p (its first byte 0x80 or more) when
 * jansson accepts it: the shortest form of a code point up to U+10FFFF that
 * is not a surrogate. 0 when it does not. */
static size_t utf8_len(const char *p, const char *end)
{
    unsigned char c = (unsigned char)*p;
    uint32_t cp;
    size_t n;

    if (c >= 0xC2 && c <= 0xDF)
        n = 2, cp = c & 0x1Fu;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3, cp = c & 0x0Fu;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4, cp = c & 0x07u;
    else
        return 0;
    if ((size_t)(end - p) < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        unsigned char u = (unsigned char)p[i];

        if (u < 0x80 || u > 0xBF)
            return 0;
        cp = cp << 6 | (u & 0x3Fu);
    }
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) ||
        (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000))
        return 0;
    return n;
}

/* The length of the escape after a backslash at p (with the second half of
 * a surrogate pair) when jansson decodes it to text it keeps: \u0000 and
 * lone surrogates it refuses. 0 when it does not. */
static size_t escape_len(const char *p, const char *end)
{
    unsigned hi, lo;

    if (p >= end)
        return 0;
    if (*p != 'u')
        return *p != '\0' && strchr("\"\\/bfnrt", *p) != NULL ? 1 : 0;
    if (end - p < 5 || ssc__json_hex4(p + 1, &hi) != 0 || hi == 0 ||
        (hi >= 0xDC00 && hi <= 0xDFFF))
        return 0;
    if (hi < 0xD800 || hi > 0xDBFF)
        return 5;
    if (end - p < 11 || p[5] != '\\' || p[6] != 'u' ||
        ssc__json_hex4(p + 7, &lo) != 0 || lo < 0xDC00 || lo > 0xDFFF)
        return 0;
    return 11;
}

/* Reads the string whose opening quote was just consumed into *sp, checking
 * it as jansson would (UTF-8, no control characters, escapes it decodes);
 * r->p ends past the closing quote. */
static int scan_string(reader *r, span *sp)
{
    const char *p = r->p;

    sp->s = p;
    sp->escaped = 0;
    for (;;) {
        unsigned char c;
        size_t n;

        /* Printable ASCII, nearly all of an answer, goes by in one loop. */
        while (p < r->end && (unsigned char)*p >= 0x20 &&
               (unsigned char)*p < 0x80 && *p != '"' && *p != '\\')
            p++;
        if (p >= r->end)
            return SSC_EINVAL;
        c = (unsigned char)*p;
        if (c == '"')
            break;
        if (c < 0x20)
            return SSC_EINVAL;
        if (c == '\\') {
            n = escape_len(p + 1, r->end);
            if (n == 0)
                return SSC_EINVAL;
            p += 1 + n;
            sp->escaped = 1;
            continue;
        }
        n = utf8_len(p, r->end);
        if (n == 0)
            return SSC_EINVAL;
        p += n;
    }
    sp->n = (size_t)(p - sp->s);
    r->p = p + 1;
    return 0;
}

/* Decodes the \uXXXX escape (or surrogate pair) whose hex digits *p points
 * at, already checked by escape_len(), and moves *p past it. */
static unsigned unicode(const char **p)
{
    unsigned hi, lo;

    ssc__json_hex4(*p, &hi);
    *p += 4;
    if (hi < 0xD800 || hi > 0xDBFF)
        return hi;
    ssc__json_hex4(*p + 2, &lo);
    *p += 6;
    return 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
}

/* Writes the text of a checked string to dst, which has room for sp->n
 * bytes (no escape is shorter than what it stands for), and returns its
 * length. */
static size_t unescape(const span *sp, char *dst)
{
    const char *p = sp->s, *end = sp->s + sp->n;
    size_t n = 0;

    if (!sp->escaped) {
        memcpy(dst, p, sp->n);
        return sp->n;
    }
    while (p < end) {
        const char *bs = memchr(p, '\\', (size_t)(end - p));
        size_t run = (size_t)((bs != NULL ? bs : end) - p);

        memcpy(dst + n, p, run);
        n += run;
        p += run;
        if (p == end)
            break;
        p += 2;
        switch (p[-1]) {
        case 'b':
            dst[n++] = '\b';
            break;
        case 'f':
            dst[n++] = '\f';
            break;
        case 'n':
            dst[n++] = '\n';
            break;
        case 'r':
            dst[n++] = '\r';
            break;
        case 't':
            dst[n++] = '\t';
            break;
        case 'u':
            n += ssc__json_put_utf8(dst + n, unicode(&p));
            break;
        default: /* " \ / */
            dst[n++] = p[-1];
            break;
        }
    }
    return n;
}

/* Unescapes sp into r->buf as a C string (it holds no NUL: \u0000 fails). */
static void to_buf(reader *r, const span *sp)
{
    if (sp->n >= r->cap) {
        if (r->buf != r->small)
            free(r->buf);
        r->cap = sp->n + 1;
        r->buf = ssc_xmalloc(r->cap);
    }
    r->buf[unescape(sp, r->buf)] = '\0';
}

/* Reads a JSON string into r->buf, for the conversions that take one. */
static int string_to_buf(reader *r)
{
    span sp;

    if (!next_is(r, '"') || scan_string(r, &sp) != 0)
        return SSC_EINVAL;
    to_buf(r, &sp);
    return 0;
}

/* ---- values that are not kept ------------------------------------------ */

static int skip_members(reader *r, int depth)
{
    span key;

    if (next_is(r, '}'))
        return 0;
    do {
        if (expect(r, '"') != 0 || scan_string(r, &key) != 0 ||
            expect(r, ':') != 0 || skip_value(r, depth + 1) != 0)
            return SSC_EINVAL;
    } while (next_is(r, ','));
    return expect(r, '}');
}

static int skip_elements(reader *r, int depth)
{
    if (next_is(r, ']'))
        return 0;
    do {
        if (skip_value(r, depth + 1) != 0)
            return SSC_EINVAL;
    } while (next_is(r, ','));
    return expect(r, ']');
}

/* Checks a value at depth (the top object being 0) that no field takes:
 * jansson parses it all the same, so it must be JSON it accepts. */
static int skip_value(reader *r, int depth)
{
    int64_t i;
    span sp;

    skip_space(r);
    if (r->p >= r->end)
        return SSC_EINVAL;
    switch (*r->p) {
    case '{':
    case '[':
        if (depth > SSC_JSON_PB_MAX_DEPTH)
            return SSC_EINVAL;
        r->p++;
        return r->p[-1] == '{' ? skip_members(r, depth)
                               : skip_elements(r, depth);
    case '"':
        r->p++;
        return scan_string(r, &sp);
    case 't':
        return literal(r, "true", 4);
    case 'f':
        return literal(r, "false", 5);
    case 'n':
        return literal(r, "null", 4);
    default:
        return read_int(r, &i);
    }
}

/* ---- field values ------------------------------------------------------ */

/* A string field's value. An object or array would get jansson's compact
 * text of it, which is the tree way's to make. */
static int read_string(reader *r, char **out)
{
    span sp;
    char *s;

    if (!next_is(r, '"') || scan_string(r, &sp) != 0)
        return SSC_EINVAL;
    s = ssc_xmalloc(sp.n + 1);
    s[unescape(&sp, s)] = '\0';
    *out = s;
    return 0;
}

static int read_bytes(reader *r, ProtobufCBinaryData *out)
{
    const char *why;

    if (string_to_buf(r) != 0)
        return SSC_EINVAL;
    return ssc__json_pb_hex(r->buf, out, &why);
}

static int read_enum(reader *r, const ProtobufCEnumDescriptor *desc, int *out)
{
    int64_t v;

    if (r->p < r->end && *r->p == '"')
        return string_to_buf(r) == 0 ? ssc__json_pb_enum_text(desc, r->buf, out)
                                     : SSC_EINVAL;
    if (read_int(r, &v) != 0)
        return SSC_EINVAL;
    return ssc__json_pb_enum_int(desc, v, out);
}

static int read_bool(reader *r, protobuf_c_boolean *out)
{
    if (literal(r, "true", 4) == 0)
        *out = 1;
    else if (literal(r, "false", 5) == 0)
        *out = 0;
    else
        return SSC_EINVAL;
    return 0;
}

/* float and double from JSON integers, converted as json_number_value()
 * does; reals are left to the tree way (read_int() fails on them). */
static int read_real(reader *r, ProtobufCType type, void *dst)
{
    int64_t v;

    if (read_int(r, &v) != 0)
        return SSC_EINVAL;
    if (type == PROTOBUF_C_TYPE_DOUBLE)
        *(double *)dst = (double)v;
    else
        *(float *)dst = (float)(double)v;
    return 0;
}

/* An integer field's value, from a JSON integer or a decimal string. */
static int read_integer(reader *r, const ProtobufCFieldDescriptor *f, void *dst)
{
    int64_t v;

    if (r->p < r->end && *r->p == '"') {
        if (string_to_buf(r) != 0 || ssc__json_pb_int_text(r->buf, &v) != 0)
            return SSC_EINVAL;
    } else if (read_int(r, &v) != 0) {
        return SSC_EINVAL;
    }
    return ssc__json_pb_int_store(f, v, dst);
}

/* Converts the value at depth into one value of field f stored at dst. */
static int read_elem(reader *r, const ProtobufCFieldDescriptor *f, int depth,
                     void *dst)
{
    skip_space(r);
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING:
        return read_string(r, (char **)dst);
    case PROTOBUF_C_TYPE_BYTES:
        return read_bytes(r, (ProtobufCBinaryData *)dst);
    case PROTOBUF_C_TYPE_ENUM:
        return read_enum(r, f->descriptor, (int *)dst);
    case PROTOBUF_C_TYPE_MESSAGE:
        if (!next_is(r, '{'))
            return SSC_EINVAL;
        return read_message(r, f->descriptor, depth, (ProtobufCMessage **)dst);
    case PROTOBUF_C_TYPE_BOOL:
        return read_bool(r, (protobuf_c_boolean *)dst);
    case PROTOBUF_C_TYPE_DOUBLE:
    case PROTOBUF_C_TYPE_FLOAT:
        return read_real(r, f->type, dst);
    default:
        return read_integer(r, f, dst);
    }
}

/* Reads one element of repeated field f onto the end of its array in m;
 * *cap is the room the array has. The tree way sizes the array once from
 * the JSON array; here it doubles, which packs the same. */
static int append(reader *r, const ProtobufCFieldDescriptor *f, int depth,
                  ProtobufCMessage *m, size_t *cap)
{
    char *base = (char *)m;
    size_t *count = (size_t *)(base + f->quantifier_offset);
    char **elems = (char **)(base + f->offset);
    size_t size = ssc_pb_elem_size(f->type);

    if (*count == *cap) {
        *cap = *cap > 0 ? 2 * *cap : 4;
        *elems = ssc_xrealloc(*elems, *cap * size);
    }
    if (read_elem(r, f, depth, *elems + *count * size) != 0)
        return SSC_EINVAL;
    (*count)++; /* so a failure frees exactly what was made */
    return 0;
}

static int read_repeated(reader *r, const ProtobufCFieldDescriptor *f,
                         int depth, ProtobufCMessage *m)
{
    size_t cap = 0;

    if (depth > SSC_JSON_PB_MAX_DEPTH || !next_is(r, '['))
        return SSC_EINVAL;
    if (next_is(r, ']'))
        return 0;
    do {
        if (append(r, f, depth + 1, m, &cap) != 0)
            return SSC_EINVAL;
    } while (next_is(r, ','));
    return expect(r, ']');
}

/* Non-zero when f is a oneof member and a member of its oneof is set. */
static int oneof_taken(const ProtobufCMessage *m,
                       const ProtobufCFieldDescriptor *f)
{
    if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
        return 0;
    return *(const uint32_t *)((const char *)m + f->quantifier_offset) != 0;
}

/* Reads the value at depth of field f of m. */
static int read_field(reader *r, const ProtobufCFieldDescriptor *f, int depth,
                      ProtobufCMessage *m)
{
    if (f->label == PROTOBUF_C_LABEL_REPEATED)
        return read_repeated(r, f, depth, m);
    /* A second member of a oneof: the decoder's order decides, not ours. */
    if (oneof_taken(m, f))
        return SSC_EINVAL;
    if (read_elem(r, f, depth, (char *)m + f->offset) != 0)
        return SSC_EINVAL;
    ssc__json_pb_set_present(m, f);
    return 0;
}

/* ---- messages ---------------------------------------------------------- */

/* Notes the page cursor, the value about to be read, in cap; the value is
 * then read as usual. A second one fails: jansson would keep the last. */
static int capture(reader *r, cursor *cap)
{
    const char *at;
    span sp;

    if (cap->kind != CURSOR_NONE)
        return SSC_EINVAL;
    skip_space(r);
    at = r->p;
    cap->kind = CURSOR_OTHER;
    if (next_is(r, '"')) {
        if (scan_string(r, &sp) != 0)
            return SSC_EINVAL;
        cap->code = ssc_xmalloc(sp.n + 1);
        cap->code[unescape(&sp, cap->code)] = '\0';
        cap->kind = CURSOR_CODE;
    } else if (read_int(r, &cap->id) == 0) {
        cap->kind = CURSOR_ID;
    }
    r->p = at;
    return 0;
}

/* Reads one "key": value of the object at depth decoded as m; seen has a
 * bit for each field of m already given. */
static int read_member(reader *r, ProtobufCMessage *m, int depth,
                       uint64_t *seen, cursor *cap)
{
    const ProtobufCMessageDescriptor *desc = m->descriptor;
    const ProtobufCFieldDescriptor *f;
    uint64_t bit;
    span key;

    if (expect(r, '"') != 0 || scan_string(r, &key) != 0)
        return SSC_EINVAL;
    to_buf(r, &key);
    if (expect(r, ':') != 0)
        return SSC_EINVAL;
    f = protobuf_c_message_descriptor_get_field_by_name(desc, r->buf);
    if (cap != NULL && strcmp(r->buf, r->cursor_key) == 0 &&
        capture(r, cap) != 0)
        return SSC_EINVAL;
    if (f == NULL)
        return skip_value(r, depth + 1);
    bit = (uint64_t)1 << (f - desc->fields);
    if (*seen & bit)
        return SSC_EINVAL;
    *seen |= bit;
    skip_space(r);
    if (literal(r, "null", 4) == 0)
        return 0; /* the default stays */
    return read_field(r, f, depth + 1, m);
}

/* Reads the object at depth, whose '{' was just consumed, into a new message
 * of desc. When r->capture is set, the object is the row whose cursor it
 * takes. */
static int read_message(reader *r, const ProtobufCMessageDescriptor *desc,
                        int depth, ProtobufCMessage **out)
{
    cursor *cap = r->capture;
    uint64_t seen = 0;
    ProtobufCMessage *m;

    r->capture = NULL; /* not the members' objects */
    *out = NULL;
    /* Without its index by name, get_field_by_name() finds nothing. */
    if (depth > SSC_JSON_PB_MAX_DEPTH || desc->n_fields > MAX_FIELDS ||
        desc->fields_sorted_by_name == NULL)
        return SSC_EINVAL;
    m = ssc_xmalloc(desc->sizeof_message);
    protobuf_c_message_init(desc, m);
    if (!next_is(r, '}')) {
        do {
            if (read_member(r, m, depth, &seen, cap) != 0)
                goto err;
        } while (next_is(r, ','));
        if (expect(r, '}') != 0)
            goto err;
    }
    *out = m;
    return 0;
err:
    protobuf_c_message_free_unpacked(m, NULL);
    return SSC_EINVAL;
}

static int at_end(reader *r)
{
    skip_space(r);
    return r->p == r->end;
}

int ssc_json_direct_decode(const ProtobufCMessageDescriptor *desc,
                           const char *text, size_t len, ProtobufCMessage **out)
{
    reader r;
    int rc = SSC_EINVAL;

    *out = NULL;
    reader_init(&r, text, len);
    if (next_is(&r, '{'))
        rc = read_message(&r, desc, 0, out);
    if (rc == 0 && !at_end(&r)) {
        protobuf_c_message_free_unpacked(*out, NULL);
        *out = NULL;
        rc = SSC_EINVAL;
    }
    reader_done(&r);
    return rc;
}

/* ---- pages ------------------------------------------------------------- */

/* The page token after the last kept row, as the tree way's token_after()
 * makes it; NULL when its cursor is neither an id nor a code. */
static char *cursor_token(const cursor *c)
{
    char id[32];

    if (c->kind == CURSOR_ID) {
        snprintf(id, sizeof(id), "%" PRId64, c->id);
        return ssc_page_token(id);
    }
    if (c->kind == CURSOR_CODE && c->code[0] != '\0')
        return ssc_page_token(c->code);
    return NULL;
}

/* Reads row i of a page: a kept one into the items field fi of m, taking
 * the cursor from the last kept; any other is only checked. */
static int read_row(reader *r, const ProtobufCFieldDescriptor *fi,
                    ProtobufCMessage *m, size_t i, size_t page_size,
                    size_t *cap, cursor *cur)
{
    int rc;

    if (i >= page_size)
        return skip_value(r, 1);
    if (i == page_size - 1)
        r->capture = cur;
    rc = append(r, fi, 1, m, cap);
    r->capture = NULL;
    return rc;
}

static int read_rows(reader *r, const ProtobufCFieldDescriptor *fi,
                     ProtobufCMessage *m, size_t page_size, size_t *n,
                     cursor *cur)
{
    size_t cap = 0;

    if (!next_is(r, '['))
        return SSC_EINVAL;
    if (next_is(r, ']'))
        return 0;
    do {
        if (read_row(r, fi, m, (*n)++, page_size, &cap, cur) != 0)
            return SSC_EINVAL;
    } while (next_is(r, ','));
    return expect(r, ']');
}

/* Stores the next_page_token of a page of n rows in field ft of m (when
 * the message has one): only when more rows came back than the page keeps,
 * made from the cursor of the last kept. */
static int set_token(ProtobufCMessage *m, const ProtobufCFieldDescriptor *ft,
                     size_t n, size_t page_size, const cursor *cur)
{
    char *token;

    if (n <= page_size || page_size == 0)
        return 0;
    token = cursor_token(cur);
    if (token == NULL)
        return SSC_EINVAL;
    if (ft == NULL) {
        free(token);
        return 0;
    }
    *(char **)((char *)m + ft->offset) = token;
    ssc__json_pb_set_present(m, ft);
    return 0;
}

int ssc_json_direct_page(const ProtobufCMessageDescriptor *desc,
                         const char *items, const char *text, size_t len,
                         size_t page_size, const char *cursor_key,
                         ProtobufCMessage **out)
{
    const ProtobufCFieldDescriptor *fi =
        protobuf_c_message_descriptor_get_field_by_name(desc, items);
    const ProtobufCFieldDescriptor *ft =
        protobuf_c_message_descriptor_get_field_by_name(desc,
                                                        "next_page_token");
    cursor cur = {.kind = CURSOR_NONE};
    ProtobufCMessage *m;
    size_t n = 0;
    reader r;
    int rc;

    *out = NULL;
    /* Rows go into a repeated message field, the token into a string. */
    if (fi == NULL || fi->label != PROTOBUF_C_LABEL_REPEATED ||
        fi->type != PROTOBUF_C_TYPE_MESSAGE ||
        (ft != NULL && (ft->type != PROTOBUF_C_TYPE_STRING ||
                        ft->label == PROTOBUF_C_LABEL_REPEATED)))
        return SSC_EINVAL;
    reader_init(&r, text, len);
    r.cursor_key = cursor_key;
    m = ssc_xmalloc(desc->sizeof_message);
    protobuf_c_message_init(desc, m);
    rc = read_rows(&r, fi, m, page_size, &n, &cur);
    if (rc == 0 && !at_end(&r))
        rc = SSC_EINVAL;
    if (rc == 0)
        rc = set_token(m, ft, n, page_size, &cur);
    if (rc == 0)
        *out = m;
    else
        protobuf_c_message_free_unpacked(m, NULL);
    free(cur.code);
    reader_done(&r);
    return rc;
}
