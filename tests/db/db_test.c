/*
 * db_test.c - the loop's PostgreSQL pool against a real PostgreSQL.
 *
 * run.sh starts a private cluster and passes its URL in SSC_TEST_DB_URL (a
 * superuser, so the tests can terminate backends). Each test runs its own
 * loop and pool.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "db.h"
#include "status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const ssc_db_stmt stmts[] = {
    {"t_one", "SELECT $1::int + 1", 1},
    {"t_div", "SELECT 1 / $1::int", 1},
    {"t_sleep", "SELECT pg_sleep($1::float8)", 1},
    {"t_flaky", "SELECT ssc_test.flaky($1::int)", 1},
    {"t_reset", "SELECT setval('ssc_test.calls', 1, false)", 0},
    {"t_notify", "SELECT pg_notify($1, $2)", 2},
    {"t_insert", "INSERT INTO ssc_test.t (v) VALUES ($1)", 1},
    {"t_count", "SELECT count(*) FROM ssc_test.t WHERE v = $1", 1},
    {"t_kill",
     "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
     "WHERE application_name = 'sscd' AND pid <> pg_backend_pid() "
     "AND datname = current_database()",
     0},
    {"t_timeout_now", "SELECT current_setting('statement_timeout')", 0},
};

static const char *url;

typedef struct outcome {
    int done;
    int ok;
    int status;
    char sqlstate[6];
    char value[64];
} outcome;

static void record(void *arg, const ssc_db_result *r)
{
    outcome *o = arg;

    o->done++;
    o->ok = r->ok;
    o->status = r->status;
    memcpy(o->sqlstate, r->sqlstate, sizeof(o->sqlstate));
    if (r->ok && r->nres > 0 && PQntuples(r->res[r->nres - 1]) > 0)
        snprintf(o->value, sizeof(o->value), "%s",
                 PQgetvalue(r->res[r->nres - 1], 0, 0));
}

static void stop_loop(uv_timer_t *t)
{
    uv_stop(t->loop);
}

/* Runs the loop until *flag reaches want or ms pass; returns the flag. */
static int run_until(uv_loop_t *loop, int *flag, int want, uint64_t ms)
{
    uv_timer_t t;
    uint64_t end = uv_now(loop) + ms;

    uv_timer_init(loop, &t);
    while (*flag < want && uv_now(loop) < end) {
        uv_timer_start(&t, stop_loop, 20, 0);
        uv_run(loop, UV_RUN_ONCE);
        uv_update_time(loop);
    }
    uv_close((uv_handle_t *)&t, NULL);
    uv_run(loop, UV_RUN_NOWAIT);
    return *flag;
}

static void closed(void *arg)
{
    (*(int *)arg)++;
}

/* Closes the pool and checks that every handle is gone. */
static void finish(uv_loop_t *loop, ssc_db *db)
{
    int done = 0;

    ssc_db_close(db, closed, &done);
    assert_int_equal(run_until(loop, &done, 1, 5000), 1);
    uv_run(loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(loop), 0);
}

static ssc_db *open_db(uv_loop_t *loop, const char *conninfo, unsigned n)
{
    ssc_db *db;
    int up = 0;

    uv_loop_init(loop);
    db = ssc_db_new(loop, conninfo, n, 5000);
    /* Wait for the pool to come up (a bad URL never does). */
    for (int i = 0; i < 250 && !ssc_db_is_up(db); i++)
        run_until(loop, &up, 1, 20);
    return db;
}

static void submit1(ssc_db *db, const char *stmt, const char *v, outcome *o)
{
    ssc_db_job *job = ssc_db_job_new();

    assert_int_equal(ssc_db_job_add(job, stmt, v ? 1 : 0, &v), 0);
    ssc_db_submit(db, job, record, o);
}

static void test_pipelined_jobs(void **state)
{
    enum { N = 2000 };
    static outcome o[N];
    uv_loop_t loop;
    ssc_db *db = open_db(&loop, url, 3);
    int total = 0;

    (void)state;
    assert_true(ssc_db_is_up(db));
    memset(o, 0, sizeof(o));
    for (int i = 0; i < N; i++) {
        char v[16];

        snprintf(v, sizeof(v), "%d", i);
        submit1(db, "t_one", v, &o[i]);
    }
    for (int spin = 0; spin < 500 && total < N; spin++) {
        int dummy = 0;

        run_until(&loop, &dummy, 1, 10);
        total = 0;
        for (int i = 0; i < N; i++)
            total += o[i].done;
    }
    assert_int_equal(total, N);
    for (int i = 0; i < N; i++) {
        char want[16];

        snprintf(want, sizeof(want), "%d", i + 1);
        assert_int_equal(o[i].ok, 1);
        assert_string_equal(o[i].value, want);
    }
    finish(&loop, db);
}

