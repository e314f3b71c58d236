/*
 * b64_test.c - unit tests for transport/b64.c (RFC 4648 section 4).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "b64.h"
#include "err.h"

#include <stdlib.h>
#include <string.h>

/* RFC 4648 section 10, with and without padding. */
static const struct {
    const char *raw;
    const char *padded;
    const char *unpadded;
} rfc_vectors[] = {
    {"", "", ""},
    {"f", "Zg==", "Zg"},
    {"fo", "Zm8=", "Zm8"},
    {"foo", "Zm9v", "Zm9v"},
    {"foob", "Zm9vYg==", "Zm9vYg"},
    {"fooba", "Zm9vYmE=", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
};

#define NVECTORS (sizeof(rfc_vectors) / sizeof(rfc_vectors[0]))

static void decode_ok(const char *s, const void *want, size_t want_len)
{
    uint8_t *out = NULL;
    size_t len = 0;

    assert_int_equal(ssc_b64_decode(s, strlen(s), &out, &len), 0);
    assert_non_null(out);
    assert_int_equal(len, want_len);
    assert_memory_equal(out, want, want_len);
    free(out);
}

/* A rejected input must leave *out alone and allocate nothing. */
static void decode_bad(const char *s, size_t n)
{
    uint8_t sentinel;
    uint8_t *out = &sentinel;
    size_t len = 99;

    assert_int_equal(ssc_b64_decode(s, n, &out, &len), SSC_EINVAL);
    assert_ptr_equal(out, &sentinel);
}

static void test_encode_rfc_vectors(void **state)
{
    size_t i;

    for (i = 0; i < NVECTORS; i++) {
        size_t len = 0;
        char *out = ssc_b64_encode((const uint8_t *)rfc_vectors[i].raw,
                                   strlen(rfc_vectors[i].raw), &len);

        assert_string_equal(out, rfc_vectors[i].unpadded);
        assert_int_equal(len, strlen(rfc_vectors[i].unpadded));
        free(out);
    }
}

static void test_decode_padded(void **state)
{
    size_t i;

    for (i = 0; i < NVECTORS; i++)
        decode_ok(rfc_vectors[i].padded, rfc_vectors[i].raw,
                  strlen(rfc_vectors[i].raw));
}

static void test_decode_unpadded(void **state)
{
    size_t i;

    for (i = 0; i < NVECTORS; i++)
        decode_ok(rfc_vectors[i].unpadded, rfc_vectors[i].raw,
                  strlen(rfc_vectors[i].raw));
}

static void test_plus_and_slash(void **state)
{
    const uint8_t raw[] = {0xfb, 0xff, 0xbf};
    char *out = ssc_b64_encode(raw, sizeof(raw), NULL);

    assert_string_equal(out, "+/+/");
    decode_ok(out, raw, sizeof(raw));
    free(out);
}

static void test_round_trip_all_bytes(void **state)
{
    uint8_t raw[256];
    uint8_t *dec = NULL;
    size_t elen = 0;
    size_t dlen = 0;
    size_t n;
    char *enc;
    int i;

    for (i = 0; i < 256; i++)
        raw[i] = (uint8_t)(255 - i);
    for (n = 0; n <= sizeof(raw); n++) {
        enc = ssc_b64_encode(raw, n, &elen);
        assert_int_equal(elen, strlen(enc));
        assert_int_not_equal(elen % 4, 1);
        assert_int_equal(ssc_b64_decode(enc, elen, &dec, &dlen), 0);
        assert_int_equal(dlen, n);
        assert_memory_equal(dec, raw, n);
        free(enc);
        free(dec);
    }
}

static void test_invalid_chars(void **state)
{
    decode_bad("Zm9v!", 5);
    decode_bad("Zm 9v", 5);
    decode_bad("Zm9v\n", 5);
    decode_bad("Zm9-", 4);
    decode_bad("Zm9_", 4);
    decode_bad("Zm\0v", 4);
    decode_bad("Zm9\x80", 4);
}

static void test_bad_padding(void **state)
{
    decode_bad("Zg=", 3);
    decode_bad("Zg=a", 4);
    decode_bad("=Zg=", 4);
    decode_bad("Z===", 4);
    decode_bad("====", 4);
    decode_bad("==", 2);
    decode_bad("Zm9v=", 5);
    decode_bad("Zm9v==", 6);
    decode_bad("Zm9v====", 8);
    decode_bad("Zg==Zg==", 8);
}

static void test_impossible_length(void **state)
{
    decode_bad("Z", 1);
    decode_bad("Zm9vY", 5);
    decode_bad("Zm9vYmFyZ", 9);
}

/* Unused low bits of the last character are ignored, as most decoders do. */
static void test_nonzero_trailing_bits_accepted(void **state)
{
    decode_ok("Zh", "f", 1);
    decode_ok("Zm9=", "fo", 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_rfc_vectors),
        cmocka_unit_test(test_decode_padded),
        cmocka_unit_test(test_decode_unpadded),
        cmocka_unit_test(test_plus_and_slash),
        cmocka_unit_test(test_round_trip_all_bytes),
        cmocka_unit_test(test_invalid_chars),
        cmocka_unit_test(test_bad_padding),
        cmocka_unit_test(test_impossible_length),
        cmocka_unit_test(test_nonzero_trailing_bits_accepted),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
