/*
 * db.c - the per-loop PostgreSQL pool: non-blocking libpq in pipeline mode.
 *
 * Each connection is a small state machine (DOWN -> CONNECTING -> READY)
 * watched by one uv_poll handle. A job is sent as its statements plus one
 * pipeline sync; the connection keeps the jobs it sent in order and matches
 * the results that come back to them: per statement one result then NULL,
 * then PGRES_PIPELINE_SYNC for the job. The first job on every connection is
 * an internal one that prepares the registered statements and LISTENs.
 *
 * Every job begins with a statement that sets statement_timeout to the job's
 * budget and records when the budget ends (ssc.deadline_at, milliseconds
 * since the epoch on PostgreSQL's clock). PostgreSQL arms statement_timeout
 * afresh for each statement of a pipeline, so a re-arm statement goes before
 * each of the caller's statements after its first: it sets statement_timeout
 * to what is left. Both are hidden from the caller: results come back only
 * for the statements it added.
 *
 * The statement registry is written once at start, before any loop thread
 * exists, and only read afterwards.
 *
 * Entry points: see db.h.
 */
#include "db.h"

#include "err.h"
#include "list.h"
#include "log.h"
#include "mem.h"
#include "status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_STMTS 256
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 3000

static const ssc_db_stmt timeout_stmt = {
    "ssc_db_timeout",
    "SELECT set_config('statement_timeout', $1::text, true), "
    "set_config('ssc.deadline_at', (floor(extract(epoch FROM "
    "clock_timestamp()) * 1000) + $1::bigint)::text, true)",
    1};
/* At least 1 ms: 0 would turn the timeout off. */
static const ssc_db_stmt rearm_stmt = {
    "ssc_db_rearm",
    "SELECT set_config('statement_timeout', greatest(1, least(2147483647, "
    "ceil(current_setting('ssc.deadline_at')::numeric - extract(epoch FROM "
    "clock_timestamp()) * 1000)))::bigint::text, true)",
    0};
static const char schema_sql[] =
    "SELECT coalesce(max(version), 0) FROM public.ssc_schema_migrations";
static const ssc_db_stmt *registry[MAX_STMTS] = {&timeout_stmt, &rearm_stmt};
static size_t nregistry = 2;

/* values is one allocation: the pointer array followed by the strings it
 * points to, so a statement costs one malloc however many parameters it has
 * (statement 0's single value points into its job instead). */
typedef struct job_stmt {
    const ssc_db_stmt *stmt;
    char **values;
} job_stmt;

/* Where a job is: which list its link is on. */
enum job_where { J_NEW, J_WAITING, J_RETRYING, J_FAILING, J_SENT };

struct ssc_db_job {
    ssc_link link; /* in a connection's inflight queue or a db list */
    ssc_db *db;
    ssc_db_cb cb; /* NULL once cancelled */
    void *arg;
    enum job_where where;
    uint64_t deadline_ms;  /* on ssc_db_now_ms()'s clock, 0: none */
    char timeout_text[24]; /* statement 0's parameter, written at send time */
    char *timeout_value[2];
    job_stmt stmts[SSC_DB_MAX_PARAMS];
    size_t nstmts;
    int attempts;
    int internal;    /* the connection's own setup job */
    int schema_have; /* setup: the schema version read, -1 when unknown */
    /* results of the attempt in progress */
    size_t stage; /* index of the statement whose result comes next */
    int got;      /* a non-NULL result arrived for this stage */
    ssc_db_result r;
    PGresult *res[SSC_DB_MAX_PARAMS];
    uint64_t due; /* when waiting to be retried: uv_now() to run again at */
};

/* SETUP: connected, the setup job in flight; no other job is sent yet. */
enum conn_state { DOWN, CONNECTING, SETUP, READY };

typedef struct db_poll {
    uv_poll_t poll;
    struct db_conn *conn;
    int counted; /* closed during ssc_db_close: counted in db->handles */
} db_poll;

typedef struct db_conn {
    ssc_db *db;
    PGconn *pg;
    db_poll *poll; /* NULL when none */
    int events;
    uv_timer_t timer; /* reconnect backoff */
    enum conn_state state;
    ssc_link inflight;
    unsigned ninflight;
    unsigned backoff_ms;
    unsigned index;
} db_conn;

typedef struct listener {
    struct listener *next;
    char *channel;
    ssc_db_notify_cb cb;
    void *arg;
} listener;

struct ssc_db {
    uv_loop_t *loop;
    char *conninfo;
    uint32_t default_timeout_ms;
    unsigned queue_max;
    int schema_version;
    char **settings; /* name, value, ..., NULL (ssc_db_options) */
    db_conn *conns;
    unsigned nconns;
    ssc_link waiting; /* jobs for which every connection was full */
    unsigned nwaiting;
    ssc_link failing;  /* jobs to fail on the next turn of the loop */
    ssc_link retrying; /* jobs waiting for their retry timer */
    uv_timer_t fail_timer;
    uv_timer_t retry_timer;
    listener *listeners;
    void (*on_state)(void *arg, int up);
    void *on_state_arg;
    int was_up;
    unsigned handles; /* uv handles not yet closed after ssc_db_close */
    int closing;
    void (*done)(void *arg);
    void *done_arg;
};

