/*
 * money_test.c - unit tests for client/money.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "money.h"

#include <string.h>

static void format_is(int64_t minor, const char *currency, unsigned flags,
                      const char *want)
{
    char buf[CLI_MONEY_LEN];
    size_t n = cli_money_format(minor, currency, flags, buf, sizeof(buf));

    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));
}

static void test_format(void **state)
{
    (void)state;
    format_is(0, NULL, 0, "0.00");
    format_is(5, "", 0, "0.05");
    format_is(99, NULL, 0, "0.99");
    format_is(100000, NULL, 0, "1,000.00");
    format_is(99999, NULL, 0, "999.99");
    format_is(2500000000, "DKK", 0, "DKK 25,000,000.00");
    format_is(52704400, "EUR", 0, "EUR 527,044.00");
    format_is(-123450, "DKK", 0, "DKK -1,234.50");
    format_is(150000, "DKK", CLI_MONEY_PLUS, "DKK +1,500.00");
    format_is(0, "DKK", CLI_MONEY_PLUS, "DKK 0.00");
    format_is(-150000, NULL, CLI_MONEY_PLUS, "-1,500.00");
    format_is(INT64_MAX, "DKK", 0, "DKK 92,233,720,368,547,758.07");
    format_is(INT64_MIN, "DKK", 0, "DKK -92,233,720,368,547,758.08");
}

/* A buffer too small: truncated, terminated, the full length returned. */
static void test_format_truncates(void **state)
{
    char buf[8];

    (void)state;
    assert_int_equal(cli_money_format(2500000000, "DKK", 0, buf, sizeof(buf)),
                     17);
    assert_string_equal(buf, "DKK 25,");
}

static void parse_is(const char *text, int want_rc, int64_t want)
{
    int64_t v = -7;

    assert_int_equal(cli_money_parse(text, &v), want_rc);
    assert_true(v == (want_rc == 0 ? want : -7));
}

static void test_parse(void **state)
{
    (void)state;
    parse_is("1", 0, 100);
    parse_is("527044.00", 0, 52704400);
    parse_is("403770", 0, 40377000);
    parse_is("12.5", 0, 1250);
    parse_is("12.05", 0, 1205);
    parse_is("0.01", 0, 1);
    parse_is("007.10", 0, 710);
    parse_is("92233720368547758.07", 0, INT64_MAX);
    parse_is("92233720368547758", 0, INT64_MAX - 7);
}

static void test_parse_refuses(void **state)
{
    static const char *const bad[] = {
        "",   "12,5",  "1,000.00", "-5",   "+5",  " 5",    "5 ",   ".5",
        "5.", "5.123", "1e3",      "5.0.", "abc", "DKK 5", "5.-1",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        parse_is(bad[i], CLI_MONEY_EFORMAT, 0);
    parse_is("0", CLI_MONEY_EZERO, 0);
    parse_is("0.00", CLI_MONEY_EZERO, 0);
    parse_is("000.0", CLI_MONEY_EZERO, 0);
}

/* One minor unit past INT64_MAX, and far past it, are refused, never
 * wrapped. */
static void test_parse_overflow(void **state)
{
    (void)state;
    parse_is("92233720368547758.08", CLI_MONEY_ERANGE, 0);
    parse_is("92233720368547759", CLI_MONEY_ERANGE, 0);
    parse_is("92233720368547758.1", CLI_MONEY_ERANGE, 0);
    parse_is("99999999999999999999", CLI_MONEY_ERANGE, 0);
    parse_is("100000000000000000000000000000.00", CLI_MONEY_ERANGE, 0);
}

/* What it parses, it formats back the same way. */
static void test_round_trip(void **state)
{
    static const int64_t values[] = {1,        99,        100,
                                     52704400, 123456789, INT64_MAX};
    char buf[CLI_MONEY_LEN], plain[CLI_MONEY_LEN];

    (void)state;
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        int64_t back = 0;
        size_t k = 0;

        cli_money_format(values[i], NULL, 0, buf, sizeof(buf));
        for (const char *p = buf; *p; p++)
            if (*p != ',')
                plain[k++] = *p;
        plain[k] = '\0';
        assert_int_equal(cli_money_parse(plain, &back), 0);
        assert_true(back == values[i]);
    }
}

static void test_strerror(void **state)
{
    (void)state;
    assert_string_equal(cli_money_strerror(CLI_MONEY_EFORMAT),
                        "is not an amount with at most two decimals");
    assert_string_equal(cli_money_strerror(CLI_MONEY_ERANGE),
                        "is more than the largest amount, "
                        "92233720368547758.07");
    assert_string_equal(cli_money_strerror(CLI_MONEY_EZERO),
                        "is not more than 0");
    assert_string_equal(cli_money_strerror(-99), "is not an amount");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_format_truncates),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_parse_refuses),
        cmocka_unit_test(test_parse_overflow),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_strerror),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
