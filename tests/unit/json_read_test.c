/*
 * json_read_test.c - the fast JSON reader gives what json_loadb gives: the
 * same values for the texts it reads itself, and the same answer (a value or
 * a failure) for those it hands to jansson.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "json_read.h"

#include <string.h>

/* Both readers on text; equal values, or both fail. */
static void same(const char *text)
{
    json_t *want = json_loadb(text, strlen(text), JSON_DECODE_ANY, NULL);
    json_t *got = ssc_json_read(text, strlen(text));

    if (want == NULL) {
        assert_null(got);
        return;
    }
    assert_non_null(got);
    assert_true(json_equal(want, got));
    json_decref(want);
    json_decref(got);
}

static void test_rows(void **state)
{
    (void)state;
    same("{\"id\": 1, \"kind\": \"danish_authority\", \"name\": \"store "
         "bench\", \"country\": \"DK\", \"version\": 1, \"parent_id\": null, "
         "\"created_at\": \"2026-11-22T01:53:43.365941Z\", \"short_name\": "
         "\"\"}");
    same("[{\"a\": [1, 2, {\"b\": [true, false, null]}]}, [], {}]");
    same(" {\"dup\": 1, \"dup\": 2} ");
    same("{\"payload\": {\"x\": \"y\", \"n\": -12}, \"h\": \"\\\\x00ff\"}");
}

static void test_scalars(void **state)
{
    (void)state;
    same("0");
    same("-0");
    same("9223372036854775807");
    same("-9223372036854775808");
    same("\"\"");
    same("true");
    same("null");
}

static void test_strings(void **state)
{
    (void)state;
    same("\"tab\\tnl\\nq\\\"bs\\\\sl\\/\\b\\f\\r\"");
    same("\"\\u00e6\\u00f8\\u00e5 \\u20ac \\ud83d\\ude00\"");
    same("\"r\xc3\xb8"
         "dgr\xc3\xb8"
         "d\"");
    same("{\"\\u00e6\": 1}");
}

/* What the reader leaves to jansson. */
static void test_handed_over(void **state)
{
    (void)state;
    same("1.5");
    same("1e3");
    same("9223372036854775808");
    same("-9223372036854775809");
    same("\"\\u0000\"");
    same("\"\\udc00\"");
    same("\"\\ud800x\"");
    same("\"\xff\"");
    same("{\"a\\u0000b\": 1}");
    same("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
         "[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
         "]]]]]]]]]]]]");
}

static void test_malformed(void **state)
{
    (void)state;
    same("");
    same("{");
    same("{\"a\" 1}");
    same("{\"a\": 1,}");
    same("[1 2]");
    same("01");
    same("-");
    same("tru");
    same("\"open");
    same("\"ctl\x01\"");
    same("\"\\q\"");
    same("{} x");
    same("12abc");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows),      cmocka_unit_test(test_scalars),
        cmocka_unit_test(test_strings),   cmocka_unit_test(test_handed_over),
        cmocka_unit_test(test_malformed),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