static void conn_connect(db_conn *c);
static void conn_fail(db_conn *c, const char *why);
static void conn_pump(db_conn *c);
static void dispatch(ssc_db *db, ssc_db_job *job);
static void state_changed(ssc_db *db);
static void drain_waiting(ssc_db *db);

/* ---- registry and jobs ------------------------------------------------- */

static const ssc_db_stmt *find_stmt(const char *name)
{
    for (size_t i = 0; i < nregistry; i++)
        if (strcmp(registry[i]->name, name) == 0)
            return registry[i];
    return NULL;
}

int ssc_db_register(const ssc_db_stmt *stmts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const ssc_db_stmt *s = find_stmt(stmts[i].name);

        if (s == stmts + i)
            continue; /* registered before: harmless */
        if (s != NULL || nregistry == MAX_STMTS ||
            stmts[i].nparams > SSC_DB_MAX_PARAMS)
            return SSC_EINVAL;
        registry[nregistry++] = &stmts[i];
    }
    return 0;
}

/* Copies values into one block (see job_stmt): a job is built once per
 * call, and a malloc per parameter was a measurable part of a call's cost. */
static void job_add_stmt(ssc_db_job *job, const ssc_db_stmt *s,
                         const char *const *values)
{
    job_stmt *js = &job->stmts[job->nstmts++];
    size_t n = (size_t)s->nparams, lens[SSC_DB_MAX_PARAMS], bytes = 0;
    char *text;

    for (size_t i = 0; i < n; i++) {
        lens[i] = values[i] != NULL ? strlen(values[i]) + 1 : 0;
        bytes += lens[i];
    }
    js->stmt = s;
    js->values = ssc_xmalloc((n + 1) * sizeof(char *) + bytes);
    text = (char *)(js->values + n + 1);
    for (size_t i = 0; i < n; i++) {
        js->values[i] = values[i] != NULL ? text : NULL;
        memcpy(text, values[i] != NULL ? values[i] : "", lens[i]);
        text += lens[i];
    }
    js->values[n] = NULL;
}

ssc_db_job *ssc_db_job_new(void)
{
    ssc_db_job *job = ssc_xcalloc(1, sizeof(*job));

    ssc_link_init(&job->link);
    /* Slot 0 is the statement_timeout; send_job() writes its value into
     * timeout_text, which the slot's only parameter points at. */
    job->timeout_value[0] = job->timeout_text;
    job->stmts[0].stmt = &timeout_stmt;
    job->stmts[0].values = job->timeout_value;
    job->nstmts = 1;
    return job;
}

/* The values of a statement without parameters. */
static const char *const no_values[1];

/* Statements the pool adds to every job, whose results the caller never
 * sees. */
static int hidden(const ssc_db_stmt *s)
{
    return s == &timeout_stmt || s == &rearm_stmt;
}

int ssc_db_job_add(ssc_db_job *job, const char *stmt, int n,
                   const char *const *values)
{
    const ssc_db_stmt *s = find_stmt(stmt);
    /* Every statement of the caller's after its first needs a re-arm. */
    size_t need = job->nstmts > 1 ? 2 : 1;

    if (s == NULL || hidden(s) || s->nparams != n ||
        job->nstmts + need > SSC_DB_MAX_PARAMS) {
        SSC_LOG_ERROR("could not add statement %s to a job: %s", stmt,
                      s == NULL || hidden(s) ? "not registered"
                      : s->nparams != n      ? "wrong parameter count"
                                             : "too many statements");
        return SSC_EINVAL;
    }
    if (need == 2)
        job_add_stmt(job, &rearm_stmt, no_values);
    job_add_stmt(job, s, values);
    return 0;
}

uint64_t ssc_db_now_ms(void)
{
    return uv_hrtime() / 1000000;
}

void ssc_db_job_deadline(ssc_db_job *job, uint64_t deadline_ms)
{
    job->deadline_ms = deadline_ms;
}

/* Only the statements the job has can hold results, and the texts of r are
 * read only once job_error() wrote them whole: clearing no more than that
 * keeps this off the per-call profile (r alone is over 1 KiB). */
static void job_clear_results(ssc_db_job *job)
{
    /* An internal job counts more statements than it has result slots. */
    size_t n =
        job->nstmts < SSC_DB_MAX_PARAMS ? job->nstmts : SSC_DB_MAX_PARAMS;

    for (size_t i = 0; i < n; i++) {
        PQclear(job->res[i]);
        job->res[i] = NULL;
    }
    job->r.ok = 0;
    job->r.status = 0;
    job->r.sqlstate[0] = '\0';
    job->r.message[0] = '\0';
    job->r.detail[0] = '\0';
    job->r.nres = 0;
    job->r.res = NULL;
    job->stage = 0;
    job->got = 0;
}

static void job_free(ssc_db_job *job)
{
    job_clear_results(job);
    /* Statement 0's values live in the job; an internal job has none. */
    for (size_t i = 1; !job->internal && i < job->nstmts; i++)
        free(job->stmts[i].values);
    free(job);
}

