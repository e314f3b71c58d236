/*
 * hex_test.c - unit tests for transport/hex.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hex.h"

#include <string.h>

static void test_value(void **state)
{
    const char *digits = "0123456789abcdef";

    (void)state;
    for (int i = 0; i < 16; i++)
        assert_int_equal(ssc_hex_value(digits[i]), i);
    for (int i = 10; i < 16; i++)
        assert_int_equal(ssc_hex_value("ABCDEF"[i - 10]), i);
    for (int c = -1; c < 256; c++) {
        if (c >= 0 && strchr("0123456789abcdefABCDEF", c) != NULL && c != 0)
            continue;
        assert_int_equal(ssc_hex_value(c), -1);
    }
}

static void test_encode(void **state)
{
    const uint8_t bytes[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
    char out[2 * sizeof(bytes) + 1];

    (void)state;
    memset(out, 'x', sizeof(out));
    ssc_hex_encode(bytes, sizeof(bytes), out);
    assert_string_equal(out, "00017f80abff");
    memset(out, 'x', sizeof(out));
    ssc_hex_encode(bytes, 0, out);
    assert_string_equal(out, "");
}

/* Every byte survives encoding and decoding with ssc_hex_value. */
static void test_round_trip(void **state)
{
    uint8_t all[256];
    char text[2 * sizeof(all) + 1];

    (void)state;
    for (int i = 0; i < 256; i++)
        all[i] = (uint8_t)i;
    ssc_hex_encode(all, sizeof(all), text);
    for (int i = 0; i < 256; i++)
        assert_int_equal(ssc_hex_value(text[2 * i]) * 16 +
                             ssc_hex_value(text[2 * i + 1]),
                         i);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value),
        cmocka_unit_test(test_encode),
        cmocka_unit_test(test_round_trip),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
