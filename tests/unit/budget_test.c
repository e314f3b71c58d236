/*
 * budget_test.c - unit tests for daemon/budget.c: the pool's limit, keeps
 * and wake-up, the ledger's all-or-nothing takes, and the stream account
 * through whole lifecycles, checking that every path (handled, reset,
 * refused, closed half way) gives back exactly what it charged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "budget.h"
#include "err.h"

#include <pthread.h>

#define KIB 1024
#define WINDOW (16 * KIB)

static int rooms;

static void count_room(void *arg)
{
    (*(int *)arg)++;
}

static void test_pool_limit_and_keep(void **state)
{
    ssc_budget_pool p;

    (void)state;
    ssc_budget_pool_init(&p, 100, NULL, NULL);
    assert_int_equal(ssc_budget_pool_take(&p, 60, 0), 0);
    assert_int_equal(ssc_budget_pool_take(&p, 41, 0), SSC_EAGAIN);
    assert_int_equal(ssc_budget_pool_used(&p), 60);
    /* 30 fit, but not while 20 must stay free. */
    assert_int_equal(ssc_budget_pool_take(&p, 30, 20), SSC_EAGAIN);
    assert_int_equal(ssc_budget_pool_take(&p, 30, 10), 0);
    assert_int_equal(ssc_budget_pool_take(&p, 10, 0), 0);
    assert_int_equal(ssc_budget_pool_take(&p, 1, 0), SSC_EAGAIN);
    ssc_budget_pool_give(&p, 100);
    assert_int_equal(ssc_budget_pool_used(&p), 0);
}

static void test_pool_no_overflow(void **state)
{
    ssc_budget_pool p;

    (void)state;
    ssc_budget_pool_init(&p, 100, NULL, NULL);
    assert_int_equal(ssc_budget_pool_take(&p, SIZE_MAX, 0), SSC_EAGAIN);
    assert_int_equal(ssc_budget_pool_take(&p, 1, SIZE_MAX), SSC_EAGAIN);
    assert_int_equal(ssc_budget_pool_take(&p, 50, SIZE_MAX - 10), SSC_EAGAIN);
    assert_int_equal(ssc_budget_pool_used(&p), 0);
}

/* on_room runs once per failure, on the next give; not when nobody failed. */
static void test_pool_wakes_after_failure(void **state)
{
    ssc_budget_pool p;

    (void)state;
    rooms = 0;
    ssc_budget_pool_init(&p, 10, count_room, &rooms);
    assert_int_equal(ssc_budget_pool_take(&p, 10, 0), 0);
    ssc_budget_pool_give(&p, 5);
    assert_int_equal(rooms, 0);
    assert_int_equal(ssc_budget_pool_take(&p, 5, 0), 0);
    assert_int_equal(ssc_budget_pool_take(&p, 1, 0), SSC_EAGAIN);
    assert_int_equal(ssc_budget_pool_take(&p, 2, 0), SSC_EAGAIN);
    ssc_budget_pool_give(&p, 3);
    assert_int_equal(rooms, 1);
    ssc_budget_pool_give(&p, 7);
    assert_int_equal(rooms, 1);
}

static void test_ledger_all_or_nothing(void **state)
{
    ssc_budget_pool p;
    ssc_budget a, b;

    (void)state;
    ssc_budget_pool_init(&p, 100, NULL, NULL);
    ssc_budget_init(&a, &p, 70);
    ssc_budget_init(&b, &p, 70);
    assert_int_equal(ssc_budget_take(&a, 60, 0, 0), 0);
    /* The ledger refuses: the pool is not touched. */
    assert_int_equal(ssc_budget_take(&a, 11, 0, 0), SSC_EAGAIN);
    assert_int_equal(ssc_budget_pool_used(&p), 60);
    /* The pool refuses: the ledger is not touched. */
    assert_int_equal(ssc_budget_take(&b, 41, 0, 0), SSC_EAGAIN);
    assert_int_equal(b.used, 0);
    assert_int_equal(ssc_budget_pool_used(&p), 60);
    /* Keeps on either side. */
    assert_int_equal(ssc_budget_take(&b, 30, 41, 0), SSC_EAGAIN);
    assert_int_equal(ssc_budget_take(&b, 30, 0, 11), SSC_EAGAIN);
    assert_int_equal(ssc_budget_room(&b, 0, 0), 40);
    assert_int_equal(ssc_budget_room(&b, 35, 0), 35);
    assert_int_equal(ssc_budget_room(&a, 0, 0), 10);
    assert_int_equal(ssc_budget_room(&a, 20, 0), 0);
    assert_int_equal(ssc_budget_take(&b, 30, 0, 10), 0);
    assert_int_equal(ssc_budget_pool_used(&p), 90);
    ssc_budget_give(&a, 60);
    ssc_budget_give(&b, 30);
    assert_int_equal(ssc_budget_pool_used(&p), 0);
    assert_int_equal(a.used + b.used, 0);
}

