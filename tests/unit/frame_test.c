/*
 * frame_test.c - unit tests for transport/frame.c: the 5-byte prefix, and
 * reassembly of messages from input sliced at every possible boundary.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "err.h"
#include "frame.h"

#include <stdlib.h>
#include <string.h>

#define MAX_MSGS 8
#define MAX_BODY 64

/* What the callback saw, copied out because msg lives only during the call. */
typedef struct seen {
    int count;
    int compressed[MAX_MSGS];
    size_t len[MAX_MSGS];
    uint8_t body[MAX_MSGS][MAX_BODY];
    int stop_at; /* return stop_rv on this message, or -1 */
    int stop_rv;
    const uint8_t *input; /* when set, record whether msg pointed in it */
    size_t input_len;
    int in_input[MAX_MSGS];
} seen;

static void seen_init(seen *s)
{
    memset(s, 0, sizeof(*s));
    s->stop_at = -1;
}

static int collect(void *arg, int compressed, const uint8_t *msg, size_t len)
{
    seen *s = arg;
    int i = s->count++;

    assert_true(i < MAX_MSGS);
    assert_true(len <= MAX_BODY);
    assert_non_null(msg);
    s->compressed[i] = compressed;
    s->len[i] = len;
    memcpy(s->body[i], msg, len);
    s->in_input[i] = s->input != NULL && msg >= s->input &&
                     msg + len <= s->input + s->input_len;
    return i == s->stop_at ? s->stop_rv : 0;
}

/* The messages of the standard test stream. */
static const struct {
    int compressed;
    const char *body;
} stream_msgs[] = {
    {0, "hello"},
    {1, ""},
    {1, "world!!"},
    {0, ""},
    {0, "a longer message that is forty bytes ok."},
};

#define NSTREAM (sizeof(stream_msgs) / sizeof(stream_msgs[0]))

/* Writes the standard stream into out and returns its length. */
static size_t build_stream(uint8_t *out)
{
    size_t len = 0;
    size_t i;

    for (i = 0; i < NSTREAM; i++) {
        size_t n = strlen(stream_msgs[i].body);

        ssc_frame_header(out + len, stream_msgs[i].compressed, (uint32_t)n);
        len += SSC_FRAME_HEADER_LEN;
        memcpy(out + len, stream_msgs[i].body, n);
        len += n;
    }
    return len;
}

static void assert_stream(const seen *s)
{
    size_t i;

    assert_int_equal(s->count, NSTREAM);
    for (i = 0; i < NSTREAM; i++) {
        size_t n = strlen(stream_msgs[i].body);

        assert_int_equal(s->compressed[i], stream_msgs[i].compressed);
        assert_int_equal(s->len[i], n);
        assert_memory_equal(s->body[i], stream_msgs[i].body, n);
    }
}

static void test_header(void **state)
{
    uint8_t h[SSC_FRAME_HEADER_LEN];
    const uint8_t want1[] = {0, 0, 0, 0, 0};
    const uint8_t want2[] = {1, 0x12, 0x34, 0x56, 0x78};
    const uint8_t want3[] = {1, 0xff, 0xff, 0xff, 0xff};

    ssc_frame_header(h, 0, 0);
    assert_memory_equal(h, want1, sizeof(h));
    ssc_frame_header(h, 1, 0x12345678);
    assert_memory_equal(h, want2, sizeof(h));
    ssc_frame_header(h, 7, 0xffffffff);
    assert_memory_equal(h, want3, sizeof(h));
}

static void test_one_chunk(void **state)
{
    uint8_t buf[256];
    size_t len = build_stream(buf);
    ssc_frame_reader r;
    seen s;

    seen_init(&s);
    ssc_frame_reader_init(&r, MAX_BODY);
    assert_int_equal(ssc_frame_reader_feed(&r, buf, len, collect, &s), 0);
    assert_stream(&s);
    assert_false(ssc_frame_reader_partial(&r));
    ssc_frame_reader_free(&r);
}

