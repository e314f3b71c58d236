/*
 * json_pb.c - the database's JSON answers as protobuf messages.
 *
 * The tree decoder walks the message descriptor, not the JSON: for each
 * field it looks up the key of the same name, converts the value into the
 * field's C representation and stores it where protobuf-c keeps it (a member,
 * or an array plus count for repeated fields). Everything is allocated with
 * malloc so protobuf_c_message_free_unpacked() can free a message built
 * halfway when a later field fails.
 *
 * Answers arrive as text. The *_text entry points first try json_direct.c,
 * which reads the text straight into the message, and take the tree way
 * (json_read.c, then the decoder here) only when it gives up. The tree way
 * is the reference: it alone reports errors, so their texts never depend on
 * which way an answer went.
 *
 * Entry points: ssc_json_pb_decode(), ssc_json_pb_decode_text(),
 * ssc_json_pb_page(), ssc_json_pb_page_text(), ssc_json_pb_free(),
 * ssc_json_pb_enum_name(), and for json_direct.c the ssc__json_pb_*()
 * conversions.
 */
#include "json_pb.h"

#include "err.h"
#include "hex.h"
#include "json_direct.h"
#include "json_read.h"
#include "log.h"
#include "mem.h"
#include "page.h"
#include "pb_field.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH SSC_JSON_PB_MAX_DEPTH

/* The path to the value being decoded ("organisations[2].kind") is kept as
 * the fields walked into, and written out only when a value fails: formatting
 * it for every field was a tenth of the cost of mapping an answer. */
typedef struct path_seg {
    const char *name;
    size_t index; /* the element of a repeated field, or NO_INDEX */
} path_seg;

#define NO_INDEX SIZE_MAX

typedef struct decoder {
    char *err;
    size_t errlen;
    size_t depth;                       /* segments in use */
    path_seg path[2 * (MAX_DEPTH + 2)]; /* a field each level, and slack */
} decoder;

static int decode_message(decoder *d, const ProtobufCMessageDescriptor *desc,
                          const json_t *obj, int depth, ProtobufCMessage **out);

static int fail(decoder *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Writes the path of the value being decoded into buf. */
static void path_text(const decoder *d, char *buf, size_t n)
{
    size_t len = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < d->depth && len < n; i++) {
        const path_seg *p = &d->path[i];
        int w =
            p->index == NO_INDEX
                ? snprintf(buf + len, n - len, "%s%s", i ? "." : "", p->name)
                : snprintf(buf + len, n - len, "%s%s[%zu]", i ? "." : "",
                           p->name, p->index);

        if (w < 0)
            break;
        len += (size_t)w;
    }
}

static int fail(decoder *d, const char *fmt, ...)
{
    char why[192], path[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    path_text(d, path, sizeof(path));
    snprintf(d->err, d->errlen, "%s: %s", path, why);
    return SSC_EINVAL;
}

/* ---- scalars ---------------------------------------------------------- */

int ssc__json_pb_int_text(const char *s, int64_t *out)
{
    char *end;

    errno = 0;
    *out = strtoll(s, &end, 10);
    if (s[0] == '\0' || *end != '\0' || errno != 0)
        return SSC_EINVAL;
    return 0;
}

static int json_int(decoder *d, const json_t *v, int64_t *out)
{
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return 0;
    }
    if (!json_is_string(v))
        return fail(d, "expected an integer");
    if (ssc__json_pb_int_text(json_string_value(v), out) != 0)
        return fail(d, "expected an integer, not \"%s\"", json_string_value(v));
    return 0;
}

