/*
 * progress_test.c - the progress line of `ssc payroll import`
 * (client/progress.c): its text for a known and an unknown size, at the
 * start, half way and at the end, grouping, and that it is never drawn
 * when off.
 */
#include "progress.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void fmt(char *buf, uint64_t lines, uint64_t bytes, uint64_t size,
                uint64_t ms)
{
    cli_progress_format(buf, 160, lines, bytes, size, ms);
}

static void unknown_size(void **state)
{
    char buf[160];

    (void)state;
    fmt(buf, 1234567, 99, 0, 2000);
    assert_string_equal(buf, "lines 1,234,567  617,283 lines/s");
    fmt(buf, 0, 0, 0, 0);
    assert_string_equal(buf, "lines 0  0 lines/s");
}

static void known_size(void **state)
{
    char buf[160];

    (void)state;
    fmt(buf, 0, 0, 1000, 0);
    assert_string_equal(buf,
                        "lines 0    0%  [....................]  0 lines/s");
    fmt(buf, 500000, 500, 1000, 5000);
    assert_string_equal(buf, "lines 500,000   50%  [##########..........]  "
                             "100,000 lines/s  0:05 left");
    fmt(buf, 1000000, 1000, 1000, 10000);
    assert_string_equal(buf, "lines 1,000,000  100%  [####################]  "
                             "100,000 lines/s  0:00 left");
    /* a minute and more left; bytes past the size count as the size */
    fmt(buf, 10, 1, 100, 1000);
    assert_string_equal(buf, "lines 10    1%  [....................]  "
                             "10 lines/s  1:39 left");
    fmt(buf, 10, 200, 100, 1000);
    assert_string_equal(buf, "lines 10  100%  [####################]  "
                             "10 lines/s  0:00 left");
}

static void off_draws_nothing(void **state)
{
    char out[512] = "";
    FILE *f = fmemopen(out, sizeof(out), "w");
    cli_progress p;

    (void)state;
    assert_non_null(f);
    cli_progress_new(&p, f, 0, 1000);
    cli_progress_update(&p, 5, 5, 10, 2000, 1);
    cli_progress_done(&p);
    fclose(f);
    assert_string_equal(out, "");
}

static void on_redraws_in_place(void **state)
{
    char out[512];
    FILE *f;
    cli_progress p;

    (void)state;
    memset(out, 0, sizeof(out));
    f = fmemopen(out, sizeof(out), "w");
    assert_non_null(f);
    cli_progress_new(&p, f, 1, 0);
    cli_progress_update(&p, 1000, 1, 0, 1000, 0);
    cli_progress_update(&p, 2000, 2, 0, 1050, 0); /* within 100 ms: skipped */
    cli_progress_update(&p, 3, 3, 0, 1200, 0);    /* shorter: blanked over */
    cli_progress_done(&p);
    fclose(f);
    assert_string_equal(out, "\rlines 1,000  1,000 lines/s"
                             "\rlines 3  2 lines/s        "
                             "\r                  \r");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unknown_size),
        cmocka_unit_test(known_size),
        cmocka_unit_test(off_draws_nothing),
        cmocka_unit_test(on_redraws_in_place),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