static void test_whole_messages_not_copied(void **state)
{
    uint8_t buf[256];
    size_t len = build_stream(buf);
    ssc_frame_reader r;
    seen s;
    int i;

    seen_init(&s);
    s.input = buf;
    s.input_len = len;
    ssc_frame_reader_init(&r, MAX_BODY);
    assert_int_equal(ssc_frame_reader_feed(&r, buf, len, collect, &s), 0);
    for (i = 0; i < s.count; i++)
        assert_true(s.in_input[i]);
    ssc_frame_reader_free(&r);
}

static void test_every_split(void **state)
{
    uint8_t buf[256];
    size_t len = build_stream(buf);
    size_t cut;

    for (cut = 0; cut <= len; cut++) {
        ssc_frame_reader r;
        seen s;

        seen_init(&s);
        ssc_frame_reader_init(&r, MAX_BODY);
        assert_int_equal(ssc_frame_reader_feed(&r, buf, cut, collect, &s), 0);
        assert_int_equal(
            ssc_frame_reader_feed(&r, buf + cut, len - cut, collect, &s), 0);
        assert_stream(&s);
        assert_false(ssc_frame_reader_partial(&r));
        ssc_frame_reader_free(&r);
    }
}

static void test_every_pair_of_splits(void **state)
{
    uint8_t buf[256];
    size_t len = build_stream(buf);
    size_t a;
    size_t b;

    for (a = 0; a <= len; a++) {
        for (b = a; b <= len; b++) {
            ssc_frame_reader r;
            seen s;

            seen_init(&s);
            ssc_frame_reader_init(&r, MAX_BODY);
            assert_int_equal(ssc_frame_reader_feed(&r, buf, a, collect, &s), 0);
            assert_int_equal(
                ssc_frame_reader_feed(&r, buf + a, b - a, collect, &s), 0);
            assert_int_equal(
                ssc_frame_reader_feed(&r, buf + b, len - b, collect, &s), 0);
            assert_stream(&s);
            ssc_frame_reader_free(&r);
        }
    }
}

static void test_byte_by_byte(void **state)
{
    uint8_t buf[256];
    size_t len = build_stream(buf);
    ssc_frame_reader r;
    seen s;
    size_t i;

    seen_init(&s);
    ssc_frame_reader_init(&r, MAX_BODY);
    for (i = 0; i < len; i++)
        assert_int_equal(ssc_frame_reader_feed(&r, buf + i, 1, collect, &s), 0);
    assert_stream(&s);
    ssc_frame_reader_free(&r);
}

static void test_zero_length_message(void **state)
{
    uint8_t h[SSC_FRAME_HEADER_LEN];
    ssc_frame_reader r;
    seen s;

    seen_init(&s);
    ssc_frame_header(h, 0, 0);
    ssc_frame_reader_init(&r, 0);
    assert_int_equal(ssc_frame_reader_feed(&r, h, sizeof(h), collect, &s), 0);
    assert_int_equal(s.count, 1);
    assert_int_equal(s.len[0], 0);
    assert_null(r.msg);
    assert_false(ssc_frame_reader_partial(&r));
    ssc_frame_reader_free(&r);
}

static void test_empty_feed(void **state)
{
    const uint8_t none[1] = {0};
    ssc_frame_reader r;
    seen s;

    seen_init(&s);
    ssc_frame_reader_init(&r, MAX_BODY);
    assert_int_equal(ssc_frame_reader_feed(&r, none, 0, collect, &s), 0);
    assert_int_equal(s.count, 0);
    assert_false(ssc_frame_reader_partial(&r));
    ssc_frame_reader_free(&r);
}

static void test_limit_is_inclusive(void **state)
{
    uint8_t buf[SSC_FRAME_HEADER_LEN + 10];
    ssc_frame_reader r;
    seen s;

    seen_init(&s);
    ssc_frame_header(buf, 0, 10);
    memset(buf + SSC_FRAME_HEADER_LEN, 'x', 10);
    ssc_frame_reader_init(&r, 10);
    assert_int_equal(ssc_frame_reader_feed(&r, buf, sizeof(buf), collect, &s),
                     0);
    assert_int_equal(s.count, 1);
    assert_int_equal(s.len[0], 10);
    ssc_frame_reader_free(&r);
}

