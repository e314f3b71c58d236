/*
 * timeout_test.c - unit tests for transport/timeout.c (grpc-timeout).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "err.h"
#include "timeout.h"

#include <string.h>

#define HOUR_MS UINT64_C(3600000)

static uint64_t parse_ok(const char *s)
{
    uint64_t ms = 12345;

    assert_int_equal(ssc_timeout_parse(s, strlen(s), &ms), 0);
    return ms;
}

static void parse_bad(const char *s, size_t n)
{
    uint64_t ms = 12345;

    assert_int_equal(ssc_timeout_parse(s, n, &ms), SSC_EINVAL);
    assert_int_equal(ms, 12345);
}

static void check_format(uint64_t ms, const char *want)
{
    char out[16];
    size_t len = ssc_timeout_format(ms, out);

    assert_string_equal(out, want);
    assert_int_equal(len, strlen(want));
}

static void test_units(void **state)
{
    assert_int_equal(parse_ok("1H"), HOUR_MS);
    assert_int_equal(parse_ok("2M"), 120000);
    assert_int_equal(parse_ok("3S"), 3000);
    assert_int_equal(parse_ok("4m"), 4);
    assert_int_equal(parse_ok("5000u"), 5);
    assert_int_equal(parse_ok("6000000n"), 6);
}

static void test_rounds_up(void **state)
{
    assert_int_equal(parse_ok("1u"), 1);
    assert_int_equal(parse_ok("999u"), 1);
    assert_int_equal(parse_ok("1001u"), 2);
    assert_int_equal(parse_ok("1n"), 1);
    assert_int_equal(parse_ok("1000001n"), 2);
    assert_int_equal(parse_ok("99999999n"), 100);
}

static void test_zero(void **state)
{
    assert_int_equal(parse_ok("0m"), 0);
    assert_int_equal(parse_ok("0n"), 0);
    assert_int_equal(parse_ok("0H"), 0);
}

static void test_eight_digits(void **state)
{
    assert_int_equal(parse_ok("99999999H"), UINT64_C(99999999) * HOUR_MS);
    assert_int_equal(parse_ok("99999999m"), 99999999);
    assert_int_equal(parse_ok("00000001S"), 1000);
}

static void test_nine_digits_rejected(void **state)
{
    parse_bad("100000000m", 10);
    parse_bad("000000001S", 10);
    parse_bad("999999999H", 10);
}

static void test_empty_and_missing_parts(void **state)
{
    parse_bad("", 0);
    parse_bad("S", 1);
    parse_bad("5", 1);
    parse_bad("10", 2);
}

static void test_bad_unit(void **state)
{
    parse_bad("10s", 3);
    parse_bad("10h", 3);
    parse_bad("10x", 3);
    parse_bad("10U", 3);
    parse_bad("10N", 3);
    parse_bad("10 ", 3);
}

static void test_trailing_and_stray_bytes(void **state)
{
    parse_bad("10S ", 4);
    parse_bad("10SS", 4);
    parse_bad("10S\0", 4);
    parse_bad(" 10S", 4);
    parse_bad("1 0S", 4);
    parse_bad("-1S", 3);
    parse_bad("+1S", 3);
    parse_bad("1.5S", 4);
}

static void test_parse_stops_at_n(void **state)
{
    uint64_t ms = 0;

    assert_int_equal(ssc_timeout_parse("25mXYZ", 3, &ms), 0);
    assert_int_equal(ms, 25);
}

static void test_format(void **state)
{
    check_format(0, "0m");
    check_format(1, "1m");
    check_format(250, "250m");
    check_format(1500, "1500m");
    check_format(30000, "30S");
    check_format(60000, "1M");
    check_format(90000, "90S");
    check_format(2 * HOUR_MS, "2H");
    check_format(99999999, "99999999m");
    check_format(100000000, "100000S");
}

static void test_format_rounds_up_when_inexact(void **state)
{
    check_format(100000001, "100001S");
    check_format(UINT64_C(99999999) * 1000 + 1, "1666667M");
}

static void test_format_clamps(void **state)
{
    check_format(UINT64_C(99999999) * HOUR_MS, "99999999H");
    check_format(UINT64_C(99999999) * HOUR_MS + 1, "99999999H");
    check_format(UINT64_MAX, "99999999H");
}

static int has_exact_encoding(uint64_t ms)
{
    const uint64_t units[] = {1, 1000, 60000, HOUR_MS};
    size_t i;

    for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (ms % units[i] == 0 && ms / units[i] <= 99999999)
            return 1;
    return 0;
}

/* Every exact value must come back unchanged; a rounded one never shorter. */
static void check_round_trip(uint64_t ms)
{
    char out[16];
    size_t len = ssc_timeout_format(ms, out);
    uint64_t back = 0;

    assert_true(len >= 2 && len <= 9);
    assert_int_equal(ssc_timeout_parse(out, len, &back), 0);
    if (has_exact_encoding(ms))
        assert_int_equal(back, ms);
    else
        assert_true(back >= ms);
}

static void test_round_trips(void **state)
{
    uint64_t ms;

    for (ms = 0; ms < 100000; ms++)
        check_round_trip(ms);
    for (ms = 1; ms < UINT64_C(99999999) * HOUR_MS; ms = ms * 3 + 7)
        check_round_trip(ms);
    for (ms = 1000; ms < UINT64_C(99999999) * HOUR_MS; ms *= 7)
        check_round_trip(ms);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_units),
        cmocka_unit_test(test_rounds_up),
        cmocka_unit_test(test_zero),
        cmocka_unit_test(test_eight_digits),
        cmocka_unit_test(test_nine_digits_rejected),
        cmocka_unit_test(test_empty_and_missing_parts),
        cmocka_unit_test(test_bad_unit),
        cmocka_unit_test(test_trailing_and_stray_bytes),
        cmocka_unit_test(test_parse_stops_at_n),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_format_rounds_up_when_inexact),
        cmocka_unit_test(test_format_clamps),
        cmocka_unit_test(test_round_trips),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
