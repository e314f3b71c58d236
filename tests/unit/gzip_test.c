/*
 * gzip_test.c - unit tests for transport/gzip.c: round trips, a stream made by
 * another implementation, corrupt and truncated input, and the output cap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "err.h"
#include "gzip.h"
#include "mem.h"

#include <stdlib.h>
#include <string.h>

/* Python's gzip.compress(b"hello, gzip\n", mtime=0). */
static const uint8_t python_gzip[] = {
    0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xcb,
    0x48, 0xcd, 0xc9, 0xc9, 0xd7, 0x51, 0x48, 0xaf, 0xca, 0x2c, 0xe0,
    0x02, 0x00, 0x86, 0x1f, 0x82, 0xa4, 0x0c, 0x00, 0x00, 0x00};

/* Deterministic, poorly compressible bytes. */
static void fill_noise(uint8_t *p, size_t n)
{
    uint32_t x = 2463534242u;
    size_t i;

    for (i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (uint8_t)x;
    }
}

static void compress_into(const uint8_t *p, size_t n, ssc_buf *out)
{
    ssc_buf_init(out, 0);
    assert_int_equal(ssc_gzip_compress(p, n, out), 0);
    assert_true(out->len >= 18);
    assert_int_equal(out->data[0], 0x1f);
    assert_int_equal(out->data[1], 0x8b);
}

static void round_trip(const uint8_t *p, size_t n)
{
    ssc_buf z;
    ssc_buf plain;

    compress_into(p, n, &z);
    ssc_buf_init(&plain, n + 1);
    assert_int_equal(ssc_gzip_decompress(z.data, z.len, &plain), 0);
    assert_int_equal(plain.len, n);
    if (n > 0)
        assert_memory_equal(plain.data, p, n);
    ssc_buf_reset(&z);
    ssc_buf_reset(&plain);
}

/* Decompressing bad input fails with err and leaves out as it was. */
static void decompress_bad(const uint8_t *p, size_t n, int err)
{
    ssc_buf out;

    ssc_buf_init(&out, 1024 * 1024);
    assert_int_equal(ssc_buf_append(&out, "keep", 4), 0);
    assert_int_equal(ssc_gzip_decompress(p, n, &out), err);
    assert_int_equal(out.len, 4);
    assert_memory_equal(out.data, "keep", 4);
    ssc_buf_reset(&out);
}

static void test_round_trip(void **state)
{
    const char *text = "hello, gzip\n";
    size_t big = 300 * 1024;
    uint8_t *noise = malloc(big);
    uint8_t *zeros = calloc(1, big);

    assert_non_null(noise);
    assert_non_null(zeros);
    fill_noise(noise, big);
    round_trip((const uint8_t *)text, strlen(text));
    round_trip(NULL, 0);
    round_trip(noise, big);
    round_trip(zeros, big);
    free(noise);
    free(zeros);
}

static void test_decodes_foreign_stream(void **state)
{
    ssc_buf out;

    ssc_buf_init(&out, 0);
    assert_int_equal(
        ssc_gzip_decompress(python_gzip, sizeof(python_gzip), &out), 0);
    assert_int_equal(out.len, 12);
    assert_memory_equal(out.data, "hello, gzip\n", 12);
    ssc_buf_reset(&out);
}

static void test_appends(void **state)
{
    ssc_buf out;

    ssc_buf_init(&out, 0);
    assert_int_equal(ssc_buf_append(&out, "pre:", 4), 0);
    assert_int_equal(
        ssc_gzip_decompress(python_gzip, sizeof(python_gzip), &out), 0);
    assert_int_equal(out.len, 16);
    assert_memory_equal(out.data, "pre:hello, gzip\n", 16);
    ssc_buf_reset(&out);
}

static void test_concatenated_members(void **state)
{
    uint8_t two[2 * sizeof(python_gzip)];
    ssc_buf out;

    memcpy(two, python_gzip, sizeof(python_gzip));
    memcpy(two + sizeof(python_gzip), python_gzip, sizeof(python_gzip));
    ssc_buf_init(&out, 0);
    assert_int_equal(ssc_gzip_decompress(two, sizeof(two), &out), 0);
    assert_int_equal(out.len, 24);
    assert_memory_equal(out.data, "hello, gzip\nhello, gzip\n", 24);
    ssc_buf_reset(&out);
}

static void test_not_gzip(void **state)
{
    /* zlib-wrapped, not gzip-wrapped: compress2(b"hello, gzip\n"). */
    const uint8_t zlib_stream[] = {0x78, 0x9c, 0xcb, 0x48, 0xcd, 0xc9, 0xc9,
                                   0xd7, 0x51, 0x48, 0xaf, 0xca, 0x2c, 0xe0,
                                   0x02, 0x00, 0x1c, 0xc3, 0x04, 0x25};

    decompress_bad((const uint8_t *)"hello", 5, SSC_EDECOMPRESS);
    decompress_bad(zlib_stream, sizeof(zlib_stream), SSC_EDECOMPRESS);
    decompress_bad(NULL, 0, SSC_EDECOMPRESS);
}