static void test_oversize_rejected_before_allocation(void **state)
{
    uint8_t h[SSC_FRAME_HEADER_LEN];
    ssc_frame_reader r;
    seen s;
    size_t i;
    int rv = 0;

    seen_init(&s);
    ssc_frame_header(h, 0, 11);
    ssc_frame_reader_init(&r, 10);
    for (i = 0; i < sizeof(h) - 1; i++)
        assert_int_equal(ssc_frame_reader_feed(&r, h + i, 1, collect, &s), 0);
    rv = ssc_frame_reader_feed(&r, h + i, 1, collect, &s);
    assert_int_equal(rv, SSC_ETOOBIG);
    assert_null(r.msg);
    assert_int_equal(s.count, 0);
    ssc_frame_reader_free(&r);
}

static void test_huge_declared_length(void **state)
{
    uint8_t buf[SSC_FRAME_HEADER_LEN + 3];
    ssc_frame_reader r;
    seen s;

    seen_init(&s);
    ssc_frame_header(buf, 1, 0xffffffff);
    memcpy(buf + SSC_FRAME_HEADER_LEN, "abc", 3);
    ssc_frame_reader_init(&r, 4 * 1024 * 1024);
    assert_int_equal(ssc_frame_reader_feed(&r, buf, sizeof(buf), collect, &s),
                     SSC_ETOOBIG);
    assert_null(r.msg);
    ssc_frame_reader_free(&r);
}

static void test_bad_flag(void **state)
{
    const uint8_t flags[] = {2, 0x80, 0xff};
    size_t i;

    for (i = 0; i < sizeof(flags); i++) {
        uint8_t buf[SSC_FRAME_HEADER_LEN + 1] = {0, 0, 0, 0, 1, 'x'};
        ssc_frame_reader r;
        seen s;

        seen_init(&s);
        buf[0] = flags[i];
        ssc_frame_reader_init(&r, MAX_BODY);
        assert_int_equal(
            ssc_frame_reader_feed(&r, buf, sizeof(buf), collect, &s),
            SSC_EPROTO);
        assert_int_equal(s.count, 0);
        ssc_frame_reader_free(&r);
    }
}

static void test_bad_flag_after_good_message(void **state)
{
    uint8_t buf[2 * SSC_FRAME_HEADER_LEN + 2];
    ssc_frame_reader r;
    seen s;

    seen_init(&s);
    ssc_frame_header(buf, 0, 1);
    buf[SSC_FRAME_HEADER_LEN] = 'a';
    ssc_frame_header(buf + SSC_FRAME_HEADER_LEN + 1, 0, 1);
    buf[SSC_FRAME_HEADER_LEN + 1] = 3;
    buf[sizeof(buf) - 1] = 'b';
    ssc_frame_reader_init(&r, MAX_BODY);
    assert_int_equal(ssc_frame_reader_feed(&r, buf, sizeof(buf), collect, &s),
                     SSC_EPROTO);
    assert_int_equal(s.count, 1);
    ssc_frame_reader_free(&r);
}

static void test_partial(void **state)
{
    uint8_t buf[SSC_FRAME_HEADER_LEN + 4];
    ssc_frame_reader r;
    seen s;
    size_t i;

    seen_init(&s);
    ssc_frame_header(buf, 0, 4);
    memcpy(buf + SSC_FRAME_HEADER_LEN, "abcd", 4);
    ssc_frame_reader_init(&r, MAX_BODY);
    assert_false(ssc_frame_reader_partial(&r));
    for (i = 0; i < sizeof(buf) - 1; i++) {
        assert_int_equal(ssc_frame_reader_feed(&r, buf + i, 1, collect, &s), 0);
        assert_true(ssc_frame_reader_partial(&r));
    }
    assert_int_equal(ssc_frame_reader_feed(&r, buf + i, 1, collect, &s), 0);
    assert_false(ssc_frame_reader_partial(&r));
    assert_int_equal(s.count, 1);
    ssc_frame_reader_free(&r);
}