int ssc_db_job_cancel(ssc_db_job *job)
{
    job->cb = NULL;
    switch (job->where) {
    case J_SENT:
        return 0;
    case J_WAITING:
        job->db->nwaiting--;
        break;
    default:
        break;
    }
    ssc_link_remove(&job->link);
    job_free(job);
    return 1;
}

int ssc_db_job_sent(const ssc_db_job *job)
{
    return job->where == J_SENT;
}

/* ---- outcomes ------------------------------------------------------------ */

const char *ssc_db_answer(const ssc_db_result *r, size_t *len)
{
    const PGresult *res;

    if (r->nres == 0)
        return NULL;
    res = r->res[r->nres - 1];
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) < 1 ||
        PQnfields(res) < 1 || PQgetisnull(res, 0, 0))
        return NULL;
    *len = (size_t)PQgetlength(res, 0, 0);
    return PQgetvalue(res, 0, 0);
}

int ssc_db_status_of(const char *s)
{
    static const struct {
        const char *code;
        int status;
    } exact[] = {
        {"SC400", SSC_STATUS_INVALID_ARGUMENT},
        {"SC401", SSC_STATUS_UNAUTHENTICATED},
        {"SC403", SSC_STATUS_PERMISSION_DENIED},
        {"SC404", SSC_STATUS_NOT_FOUND},
        {"SC409", SSC_STATUS_ALREADY_EXISTS},
        {"SC412", SSC_STATUS_FAILED_PRECONDITION},
        {"23505", SSC_STATUS_ALREADY_EXISTS},
        {"23503", SSC_STATUS_FAILED_PRECONDITION},
        {"23514", SSC_STATUS_INVALID_ARGUMENT},
        {"23502", SSC_STATUS_INVALID_ARGUMENT},
        {"42501", SSC_STATUS_PERMISSION_DENIED},
        {"57014", SSC_STATUS_DEADLINE_EXCEEDED},
        {"40001", SSC_STATUS_ABORTED},
        {"40P01", SSC_STATUS_ABORTED},
        {"53300", SSC_STATUS_UNAVAILABLE},
    };

    for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
        if (strcmp(s, exact[i].code) == 0)
            return exact[i].status;
    if (strncmp(s, "22", 2) == 0)
        return SSC_STATUS_INVALID_ARGUMENT;
    if (strncmp(s, "08", 2) == 0 || strncmp(s, "57P", 3) == 0)
        return SSC_STATUS_UNAVAILABLE;
    return SSC_STATUS_INTERNAL;
}

static int retryable(const char *sqlstate)
{
    return strcmp(sqlstate, "40001") == 0 || strcmp(sqlstate, "40P01") == 0;
}

/* Records the first failure of the attempt in progress. */
static void job_error(ssc_db_job *job, int status, const char *sqlstate,
                      const char *msg, const char *detail)
{
    if (job->r.status != 0 || job->r.sqlstate[0] != '\0')
        return;
    job->r.ok = 0;
    job->r.status = status;
    snprintf(job->r.sqlstate, sizeof(job->r.sqlstate), "%s",
             sqlstate ? sqlstate : "");
    snprintf(job->r.message, sizeof(job->r.message), "%s", msg ? msg : "");
    snprintf(job->r.detail, sizeof(job->r.detail), "%s", detail ? detail : "");
}

void ssc_db_result_fail(ssc_db_result *r, const PGresult *res)
{
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);

    if (state == NULL)
        state = "";
    r->ok = 0;
    r->status = ssc_db_status_of(state);
    snprintf(r->sqlstate, sizeof(r->sqlstate), "%s", state);
    snprintf(r->message, sizeof(r->message), "%s",
             msg ? msg : PQresultErrorMessage(res));
    snprintf(r->detail, sizeof(r->detail), "%s", detail ? detail : "");
}

static void job_error_from(ssc_db_job *job, const PGresult *res)
{
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
    int status;

    if (state == NULL)
        state = "";
    status = ssc_db_status_of(state);
    /* The setup job's failures are logged by the connection it sets up. */
    if (status == SSC_STATUS_INTERNAL && !job->internal) {
        SSC_LOG_ERROR("statement %s failed: %s: %s",
                      job->stage < job->nstmts
                          ? job->stmts[job->stage].stmt->name
                          : "(none)",
                      state, msg ? msg : "");
        msg = "internal error in the database; the server log has details";
        detail = NULL;
    }
    job_error(job, status, state, msg, detail);
}

static void fail_timer_cb(uv_timer_t *t)
{
    ssc_db *db = container_of(t, ssc_db, fail_timer);

    while (!ssc_link_empty(&db->failing)) {
        ssc_db_job *job = container_of(db->failing.next, ssc_db_job, link);

        ssc_link_remove(&job->link);
        job->where = J_NEW;
        if (job->cb != NULL)
            job->cb(job->arg, &job->r);
        job_free(job);
    }
}

/* Fails job with status on the next turn of the loop, so a callback never
 * runs inside ssc_db_submit(). The job must be on no list. */