/* A streaming request: open with a window, messages arrive and are handled,
 * the window refilled each time, one large message granted, the stream
 * closed: the ledger and the pool end at zero. */
static void test_stream_lifecycle(void **state)
{
    ssc_budget_pool p;
    ssc_budget b;
    ssc_budget_stream s;

    (void)state;
    ssc_budget_pool_init(&p, 1024 * KIB, NULL, NULL);
    ssc_budget_init(&b, &p, 256 * KIB);
    assert_int_equal(ssc_budget_stream_open(&s, &b, WINDOW), 0);
    assert_int_equal(b.used, WINDOW);
    /* A 100-byte message: held, then released and its window refilled. */
    assert_int_equal(ssc_budget_stream_recv(&s, 105), 0);
    assert_int_equal(s.held, 105);
    assert_int_equal(s.credit, WINDOW - 105);
    assert_int_equal(b.used, WINDOW);
    assert_int_equal(ssc_budget_stream_release(&s, 105, 105), 105);
    assert_int_equal(s.credit, WINDOW);
    assert_int_equal(b.used, WINDOW);
    /* A 100 KiB message: its prefix arrives, the rest is granted. */
    assert_int_equal(ssc_budget_stream_recv(&s, 5), 0);
    assert_int_equal(
        ssc_budget_stream_grant(&s, 100 * KIB - (WINDOW - 5), 0, 0), 0);
    assert_int_equal(b.used, 100 * KIB + 5);
    assert_int_equal(ssc_budget_stream_recv(&s, 100 * KIB), 0);
    assert_int_equal(s.credit, 0);
    /* Handled: only a window's worth stays as credit. */
    assert_int_equal(ssc_budget_stream_release(&s, 100 * KIB + 5, WINDOW),
                     WINDOW);
    assert_int_equal(b.used, WINDOW);
    ssc_budget_stream_close(&s);
    assert_int_equal(b.used, 0);
    assert_int_equal(ssc_budget_pool_used(&p), 0);
    ssc_budget_stream_close(&s); /* again: nothing */
    assert_int_equal(b.used, 0);
}

/* Reset half way through a large message: closing gives back what was held
 * and the credit not used. */
static void test_stream_reset_mid_message(void **state)
{
    ssc_budget_pool p;
    ssc_budget b;
    ssc_budget_stream s, t;

    (void)state;
    ssc_budget_pool_init(&p, 1024 * KIB, NULL, NULL);
    ssc_budget_init(&b, &p, 512 * KIB);
    assert_int_equal(ssc_budget_stream_open(&s, &b, WINDOW), 0);
    assert_int_equal(ssc_budget_stream_open(&t, &b, WINDOW), 0);
    assert_int_equal(ssc_budget_stream_recv(&s, WINDOW), 0);
    assert_int_equal(ssc_budget_stream_grant(&s, 300 * KIB, 0, 0), 0);
    assert_int_equal(ssc_budget_stream_recv(&s, 200 * KIB), 0);
    /* The second stream's large message does not fit now... */
    assert_int_equal(ssc_budget_stream_grant(&t, 300 * KIB, 0, 0), SSC_EAGAIN);
    ssc_budget_stream_close(&s);
    assert_int_equal(b.used, WINDOW);
    /* ...and does once the first is gone. */
    assert_int_equal(ssc_budget_stream_grant(&t, 300 * KIB, 0, 0), 0);
    ssc_budget_stream_close(&t);
    assert_int_equal(b.used, 0);
    assert_int_equal(ssc_budget_pool_used(&p), 0);
}

/* A stream that cannot be charged its first window opens closed: nothing
 * charged, every later call harmless. */
static void test_stream_open_refused(void **state)
{
    ssc_budget_pool p;
    ssc_budget b;
    ssc_budget_stream s, t;

    (void)state;
    ssc_budget_pool_init(&p, 1024 * KIB, NULL, NULL);
    ssc_budget_init(&b, &p, WINDOW + 100);
    assert_int_equal(ssc_budget_stream_open(&s, &b, WINDOW), 0);
    assert_int_equal(ssc_budget_stream_open(&t, &b, WINDOW), SSC_EAGAIN);
    assert_false(ssc_budget_stream_is_open(&t));
    assert_int_equal(ssc_budget_stream_recv(&t, 10), SSC_EAGAIN);
    assert_int_equal(ssc_budget_stream_grant(&t, 10, 0, 0), SSC_EAGAIN);
    assert_int_equal(ssc_budget_stream_release(&t, 10, 10), 0);
    assert_int_equal(ssc_budget_stream_sync(&t, 10), 0);
    ssc_budget_stream_close(&t);
    assert_int_equal(b.used, WINDOW);
    ssc_budget_stream_close(&s);
    assert_int_equal(b.used, 0);
}

/* Bytes beyond the charged credit (padding nghttp2 handed back on its own)
 * are charged on arrival; when they cannot be, the bytes that were paid for
 * stay counted so that closing still balances. */
