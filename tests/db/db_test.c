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
    size_t nres;
} outcome;

static void record(void *arg, const ssc_db_result *r)
{
    outcome *o = arg;

    o->done++;
    o->ok = r->ok;
    o->status = r->status;
    memcpy(o->sqlstate, r->sqlstate, sizeof(o->sqlstate));
    o->nres = r->nres;
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

static ssc_db *new_db(uv_loop_t *loop, const char *conninfo, unsigned n)
{
    ssc_db_options opt = {.pool_size = n, .default_timeout_ms = 5000};

    return ssc_db_new(loop, conninfo, &opt);
}

/* Runs the loop until db is up, for at most 5 s. */
static void wait_up(uv_loop_t *loop, ssc_db *db)
{
    int up = 0;

    for (int i = 0; i < 250 && !ssc_db_is_up(db); i++)
        run_until(loop, &up, 1, 20);
}

static ssc_db *open_db_opt(uv_loop_t *loop, const char *conninfo,
                           const ssc_db_options *opt)
{
    ssc_db *db;

    uv_loop_init(loop);
    db = ssc_db_new(loop, conninfo, opt);
    wait_up(loop, db);
    return db;
}

static ssc_db *open_db(uv_loop_t *loop, const char *conninfo, unsigned n)
{
    ssc_db *db;
    int up = 0;

    uv_loop_init(loop);
    db = new_db(loop, conninfo, n);
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
    ssc_db_options opt = {.pool_size = 3, .queue_max = N};
    ssc_db *db = open_db_opt(&loop, url, &opt);
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
    ssc_db_job_deadline(job, ssc_db_now_ms() + 100);
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
    ssc_db *killer = new_db(&loop, url, 1);
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
    int n;         /* notifications */
    int listening; /* calls with payload NULL: (re)started listening */
    char payload[64];
} heard;

static void on_notify(void *arg, const char *channel, const char *payload)
{
    heard *h = arg;

    assert_string_equal(channel, "ssc_test_events");
    if (payload == NULL) {
        h->listening++;
        return;
    }
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
    db = new_db(&loop, url, 2);
    assert_int_equal(ssc_db_listen(db, "ssc_test_events", on_notify, &h), 0);
    for (int i = 0; i < 250 && !ssc_db_is_up(db); i++)
        run_until(&loop, &up, 1, 20);
    run_until(&loop, &up, 1, 200); /* let every connection finish setup */
    /* Listening started: the listener hears it once, with no payload. */
    assert_int_equal(h.listening, 1);
    job = ssc_db_job_new();
    assert_int_equal(ssc_db_job_add(job, "t_notify", 2, v), 0);
    ssc_db_submit(db, job, record, &o);
    run_until(&loop, &h.n, 1, 5000);
    assert_int_equal(h.n, 1);
    assert_string_equal(h.payload, "hello");
    assert_int_equal(h.listening, 1);
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

/* ---- deadlines, cancel, the queue, setup (issue 7) ---------------------- */

/* Makes the pool's one connection busy: a job that sleeps secs, then quick
 * jobs until the connection's pipeline is full, so that the next job waits
 * in the pool. o must hold SSC_DB_PIPELINE_MAX outcomes. */
static void fill_pipeline(ssc_db *db, outcome *o, const char *secs)
{
    submit1(db, "t_sleep", secs, &o[0]);
    for (int i = 1; i < SSC_DB_PIPELINE_MAX; i++)
        submit1(db, "t_one", "1", &o[i]);
}

static int count_done(const outcome *o, int n)
{
    int total = 0;

    for (int i = 0; i < n; i++)
        total += o[i].done;
    return total;
}

/* Runs the loop until every one of n outcomes is done or ms pass. */
static void run_until_all(uv_loop_t *loop, const outcome *o, int n, uint64_t ms)
{
    for (uint64_t spent = 0; spent < ms && count_done(o, n) < n; spent += 10) {
        int dummy = 0;

        run_until(loop, &dummy, 1, 10);
    }
}

/* Rows ssc_test.t holds with value v, read by a job of its own. */
static int rows_with(uv_loop_t *loop, ssc_db *db, const char *v)
{
    outcome c = {0};

    submit1(db, "t_count", v, &c);
    run_until(loop, &c.done, 1, 5000);
    assert_int_equal(c.ok, 1);
    return (int)strtol(c.value, NULL, 10);
}

/* The deadline bounds the transaction, not each statement: two sleeps of
 * 0.4 s each fit a 0.6 s budget one by one, not together, and the insert
 * between them is rolled back. */
static void test_deadline_bounds_whole_transaction(void **state)
{
    uv_loop_t loop;
    ssc_db *db = open_db(&loop, url, 1);
    outcome o = {0};
    ssc_db_job *job = ssc_db_job_new();
    const char *secs = "0.4", *v = "bounded";

    (void)state;
    ssc_db_job_deadline(job, ssc_db_now_ms() + 600);
    assert_int_equal(ssc_db_job_add(job, "t_sleep", 1, &secs), 0);
    assert_int_equal(ssc_db_job_add(job, "t_insert", 1, &v), 0);
    assert_int_equal(ssc_db_job_add(job, "t_sleep", 1, &secs), 0);
    ssc_db_submit(db, job, record, &o);
    run_until(&loop, &o.done, 1, 5000);
    assert_int_equal(o.done, 1);
    assert_int_equal(o.ok, 0);
    assert_string_equal(o.sqlstate, "57014");
    assert_int_equal(o.status, SSC_STATUS_DEADLINE_EXCEEDED);
    assert_int_equal(rows_with(&loop, db, "bounded"), 0);
    finish(&loop, db);
}

/* Results come back for the caller's statements only, in order, however
 * many statements the pool adds to bound the transaction. */
static void test_results_skip_pool_statements(void **state)
{
    uv_loop_t loop;
    ssc_db *db = open_db(&loop, url, 1);
    outcome o = {0};
    ssc_db_job *job = ssc_db_job_new();
    const char *a = "1", *b = "41", *v = "kept";

    (void)state;
    ssc_db_job_deadline(job, ssc_db_now_ms() + 5000);
    assert_int_equal(ssc_db_job_add(job, "t_one", 1, &a), 0);
    assert_int_equal(ssc_db_job_add(job, "t_insert", 1, &v), 0);
    assert_int_equal(ssc_db_job_add(job, "t_one", 1, &b), 0);
    ssc_db_submit(db, job, record, &o);
    run_until(&loop, &o.done, 1, 5000);
    assert_int_equal(o.ok, 1);
    assert_string_equal(o.value, "42"); /* the last statement's */
    assert_int_equal(o.nres, 3);
    assert_int_equal(rows_with(&loop, db, "kept"), 1);
    finish(&loop, db);
}

/* A deadline longer than PostgreSQL's int milliseconds (about 24.8 days)
 * is served, not refused as an invalid statement_timeout. */
static void test_long_deadline_served(void **state)
{
    uv_loop_t loop;
    ssc_db *db = open_db(&loop, url, 1);
    outcome o = {0};
    ssc_db_job *job = ssc_db_job_new();
    const char *v = "1";

    (void)state;
    ssc_db_job_deadline(job, ssc_db_now_ms() + 30ull * 86400 * 1000);
    assert_int_equal(ssc_db_job_add(job, "t_one", 1, &v), 0);
    ssc_db_submit(db, job, record, &o);
    run_until(&loop, &o.done, 1, 5000);
    assert_int_equal(o.ok, 1);
    assert_string_equal(o.value, "2");
    finish(&loop, db);
}

/* A job whose deadline passes while it waits for a connection is never
 * sent: it fails DEADLINE_EXCEEDED and its insert never happens. */
static void test_expired_while_waiting_never_sent(void **state)
{
    static outcome fill[SSC_DB_PIPELINE_MAX];
    uv_loop_t loop;
    ssc_db *db = open_db(&loop, url, 1);
    outcome o = {0};
    ssc_db_job *job = ssc_db_job_new();
    const char *v = "late";

    (void)state;
    memset(fill, 0, sizeof(fill));
    fill_pipeline(db, fill, "0.5");
    ssc_db_job_deadline(job, ssc_db_now_ms() + 100);
    assert_int_equal(ssc_db_job_add(job, "t_insert", 1, &v), 0);
    ssc_db_submit(db, job, record, &o);
    assert_int_equal(ssc_db_job_sent(job), 0);
    run_until(&loop, &o.done, 1, 5000);
    assert_int_equal(o.status, SSC_STATUS_DEADLINE_EXCEEDED);
    run_until_all(&loop, fill, SSC_DB_PIPELINE_MAX, 5000);
    assert_int_equal(rows_with(&loop, db, "late"), 0);
    finish(&loop, db);
}

/* Cancelled jobs that were waiting are dropped at once and never reach
 * PostgreSQL; their callbacks never run. */
static void test_cancelled_waiting_jobs_dropped(void **state)
{
    enum { N = 100 };
    static outcome fill[SSC_DB_PIPELINE_MAX], o[N];
    uv_loop_t loop;
    ssc_db *db = open_db(&loop, url, 1);
    const char *v = "dropped";

    (void)state;
    memset(fill, 0, sizeof(fill));
    memset(o, 0, sizeof(o));
    fill_pipeline(db, fill, "0.3");
    for (int i = 0; i < N; i++) {
        ssc_db_job *job = ssc_db_job_new();

        assert_int_equal(ssc_db_job_add(job, "t_insert", 1, &v), 0);
        ssc_db_submit(db, job, record, &o[i]);
        assert_int_equal(ssc_db_job_sent(job), 0);
        assert_int_equal(ssc_db_job_cancel(job), 1);
    }
    run_until_all(&loop, fill, SSC_DB_PIPELINE_MAX, 5000);
    assert_int_equal(count_done(fill, SSC_DB_PIPELINE_MAX),
                     SSC_DB_PIPELINE_MAX);
    assert_int_equal(rows_with(&loop, db, "dropped"), 0);
    assert_int_equal(count_done(o, N), 0);
    finish(&loop, db);
}

/* Past queue_max waiting jobs, the next fails at once RESOURCE_EXHAUSTED
 * (before the busy connection frees up); those queued still run. */
static void test_queue_bounded(void **state)
{
    enum { Q = 10 };
    static outcome fill[SSC_DB_PIPELINE_MAX], o[Q + 1];
    uv_loop_t loop;
    ssc_db_options opt = {.pool_size = 1, .queue_max = Q};
    ssc_db *db = open_db_opt(&loop, url, &opt);

    (void)state;
    memset(fill, 0, sizeof(fill));
    memset(o, 0, sizeof(o));
    fill_pipeline(db, fill, "0.5");
    for (int i = 0; i <= Q; i++)
        submit1(db, "t_one", "1", &o[i]);
    run_until(&loop, &o[Q].done, 1, 200);
    assert_int_equal(o[Q].done, 1);
    assert_int_equal(o[Q].status, SSC_STATUS_RESOURCE_EXHAUSTED);
    assert_int_equal(count_done(o, Q), 0);
    run_until_all(&loop, o, Q + 1, 5000);
    for (int i = 0; i < Q; i++)
        assert_int_equal(o[i].ok, 1);
    finish(&loop, db);
}

/* conninfo for another database of the test cluster. */
static void db_conninfo(const char *dbname, char *out, size_t n)
{
    PGconn *pg = PQconnectdb(url);

    assert_int_equal(PQstatus(pg), CONNECTION_OK);
    snprintf(out, n, "host=%s port=%s user=%s dbname=%s", PQhost(pg),
             PQport(pg), PQuser(pg), dbname);
    PQfinish(pg);
}

/* Runs sql in database dbname, blocking (the test's own admin work). */
static void admin(const char *dbname, const char *sql)
{
    char conninfo[512];
    PGconn *pg;
    PGresult *r;

    db_conninfo(dbname, conninfo, sizeof(conninfo));
    pg = PQconnectdb(conninfo);
    assert_int_equal(PQstatus(pg), CONNECTION_OK);
    r = PQexec(pg, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK &&
        PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(pg));
    PQclear(r);
    PQfinish(pg);
}

/* Jobs waiting for a connection fail UNAVAILABLE when the database goes
 * away and cannot be reached again, as those on the connection do; they do
 * not wait for a reconnect that does not come. */
static void test_waiting_jobs_fail_when_down(void **state)
{
    enum { N = 10 };
    static outcome fill[SSC_DB_PIPELINE_MAX], o[N];
    char conninfo[512];
    uv_loop_t loop;
    ssc_db *db;

    (void)state;
    admin("postgres", "CREATE DATABASE ssc_gone TEMPLATE ssc_tmpl");
    db_conninfo("ssc_gone", conninfo, sizeof(conninfo));
    db = open_db(&loop, conninfo, 1);
    assert_true(ssc_db_is_up(db));
    memset(fill, 0, sizeof(fill));
    memset(o, 0, sizeof(o));
    fill_pipeline(db, fill, "5");
    for (int i = 0; i < N; i++)
        submit1(db, "t_one", "1", &o[i]);
    admin("postgres", "ALTER DATABASE ssc_gone ALLOW_CONNECTIONS false");
    admin("postgres", "SELECT pg_terminate_backend(pid) FROM "
                      "pg_stat_activity WHERE datname = 'ssc_gone'");
    run_until_all(&loop, o, N, 2000);
    assert_int_equal(count_done(o, N), N);
    for (int i = 0; i < N; i++)
        assert_int_equal(o[i].status, SSC_STATUS_UNAVAILABLE);
    finish(&loop, db);
    admin("postgres", "DROP DATABASE ssc_gone WITH (FORCE)");
}

/* A database that appears after the pool started: its setup errors (no
 * database, no schema, an unmigrated one) are survived and retried, the
 * pool stays down meanwhile, and it comes up once the schema is there. */
static void test_database_appears_later(void **state)
{
    char conninfo[512];
    uv_loop_t loop;
    ssc_db_options opt = {.pool_size = 1, .schema_version = 7};
    ssc_db *db;
    outcome o = {0};
    int spin = 0;

    (void)state;
    db_conninfo("ssc_later", conninfo, sizeof(conninfo));
    uv_loop_init(&loop);
    db = ssc_db_new(&loop, conninfo, &opt);
    run_until(&loop, &spin, 1, 300);
    assert_false(ssc_db_is_up(db));
    /* An empty database: no migrations table, no statements to prepare. */
    admin("postgres", "CREATE DATABASE ssc_later");
    run_until(&loop, &spin, 1, 1000);
    assert_false(ssc_db_is_up(db));
    /* The statements prepare, but the schema is behind. */
    admin("postgres", "DROP DATABASE ssc_later WITH (FORCE)");
    admin("postgres", "CREATE DATABASE ssc_later TEMPLATE ssc_tmpl");
    admin("ssc_later", "CREATE TABLE public.ssc_schema_migrations "
                       "(version int); INSERT INTO "
                       "public.ssc_schema_migrations VALUES (6)");
    run_until(&loop, &spin, 1, 1000);
    assert_false(ssc_db_is_up(db));
    submit1(db, "t_one", "1", &o);
    run_until(&loop, &o.done, 1, 1000);
    assert_int_equal(o.status, SSC_STATUS_UNAVAILABLE);
    /* Migrated: the next attempt (backoff at most 3 s) takes it up. */
    admin("ssc_later", "INSERT INTO public.ssc_schema_migrations VALUES (7)");
    wait_up(&loop, db);
    assert_true(ssc_db_is_up(db));
    memset(&o, 0, sizeof(o));
    submit1(db, "t_one", "1", &o);
    run_until(&loop, &o.done, 1, 5000);
    assert_int_equal(o.ok, 1);
    finish(&loop, db);
    admin("postgres", "DROP DATABASE ssc_later WITH (FORCE)");
}

/* Statements that cannot be prepared on an empty database (no schema
 * version asked for) leave the pool down, retrying, and do not crash it. */
static void test_unpreparable_schema_survived(void **state)
{
    char conninfo[512];
    uv_loop_t loop;
    ssc_db_options opt = {.pool_size = 2};
    ssc_db *db;
    int spin = 0;

    (void)state;
    admin("postgres", "CREATE DATABASE ssc_empty");
    db_conninfo("ssc_empty", conninfo, sizeof(conninfo));
    uv_loop_init(&loop);
    db = ssc_db_new(&loop, conninfo, &opt);
    run_until(&loop, &spin, 1, 800);
    assert_false(ssc_db_is_up(db));
    finish(&loop, db);
    admin("postgres", "DROP DATABASE ssc_empty WITH (FORCE)");
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
        cmocka_unit_test(test_deadline_bounds_whole_transaction),
        cmocka_unit_test(test_results_skip_pool_statements),
        cmocka_unit_test(test_long_deadline_served),
        cmocka_unit_test(test_expired_while_waiting_never_sent),
        cmocka_unit_test(test_cancelled_waiting_jobs_dropped),
        cmocka_unit_test(test_queue_bounded),
        cmocka_unit_test(test_waiting_jobs_fail_when_down),
        cmocka_unit_test(test_database_appears_later),
        cmocka_unit_test(test_unpreparable_schema_survived),
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