int ssc__json_pb_hex(const char *s, ProtobufCBinaryData *out, const char **why)
{
    size_t n;

    if (s[0] == '\\' && s[1] == 'x')
        s += 2;
    n = strlen(s);
    if (n % 2 != 0) {
        *why = "odd number of hex digits";
        return SSC_EINVAL;
    }
    out->data = ssc_xmalloc(n / 2);
    out->len = n / 2;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = ssc_hex_value((unsigned char)s[2 * i]);
        int lo = ssc_hex_value((unsigned char)s[2 * i + 1]);

        if (hi < 0 || lo < 0) {
            free(out->data);
            out->data = NULL;
            out->len = 0;
            *why = "not a hex digit";
            return SSC_EINVAL;
        }
        out->data[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

static int decode_bytes(decoder *d, const json_t *v, ProtobufCBinaryData *out)
{
    const char *why = "";

    if (!json_is_string(v))
        return fail(d, "expected a hex string");
    if (ssc__json_pb_hex(json_string_value(v), out, &why) != 0)
        return fail(d, "%s", why);
    return 0;
}

static int decode_string(decoder *d, const json_t *v, char **out)
{
    char *text;

    if (json_is_string(v)) {
        *out = ssc_xstrndup(json_string_value(v), json_string_length(v));
        return 0;
    }
    if (!json_is_object(v) && !json_is_array(v))
        return fail(d, "expected a string");
    /* JSON stored as jsonb but carried in a string field (audit rows). */
    text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
    if (text == NULL)
        return fail(d, "could not serialize JSON");
    *out = ssc_xstrdup(text);
    free(text);
    return 0;
}

/* The length of the prefix every value name of desc starts with: the name of
 * its 0 value without "UNSPECIFIED" (protobuf's style guide), or 0. */
static size_t enum_prefix(const ProtobufCEnumDescriptor *desc)
{
    static const char unspec[] = "UNSPECIFIED";

    for (unsigned i = 0; i < desc->n_values; i++) {
        const char *name = desc->values[i].name;
        size_t n = strlen(name);

        if (desc->values[i].value == 0 && n >= sizeof(unspec) - 1 &&
            strcmp(name + n - (sizeof(unspec) - 1), unspec) == 0)
            return n - (sizeof(unspec) - 1);
    }
    return 0;
}

/* Non-zero when name (after the prefix) is lower-case s. */
static int enum_matches(const char *name, const char *s)
{
    for (; *name != '\0' && *s != '\0'; name++, s++)
        if (tolower((unsigned char)*name) != *s)
            return 0;
    return *name == '\0' && *s == '\0';
}

int ssc__json_pb_enum_int(const ProtobufCEnumDescriptor *desc, int64_t v,
                          int *out)
{
    *out = (int)v;
    if (protobuf_c_enum_descriptor_get_value(desc, *out) == NULL)
        return SSC_EINVAL;
    return 0;
}

int ssc__json_pb_enum_text(const ProtobufCEnumDescriptor *desc, const char *s,
                           int *out)
{
    size_t plen = enum_prefix(desc);

    for (unsigned i = 0; i < desc->n_values; i++) {
        if (enum_matches(desc->values[i].name + plen, s)) {
            *out = desc->values[i].value;
            return 0;
        }
    }
    return SSC_EINVAL;
}

static int decode_enum(decoder *d, const ProtobufCEnumDescriptor *desc,
                       const json_t *v, int *out)
{
    if (json_is_integer(v)) {
        if (ssc__json_pb_enum_int(desc, json_integer_value(v), out) != 0)
            return fail(d, "unknown value %d", *out);
        return 0;
    }
    if (!json_is_string(v))
        return fail(d, "expected an enum name");
    if (ssc__json_pb_enum_text(desc, json_string_value(v), out) != 0)
        return fail(d, "unknown value \"%s\"", json_string_value(v));
    return 0;
}

int ssc__json_pb_int_store(const ProtobufCFieldDescriptor *f, int64_t v,
                           void *dst)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        *(int64_t *)dst = v;
        return 0;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        if (v < 0)
            return SSC_EINVAL;
        *(uint64_t *)dst = (uint64_t)v;
        return 0;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        if (v < 0 || v > UINT32_MAX)
            return SSC_EINVAL;
        *(uint32_t *)dst = (uint32_t)v;
        return 0;
    default: /* int32, sint32, sfixed32 */
        if (v < INT32_MIN || v > INT32_MAX)
            return SSC_EINVAL;
        *(int32_t *)dst = (int32_t)v;
        return 0;
    }
}

/* Converts v into one value of field f stored at dst. */
static int decode_value(decoder *d, const ProtobufCFieldDescriptor *f,
                        const json_t *v, int depth, void *dst)
{
    int64_t i = 0;
    int rc;

    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING:
        return decode_string(d, v, (char **)dst);
    case PROTOBUF_C_TYPE_BYTES:
        return decode_bytes(d, v, (ProtobufCBinaryData *)dst);
    case PROTOBUF_C_TYPE_ENUM:
        return decode_enum(d, f->descriptor, v, (int *)dst);
    case PROTOBUF_C_TYPE_MESSAGE:
        if (!json_is_object(v))
            return fail(d, "expected an object");
        return decode_message(d, f->descriptor, v, depth + 1,
                              (ProtobufCMessage **)dst);
    case PROTOBUF_C_TYPE_BOOL:
        if (!json_is_boolean(v))
            return fail(d, "expected true or false");
        *(protobuf_c_boolean *)dst = json_is_true(v);
        return 0;
    case PROTOBUF_C_TYPE_DOUBLE:
    case PROTOBUF_C_TYPE_FLOAT:
        if (!json_is_number(v))
            return fail(d, "expected a number");
        if (f->type == PROTOBUF_C_TYPE_DOUBLE)
            *(double *)dst = json_number_value(v);
        else
            *(float *)dst = (float)json_number_value(v);
        return 0;
    default:
        break;
    }
    rc = json_int(d, v, &i);
    if (rc != 0)
        return rc;
    if (ssc__json_pb_int_store(f, i, dst) != 0)
        return fail(d, "%" PRId64 " is out of range", i);
    return 0;
}