static void test_stream_recv_beyond_credit(void **state)
{
    ssc_budget_pool p;
    ssc_budget b;
    ssc_budget_stream s;

    (void)state;
    ssc_budget_pool_init(&p, 1024 * KIB, NULL, NULL);
    ssc_budget_init(&b, &p, 1000);
    assert_int_equal(ssc_budget_stream_open(&s, &b, 100), 0);
    assert_int_equal(ssc_budget_stream_recv(&s, 150), 0);
    assert_int_equal(b.used, 150);
    assert_int_equal(s.held, 150);
    assert_int_equal(ssc_budget_stream_sync(&s, 50), 0);
    assert_int_equal(b.used, 200);
    assert_int_equal(ssc_budget_stream_recv(&s, 2000), SSC_EAGAIN);
    assert_int_equal(s.credit, 0);
    assert_int_equal(s.held, 200);
    assert_int_equal(b.used, 200);
    ssc_budget_stream_close(&s);
    assert_int_equal(b.used, 0);
    assert_int_equal(ssc_budget_pool_used(&p), 0);
}

/* sync gives back credit the peer no longer has (SETTINGS shrank the
 * window; the stream ended) and charges credit it gained. */
static void test_stream_sync(void **state)
{
    ssc_budget_pool p;
    ssc_budget b;
    ssc_budget_stream s;

    (void)state;
    ssc_budget_pool_init(&p, 1024 * KIB, NULL, NULL);
    ssc_budget_init(&b, &p, 100 * KIB);
    assert_int_equal(ssc_budget_stream_open(&s, &b, 65535), 0);
    assert_int_equal(ssc_budget_stream_sync(&s, WINDOW), 0);
    assert_int_equal(b.used, WINDOW);
    assert_int_equal(ssc_budget_stream_sync(&s, WINDOW + 10), 0);
    assert_int_equal(b.used, WINDOW + 10);
    assert_int_equal(ssc_budget_stream_sync(&s, 200 * KIB), SSC_EAGAIN);
    assert_int_equal(b.used, WINDOW + 10);
    assert_int_equal(ssc_budget_stream_sync(&s, 0), 0);
    assert_int_equal(b.used, 0);
    ssc_budget_stream_close(&s);
}

/* A decompressed copy is charged with keeps, then released. */
static void test_stream_hold(void **state)
{
    ssc_budget_pool p;
    ssc_budget b;
    ssc_budget_stream s;

    (void)state;
    ssc_budget_pool_init(&p, 1024 * KIB, NULL, NULL);
    ssc_budget_init(&b, &p, 100 * KIB);
    assert_int_equal(ssc_budget_stream_open(&s, &b, WINDOW), 0);
    assert_int_equal(ssc_budget_stream_recv(&s, 1000), 0);
    assert_int_equal(ssc_budget_stream_hold(&s, 80 * KIB, 8 * KIB, 0),
                     SSC_EAGAIN);
    assert_int_equal(ssc_budget_stream_hold(&s, 80 * KIB, 0, 0), 0);
    assert_int_equal(s.held, 1000 + 80 * KIB);
    assert_int_equal(ssc_budget_stream_release(&s, 80 * KIB, 0), 0);
    assert_int_equal(b.used, WINDOW);
    ssc_budget_stream_close(&s);
    assert_int_equal(b.used, 0);
}

#define THREADS 4
#define ROUNDS 100000

typedef struct racer {
    ssc_budget_pool *pool;
    size_t over; /* times used was seen past max */
} racer;

static void *race(void *arg)
{
    racer *r = arg;

    for (int i = 0; i < ROUNDS; i++) {
        if (ssc_budget_pool_take(r->pool, 3, 0) != 0)
            continue;
        if (ssc_budget_pool_used(r->pool) > r->pool->max)
            r->over++;
        ssc_budget_pool_give(r->pool, 3);
    }
    return NULL;
}

/* Loops on several threads draw on one pool: it never passes its max and
 * ends where it started. */
static void test_pool_threads(void **state)
{
    ssc_budget_pool p;
    pthread_t th[THREADS];
    racer r[THREADS];
    int i;

    (void)state;
    ssc_budget_pool_init(&p, 7, NULL, NULL);
    for (i = 0; i < THREADS; i++) {
        r[i].pool = &p;
        r[i].over = 0;
        assert_int_equal(pthread_create(&th[i], NULL, race, &r[i]), 0);
    }
    for (i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(r[i].over, 0);
    }
    assert_int_equal(ssc_budget_pool_used(&p), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pool_limit_and_keep),
        cmocka_unit_test(test_pool_no_overflow),
        cmocka_unit_test(test_pool_wakes_after_failure),
        cmocka_unit_test(test_ledger_all_or_nothing),
        cmocka_unit_test(test_stream_lifecycle),
        cmocka_unit_test(test_stream_reset_mid_message),
        cmocka_unit_test(test_stream_open_refused),
        cmocka_unit_test(test_stream_recv_beyond_credit),
        cmocka_unit_test(test_stream_sync),
        cmocka_unit_test(test_stream_hold),
        cmocka_unit_test(test_pool_threads),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
