/*
 * md_test.c - unit tests for transport/md.c (gRPC metadata).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "err.h"
#include "md.h"

#include <stdio.h>
#include <string.h>

static int add(ssc_md *md, const char *key, const char *value)
{
    return ssc_md_add(md, key, strlen(key), (const uint8_t *)value,
                      strlen(value));
}

static int add_wire(ssc_md *md, const char *key, const char *value)
{
    return ssc_md_add_wire(md, key, strlen(key), (const uint8_t *)value,
                           strlen(value));
}

static void assert_value(const ssc_md *md, const char *key, const void *want,
                         size_t want_len)
{
    const ssc_md_entry *e = ssc_md_get(md, key);

    assert_non_null(e);
    assert_string_equal(e->key, key);
    assert_int_equal(e->value_len, want_len);
    assert_memory_equal(e->value, want, want_len);
}

static void test_init_empty(void **state)
{
    ssc_md md;

    ssc_md_init(&md);
    assert_int_equal(md.n, 0);
    assert_int_equal(md.bytes, 0);
    assert_null(ssc_md_get(&md, "x"));
    ssc_md_free(&md);
}

static void test_keys_lowercased(void **state)
{
    ssc_md md;

    ssc_md_init(&md);
    assert_int_equal(add(&md, "X-Custom-Key", "Value"), 0);
    assert_string_equal(md.v[0].key, "x-custom-key");
    assert_value(&md, "x-custom-key", "Value", 5);
    assert_null(ssc_md_get(&md, "X-Custom-Key"));
    ssc_md_free(&md);
}

static void test_add_copies(void **state)
{
    char key[] = "k";
    char value[] = "v1";
    ssc_md md;

    ssc_md_init(&md);
    assert_int_equal(add(&md, key, value), 0);
    key[0] = 'z';
    value[1] = '2';
    assert_value(&md, "k", "v1", 2);
    ssc_md_free(&md);
}

static void test_order_duplicates_and_bytes(void **state)
{
    ssc_md md;

    ssc_md_init(&md);
    assert_int_equal(add(&md, "a", "first"), 0);
    assert_int_equal(add(&md, "b", ""), 0);
    assert_int_equal(add(&md, "a", "second"), 0);
    assert_int_equal(md.n, 3);
    assert_string_equal(md.v[2].key, "a");
    assert_value(&md, "a", "first", 5);
    assert_value(&md, "b", "", 0);
    assert_int_equal(md.bytes, 1 + 5 + 1 + 0 + 1 + 6);
    ssc_md_free(&md);
}

static void test_many_entries(void **state)
{
    char key[16];
    ssc_md md;
    int i;

    ssc_md_init(&md);
    for (i = 0; i < 100; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        assert_int_equal(add(&md, key, key), 0);
    }
    assert_int_equal(md.n, 100);
    for (i = 0; i < 100; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        assert_value(&md, key, key, strlen(key));
    }
    ssc_md_free(&md);
}

static void test_valid_key_chars(void **state)
{
    ssc_md md;

    ssc_md_init(&md);
    assert_int_equal(add(&md, "az09_.-", "v"), 0);
    assert_int_equal(add(&md, "AZ", "v"), 0);
    assert_non_null(ssc_md_get(&md, "az"));
    ssc_md_free(&md);
}

static void test_invalid_keys(void **state)
{
    const char *bad[] = {"",    "a b",   "a:b", ":path",   "a/b",
                         "a\t", "k\x80", "a=b", "\xc3\xa9"};
    ssc_md md;
    size_t i;

    ssc_md_init(&md);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(add(&md, bad[i], "v"), SSC_EINVAL);
    assert_int_equal(ssc_md_add(&md, "a\0b", 3, (const uint8_t *)"v", 1),
                     SSC_EINVAL);
    assert_int_equal(add_wire(&md, "a b", "v"), SSC_EINVAL);
    assert_int_equal(add_wire(&md, "a b-bin", "AAEC"), SSC_EINVAL);
    assert_int_equal(md.n, 0);
    assert_int_equal(md.bytes, 0);
    ssc_md_free(&md);
}

static void test_add_binary_is_raw(void **state)
{
    const uint8_t raw[] = {0, 1, 2, 0xff};
    ssc_md md;

    ssc_md_init(&md);
    assert_int_equal(ssc_md_add(&md, "trace-bin", 9, raw, sizeof(raw)), 0);
    assert_value(&md, "trace-bin", raw, sizeof(raw));
    ssc_md_free(&md);
}

static void test_add_wire_decodes_bin(void **state)
{
    const uint8_t three[] = {0, 1, 2};
    const uint8_t two[] = {0, 1};
    ssc_md md;

    ssc_md_init(&md);
    assert_int_equal(add_wire(&md, "a-bin", "AAEC"), 0);
    assert_int_equal(add_wire(&md, "b-bin", "AAE="), 0);
    assert_int_equal(add_wire(&md, "c-bin", "AAE"), 0);
    assert_int_equal(add_wire(&md, "D-BIN", ""), 0);
    assert_value(&md, "a-bin", three, 3);
    assert_value(&md, "b-bin", two, 2);
    assert_value(&md, "c-bin", two, 2);
    assert_value(&md, "d-bin", "", 0);
    ssc_md_free(&md);
}

static void test_add_wire_text_verbatim(void **state)
{
    ssc_md md;

    ssc_md_init(&md);
    assert_int_equal(add_wire(&md, "x-text", "AAEC"), 0);
    assert_int_equal(add_wire(&md, "x-binary", "not base64!"), 0);
    assert_value(&md, "x-text", "AAEC", 4);
    assert_value(&md, "x-binary", "not base64!", 11);
    ssc_md_free(&md);
}

static void test_add_wire_bad_base64(void **state)
{
    ssc_md md;

    ssc_md_init(&md);
    assert_int_equal(add_wire(&md, "a-bin", "A"), SSC_EINVAL);
    assert_int_equal(add_wire(&md, "a-bin", "AA!="), SSC_EINVAL);
    assert_int_equal(add_wire(&md, "a-bin", "AA="), SSC_EINVAL);
    assert_int_equal(md.n, 0);
    ssc_md_free(&md);
}

static void test_is_binary(void **state)
{
    assert_true(ssc_md_is_binary("x-bin", 5));
    assert_true(ssc_md_is_binary("X-BIN", 5));
    assert_true(ssc_md_is_binary("grpc-status-details-bin", 23));
    assert_false(ssc_md_is_binary("bin", 3));
    assert_false(ssc_md_is_binary("x-bin2", 6));
    assert_false(ssc_md_is_binary("xbin", 4));
    assert_false(ssc_md_is_binary("", 0));
    /* Only key_len bytes count. */
    assert_false(ssc_md_is_binary("x-bin", 4));
}