static void test_error_mapping_and_atomicity(void **state)
{
    uv_loop_t loop;
    ssc_db *db = open_db(&loop, url, 1);
    outcome o = {0}, c = {0};
    ssc_db_job *job = ssc_db_job_new();
    const char *x = "atomic-1", *zero = "0";

    (void)state;
    /* One transaction: the insert must vanish with the failed division. */
    assert_int_equal(ssc_db_job_add(job, "t_insert", 1, &x), 0);
    assert_int_equal(ssc_db_job_add(job, "t_div", 1, &zero), 0);
    ssc_db_submit(db, job, record, &o);
    assert_int_equal(o.done, 0); /* never inside submit */
    run_until(&loop, &o.done, 1, 5000);
    assert_int_equal(o.ok, 0);
    assert_string_equal(o.sqlstate, "22012");
    assert_int_equal(o.status, SSC_STATUS_INVALID_ARGUMENT);
    submit1(db, "t_count", x, &c);
    run_until(&loop, &c.done, 1, 5000);
    assert_int_equal(c.ok, 1);
    assert_string_equal(c.value, "0");
    finish(&loop, db);
}

static void test_unknown_statement_refused(void **state)
{
    ssc_db_job *job = ssc_db_job_new();
    const char *v = "1";
    uv_loop_t loop;
    ssc_db *db = open_db(&loop, url, 1);
    outcome o = {0};

    (void)state;
    assert_int_equal(ssc_db_job_add(job, "no_such", 1, &v), -1);
    assert_int_equal(ssc_db_job_add(job, "t_one", 2, &v), -1);
    ssc_db_submit(db, job, record, &o); /* only the timeout statement */
    run_until(&loop, &o.done, 1, 5000);
    assert_int_equal(o.ok, 1);
    finish(&loop, db);
}

static void test_serialization_failure_retried(void **state)
{
    uv_loop_t loop;
    ssc_db *db = open_db(&loop, url, 2);
    outcome twice = {0}, always = {0}, reset = {0};

    (void)state;
    /* flaky(n) raises 40001 while a sequence, which survives rollbacks,
     * counts calls up to n. */
    submit1(db, "t_reset", NULL, &reset);
    run_until(&loop, &reset.done, 1, 5000);
    submit1(db, "t_flaky", "2", &twice);
    run_until(&loop, &twice.done, 1, 5000);
    assert_int_equal(twice.done, 1);
    assert_int_equal(twice.ok, 1);
    assert_string_equal(twice.value, "3"); /* the third call succeeded */
    submit1(db, "t_flaky", "100", &always);
    run_until(&loop, &always.done, 1, 10000);
    assert_int_equal(always.done, 1);
    assert_int_equal(always.ok, 0);
    assert_string_equal(always.sqlstate, "40001");
    assert_int_equal(always.status, SSC_STATUS_ABORTED);
    finish(&loop, db);
}

static void test_statement_timeout(void **state)
{
    uv_loop_t loop;
    ssc_db *db = open_db(&loop, url, 1);
    outcome o = {0}, t = {0};
    ssc_db_job *job = ssc_db_job_new();
    const char *secs = "5";

    (void)state;
    ssc_db_job_timeout(job, 100);
    assert_int_equal(ssc_db_job_add(job, "t_sleep", 1, &secs), 0);
    ssc_db_submit(db, job, record, &o);
    run_until(&loop, &o.done, 1, 3000);
    assert_int_equal(o.done, 1);
    assert_string_equal(o.sqlstate, "57014");
    assert_int_equal(o.status, SSC_STATUS_DEADLINE_EXCEEDED);
    /* The setting is local to that transaction: the next job has the
     * pool's default. */
    submit1(db, "t_timeout_now", NULL, &t);
    run_until(&loop, &t.done, 1, 3000);
    assert_string_equal(t.value, "5s");
    finish(&loop, db);
}

static void test_reconnect_after_backends_killed(void **state)
{
    uv_loop_t loop;
    ssc_db *victim = open_db(&loop, url, 2);
    ssc_db *killer = ssc_db_new(&loop, url, 1, 5000);
    outcome k = {0}, after = {0};
    int waited = 0;

    (void)state;
    for (int i = 0; i < 250 && !ssc_db_is_up(killer); i++)
        run_until(&loop, &waited, 1, 20);
    submit1(killer, "t_kill", NULL, &k);
    run_until(&loop, &k.done, 1, 5000);
    assert_int_equal(k.ok, 1);
    assert_true(strtol(k.value, NULL, 10) >= 2);
    /* The victim notices, reconnects with backoff and serves again. */
    for (int i = 0; i < 100 && !after.ok; i++) {
        memset(&after, 0, sizeof(after));
        submit1(victim, "t_one", "41", &after);
        run_until(&loop, &after.done, 1, 2000);
        if (!after.ok) {
            assert_int_equal(after.status, SSC_STATUS_UNAVAILABLE);
            run_until(&loop, &waited, 1, 100);
        }
    }
    assert_int_equal(after.ok, 1);
    assert_string_equal(after.value, "42");
    ssc_db_close(killer, NULL, NULL);
    finish(&loop, victim);
}

