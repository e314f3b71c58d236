/*
 * pb_json.c - a request message as the one JSON argument of its SQL function.
 *
 * The inverse of json_pb.c, by the same rules, so that decoding the text
 * gives the message back (tests/unit/pb_json_test.c checks the round trip
 * for every field shape): proto field names as keys; integers as JSON
 * numbers; enums by lower-case name without the enum's prefix, the zero
 * value as null ("not given"); bytes as bytea hex ("\\x..."); strings JSON-
 * escaped; messages as objects; repeated fields and maps (protobuf-c's
 * repeated entry messages) as arrays; a oneof as its one member that is set;
 * a proto3 optional only when present.
 *
 * Text is written straight into a buffer, field by field, with no tree in
 * between: this runs once per call.
 *
 * Entry points: ssc_pb_json_encode().
 */
#include "pb_json.h"

#include "err.h"
#include "hex.h"
#include "json_pb.h"
#include "mem.h"
#include "pb_field.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct encoder {
    ssc_buf out;
    char *err;
    size_t errlen;
} encoder;

static int fail(encoder *e, const ProtobufCFieldDescriptor *f, const char *fmt,
                ...) __attribute__((format(printf, 3, 4)));

static int fail(encoder *e, const ProtobufCFieldDescriptor *f, const char *fmt,
                ...)
{
    char why[160];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    snprintf(e->err, e->errlen, "%s: %s", f->name, why);
    return SSC_EINVAL;
}

static void put(encoder *e, const char *s, size_t n)
{
    /* No cap on this buffer: what it holds is bounded by the request, which
     * max_message_bytes bounds. */
    (void)ssc_buf_append(&e->out, s, n);
}

static void puts_(encoder *e, const char *s)
{
    put(e, s, strlen(s));
}

static void putf(encoder *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void putf(encoder *e, const char *fmt, ...)
{
    char tmp[64];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    put(e, tmp, (size_t)n);
}

/* A JSON string. The wire checks let only UTF-8 without NUL through, so only
 * the quote, the backslash and control characters need escapes. */
static void put_string(encoder *e, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t run = 0;

    put(e, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};

        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        put(e, s + run, i - run);
        run = i + 1;
        if (c == '"' || c == '\\') {
            esc[1] = (char)c;
            put(e, esc, 2);
        } else {
            put(e, esc, sizeof(esc));
        }
    }
    put(e, s + run, n - run);
    put(e, "\"", 1);
}

static void put_bytes(encoder *e, const ProtobufCBinaryData *b)
{
    /* Room for the quote, \\x, the digits and the NUL hex.c ends with. */
    uint8_t *p = ssc_buf_reserve(&e->out, 2 * b->len + 5);

    memcpy(p, "\"\\\\x", 4);
    ssc_hex_encode(b->data, b->len, (char *)p + 4);
    e->out.len += 2 * b->len + 4;
    put(e, "\"", 1);
}

static int put_message(encoder *e, const ProtobufCMessage *m, int depth);

/* One value of field f, stored at p. */
static int put_value(encoder *e, const ProtobufCFieldDescriptor *f,
                     const void *p, int depth)
{
    char name[128];

    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        putf(e, "%" PRId32, *(const int32_t *)p);
        return 0;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        putf(e, "%" PRIu32, *(const uint32_t *)p);
        return 0;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        putf(e, "%" PRId64, *(const int64_t *)p);
        return 0;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        /* The database's bigint, and the decoder, stop at 2^63 - 1. */
        if (*(const uint64_t *)p > INT64_MAX)
            return fail(e, f, "%" PRIu64 " is out of range",
                        *(const uint64_t *)p);
        putf(e, "%" PRIu64, *(const uint64_t *)p);
        return 0;
    case PROTOBUF_C_TYPE_BOOL:
        puts_(e, *(const protobuf_c_boolean *)p ? "true" : "false");
        return 0;
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_DOUBLE: {
        double d = f->type == PROTOBUF_C_TYPE_FLOAT ? *(const float *)p
                                                    : *(const double *)p;

        if (!isfinite(d))
            return fail(e, f, "must be a finite number");
        putf(e, f->type == PROTOBUF_C_TYPE_FLOAT ? "%.9g" : "%.17g", d);
        return 0;
    }
    case PROTOBUF_C_TYPE_ENUM:
        if (*(const int *)p == 0) {
            puts_(e, "null");
            return 0;
        }
        if (ssc_json_pb_enum_name(f->descriptor, *(const int *)p, name,
                                  sizeof(name)) == NULL)
            return fail(e, f, "unknown value %d", *(const int *)p);
        put_string(e, name, strlen(name));
        return 0;
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(const char *const *)p;

        put_string(e, s != NULL ? s : "", s != NULL ? strlen(s) : 0);
        return 0;
    }
    case PROTOBUF_C_TYPE_BYTES:
        put_bytes(e, (const ProtobufCBinaryData *)p);
        return 0;
    case PROTOBUF_C_TYPE_MESSAGE:
        return put_message(e, *(const ProtobufCMessage *const *)p, depth + 1);
    }
    return fail(e, f, "unsupported field type");
}