static void test_is_reserved(void **state)
{
    const char *yes[] = {":path",        ":authority",   "content-type",
                         "Content-Type", "te",           "TE",
                         "user-agent",   "grpc-timeout", "grpc-status",
                         "GRPC-Message", "grpc-"};
    const char *no[] = {"",      "x-grpc-foo",    "grpc", "tea",
                        "t",     "authorization", "x-te", "content-types",
                        "agent", "user-agent-bin"};
    size_t i;

    for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        assert_true(ssc_md_is_reserved(yes[i], strlen(yes[i])));
    for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        assert_false(ssc_md_is_reserved(no[i], strlen(no[i])));
}

static void test_free_then_reuse(void **state)
{
    ssc_md md;

    ssc_md_init(&md);
    assert_int_equal(add(&md, "a", "1"), 0);
    ssc_md_free(&md);
    assert_int_equal(md.n, 0);
    assert_int_equal(md.bytes, 0);
    assert_int_equal(add(&md, "b", "2"), 0);
    assert_null(ssc_md_get(&md, "a"));
    assert_value(&md, "b", "2", 1);
    ssc_md_free(&md);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_empty),
        cmocka_unit_test(test_keys_lowercased),
        cmocka_unit_test(test_add_copies),
        cmocka_unit_test(test_order_duplicates_and_bytes),
        cmocka_unit_test(test_many_entries),
        cmocka_unit_test(test_valid_key_chars),
        cmocka_unit_test(test_invalid_keys),
        cmocka_unit_test(test_add_binary_is_raw),
        cmocka_unit_test(test_add_wire_decodes_bin),
        cmocka_unit_test(test_add_wire_text_verbatim),
        cmocka_unit_test(test_add_wire_bad_base64),
        cmocka_unit_test(test_is_binary),
        cmocka_unit_test(test_is_reserved),
        cmocka_unit_test(test_free_then_reuse),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