static void fail_later(ssc_db *db, ssc_db_job *job, int status, const char *why)
{
    job_clear_results(job);
    job_error(job, status, "", why, NULL);
    job->where = J_FAILING;
    ssc_link_insert(&db->failing, &job->link);
    if (!db->closing)
        uv_timer_start(&db->fail_timer, fail_timer_cb, 0, 0);
}

static void fail_unavailable(ssc_db *db, ssc_db_job *job, const char *why)
{
    fail_later(db, job, SSC_STATUS_UNAVAILABLE, why);
}

/* Takes job off whichever pool list holds it. */
static void unlink_job(ssc_db *db, ssc_db_job *job)
{
    if (job->where == J_WAITING)
        db->nwaiting--;
    ssc_link_remove(&job->link);
    job->where = J_NEW;
}

/* Fails every job waiting for a connection or a retry: no connection is up
 * to take them, and a caller without a deadline would wait for a reconnect
 * that may never come. */
static void fail_queued(ssc_db *db, const char *why)
{
    ssc_link *lists[] = {&db->waiting, &db->retrying};

    for (size_t i = 0; i < 2; i++)
        while (!ssc_link_empty(lists[i])) {
            ssc_db_job *job = container_of(lists[i]->next, ssc_db_job, link);

            unlink_job(db, job);
            fail_unavailable(db, job, why);
        }
}

static void retry_arm(ssc_db *db);

static void retry_fired(uv_timer_t *t)
{
    ssc_db *db = container_of(t, ssc_db, retry_timer);
    uint64_t now = uv_now(db->loop);
    ssc_link *l = db->retrying.next;

    while (l != &db->retrying) {
        ssc_db_job *job = container_of(l, ssc_db_job, link);

        l = l->next;
        if (job->due > now)
            continue;
        unlink_job(db, job);
        dispatch(db, job);
    }
    retry_arm(db);
}

/* Arms the pool's retry timer for the earliest job waiting. */
static void retry_arm(ssc_db *db)
{
    uint64_t now = uv_now(db->loop);
    uint64_t first = UINT64_MAX;

    for (ssc_link *l = db->retrying.next; l != &db->retrying; l = l->next) {
        ssc_db_job *job = container_of(l, ssc_db_job, link);

        if (job->due < first)
            first = job->due;
    }
    if (first != UINT64_MAX && !db->closing)
        uv_timer_start(&db->retry_timer, retry_fired,
                       first > now ? first - now : 0, 0);
}

/* Runs job again after a jittered, exponential pause. */
static void retry_later(ssc_db *db, ssc_db_job *job)
{
    uint64_t ms = (1u << job->attempts) * 5u + (uint64_t)(rand() % 10);

    SSC_LOG_DEBUG("retrying transaction after %s (attempt %d, in %llu ms)",
                  job->r.sqlstate, job->attempts + 1, (unsigned long long)ms);
    job_clear_results(job);
    job->due = uv_now(db->loop) + ms;
    job->where = J_RETRYING;
    ssc_link_insert(&db->retrying, &job->link);
    retry_arm(db);
}

/* Moves the results of the caller's statements to the front of job->res,
 * in order, and points r at them. */
static void expose_results(ssc_db_job *job)
{
    size_t n = 0;

    for (size_t i = 0; i < job->nstmts; i++) {
        if (hidden(job->stmts[i].stmt))
            continue;
        job->res[n] = job->res[i];
        if (n++ != i)
            job->res[i] = NULL;
    }
    job->r.nres = n;
    job->r.res = job->res;
}

/* A job's last result arrived. */
static void job_finished(ssc_db *db, ssc_db_job *job)
{
    job->where = J_NEW;
    if (job->internal) {
        job_free(job);
        return;
    }
    if (!job->r.ok && retryable(job->r.sqlstate) &&
        job->attempts < SSC_DB_MAX_ATTEMPTS && job->cb != NULL) {
        retry_later(db, job);
        return;
    }
    if (!job->r.ok && retryable(job->r.sqlstate))
        snprintf(job->r.message, sizeof(job->r.message),
                 "transaction failed %d times on a conflict with concurrent "
                 "work; try again",
                 job->attempts);
    if (job->r.ok)
        expose_results(job);
    if (job->cb != NULL)
        job->cb(job->arg, &job->r);
    job_free(job);
}

/* ---- sending ------------------------------------------------------------ */

/* The job's budget in PostgreSQL: what is left of its deadline, or the
 * pool's default; 0 when the deadline has passed. */
static uint64_t job_budget_ms(const ssc_db *db, const ssc_db_job *job)
{
    uint64_t now = ssc_db_now_ms(), ms;

    if (job->deadline_ms == 0)
        ms = db->default_timeout_ms;
    else if (job->deadline_ms <= now)
        return 0;
    else
        ms = job->deadline_ms - now;
    return ms < SSC_DB_TIMEOUT_MAX_MS ? ms : SSC_DB_TIMEOUT_MAX_MS;
}

