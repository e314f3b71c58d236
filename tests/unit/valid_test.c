/*
 * valid_test.c - the input rules shared by the services.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "valid.h"

#include <string.h>

static void test_text(void **state)
{
    char why[128];

    (void)state;
    assert_int_equal(
        ssc_valid_text("name", "Energistyrelsen", 200, 0, why, sizeof(why)), 0);
    /* Blanks around are trimmed before the rules apply. */
    assert_int_equal(ssc_valid_text("name", "  \t ", 200, 0, why, sizeof(why)),
                     -1);
    assert_string_equal(why, "name: must not be empty");
    assert_int_equal(ssc_valid_text("short_name", " ", 32, 1, why, sizeof(why)),
                     0);
    assert_int_equal(ssc_valid_text("name",
                                    "a\x01"
                                    "b",
                                    200, 0, why, sizeof(why)),
                     -1);
    assert_string_equal(why, "name: must not contain control characters");
    /* Characters, not bytes: four 2-byte letters fit a limit of 4. */
    assert_int_equal(ssc_valid_text("name", "\xc3\xb8\xc3\xb8\xc3\xb8\xc3\xb8",
                                    4, 0, why, sizeof(why)),
                     0);
    assert_int_equal(ssc_valid_text("name", "abcde", 4, 0, why, sizeof(why)),
                     -1);
    assert_string_equal(why, "name: must be at most 4 characters, not 5");
}

static void test_idempotency_key(void **state)
{
    char why[128], key[SSC_VALID_KEY_MAX_BYTES + 2];

    (void)state;
    assert_int_equal(ssc_valid_idempotency_key("", why, sizeof(why)), 0);
    memset(key, 'k', sizeof(key) - 2);
    key[sizeof(key) - 2] = '\0';
    assert_int_equal(ssc_valid_idempotency_key(key, why, sizeof(why)), 0);
    key[sizeof(key) - 2] = 'k';
    key[sizeof(key) - 1] = '\0';
    assert_int_equal(ssc_valid_idempotency_key(key, why, sizeof(why)), -1);
    assert_string_equal(why, "idempotency_key: must be at most 128 bytes");
}

static void test_int64_param(void **state)
{
    char buf[24];

    (void)state;
    assert_string_equal(ssc_valid_int64_param(0, buf), "0");
    assert_string_equal(ssc_valid_int64_param(INT64_MIN, buf),
                        "-9223372036854775808");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_idempotency_key),
        cmocka_unit_test(test_int64_param),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
