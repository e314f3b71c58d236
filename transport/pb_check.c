/*
 * pb_check.c - UTF-8 and NUL checks of string fields on the protobuf wire.
 *
 * Entry points: ssc_pb_check_strings(), ssc_utf8_valid().
 */
#include "pb_check.h"

#include "err.h"

#include <stdio.h>
#include <string.h>

#define MAX_DEPTH 32

enum { WIRE_VARINT = 0, WIRE_I64 = 1, WIRE_LEN = 2, WIRE_I32 = 5 };

int ssc_utf8_valid(const uint8_t *p, size_t n)
{
    size_t i = 0;

    while (i < n) {
        uint8_t c = p[i];
        size_t need;
        uint32_t cp, min;

        if (c < 0x80) {
            i++;
            continue;
        }
        if ((c & 0xe0) == 0xc0) {
            need = 1, cp = c & 0x1f, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            need = 2, cp = c & 0x0f, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            need = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return 0;
        }
        if (n - i <= need)
            return 0;
        for (size_t k = 1; k <= need; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (p[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += need + 1;
    }
    return 1;
}

/* Reads a varint at *p; returns 0, or -1 when it runs past end. */
static int varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64 && *p < end; shift += 7) {
        uint8_t b = *(*p)++;

        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return 0;
    }
    return -1;
}

static void path_join(char *field, size_t fieldlen, const char *name)
{
    size_t len = strlen(field);

    /* The innermost name is written first; parents are put in front. */
    if (len == 0) {
        snprintf(field, fieldlen, "%s", name);
        return;
    }
    if (strlen(name) + 1 + len + 1 > fieldlen)
        return;
    memmove(field + strlen(name) + 1, field, len + 1);
    memcpy(field, name, strlen(name));
    field[strlen(name)] = '.';
}

static int check(const ProtobufCMessageDescriptor *d, const uint8_t *p,
                 const uint8_t *end, char *field, size_t fieldlen, int depth)
{
    while (p < end) {
        const ProtobufCFieldDescriptor *f;
        uint64_t key, len;

        if (varint(&p, end, &key) != 0)
            return 0;
        /* Field number 0 is not protobuf; protobuf-c 1.4 accepts it when the
         * tag takes more than one byte, then cannot pack it again. */
        if (key >> 3 == 0)
            return SSC_EPROTO;
        switch (key & 7) {
        case WIRE_VARINT:
            if (varint(&p, end, &len) != 0)
                return 0;
            continue;
        case WIRE_I64:
            p += 8;
            continue;
        case WIRE_I32:
            p += 4;
            continue;
        case WIRE_LEN:
            break;
        default:
            return 0; /* groups or garbage: the unpacker decides */
        }
        if (varint(&p, end, &len) != 0 || len > (uint64_t)(end - p))
            return 0;
        f = protobuf_c_message_descriptor_get_field(d, (unsigned)(key >> 3));
        if (f != NULL && f->type == PROTOBUF_C_TYPE_STRING &&
            (memchr(p, 0, len) != NULL || !ssc_utf8_valid(p, len))) {
            path_join(field, fieldlen, f->name);
            return SSC_EINVAL;
        }
        if (f != NULL && f->type == PROTOBUF_C_TYPE_MESSAGE &&
            depth < MAX_DEPTH) {
            int rc =
                check(f->descriptor, p, p + len, field, fieldlen, depth + 1);

            if (rc == SSC_EINVAL)
                path_join(field, fieldlen, f->name);
            if (rc != 0)
                return rc;
        }
        p += len;
    }
    return 0;
}

int ssc_pb_check_strings(const ProtobufCMessageDescriptor *d, const uint8_t *p,
                         size_t n, char *field, size_t fieldlen)
{
    field[0] = '\0';
    return check(d, p, p + n, field, fieldlen, 0);
}
