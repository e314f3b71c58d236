/*
 * md.c - gRPC metadata: an ordered list of key/value pairs.
 *
 * Values are stored with a NUL after them so text values can be used as C
 * strings; value_len never counts it.
 *
 * Entry points: ssc_md_init(), ssc_md_add(), ssc_md_add_wire(), ssc_md_get(),
 * ssc_md_free(), ssc_md_is_binary(), ssc_md_is_reserved().
 */
#include "md.h"

#include "b64.h"
#include "err.h"
#include "mem.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

void ssc_md_init(ssc_md *md)
{
    memset(md, 0, sizeof(*md));
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static int key_char_ok(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '_' ||
           c == '.' || c == '-';
}

/* Returns a newly allocated lower-case copy of the key, or NULL when the key
 * is empty or has a character outside [0-9a-z_.-]. */
static char *key_dup(const char *key, size_t key_len)
{
    char *k;
    size_t i;

    if (key_len == 0)
        return NULL;
    k = ssc_xmalloc(key_len + 1);
    for (i = 0; i < key_len; i++) {
        k[i] = lower(key[i]);
        if (!key_char_ok(k[i])) {
            free(k);
            return NULL;
        }
    }
    k[key_len] = '\0';
    return k;
}

static void grow(ssc_md *md)
{
    if (md->n < md->alloc)
        return;
    md->alloc = md->alloc ? md->alloc * 2 : 8;
    md->v = ssc_xrealloc(md->v, md->alloc * sizeof(md->v[0]));
}

int ssc_md_add(ssc_md *md, const char *key, size_t key_len,
               const uint8_t *value, size_t value_len)
{
    char *k = key_dup(key, key_len);
    ssc_md_entry *e;

    if (k == NULL)
        return SSC_EINVAL;
    grow(md);
    e = &md->v[md->n++];
    e->key = k;
    e->value = ssc_xmalloc(value_len + 1);
    if (value_len > 0)
        memcpy(e->value, value, value_len);
    e->value[value_len] = '\0';
    e->value_len = value_len;
    md->bytes += key_len + value_len;
    return 0;
}

int ssc_md_add_wire(ssc_md *md, const char *key, size_t key_len,
                    const uint8_t *value, size_t value_len)
{
    uint8_t *raw;
    size_t raw_len;
    int rv;

    if (!ssc_md_is_binary(key, key_len))
        return ssc_md_add(md, key, key_len, value, value_len);
    rv = ssc_b64_decode((const char *)value, value_len, &raw, &raw_len);
    if (rv != 0)
        return rv;
    rv = ssc_md_add(md, key, key_len, raw, raw_len);
    free(raw);
    return rv;
}

const ssc_md_entry *ssc_md_get(const ssc_md *md, const char *key)
{
    size_t i;

    for (i = 0; i < md->n; i++)
        if (strcmp(md->v[i].key, key) == 0)
            return &md->v[i];
    return NULL;
}

void ssc_md_free(ssc_md *md)
{
    size_t i;

    for (i = 0; i < md->n; i++) {
        free(md->v[i].key);
        free(md->v[i].value);
    }
    free(md->v);
    ssc_md_init(md);
}

/* Non-zero when the key_len bytes at key end in suffix, ignoring case. */
static int has_suffix(const char *key, size_t key_len, const char *suffix)
{
    size_t n = strlen(suffix);

    return key_len >= n && strncasecmp(key + key_len - n, suffix, n) == 0;
}

/* Non-zero when the key_len bytes at key are exactly word, ignoring case. */
static int is_word(const char *key, size_t key_len, const char *word)
{
    return key_len == strlen(word) && strncasecmp(key, word, key_len) == 0;
}

int ssc_md_is_binary(const char *key, size_t key_len)
{
    return has_suffix(key, key_len, "-bin");
}

int ssc_md_is_reserved(const char *key, size_t key_len)
{
    if (key_len > 0 && key[0] == ':')
        return 1;
    if (key_len >= 5 && strncasecmp(key, "grpc-", 5) == 0)
        return 1;
    return is_word(key, key_len, "content-type") ||
           is_word(key, key_len, "te") || is_word(key, key_len, "user-agent");
}