static void test_truncated_everywhere(void **state)
{
    size_t n;

    for (n = 0; n < sizeof(python_gzip); n++)
        decompress_bad(python_gzip, n, SSC_EDECOMPRESS);
}

static void test_corrupt(void **state)
{
    uint8_t bad[sizeof(python_gzip)];
    size_t crc_at = sizeof(python_gzip) - 8;
    size_t len_at = sizeof(python_gzip) - 4;

    memcpy(bad, python_gzip, sizeof(bad));
    bad[crc_at] ^= 0x01;
    decompress_bad(bad, sizeof(bad), SSC_EDECOMPRESS);

    memcpy(bad, python_gzip, sizeof(bad));
    bad[len_at] ^= 0x01;
    decompress_bad(bad, sizeof(bad), SSC_EDECOMPRESS);

    memcpy(bad, python_gzip, sizeof(bad));
    bad[12] ^= 0x40;
    decompress_bad(bad, sizeof(bad), SSC_EDECOMPRESS);

    memcpy(bad, python_gzip, sizeof(bad));
    bad[2] = 0x07; /* not deflate */
    decompress_bad(bad, sizeof(bad), SSC_EDECOMPRESS);
}

static void test_trailing_garbage(void **state)
{
    uint8_t more[sizeof(python_gzip) + 3];

    memcpy(more, python_gzip, sizeof(python_gzip));
    memcpy(more + sizeof(python_gzip), "xyz", 3);
    decompress_bad(more, sizeof(more), SSC_EDECOMPRESS);
}

static void test_cap_exact(void **state)
{
    size_t n = 100 * 1000;
    uint8_t *noise = malloc(n);
    ssc_buf z;
    ssc_buf out;

    assert_non_null(noise);
    fill_noise(noise, n);
    compress_into(noise, n, &z);

    ssc_buf_init(&out, n);
    assert_int_equal(ssc_gzip_decompress(z.data, z.len, &out), 0);
    assert_int_equal(out.len, n);
    ssc_buf_reset(&out);

    ssc_buf_init(&out, n - 1);
    assert_int_equal(ssc_gzip_decompress(z.data, z.len, &out), SSC_ETOOBIG);
    assert_int_equal(out.len, 0);
    ssc_buf_reset(&out);

    ssc_buf_reset(&z);
    free(noise);
}

/* The output is full after the first member; the empty second member must
 * still be read, not taken for output past the cap. */
static void test_cap_exact_then_empty_member(void **state)
{
    ssc_buf z;
    ssc_buf out;

    ssc_buf_init(&z, 0);
    assert_int_equal(ssc_buf_append(&z, python_gzip, sizeof(python_gzip)), 0);
    assert_int_equal(ssc_gzip_compress(NULL, 0, &z), 0);
    ssc_buf_init(&out, 12);
    assert_int_equal(ssc_gzip_decompress(z.data, z.len, &out), 0);
    assert_int_equal(out.len, 12);
    ssc_buf_reset(&out);

    ssc_buf_init(&out, 11);
    assert_int_equal(ssc_gzip_decompress(z.data, z.len, &out), SSC_ETOOBIG);
    assert_int_equal(out.len, 0);
    ssc_buf_reset(&out);
    ssc_buf_reset(&z);
}

static void test_bomb_stopped_by_cap(void **state)
{
    size_t n = 64 * 1024 * 1024;
    size_t cap = 1024 * 1024;
    uint8_t *zeros = calloc(1, n);
    ssc_buf z;
    ssc_buf out;

    assert_non_null(zeros);
    compress_into(zeros, n, &z);
    free(zeros);
    /* About a thousand to one: a small message that would fill memory. */
    assert_true(z.len < n / 500);

    ssc_buf_init(&out, cap);
    assert_int_equal(ssc_gzip_decompress(z.data, z.len, &out), SSC_ETOOBIG);
    assert_int_equal(out.len, 0);
    assert_true(out.alloc <= cap);
    ssc_buf_reset(&out);
    ssc_buf_reset(&z);
}

static void test_compress_respects_cap(void **state)
{
    size_t n = 10 * 1000;
    uint8_t *noise = malloc(n);
    ssc_buf out;

    assert_non_null(noise);
    fill_noise(noise, n);
    ssc_buf_init(&out, 100);
    assert_int_equal(ssc_buf_append(&out, "keep", 4), 0);
    assert_int_equal(ssc_gzip_compress(noise, n, &out), SSC_ETOOBIG);
    assert_int_equal(out.len, 4);
    assert_true(out.alloc <= 100);
    ssc_buf_reset(&out);
    free(noise);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_decodes_foreign_stream),
        cmocka_unit_test(test_appends),
        cmocka_unit_test(test_concatenated_members),
        cmocka_unit_test(test_not_gzip),
        cmocka_unit_test(test_truncated_everywhere),
        cmocka_unit_test(test_corrupt),
        cmocka_unit_test(test_trailing_garbage),
        cmocka_unit_test(test_cap_exact),
        cmocka_unit_test(test_cap_exact_then_empty_member),
        cmocka_unit_test(test_bomb_stopped_by_cap),
        cmocka_unit_test(test_compress_respects_cap),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
