/*
 * pct_test.c - unit tests for transport/pct.c (grpc-message encoding).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "pct.h"

#include <stdlib.h>
#include <string.h>

static void check_encode(const char *in, size_t n, const char *want)
{
    size_t len = 0;
    char *out = ssc_pct_encode(in, n, &len);

    assert_string_equal(out, want);
    assert_int_equal(len, strlen(want));
    free(out);
}

static void check_decode(const char *in, const char *want, size_t want_len)
{
    size_t len = 0;
    char *out = ssc_pct_decode(in, strlen(in), &len);

    assert_int_equal(len, want_len);
    assert_memory_equal(out, want, want_len);
    assert_int_equal(out[len], '\0');
    free(out);
}

static void test_printable_ascii_unchanged(void **state)
{
    const char *punct = "~! \"#$&'()*+,-./:;<=>?@[\\]^_`{|}";

    check_encode("", 0, "");
    check_encode("hello world", 11, "hello world");
    check_encode(punct, strlen(punct), punct);
}

static void test_percent_is_escaped(void **state)
{
    check_encode("%", 1, "%25");
    check_encode("100%", 4, "100%25");
    check_encode("%25", 3, "%2525");
}

static void test_utf8_is_escaped(void **state)
{
    check_encode("caf\xc3\xa9", 5, "caf%C3%A9");
    check_encode("\xf0\x9f\x98\x80", 4, "%F0%9F%98%80");
}

static void test_control_chars_are_escaped(void **state)
{
    check_encode("a\tb\nc\r", 6, "a%09b%0Ac%0D");
    check_encode("\x7f", 1, "%7F");
    check_encode("x\0y", 3, "x%00y");
    check_encode("\x1f\x20", 2, "%1F%20");
}

/* HTTP/2 forbids a field value that begins or ends with whitespace. */
static void test_edge_spaces_are_escaped(void **state)
{
    check_encode(" ", 1, "%20");
    check_encode("  ", 2, "%20%20");
    check_encode(" a b ", 5, "%20a b%20");
    check_encode("unknown service ", 16, "unknown service%20");
    check_decode("%20a b%20", " a b ", 5);
}

static void test_outlen_optional(void **state)
{
    char *out = ssc_pct_encode("a%", 2, NULL);

    assert_string_equal(out, "a%25");
    free(out);
    out = ssc_pct_decode("a%25", 4, NULL);
    assert_string_equal(out, "a%");
    free(out);
}

static void test_decode(void **state)
{
    check_decode("", "", 0);
    check_decode("plain", "plain", 5);
    check_decode("caf%C3%A9", "caf\xc3\xa9", 5);
    check_decode("caf%c3%a9", "caf\xc3\xa9", 5);
    check_decode("%25", "%", 1);
    check_decode("a%00b", "a\0b", 3);
}

static void test_decode_lenient(void **state)
{
    check_decode("%", "%", 1);
    check_decode("100%", "100%", 4);
    check_decode("%4", "%4", 2);
    check_decode("%zz", "%zz", 3);
    check_decode("%4g", "%4g", 3);
    check_decode("%g4", "%g4", 3);
    check_decode("%%41", "%A", 2);
    check_decode("50% off", "50% off", 7);
}

static void test_decode_stops_at_n(void **state)
{
    size_t len = 0;
    char *out = ssc_pct_decode("ab%41", 4, &len);

    assert_int_equal(len, 4);
    assert_string_equal(out, "ab%4");
    free(out);
}

static void test_round_trip_all_bytes(void **state)
{
    char in[256];
    size_t elen = 0;
    size_t dlen = 0;
    char *enc;
    char *dec;
    int i;

    for (i = 0; i < 256; i++)
        in[i] = (char)i;
    enc = ssc_pct_encode(in, sizeof(in), &elen);
    /* The 94 printable bytes other than '%' stay; the other 162 take three. */
    assert_int_equal(elen, 94 + 162 * 3);
    for (i = 0; i < (int)elen; i++)
        assert_true(enc[i] >= 0x20 && enc[i] <= 0x7e);
    dec = ssc_pct_decode(enc, elen, &dlen);
    assert_int_equal(dlen, sizeof(in));
    assert_memory_equal(dec, in, sizeof(in));
    free(enc);
    free(dec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_printable_ascii_unchanged),
        cmocka_unit_test(test_percent_is_escaped),
        cmocka_unit_test(test_utf8_is_escaped),
        cmocka_unit_test(test_control_chars_are_escaped),
        cmocka_unit_test(test_edge_spaces_are_escaped),
        cmocka_unit_test(test_outlen_optional),
        cmocka_unit_test(test_decode),
        cmocka_unit_test(test_decode_lenient),
        cmocka_unit_test(test_decode_stops_at_n),
        cmocka_unit_test(test_round_trip_all_bytes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
