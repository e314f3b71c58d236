/*
 * idem_sweep.c - forgets idempotency keys past their keep time.
 *
 * A timer and at most one job in flight. The timer fires, a job runs
 * ssc.idem_expire(keep, batch); its callback re-arms the timer: soon when
 * the batch came back full (more are waiting), else after the interval.
 *
 * Entry points: ssc_idem_sweep_register(), ssc_idem_sweep_start(),
 * ssc_idem_sweep_stop().
 */
#include "idem_sweep.h"

#include "log.h"
#include "mem.h"
#include "status.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The first sweep comes early so a restarted sscd catches up, but not at
 * once: the pool is still connecting. */
#define FIRST_SWEEP_MAX_MS 60000u
/* Between full batches: enough for other work to run in between. */
#define NEXT_BATCH_MS 100u

static const ssc_db_stmt stmts[] = {
    {"idem_expire", "SELECT ssc.idem_expire($1::bigint, $2::int)", 2},
};

struct ssc_idem_sweep {
    uv_timer_t timer;
    ssc_db *db;
    ssc_db_job *job; /* the sweep in flight, or NULL */
    uint64_t interval_ms;
    char keep_s[24]; /* the keep time in seconds, as the statement's text */
};

int ssc_idem_sweep_register(void)
{
    return ssc_db_register(stmts, sizeof(stmts) / sizeof(stmts[0]));
}

static void arm(ssc_idem_sweep *s, uint64_t ms);

/* How many rows the sweep deleted, or -1 when the answer is not a count. */
static long long deleted(const ssc_db_result *r)
{
    size_t len = 0;
    const char *text = ssc_db_answer(r, &len);
    char *end;
    long long n;

    if (text == NULL)
        return -1;
    n = strtoll(text, &end, 10);
    return *end == '\0' && end != text && n >= 0 ? n : -1;
}

static void on_swept(void *arg, const ssc_db_result *r)
{
    ssc_idem_sweep *s = arg;
    long long n;

    s->job = NULL;
    if (!r->ok) {
        /* UNAVAILABLE while the database is down says nothing health has
         * not said already. */
        SSC_LOG(r->status == SSC_STATUS_UNAVAILABLE ? SSC_LOG_DBG : SSC_LOG_WRN,
                "idempotency sweep failed: %s%s%s", r->message,
                r->sqlstate[0] ? " SQLSTATE " : "", r->sqlstate);
        arm(s, s->interval_ms);
        return;
    }
    n = deleted(r);
    if (n < 0) {
        SSC_LOG_WARN("idempotency sweep: the database answered no count");
        arm(s, s->interval_ms);
        return;
    }
    if (n > 0)
        SSC_LOG_INFO("idempotency: forgot %lld key%s older than %s s", n,
                     n == 1 ? "" : "s", s->keep_s);
    arm(s, n >= SSC_IDEM_SWEEP_BATCH ? NEXT_BATCH_MS : s->interval_ms);
}

static void on_timer(uv_timer_t *t)
{
    ssc_idem_sweep *s = container_of(t, ssc_idem_sweep, timer);
    char batch[16];
    const char *values[2] = {s->keep_s, batch};
    ssc_db_job *job = ssc_db_job_new();

    snprintf(batch, sizeof(batch), "%d", SSC_IDEM_SWEEP_BATCH);
    /* Fails only when the statement was never registered, which db.c logs;
     * the job then answers no count, and on_swept says so. */
    (void)ssc_db_job_add(job, "idem_expire", 2, values);
    s->job = job;
    ssc_db_submit(s->db, job, on_swept, s);
}

static void arm(ssc_idem_sweep *s, uint64_t ms)
{
    uv_timer_start(&s->timer, on_timer, ms, 0);
}

ssc_idem_sweep *ssc_idem_sweep_start(uv_loop_t *loop, ssc_db *db,
                                     uint32_t keep_h, uint32_t interval_s)
{
    ssc_idem_sweep *s = ssc_xcalloc(1, sizeof(*s));
    uint64_t first;

    s->db = db;
    s->interval_ms = (uint64_t)interval_s * 1000u;
    snprintf(s->keep_s, sizeof(s->keep_s), "%" PRIu64,
             (uint64_t)keep_h * 3600u);
    uv_timer_init(loop, &s->timer);
    first = s->interval_ms < FIRST_SWEEP_MAX_MS ? s->interval_ms
                                                : FIRST_SWEEP_MAX_MS;
    arm(s, first);
    return s;
}

static void on_closed(uv_handle_t *h)
{
    free(container_of((uv_timer_t *)h, ssc_idem_sweep, timer));
}

void ssc_idem_sweep_stop(ssc_idem_sweep *s)
{
    if (s == NULL)
        return;
    if (s->job != NULL)
        ssc_db_job_cancel(s->job);
    s->job = NULL;
    uv_close((uv_handle_t *)&s->timer, on_closed);
}