static int send_job(db_conn *c, ssc_db_job *job, uint64_t budget_ms)
{
    snprintf(job->timeout_text, sizeof(job->timeout_text), "%llu",
             (unsigned long long)budget_ms);
    for (size_t i = 0; i < job->nstmts; i++) {
        const job_stmt *s = &job->stmts[i];

        if (!PQsendQueryPrepared(c->pg, s->stmt->name, s->stmt->nparams,
                                 (const char *const *)s->values, NULL, NULL, 0))
            return -1;
    }
    if (!PQpipelineSync(c->pg))
        return -1;
    job->attempts++;
    job->r.ok = 1;
    job->where = J_SENT;
    ssc_link_insert(&c->inflight, &job->link);
    c->ninflight++;
    return 0;
}

static db_conn *pick_conn(ssc_db *db, int *any_ready)
{
    db_conn *best = NULL;

    *any_ready = 0;
    for (unsigned i = 0; i < db->nconns; i++) {
        db_conn *c = &db->conns[i];

        if (c->state != READY)
            continue;
        *any_ready = 1;
        if (c->ninflight < SSC_DB_PIPELINE_MAX &&
            (best == NULL || c->ninflight < best->ninflight))
            best = c;
    }
    return best;
}

/* Sends job on a connection with room, or queues it; a job whose deadline
 * has passed is never sent. */
static void dispatch(ssc_db *db, ssc_db_job *job)
{
    uint64_t budget = job_budget_ms(db, job);
    int any_ready;
    db_conn *c;

    if (db->closing) {
        fail_unavailable(db, job, "server is shutting down");
        return;
    }
    if (budget == 0) {
        fail_later(db, job, SSC_STATUS_DEADLINE_EXCEEDED,
                   "deadline exceeded before the transaction could start");
        return;
    }
    c = pick_conn(db, &any_ready);
    if (!any_ready) {
        fail_unavailable(db, job, "the database is unavailable");
        return;
    }
    if (c == NULL) {
        if (db->nwaiting >= db->queue_max) {
            fail_later(db, job, SSC_STATUS_RESOURCE_EXHAUSTED,
                       "too many calls are waiting for the database; try "
                       "again later");
            return;
        }
        job->where = J_WAITING;
        db->nwaiting++;
        ssc_link_insert(&db->waiting, &job->link);
        return;
    }
    if (send_job(c, job, budget) != 0) {
        fail_unavailable(db, job, "the database is unavailable");
        conn_fail(c, PQerrorMessage(c->pg));
        return;
    }
    conn_pump(c);
}

void ssc_db_submit(ssc_db *db, ssc_db_job *job, ssc_db_cb cb, void *arg)
{
    job->db = db;
    job->cb = cb;
    job->arg = arg;
    dispatch(db, job);
}

/* Moves jobs that found every connection full onto connections with room. */
static void drain_waiting(ssc_db *db)
{
    int any_ready;

    while (!ssc_link_empty(&db->waiting) && pick_conn(db, &any_ready)) {
        ssc_db_job *job = container_of(db->waiting.next, ssc_db_job, link);

        unlink_job(db, job);
        dispatch(db, job);
    }
}

/* ---- receiving ---------------------------------------------------------- */

static int live(const db_conn *c)
{
    return c->state == SETUP || c->state == READY;
}

/* The setup job's outcome: the connection takes jobs from now on, or, when
 * the schema is not the one this sscd needs or a statement cannot be
 * prepared, it is no use until the schema changes: it fails and is tried
 * again with backoff. */
static void setup_done(db_conn *c, ssc_db_job *job)
{
    int need = c->db->schema_version, have = job->schema_have;
    char why[700];

    why[0] = '\0';
    if (need > 0 && have < need)
        snprintf(why, sizeof(why),
                 "the database schema is at version %d but this sscd needs "
                 "version %d: run `sscd migrate --config FILE`",
                 have, need);
    else if (!job->r.ok)
        snprintf(why, sizeof(why),
                 "could not prepare statements (is the schema migrated? "
                 "run sscd migrate): %s",
                 job->r.message);
    job_free(job);
    if (why[0] != '\0') {
        conn_fail(c, why);
        return;
    }
    if (c->backoff_ms > BACKOFF_MIN_MS)
        SSC_LOG_INFO("database connection %u is back", c->index);
    c->state = READY;
    c->backoff_ms = 0;
    state_changed(c->db);
    /* Listening (again): what was notified meanwhile went unheard. */
    for (listener *l = c->db->listeners; c->index == 0 && l != NULL;
         l = l->next)
        l->cb(l->arg, l->channel, NULL);
    drain_waiting(c->db);
}

/* Takes one result (or the NULL that ends a statement) for the head job.
 * Returns 1 when that job is complete. */
static int take_result(ssc_db_job *job, PGresult *res)
{
    ExecStatusType st;

    if (res == NULL) {
        if (job->got && job->stage < job->nstmts) {
            job->stage++;
            job->got = 0;
        }
        return 0;
    }
    st = PQresultStatus(res);
    if (st == PGRES_PIPELINE_SYNC) {
        PQclear(res);
        return 1;
    }
    job->got = 1;
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
        /* An internal job counts its statements but keeps no results; it
         * reads the schema version when it asked for it. */
        if (job->internal && job->stage == 0 && job->schema_have == 0 &&
            st == PGRES_TUPLES_OK && PQntuples(res) == 1)
            job->schema_have = (int)strtol(PQgetvalue(res, 0, 0), NULL, 10);
        if (!job->internal && job->stage < job->nstmts &&
            !hidden(job->stmts[job->stage].stmt) &&
            job->res[job->stage] == NULL)
            job->res[job->stage] = res;
        else
            PQclear(res);
        return 0;
    }
    if (st != PGRES_PIPELINE_ABORTED)
        job_error_from(job, res);
    PQclear(res);
    return 0;
}