static void test_callback_stops(void **state)
{
    uint8_t buf[256];
    size_t len = build_stream(buf);
    ssc_frame_reader r;
    seen s;

    seen_init(&s);
    s.stop_at = 2;
    s.stop_rv = SSC_ECANCELED;
    ssc_frame_reader_init(&r, MAX_BODY);
    assert_int_equal(ssc_frame_reader_feed(&r, buf, len, collect, &s),
                     SSC_ECANCELED);
    assert_int_equal(s.count, 3);
    ssc_frame_reader_free(&r);
}

static void test_callback_stops_reassembled(void **state)
{
    uint8_t buf[256];
    size_t len = build_stream(buf);
    ssc_frame_reader r;
    seen s;
    size_t i;
    int rv = 0;

    seen_init(&s);
    s.stop_at = 0;
    s.stop_rv = SSC_EIO;
    ssc_frame_reader_init(&r, MAX_BODY);
    for (i = 0; i < len && rv == 0; i++)
        rv = ssc_frame_reader_feed(&r, buf + i, 1, collect, &s);
    assert_int_equal(rv, SSC_EIO);
    assert_int_equal(s.count, 1);
    ssc_frame_reader_free(&r);
}

static void test_free_mid_message_and_reuse(void **state)
{
    uint8_t buf[256];
    size_t len = build_stream(buf);
    ssc_frame_reader r;
    seen s;

    seen_init(&s);
    ssc_frame_reader_init(&r, MAX_BODY);
    /* Stop inside the last, forty-byte body so a buffer is held. */
    assert_int_equal(ssc_frame_reader_feed(&r, buf, len - 3, collect, &s), 0);
    assert_non_null(r.msg);
    assert_true(ssc_frame_reader_partial(&r));
    ssc_frame_reader_free(&r);

    seen_init(&s);
    ssc_frame_reader_init(&r, MAX_BODY);
    assert_int_equal(ssc_frame_reader_feed(&r, buf, len, collect, &s), 0);
    assert_stream(&s);
    ssc_frame_reader_free(&r);
}

/* The callback keeps each message it is given: reassembled ones by taking
 * the reader's buffer, the others by copying. */
typedef struct kept {
    ssc_frame_reader *r;
    int count;
    int taken;
    uint8_t *msg[MAX_MSGS];
    size_t len[MAX_MSGS];
} kept;

static int keep(void *arg, int compressed, const uint8_t *msg, size_t len)
{
    kept *k = arg;
    uint8_t *own = ssc_frame_reader_take(k->r);

    (void)compressed;
    if (own != NULL) {
        assert_ptr_equal(own, msg);
        k->taken++;
    } else {
        own = malloc(len ? len : 1);
        memcpy(own, msg, len);
    }
    k->msg[k->count] = own;
    k->len[k->count] = len;
    k->count++;
    return 0;
}

/* Taking the buffer of a reassembled message leaves the reader whole for the
 * next one, and the taken message intact after the reader is freed. */
static void test_take_reassembled(void **state)
{
    uint8_t buf[256];
    size_t len = build_stream(buf);
    ssc_frame_reader r;
    kept k;
    size_t i;

    (void)state;
    memset(&k, 0, sizeof(k));
    k.r = &r;
    ssc_frame_reader_init(&r, MAX_BODY);
    for (i = 0; i < len; i++)
        assert_int_equal(ssc_frame_reader_feed(&r, buf + i, 1, keep, &k), 0);
    ssc_frame_reader_free(&r);
    assert_int_equal(k.count, NSTREAM);
    /* Every non-empty body came a byte at a time, so was reassembled. */
    assert_int_equal(k.taken, 3);
    for (i = 0; i < NSTREAM; i++) {
        assert_int_equal(k.len[i], strlen(stream_msgs[i].body));
        assert_memory_equal(k.msg[i], stream_msgs[i].body, k.len[i]);
        free(k.msg[i]);
    }
}

