/*
 * page.c - list pages: their size, their opaque tokens, and fitting a page
 * into the message size limit.
 *
 * Lists page with a keyset cursor: the last id or code of a page, carried
 * to the client in an opaque token ("c1:" + cursor, base64url) and back.
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
 * Entry points: ssc_page_size(), ssc_page_token(), ssc_page_after(),
 * ssc_page_request(), ssc_page_fit().
 */
#include "page.h"

#include "b64.h"
#include "err.h"
#include "mem.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_TOKEN_PREFIX "c1:"
/* Tokens we issue hold an id or a code; anything longer is not ours. */
#define PAGE_TOKEN_MAX 128

/* ---- size and tokens ---------------------------------------------------- */

int ssc_page_size(uint32_t requested)
{
    if (requested == 0)
        return SSC_PAGE_DEFAULT;
    if (requested > SSC_PAGE_MAX)
        return SSC_PAGE_MAX;
    return (int)requested;
}

/* base64url (RFC 4648 section 5) from and to the standard alphabet that
 * b64.c speaks. */
static void to_url(char *s)
{
    for (; *s != '\0'; s++) {
        if (*s == '+')
            *s = '-';
        else if (*s == '/')
            *s = '_';
    }
}

char *ssc_page_token(const char *cursor)
{
    size_t n = strlen(cursor);
    char *plain = ssc_xmalloc(sizeof(PAGE_TOKEN_PREFIX) + n);
    char *token;

    memcpy(plain, PAGE_TOKEN_PREFIX, sizeof(PAGE_TOKEN_PREFIX) - 1);
    memcpy(plain + sizeof(PAGE_TOKEN_PREFIX) - 1, cursor, n + 1);
    token = ssc_b64_encode((const uint8_t *)plain,
                           sizeof(PAGE_TOKEN_PREFIX) - 1 + n, NULL);
    free(plain);
    to_url(token);
    return token;
}

int ssc_page_after(const char *token, char **cursor)
{
    size_t n = strlen(token), plen = sizeof(PAGE_TOKEN_PREFIX) - 1, len;
    char std[PAGE_TOKEN_MAX + 1];
    uint8_t *plain;

    *cursor = NULL;
    if (n == 0) {
        *cursor = ssc_xstrdup("");
        return 0;
    }
    if (n > PAGE_TOKEN_MAX || strspn(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "abcdefghijklmnopqrstuvwxyz"
                                            "0123456789-_") != n)
        return SSC_EINVAL;
    for (size_t i = 0; i <= n; i++)
        std[i] = token[i] == '-' ? '+' : token[i] == '_' ? '/' : token[i];
    if (ssc_b64_decode(std, n, &plain, &len) != 0)
        return SSC_EINVAL;
    if (len <= plen || memcmp(plain, PAGE_TOKEN_PREFIX, plen) != 0 ||
        memchr(plain, '\0', len) != NULL) {
        free(plain);
        return SSC_EINVAL;
    }
    *cursor = ssc_xstrndup((const char *)plain + plen, len - plen);
    free(plain);
    return 0;
}

int ssc_page_request(const Ssc__V1__PageRequest *page, int integer_cursor,
                     int *size, char **cursor, char *why, size_t n)
{
    uint32_t requested = page != NULL ? page->page_size : 0;
    const char *token = page != NULL ? page->page_token : "";
    size_t len;

    *cursor = NULL;
    /* Larger pages are coerced down to the maximum, as API clients expect
     * (Google AIP-158); the next_page_token carries on from there. */
    *size = ssc_page_size(requested);
    if (ssc_page_after(token, cursor) != 0)
        goto bad;
    len = strlen(*cursor);
    errno = 0;
    /* A cursor PostgreSQL would refuse as a bigint is not one we issued. */
    if (integer_cursor &&
        (len > 19 || strspn(*cursor, "0123456789") != len ||
         (strtoll(*cursor, NULL, 10) == LLONG_MAX && errno == ERANGE))) {
        free(*cursor);
        *cursor = NULL;
        goto bad;
    }
    return 0;
bad:
    snprintf(why, n, "page.page_token: not a token this server issued");
    return SSC_EINVAL;
}

/* ---- fitting ------------------------------------------------------------ */

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
        return ssc_page_token(cursor);
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        snprintf(cursor, sizeof(cursor), "%" PRId32, *(const int32_t *)at);
        return ssc_page_token(cursor);
    case PROTOBUF_C_TYPE_STRING:
        if (*(const char *const *)at == NULL || **(const char *const *)at == 0)
            return NULL;
        return ssc_page_token(*(const char *const *)at);
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