void ssc__json_pb_set_present(ProtobufCMessage *m,
                              const ProtobufCFieldDescriptor *f)
{
    char *base = (char *)m;

    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        *(uint32_t *)(base + f->quantifier_offset) = f->id;
    else if (f->label == PROTOBUF_C_LABEL_OPTIONAL &&
             f->type != PROTOBUF_C_TYPE_STRING &&
             f->type != PROTOBUF_C_TYPE_MESSAGE)
        *(protobuf_c_boolean *)(base + f->quantifier_offset) = 1;
}

static int decode_repeated(decoder *d, const ProtobufCFieldDescriptor *f,
                           const json_t *arr, int depth, ProtobufCMessage *m)
{
    char *base = (char *)m;
    size_t *count = (size_t *)(base + f->quantifier_offset);
    size_t n = json_array_size(arr), size = ssc_pb_elem_size(f->type);
    path_seg *seg = &d->path[d->depth - 1];
    char *elems;

    if (!json_is_array(arr))
        return fail(d, "expected an array");
    if (n == 0)
        return 0;
    elems = ssc_xcalloc(n, size);
    *(void **)(base + f->offset) = elems;
    for (size_t i = 0; i < n; i++) {
        int rc;

        seg->index = i;
        rc =
            decode_value(d, f, json_array_get(arr, i), depth, elems + i * size);
        if (rc != 0)
            return rc;
        *count = i + 1; /* so a failure frees exactly what was made */
    }
    seg->index = NO_INDEX;
    return 0;
}

static int decode_field(decoder *d, const ProtobufCFieldDescriptor *f,
                        const json_t *v, int depth, ProtobufCMessage *m)
{
    int rc;

    /* decode_message() refuses to go deeper than MAX_DEPTH, so this stays
     * inside path[]. */
    d->path[d->depth].name = f->name;
    d->path[d->depth].index = NO_INDEX;
    d->depth++;
    /* Members of a oneof share their storage: a second one would overwrite
     * (and leak) the first, and which should win is anyone's guess. */
    if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
        *(const uint32_t *)((const char *)m + f->quantifier_offset) != 0)
        return fail(d, "another member of its oneof is set too");
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        rc = decode_repeated(d, f, v, depth, m);
    } else {
        rc = decode_value(d, f, v, depth, (char *)m + f->offset);
        if (rc == 0)
            ssc__json_pb_set_present(m, f);
    }
    if (rc == 0)
        d->depth--;
    return rc;
}

static int decode_message(decoder *d, const ProtobufCMessageDescriptor *desc,
                          const json_t *obj, int depth, ProtobufCMessage **out)
{
    ProtobufCMessage *m;

    *out = NULL;
    if (!json_is_object(obj))
        return fail(d, "expected an object");
    if (depth > MAX_DEPTH)
        return fail(d, "nested too deeply");
    m = ssc_xmalloc(desc->sizeof_message);
    protobuf_c_message_init(desc, m);
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];
        const json_t *v = json_object_get(obj, f->name);

        if (v == NULL || json_is_null(v))
            continue;
        if (decode_field(d, f, v, depth, m) != 0) {
            protobuf_c_message_free_unpacked(m, NULL);
            return SSC_EINVAL;
        }
    }
    *out = m;
    return 0;
}

int ssc_json_pb_decode(const ProtobufCMessageDescriptor *desc,
                       const json_t *json, ProtobufCMessage **out, char *err,
                       size_t errlen)
{
    decoder d = {.err = err, .errlen = errlen};

    if (errlen > 0)
        err[0] = '\0';
    if (!json_is_object(json)) {
        *out = NULL;
        snprintf(err, errlen, "%s: expected an object", desc->name);
        return SSC_EINVAL;
    }
    return decode_message(&d, desc, json, 0, out);
}