static void read_results(db_conn *c)
{
    int idle_nulls = 0;

    while (!ssc_link_empty(&c->inflight) && !PQisBusy(c->pg)) {
        ssc_db_job *job = container_of(c->inflight.next, ssc_db_job, link);
        PGresult *res = PQgetResult(c->pg);

        /* A NULL before any result of the head job may follow a sync; two in
         * a row mean nothing more has arrived yet. */
        if (res == NULL && !job->got && ++idle_nulls > 1)
            break;
        if (res != NULL)
            idle_nulls = 0;
        if (!take_result(job, res))
            continue;
        ssc_link_remove(&job->link);
        c->ninflight--;
        if (job->internal)
            setup_done(c, job);
        else
            job_finished(c->db, job);
        if (!live(c))
            return; /* setup failed, or a callback closed the pool */
    }
}

static void read_notifies(db_conn *c)
{
    PGnotify *n;

    while ((n = PQnotifies(c->pg)) != NULL) {
        for (listener *l = c->db->listeners; l != NULL; l = l->next)
            if (strcmp(l->channel, n->relname) == 0)
                l->cb(l->arg, n->relname, n->extra);
        PQfreemem(n);
    }
}

/* ---- the poll handle ---------------------------------------------------- */

static void db_release(ssc_db *db);

/* A poll handle closed in normal operation touches nothing but itself here:
 * the pool may be gone by the time its callback runs. */
static void poll_closed(uv_handle_t *h)
{
    db_poll *p = container_of(h, db_poll, poll);
    ssc_db *db = p->counted ? p->conn->db : NULL;

    free(p);
    if (db != NULL)
        db_release(db);
}

static void poll_stop(db_conn *c)
{
    if (c->poll == NULL)
        return;
    if (c->db->closing) {
        c->poll->counted = 1;
        c->db->handles++;
    }
    uv_close((uv_handle_t *)&c->poll->poll, poll_closed);
    c->poll = NULL;
}

static void on_poll(uv_poll_t *h, int status, int events);

/* Watches the connection's current socket for events; a new handle every
 * time, because libpq may have replaced the socket under the same number. */
static int poll_watch(db_conn *c, int events, int fresh)
{
    int fd = PQsocket(c->pg);

    if (fd < 0)
        return -1;
    if (fresh || c->poll == NULL) {
        poll_stop(c);
        c->poll = ssc_xcalloc(1, sizeof(*c->poll));
        c->poll->conn = c;
        if (uv_poll_init(c->db->loop, &c->poll->poll, fd) != 0) {
            free(c->poll);
            c->poll = NULL;
            return -1;
        }
        c->events = 0;
    }
    if (events != c->events) {
        uv_poll_start(&c->poll->poll, events, on_poll);
        c->events = events;
    }
    return 0;
}

/* Sends what libpq buffered and reads what arrived; watches for writable
 * while output is pending. */
static void conn_pump(db_conn *c)
{
    int f = PQflush(c->pg);

    if (f < 0) {
        conn_fail(c, PQerrorMessage(c->pg));
        return;
    }
    read_results(c);
    if (!live(c))
        return;
    /* libpq parses notifications while it parses results. */
    read_notifies(c);
    if (poll_watch(c, UV_READABLE | (f == 1 ? UV_WRITABLE : 0), 0) != 0) {
        conn_fail(c, "could not watch the database socket");
        return;
    }
    /* Finished jobs made room: move waiting jobs onto connections. */
    if (!ssc_link_empty(&c->db->waiting))
        drain_waiting(c->db);
}

static void notice_receiver(void *arg, const PGresult *res)
{
    db_conn *c = arg;
    const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
    const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

    SSC_LOG_INFO("database notice on connection %u: %s: %s", c->index,
                 sev ? sev : "NOTICE", msg ? msg : "");
}