static void test_fail_fast_when_down(void **state)
{
    uv_loop_t loop;
    ssc_db *db = open_db(&loop, "postgresql:///ssc?host=/nonexistent", 1);
    outcome o = {0};

    (void)state;
    assert_false(ssc_db_is_up(db));
    submit1(db, "t_one", "1", &o);
    assert_int_equal(o.done, 0);
    run_until(&loop, &o.done, 1, 1000);
    assert_int_equal(o.done, 1);
    assert_int_equal(o.status, SSC_STATUS_UNAVAILABLE);
    finish(&loop, db);
}

typedef struct heard {
    int n;
    char payload[64];
} heard;

static void on_notify(void *arg, const char *channel, const char *payload)
{
    heard *h = arg;

    assert_string_equal(channel, "ssc_test_events");
    snprintf(h->payload, sizeof(h->payload), "%s", payload);
    h->n++;
}

static void test_listen_notify(void **state)
{
    uv_loop_t loop;
    ssc_db *db;
    heard h = {0};
    outcome o = {0};
    ssc_db_job *job;
    const char *v[] = {"ssc_test_events", "hello"};
    int up = 0;

    (void)state;
    uv_loop_init(&loop);
    db = ssc_db_new(&loop, url, 2, 5000);
    assert_int_equal(ssc_db_listen(db, "ssc_test_events", on_notify, &h), 0);
    for (int i = 0; i < 250 && !ssc_db_is_up(db); i++)
        run_until(&loop, &up, 1, 20);
    run_until(&loop, &up, 1, 200); /* let every connection finish setup */
    job = ssc_db_job_new();
    assert_int_equal(ssc_db_job_add(job, "t_notify", 2, v), 0);
    ssc_db_submit(db, job, record, &o);
    run_until(&loop, &h.n, 1, 5000);
    assert_int_equal(h.n, 1);
    assert_string_equal(h.payload, "hello");
    finish(&loop, db);
}

static void test_cancelled_job_is_silent(void **state)
{
    uv_loop_t loop;
    ssc_db *db = open_db(&loop, url, 1);
    outcome gone = {0}, next = {0};
    ssc_db_job *job = ssc_db_job_new();
    const char *secs = "0.2";

    (void)state;
    assert_int_equal(ssc_db_job_add(job, "t_sleep", 1, &secs), 0);
    ssc_db_submit(db, job, record, &gone);
    ssc_db_job_cancel(job);
    submit1(db, "t_one", "1", &next);
    run_until(&loop, &next.done, 1, 5000);
    assert_int_equal(next.ok, 1);
    assert_int_equal(gone.done, 0);
    finish(&loop, db);
}

static void test_close_fails_pending(void **state)
{
    uv_loop_t loop;
    ssc_db *db = open_db(&loop, url, 1);
    outcome o = {0};
    ssc_db_job *job = ssc_db_job_new();
    const char *secs = "2";

    (void)state;
    assert_int_equal(ssc_db_job_add(job, "t_sleep", 1, &secs), 0);
    ssc_db_submit(db, job, record, &o);
    run_until(&loop, &o.done, 1, 50);
    finish(&loop, db);
    assert_int_equal(o.done, 1);
    assert_int_equal(o.status, SSC_STATUS_UNAVAILABLE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pipelined_jobs),
        cmocka_unit_test(test_error_mapping_and_atomicity),
        cmocka_unit_test(test_unknown_statement_refused),
        cmocka_unit_test(test_serialization_failure_retried),
        cmocka_unit_test(test_statement_timeout),
        cmocka_unit_test(test_reconnect_after_backends_killed),
        cmocka_unit_test(test_fail_fast_when_down),
        cmocka_unit_test(test_listen_notify),
        cmocka_unit_test(test_cancelled_job_is_silent),
        cmocka_unit_test(test_close_fails_pending),
    };

    url = getenv("SSC_TEST_DB_URL");
    if (url == NULL) {
        fprintf(stderr, "SSC_TEST_DB_URL is not set (run through run.sh)\n");
        return 1;
    }
    if (ssc_db_register(stmts, sizeof(stmts) / sizeof(stmts[0])) != 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
