/*
 * md_fuzz.c - fuzzes metadata as received on the wire (transport/md.c).
 *
 * The input is a list of pairs, each a key length byte, the key, a value
 * length byte and the value (lengths clipped to what is left). Every pair
 * goes through ssc_md_add_wire(); an accepted pair must be stored last,
 * under its lower-cased key, with its value as sent (or base64-decoded for a
 * "-bin" key), and be found by ssc_md_get().
 *
 * Entry points: LLVMFuzzerTestOneInput().
 */
#include "fuzz.h"

#include "b64.h"
#include "md.h"

#include <ctype.h>
#include <string.h>

/* Takes a length byte and that many bytes (or what is left) at *pos. */
static const uint8_t *take(const uint8_t *data, size_t size, size_t *pos,
                           size_t *len)
{
    const uint8_t *p;

    *len = *pos < size ? data[(*pos)++] : 0;
    if (*len > size - *pos)
        *len = size - *pos;
    p = data + *pos;
    *pos += *len;
    return p;
}

/* The value md must hold for this wire value. */
static void check_value(const ssc_md_entry *e, const char *key, size_t key_len,
                        const uint8_t *value, size_t value_len)
{
    uint8_t *raw;
    size_t raw_len;

    if (!ssc_md_is_binary(key, key_len)) {
        SSC_FUZZ_REQUIRE(e->value_len == value_len);
        SSC_FUZZ_REQUIRE(value_len == 0 ||
                         memcmp(e->value, value, value_len) == 0);
        return;
    }
    SSC_FUZZ_REQUIRE(
        ssc_b64_decode((const char *)value, value_len, &raw, &raw_len) == 0);
    SSC_FUZZ_REQUIRE(e->value_len == raw_len);
    SSC_FUZZ_REQUIRE(raw_len == 0 || memcmp(e->value, raw, raw_len) == 0);
    free(raw);
}

static void check_added(const ssc_md *md, size_t before, const char *key,
                        size_t key_len, const uint8_t *value, size_t value_len)
{
    const ssc_md_entry *e;
    char lower[256];

    SSC_FUZZ_REQUIRE(md->n == before + 1);
    e = &md->v[md->n - 1];
    for (size_t i = 0; i < key_len; i++)
        lower[i] = (char)tolower((unsigned char)key[i]);
    lower[key_len] = '\0';
    SSC_FUZZ_REQUIRE(strcmp(e->key, lower) == 0);
    check_value(e, key, key_len, value, value_len);
    SSC_FUZZ_REQUIRE(ssc_md_get(md, lower) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *key, *value;
    size_t key_len, value_len, pos = 0, before;
    ssc_md md;

    ssc_md_init(&md);
    while (pos < size) {
        key = take(data, size, &pos, &key_len);
        value = take(data, size, &pos, &value_len);
        before = md.n;
        if (ssc_md_add_wire(&md, (const char *)key, key_len, value,
                            value_len) == 0)
            check_added(&md, before, (const char *)key, key_len, value,
                        value_len);
        else
            SSC_FUZZ_REQUIRE(md.n == before);
    }
    ssc_md_free(&md);
    return 0;
}