/* What is still missing of the message in progress, at every byte. */
static void test_remaining(void **state)
{
    uint8_t buf[SSC_FRAME_HEADER_LEN + 10];
    ssc_frame_reader r;
    seen s;
    size_t i;

    (void)state;
    ssc_frame_header(buf, 0, 10);
    memset(buf + SSC_FRAME_HEADER_LEN, 'x', 10);
    seen_init(&s);
    ssc_frame_reader_init(&r, MAX_BODY);
    assert_int_equal(ssc_frame_reader_remaining(&r), 0);
    for (i = 0; i < sizeof(buf); i++) {
        size_t want = i < SSC_FRAME_HEADER_LEN ? SSC_FRAME_HEADER_LEN - i
                                               : sizeof(buf) - i;

        assert_int_equal(ssc_frame_reader_remaining(&r), i == 0 ? 0 : want);
        assert_int_equal(ssc_frame_reader_feed(&r, buf + i, 1, collect, &s), 0);
    }
    assert_int_equal(s.count, 1);
    assert_int_equal(ssc_frame_reader_remaining(&r), 0);
    ssc_frame_reader_free(&r);
}

/* A large declared body that has barely started takes a small buffer; the
 * whole length is allocated once more of it arrives, and the message comes
 * out whole. */
static void test_large_body_allocated_as_it_comes(void **state)
{
    enum { BIG = 1 << 20 };
    uint8_t *buf = malloc(SSC_FRAME_HEADER_LEN + BIG);
    ssc_frame_reader r;
    kept k;

    (void)state;
    memset(&k, 0, sizeof(k));
    k.r = &r;
    ssc_frame_header(buf, 0, BIG);
    for (size_t i = 0; i < BIG; i++)
        buf[SSC_FRAME_HEADER_LEN + i] = (uint8_t)(i * 7);
    ssc_frame_reader_init(&r, BIG);
    assert_int_equal(
        ssc_frame_reader_feed(&r, buf, SSC_FRAME_HEADER_LEN + 100, keep, &k),
        0);
    assert_int_equal(r.msg_cap, 64 * 1024);
    assert_int_equal(ssc_frame_reader_feed(&r, buf + SSC_FRAME_HEADER_LEN + 100,
                                           BIG / 2, keep, &k),
                     0);
    assert_int_equal(r.msg_cap, BIG);
    assert_int_equal(
        ssc_frame_reader_feed(&r, buf + SSC_FRAME_HEADER_LEN + 100 + BIG / 2,
                              BIG / 2 - 100, keep, &k),
        0);
    assert_int_equal(k.count, 1);
    assert_int_equal(k.taken, 1);
    assert_int_equal(k.len[0], BIG);
    assert_memory_equal(k.msg[0], buf + SSC_FRAME_HEADER_LEN, BIG);
    assert_int_equal(r.msg_cap, 0);
    free(k.msg[0]);
    free(buf);
    ssc_frame_reader_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_one_chunk),
        cmocka_unit_test(test_whole_messages_not_copied),
        cmocka_unit_test(test_every_split),
        cmocka_unit_test(test_every_pair_of_splits),
        cmocka_unit_test(test_byte_by_byte),
        cmocka_unit_test(test_zero_length_message),
        cmocka_unit_test(test_empty_feed),
        cmocka_unit_test(test_limit_is_inclusive),
        cmocka_unit_test(test_oversize_rejected_before_allocation),
        cmocka_unit_test(test_huge_declared_length),
        cmocka_unit_test(test_bad_flag),
        cmocka_unit_test(test_bad_flag_after_good_message),
        cmocka_unit_test(test_partial),
        cmocka_unit_test(test_callback_stops),
        cmocka_unit_test(test_callback_stops_reassembled),
        cmocka_unit_test(test_free_mid_message_and_reuse),
        cmocka_unit_test(test_take_reassembled),
        cmocka_unit_test(test_remaining),
        cmocka_unit_test(test_large_body_allocated_as_it_comes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