/* The first job on a new connection: prepare every statement and LISTEN. */
static int send_setup(db_conn *c)
{
    ssc_db_job *job = ssc_xcalloc(1, sizeof(*job));

    ssc_link_init(&job->link);
    job->internal = 1;
    job->db = c->db;
    job->schema_have = -1;
    if (c->db->schema_version > 0) {
        if (!PQsendQueryParams(c->pg, schema_sql, 0, NULL, NULL, NULL, NULL, 0))
            goto err;
        job->schema_have = 0;
        job->nstmts++;
    }
    for (char **s = c->db->settings; s != NULL && s[0] != NULL; s += 2) {
        const char *v[2] = {s[0], s[1]};

        if (!PQsendQueryParams(c->pg,
                               "SELECT pg_catalog.set_config($1, $2, false)", 2,
                               NULL, v, NULL, NULL, 0))
            goto err;
        job->nstmts++;
    }
    for (size_t i = 0; i < nregistry; i++) {
        if (!PQsendPrepare(c->pg, registry[i]->name, registry[i]->sql,
                           registry[i]->nparams, NULL))
            goto err;
        job->nstmts++;
    }
    /* Only the first connection listens, so each notification comes once. */
    for (listener *l = c->db->listeners; c->index == 0 && l != NULL;
         l = l->next) {
        char *chan = PQescapeIdentifier(c->pg, l->channel, strlen(l->channel));
        char sql[300];

        if (chan == NULL)
            goto err;
        snprintf(sql, sizeof(sql), "LISTEN %s", chan);
        PQfreemem(chan);
        if (!PQsendQueryParams(c->pg, sql, 0, NULL, NULL, NULL, NULL, 0))
            goto err;
        job->nstmts++;
    }
    if (!PQpipelineSync(c->pg))
        goto err;
    job->r.ok = 1;
    job->where = J_SENT;
    ssc_link_insert(&c->inflight, &job->link);
    c->ninflight++;
    return 0;
err:
    free(job);
    return -1;
}

static void connected(db_conn *c)
{
    PQsetNoticeReceiver(c->pg, notice_receiver, c);
    if (PQsetnonblocking(c->pg, 1) != 0 || !PQenterPipelineMode(c->pg) ||
        send_setup(c) != 0) {
        conn_fail(c, PQerrorMessage(c->pg));
        return;
    }
    c->state = SETUP;
    conn_pump(c);
}

static void connect_step(db_conn *c)
{
    switch (PQconnectPoll(c->pg)) {
    case PGRES_POLLING_READING:
        if (poll_watch(c, UV_READABLE, 1) != 0)
            conn_fail(c, "could not watch the database socket");
        break;
    case PGRES_POLLING_WRITING:
        if (poll_watch(c, UV_WRITABLE, 1) != 0)
            conn_fail(c, "could not watch the database socket");
        break;
    case PGRES_POLLING_OK:
        if (poll_watch(c, UV_READABLE, 1) != 0)
            conn_fail(c, "could not watch the database socket");
        else
            connected(c);
        break;
    default:
        conn_fail(c, PQerrorMessage(c->pg));
        break;
    }
}

static void on_poll(uv_poll_t *h, int status, int events)
{
    db_conn *c = container_of(h, db_poll, poll)->conn;

    if (status < 0 && live(c)) {
        conn_fail(c, uv_strerror(status));
        return;
    }
    if (c->state == CONNECTING) {
        connect_step(c);
        return;
    }
    if (!live(c))
        return;
    if ((events & UV_READABLE) && !PQconsumeInput(c->pg)) {
        conn_fail(c, PQerrorMessage(c->pg));
        return;
    }
    conn_pump(c);
}

/* ---- connection lifecycle ----------------------------------------------- */

static void reconnect_fired(uv_timer_t *t)
{
    conn_connect(container_of(t, db_conn, timer));
}

static void schedule_reconnect(db_conn *c)
{
    if (c->db->closing)
        return;
    c->backoff_ms = c->backoff_ms == 0 ? BACKOFF_MIN_MS : c->backoff_ms * 2;
    if (c->backoff_ms > BACKOFF_MAX_MS)
        c->backoff_ms = BACKOFF_MAX_MS;
    uv_timer_start(&c->timer, reconnect_fired, c->backoff_ms, 0);
}

/* The connection is unusable: every job on it fails with UNAVAILABLE. */
static void conn_fail(db_conn *c, const char *why)
{
    int was_ready = c->state == READY;
    char reason[256];

    snprintf(reason, sizeof(reason), "%s", why ? why : "unknown error");
    reason[strcspn(reason, "\n")] = '\0';
    if (!c->db->closing &&
        (was_ready || c->backoff_ms == 0 || c->backoff_ms >= BACKOFF_MAX_MS))
        SSC_LOG_WARN("database connection %u failed: %s", c->index, reason);
    poll_stop(c);
    if (c->pg != NULL)
        PQfinish(c->pg);
    c->pg = NULL;
    c->state = DOWN;
    while (!ssc_link_empty(&c->inflight)) {
        ssc_db_job *job = container_of(c->inflight.next, ssc_db_job, link);

        ssc_link_remove(&job->link);
        job->where = J_NEW;
        if (job->internal)
            job_free(job);
        else
            fail_unavailable(c->db, job, "lost the connection to the database");
    }
    c->ninflight = 0;
    state_changed(c->db);
    if (!ssc_db_is_up(c->db))
        fail_queued(c->db, "lost the connection to the database");
    schedule_reconnect(c);
}

static void conn_connect(db_conn *c)
{
    const char *keys[] = {"dbname", "application_name", NULL};
    const char *vals[] = {c->db->conninfo, "sscd", NULL};

    c->pg = PQconnectStartParams(keys, vals, 1);
    if (c->pg == NULL || PQstatus(c->pg) == CONNECTION_BAD) {
        conn_fail(c, c->pg ? PQerrorMessage(c->pg) : "out of memory");
        return;
    }
    c->state = CONNECTING;
    connect_step(c);
}

