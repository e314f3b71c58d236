/*
 * bar_test.c - unit tests for client/bar.c: the widths of a pool's bar,
 * exact for any int64 figures, and the bar with its legend.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "bar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void widths_are(int64_t total, int64_t committed, int64_t disbursed,
                       int width, int w0, int w1, int w2)
{
    cli_bar_figures f = {total, committed, disbursed};
    int w[CLI_BAR_PARTS] = {-1, -1, -1};

    assert_int_equal(cli_bar_widths(&f, width, w), 0);
    assert_int_equal(w[0], w0);
    assert_int_equal(w[1], w1);
    assert_int_equal(w[2], w2);
}

static void test_widths(void **state)
{
    (void)state;
    /* DKK 100M: 2M disbursed of 25M committed, 40 cells. */
    widths_are(10000000000, 2500000000, 200000000, 40, 1, 9, 30);
    widths_are(100, 50, 25, 40, 10, 10, 20);
    widths_are(100, 0, 0, 40, 0, 0, 40);
    widths_are(100, 100, 100, 40, 40, 0, 0);
    widths_are(100, 100, 0, 40, 0, 40, 0);
    widths_are(0, 0, 0, 20, 0, 0, 20); /* an empty pool: all available */
    /* Rounding to the nearest cell, halves up: 1/80 of 40 cells is half a
     * cell, 1/81 less than half. */
    widths_are(80, 1, 0, 40, 0, 1, 39);
    widths_are(81, 1, 0, 40, 0, 0, 40);
    widths_are(3, 1, 1, 10, 3, 0, 7);
    widths_are(3, 2, 1, 10, 3, 4, 3);
}

/* Figures near INT64_MAX, where a * width would overflow an int64. */
static void test_widths_no_overflow(void **state)
{
    (void)state;
    widths_are(INT64_MAX, INT64_MAX, INT64_MAX, CLI_BAR_MAX, CLI_BAR_MAX, 0, 0);
    widths_are(INT64_MAX, INT64_MAX / 2, INT64_MAX / 4, 100, 25, 25, 50);
    widths_are(INT64_MAX, INT64_MAX - 1, 1, 200, 0, 200, 0);
    widths_are(INT64_MAX, 1, 1, 10, 0, 0, 10);
}

/* The parts always fill the bar, for any figures. */
static void test_widths_sum(void **state)
{
    (void)state;
    srand(11);
    for (int i = 0; i < 20000; i++) {
        int64_t t = ((int64_t)rand() << 32 ^ rand()) & INT64_MAX;
        int64_t c =
            t > 0 ? (int64_t)((uint64_t)rand() * 2654435761u % (uint64_t)t) : 0;
        int64_t d = c > 0 ? c / (1 + rand() % 7) : 0;
        cli_bar_figures f = {t, c, d};
        int width = CLI_BAR_MIN + rand() % (CLI_BAR_MAX - CLI_BAR_MIN + 1);
        int w[CLI_BAR_PARTS];

        assert_int_equal(cli_bar_widths(&f, width, w), 0);
        assert_true(w[0] >= 0 && w[1] >= 0 && w[2] >= 0);
        assert_int_equal(w[0] + w[1] + w[2], width);
        if (d == 0)
            assert_int_equal(w[0], 0);
        if (c == t)
            assert_int_equal(w[2], 0);
    }
}

static void test_widths_refuse(void **state)
{
    cli_bar_figures bad[] = {
        {100, 50, 60},  /* disbursed above committed */
        {100, 150, 10}, /* committed above total */
        {100, 50, -1},  /* negative */
        {-10, -5, -5},
    };
    cli_bar_figures ok = {100, 50, 10};
    int w[CLI_BAR_PARTS] = {7, 7, 7};

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(cli_bar_widths(&bad[i], 40, w), -1);
    assert_int_equal(cli_bar_widths(&ok, CLI_BAR_MIN - 1, w), -1);
    assert_int_equal(cli_bar_widths(&ok, CLI_BAR_MAX + 1, w), -1);
    assert_int_equal(w[0], 7);
}

static char *printed(const cli_bar_figures *f, const char *currency, int width,
                     int utf8, int *rc)
{
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);

    assert_non_null(m);
    *rc = cli_bar_print(m, f, currency, width, utf8);
    fclose(m);
    return text;
}

static void test_print_ascii(void **state)
{
    cli_bar_figures f = {10000000000, 2500000000, 200000000};
    int rc;
    char *text = printed(&f, "DKK", 20, 0, &rc);

    (void)state;
    assert_int_equal(rc, 0);
    assert_string_equal(text,
                        "[+++++...............]\n"
                        "# committed and disbursed     DKK 2,000,000.00\n"
                        "+ committed, not disbursed   DKK 23,000,000.00\n"
                        ". available                  DKK 75,000,000.00\n"
                        "  total                     DKK 100,000,000.00\n");
    free(text);
}

static void test_print_utf8(void **state)
{
    cli_bar_figures f = {100, 50, 25};
    int rc;
    char *text = printed(&f, "EUR", 12, 1, &rc);

    (void)state;
    assert_int_equal(rc, 0);
    assert_non_null(strstr(text, "[\u2588\u2588\u2588\u2593\u2593\u2593"
                                 "\u2591\u2591\u2591\u2591\u2591\u2591]\n"));
    assert_non_null(strstr(text, "\u2591 available"));
    assert_non_null(strstr(text, "EUR 0.50\n"));
    free(text);
}

static void test_print_refuses(void **state)
{
    cli_bar_figures f = {100, 150, 25};
    int rc;
    char *text = printed(&f, "DKK", 20, 0, &rc);

    (void)state;
    assert_int_equal(rc, -1);
    assert_string_equal(text, "");
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_widths),
        cmocka_unit_test(test_widths_no_overflow),
        cmocka_unit_test(test_widths_sum),
        cmocka_unit_test(test_widths_refuse),
        cmocka_unit_test(test_print_ascii),
        cmocka_unit_test(test_print_utf8),
        cmocka_unit_test(test_print_refuses),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