/* The tree way's first step: text as jansson values. NULL, with *out NULL
 * and err set, when it is not JSON. */
static json_t *parse_answer(const char *text, size_t len,
                            ProtobufCMessage **out, char *err, size_t errlen)
{
    json_t *json = text != NULL ? ssc_json_read(text, len) : NULL;

    if (json == NULL) {
        *out = NULL;
        snprintf(err, errlen, "the answer is not JSON");
    }
    return json;
}

int ssc_json_pb_decode_text(const ProtobufCMessageDescriptor *desc,
                            const char *text, size_t len,
                            ProtobufCMessage **out, char *err, size_t errlen)
{
    json_t *json;
    int rc;

    if (text != NULL && ssc_json_direct_decode(desc, text, len, out) == 0) {
        if (errlen > 0)
            err[0] = '\0';
        return 0;
    }
    json = parse_answer(text, len, out, err, errlen);
    if (json == NULL)
        return SSC_EINVAL;
    rc = ssc_json_pb_decode(desc, json, out, err, errlen);
    json_decref(json);
    return rc;
}

void ssc_json_pb_free(ProtobufCMessage *msg)
{
    if (msg != NULL)
        protobuf_c_message_free_unpacked(msg, NULL);
}

/* ---- lists ------------------------------------------------------------ */

/* The page token that resumes after row (its cursor_key member). */
static char *token_after(const json_t *row, const char *cursor_key)
{
    const json_t *v = json_object_get(row, cursor_key);
    char cursor[32];

    if (json_is_integer(v)) {
        snprintf(cursor, sizeof(cursor), "%" JSON_INTEGER_FORMAT,
                 json_integer_value(v));
        return ssc_page_token(cursor);
    }
    if (json_is_string(v) && json_string_value(v)[0] != '\0')
        return ssc_page_token(json_string_value(v));
    return NULL;
}

int ssc_json_pb_page(const ProtobufCMessageDescriptor *desc, const char *items,
                     const json_t *rows, size_t page_size,
                     const char *cursor_key, ProtobufCMessage **out, char *err,
                     size_t errlen)
{
    json_t *obj = json_object(), *kept = json_array();
    size_t n = json_array_size(rows);
    char *token = NULL;
    int rc = SSC_EINVAL;

    *out = NULL;
    if (!json_is_array(rows)) {
        snprintf(err, errlen, "%s: expected an array", items);
        goto out;
    }
    for (size_t i = 0; i < n && i < page_size; i++)
        json_array_append(kept, json_array_get(rows, i));
    if (n > page_size && page_size > 0) {
        token = token_after(json_array_get(rows, page_size - 1), cursor_key);
        if (token == NULL) {
            snprintf(err, errlen, "%s[%zu].%s: expected an id or code", items,
                     page_size - 1, cursor_key);
            goto out;
        }
        json_object_set_new(obj, "next_page_token", json_string(token));
    }
    json_object_set(obj, items, kept);
    rc = ssc_json_pb_decode(desc, obj, out, err, errlen);
out:
    free(token);
    json_decref(kept);
    json_decref(obj);
    return rc;
}

int ssc_json_pb_page_text(const ProtobufCMessageDescriptor *desc,
                          const char *items, const char *text, size_t len,
                          size_t page_size, const char *cursor_key,
                          ProtobufCMessage **out, char *err, size_t errlen)
{
    json_t *json;
    int rc;

    if (text != NULL && ssc_json_direct_page(desc, items, text, len, page_size,
                                             cursor_key, out) == 0) {
        if (errlen > 0)
            err[0] = '\0';
        return 0;
    }
    json = parse_answer(text, len, out, err, errlen);
    if (json == NULL)
        return SSC_EINVAL;
    rc = ssc_json_pb_page(desc, items, json, page_size, cursor_key, out, err,
                          errlen);
    json_decref(json);
    return rc;
}

/* ---- enums ------------------------------------------------------------ */

const char *ssc_json_pb_enum_name(const ProtobufCEnumDescriptor *desc,
                                  int value, char *buf, size_t n)
{
    const ProtobufCEnumValue *v;
    const char *name;
    size_t len;

    if (value == 0)
        return NULL;
    v = protobuf_c_enum_descriptor_get_value(desc, value);
    if (v == NULL)
        return NULL;
    name = v->name + enum_prefix(desc);
    len = strlen(name);
    if (len >= n)
        return NULL;
    for (size_t i = 0; i <= len; i++)
        buf[i] = (char)tolower((unsigned char)name[i]);
    return buf;
}