static int put_repeated(encoder *e, const ProtobufCFieldDescriptor *f,
                        const ProtobufCMessage *m, int depth)
{
    const char *base = (const char *)m;
    size_t n = *(const size_t *)(base + f->quantifier_offset);
    const char *elems = *(const char *const *)(base + f->offset);
    size_t size = ssc_pb_elem_size(f->type);

    put(e, "[", 1);
    for (size_t i = 0; i < n; i++) {
        int rc;

        if (i > 0)
            put(e, ",", 1);
        rc = put_value(e, f, elems + i * size, depth);
        if (rc != 0)
            return rc;
    }
    put(e, "]", 1);
    return 0;
}

/* Whether field f of m is written at all: a oneof member only when it is
 * the one set, a proto3 optional only when present, a message only when
 * there is one. */
static int present(const ProtobufCFieldDescriptor *f, const ProtobufCMessage *m)
{
    const char *base = (const char *)m;

    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        return *(const uint32_t *)(base + f->quantifier_offset) == f->id;
    if (f->label == PROTOBUF_C_LABEL_OPTIONAL &&
        f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE)
        return *(const protobuf_c_boolean *)(base + f->quantifier_offset);
    if (f->label != PROTOBUF_C_LABEL_REPEATED &&
        (f->type == PROTOBUF_C_TYPE_MESSAGE ||
         f->type == PROTOBUF_C_TYPE_STRING))
        return *(const void *const *)(base + f->offset) != NULL ||
               f->type == PROTOBUF_C_TYPE_STRING;
    return 1;
}

static int put_message(encoder *e, const ProtobufCMessage *m, int depth)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    int first = 1;

    if (depth > SSC_JSON_PB_MAX_DEPTH) {
        snprintf(e->err, e->errlen, "%s: nested too deeply", d->name);
        return SSC_EINVAL;
    }
    put(e, "{", 1);
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        int rc;

        if (!present(f, m))
            continue;
        if (!first)
            put(e, ",", 1);
        first = 0;
        put_string(e, f->name, strlen(f->name));
        put(e, ":", 1);
        if (f->label == PROTOBUF_C_LABEL_REPEATED)
            rc = put_repeated(e, f, m, depth);
        else
            rc = put_value(e, f, (const char *)m + f->offset, depth);
        if (rc != 0)
            return rc;
    }
    put(e, "}", 1);
    return 0;
}

int ssc_pb_json_encode(const ProtobufCMessage *msg, char **out, size_t *len,
                       char *err, size_t errlen)
{
    encoder e = {.err = err, .errlen = errlen};
    int rc;

    *out = NULL;
    *len = 0;
    if (errlen > 0)
        err[0] = '\0';
    ssc_buf_init(&e.out, 0);
    rc = put_message(&e, msg, 0);
    if (rc != 0) {
        ssc_buf_reset(&e.out);
        return rc;
    }
    put(&e, "", 1); /* the terminating NUL, not counted */
    *len = e.out.len - 1;
    *out = (char *)e.out.data;
    return 0;
}