const char *ssc_db_conninfo(const ssc_db *db)
{
    return db->conninfo;
}

const char *const *ssc_db_settings(const ssc_db *db)
{
    return (const char *const *)db->settings;
}

ssc_db *ssc_db_new(uv_loop_t *loop, const char *conninfo,
                   const ssc_db_options *opt)
{
    ssc_db *db = ssc_xcalloc(1, sizeof(*db));

    db->loop = loop;
    db->conninfo = ssc_xstrdup(conninfo);
    db->default_timeout_ms =
        opt->default_timeout_ms ? opt->default_timeout_ms : 30000;
    db->queue_max = opt->queue_max ? opt->queue_max : SSC_DB_QUEUE_DEFAULT;
    db->schema_version = opt->schema_version;
    if (opt->settings != NULL) {
        size_t n = 0;

        while (opt->settings[n] != NULL && opt->settings[n + 1] != NULL)
            n += 2;
        db->settings = ssc_xcalloc(n + 1, sizeof(*db->settings));
        for (size_t i = 0; i < n; i++)
            db->settings[i] = ssc_xstrdup(opt->settings[i]);
    }
    db->nconns = opt->pool_size ? opt->pool_size : 1;
    db->conns = ssc_xcalloc(db->nconns, sizeof(db_conn));
    ssc_link_init(&db->waiting);
    ssc_link_init(&db->failing);
    ssc_link_init(&db->retrying);
    uv_timer_init(loop, &db->fail_timer);
    uv_timer_init(loop, &db->retry_timer);
    for (unsigned i = 0; i < db->nconns; i++) {
        db_conn *c = &db->conns[i];

        c->db = db;
        c->index = i;
        ssc_link_init(&c->inflight);
        uv_timer_init(loop, &c->timer);
        conn_connect(c);
    }
    return db;
}

int ssc_db_is_up(const ssc_db *db)
{
    for (unsigned i = 0; i < db->nconns; i++)
        if (db->conns[i].state == READY)
            return 1;
    return 0;
}

void ssc_db_on_state(ssc_db *db, void (*cb)(void *arg, int up), void *arg)
{
    db->on_state = cb;
    db->on_state_arg = arg;
}

/* Tells the owner when the pool as a whole went up or down. */
static void state_changed(ssc_db *db)
{
    int up = ssc_db_is_up(db);

    if (up == db->was_up || db->closing)
        return;
    db->was_up = up;
    if (db->on_state != NULL)
        db->on_state(db->on_state_arg, up);
}

int ssc_db_listen(ssc_db *db, const char *channel, ssc_db_notify_cb cb,
                  void *arg)
{
    listener *l;

    if (channel == NULL || channel[0] == '\0' || strlen(channel) > 63)
        return SSC_EINVAL;
    l = ssc_xcalloc(1, sizeof(*l));
    l->channel = ssc_xstrdup(channel);
    l->cb = cb;
    l->arg = arg;
    l->next = db->listeners;
    db->listeners = l;
    /* A connection already up LISTENs by reconnecting: rare (start-up
     * registration happens before connecting), simple and always right. */
    if (db->conns[0].state == READY)
        conn_fail(&db->conns[0], "re-connecting to listen");
    return 0;
}

/* ---- closing --------------------------------------------------------------
 */

static void db_free(ssc_db *db)
{
    void (*done)(void *) = db->done;
    void *arg = db->done_arg;

    while (db->listeners != NULL) {
        listener *l = db->listeners;

        db->listeners = l->next;
        free(l->channel);
        free(l);
    }
    free(db->conns);
    free(db->conninfo);
    for (char **s = db->settings; s != NULL && *s != NULL; s++)
        free(*s);
    free(db->settings);
    free(db);
    if (done != NULL)
        done(arg);
}

static void db_release(ssc_db *db)
{
    if (--db->handles == 0)
        db_free(db);
}

static void handle_closed(uv_handle_t *h)
{
    db_release(h->data);
}

static void close_handle(ssc_db *db, uv_handle_t *h)
{
    h->data = db;
    db->handles++;
    uv_close(h, handle_closed);
}

void ssc_db_close(ssc_db *db, void (*done)(void *arg), void *arg)
{
    db->closing = 1;
    db->done = done;
    db->done_arg = arg;
    /* Held until every close below was started, so the count cannot reach
     * zero early. */
    db->handles = 1;
    fail_queued(db, "server is shutting down");
    for (unsigned i = 0; i < db->nconns; i++) {
        db_conn *c = &db->conns[i];

        c->backoff_ms = BACKOFF_MIN_MS; /* quiet: no warning per connection */
        if (c->pg != NULL)
            conn_fail(c, "closing");
    }
    fail_timer_cb(&db->fail_timer);
    close_handle(db, (uv_handle_t *)&db->fail_timer);
    close_handle(db, (uv_handle_t *)&db->retry_timer);
    for (unsigned i = 0; i < db->nconns; i++)
        close_handle(db, (uv_handle_t *)&db->conns[i].timer);
    db_release(db);
}
