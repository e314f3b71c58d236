/*
 * page_fit.c - makes a list page fit the message size limit.
 *
 * A page holds up to page_size rows, but rows vary in size: 500 long ones
 * can pass max_message_bytes, and a response that cannot be sent must not
 * become OK without a message. So a page that is too big keeps as many of its
 * first rows as fit, and its next_page_token resumes after the last row kept:
 * the caller pages on and misses nothing.
 *
 * Sizes are computed from protobuf-c's packed sizes and the wire format
 * (a tag, a length, the bytes), so nothing is packed twice.
 *
 * Entry points: ssc_page_fit().
 */
#include "page_fit.h"

#include "err.h"
#include "mem.h"
#include "store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t varint_size(uint64_t v)
{
    size_t n = 1;

    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

/* The wire size of a length-delimited field with len bytes of payload. */
static size_t delimited_size(const ProtobufCFieldDescriptor *f, size_t len)
{
    return varint_size((uint64_t)f->id << 3) + varint_size(len) + len;
}

static size_t *count_of(ProtobufCMessage *msg,
                        const ProtobufCFieldDescriptor *f)
{
    return (size_t *)((char *)msg + f->quantifier_offset);
}

static ProtobufCMessage **items_of(ProtobufCMessage *msg,
                                   const ProtobufCFieldDescriptor *f)
{
    return *(ProtobufCMessage ***)((char *)msg + f->offset);
}

/* The page token resuming after item (its cursor_key field, an integer id
 * or a non-empty string code), or NULL when it has none. */
static char *token_after(const ProtobufCMessage *item, const char *cursor_key)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(item->descriptor,
                                                        cursor_key);
    const char *at = f != NULL ? (const char *)item + f->offset : NULL;
    char cursor[32];

    if (f == NULL || f->label == PROTOBUF_C_LABEL_REPEATED)
        return NULL;
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        snprintf(cursor, sizeof(cursor), "%" PRId64, *(const int64_t *)at);
        return ssc_store_page_token(cursor);
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        snprintf(cursor, sizeof(cursor), "%" PRId32, *(const int32_t *)at);
        return ssc_store_page_token(cursor);
    case PROTOBUF_C_TYPE_STRING:
        if (*(const char *const *)at == NULL || **(const char *const *)at == 0)
            return NULL;
        return ssc_store_page_token(*(const char *const *)at);
    default:
        return NULL;
    }
}

/* Replaces the message's next_page_token with token (taken over). */
static void set_token(ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f,
                      char *token)
{
    char **slot = (char **)((char *)msg + f->offset);

    if (*slot != NULL && *slot != (const char *)f->default_value)
        free(*slot);
    *slot = token;
}

/* Drops the items from keep on. */
static void drop_items(ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f,
                       size_t keep)
{
    ProtobufCMessage **items = items_of(msg, f);
    size_t *n = count_of(msg, f);

    for (size_t i = keep; i < *n; i++)
        protobuf_c_message_free_unpacked(items[i], NULL);
    *n = keep;
}

/* The size of msg without its items and its next_page_token. */
static size_t frame_size(ProtobufCMessage *msg,
                         const ProtobufCFieldDescriptor *items,
                         const ProtobufCFieldDescriptor *tok, size_t *sizes)
{
    const char *token = *(const char **)((char *)msg + tok->offset);
    size_t total = protobuf_c_message_get_packed_size(msg);
    size_t n = *count_of(msg, items);

    for (size_t i = 0; i < n; i++)
        total -= delimited_size(items, sizes[i]);
    if (token != NULL && token[0] != '\0')
        total -= delimited_size(tok, strlen(token));
    return total;
}

int ssc_page_fit(ProtobufCMessage *msg, const char *items_name,
                 const char *cursor_key, size_t limit, char *err, size_t errlen)
{
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    const ProtobufCFieldDescriptor *items =
        protobuf_c_message_descriptor_get_field_by_name(d, items_name);
    const ProtobufCFieldDescriptor *tok =
        protobuf_c_message_descriptor_get_field_by_name(d, "next_page_token");
    size_t n, used, keep, *sizes;
    char *token = NULL;
    int rc = 0;

    if (protobuf_c_message_get_packed_size(msg) <= limit)
        return 0;
    if (items == NULL || tok == NULL ||
        items->label != PROTOBUF_C_LABEL_REPEATED ||
        items->type != PROTOBUF_C_TYPE_MESSAGE ||
        tok->type != PROTOBUF_C_TYPE_STRING) {
        snprintf(err, errlen, "%s is not a page", d->name);
        return SSC_EINVAL;
    }
    n = *count_of(msg, items);
    sizes = ssc_xcalloc(n + 1, sizeof(*sizes));
    for (size_t i = 0; i < n; i++)
        sizes[i] = protobuf_c_message_get_packed_size(items_of(msg, items)[i]);
    used = frame_size(msg, items, tok, sizes);
    /* Keep the longest run of first items that fits with the token resuming
     * after its last one. The token is at most a few dozen bytes. */
    for (keep = 0; keep < n; keep++) {
        size_t next = used + delimited_size(items, sizes[keep]);
        char *t = token_after(items_of(msg, items)[keep], cursor_key);
        size_t tl = t != NULL ? delimited_size(tok, strlen(t)) : SIZE_MAX / 2;

        if (next + tl > limit) {
            free(t);
            break;
        }
        free(token);
        token = t;
        used = next;
    }
    if (keep == 0) {
        snprintf(err, errlen,
                 "%s[0] is %zu bytes, more than max_message_bytes (%zu) "
                 "allows in one answer",
                 items_name, n > 0 ? sizes[0] : 0, limit);
        rc = SSC_ETOOBIG;
        goto out;
    }
    drop_items(msg, items, keep);
    set_token(msg, tok, token);
    token = NULL;
out:
    free(token);
    free(sizes);
    return rc;
}
