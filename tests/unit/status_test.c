/*
 * status_test.c - unit tests for transport/status.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "status.h"

static void test_names(void **state)
{
    assert_string_equal(ssc_status_name(SSC_STATUS_OK), "OK");
    assert_string_equal(ssc_status_name(3), "INVALID_ARGUMENT");
    assert_string_equal(ssc_status_name(SSC_STATUS_DEADLINE_EXCEEDED),
                        "DEADLINE_EXCEEDED");
    assert_string_equal(ssc_status_name(16), "UNAUTHENTICATED");
}

static void test_out_of_range_is_unknown(void **state)
{
    assert_string_equal(ssc_status_name(-1), "UNKNOWN");
    assert_string_equal(ssc_status_name(17), "UNKNOWN");
    assert_string_equal(ssc_status_name(1000), "UNKNOWN");
}

static void test_from_name(void **state)
{
    assert_int_equal(ssc_status_from_name("OK"), 0);
    assert_int_equal(ssc_status_from_name("NOT_FOUND"), 5);
    assert_int_equal(ssc_status_from_name("UNKNOWN"), 2);
    assert_int_equal(ssc_status_from_name("UNAUTHENTICATED"), 16);
}

static void test_from_name_rejects(void **state)
{
    assert_int_equal(ssc_status_from_name(""), -1);
    assert_int_equal(ssc_status_from_name("ok"), -1);
    assert_int_equal(ssc_status_from_name("NOT_FOUND "), -1);
    assert_int_equal(ssc_status_from_name("3"), -1);
}

static void test_round_trip(void **state)
{
    int code;

    for (code = 0; code <= 16; code++)
        assert_int_equal(ssc_status_from_name(ssc_status_name(code)), code);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_out_of_range_is_unknown),
        cmocka_unit_test(test_from_name),
        cmocka_unit_test(test_from_name_rejects),
        cmocka_unit_test(test_round_trip),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
