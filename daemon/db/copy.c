/*
 * copy.c - one COPY FROM STDIN transaction on a connection of its own (see
 * copy.h).
 *
 * The copy walks a list of steps, one statement in flight at a time: the
 * session settings, BEGIN, the caller's statements, the COPY; then, after
 * ssc_copy_finish(), the end of data, the closing statement and COMMIT or
 * ROLLBACK. libpq is non-blocking and the loop watches its socket with one
 * uv_poll handle (made again whenever libpq's socket changes while it
 * connects).
 *
 * Entry points: see copy.h.
 */
#include "copy.h"

#include "log.h"
#include "mem.h"
#include "status.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PUT_CHUNK (64 * 1024) /* bytes handed to libpq at a time */

typedef struct step {
    char *sql;
    int n;
    char **values;
} step;

typedef enum state {
    S_NEW,
    S_CONNECTING,
    S_STEPS,  /* a statement before the COPY in flight */
    S_COPY,   /* COPY IN: data flows */
    S_ENDING, /* end of data sent, the COPY's result awaited */
    S_CLOSING /* the closing statement, then COMMIT/ROLLBACK */
} state;

struct ssc_copy {
    uv_loop_t *loop;
    uv_poll_t *poll; /* NULL when none; freed in its close callback */
    int events;
    PGconn *pg;
    const ssc_copy_cbs *cbs;
    void *arg;
    char *conninfo;
    state st;

    step *steps; /* settings, BEGIN, the caller's, COPY, closing, COMMIT */
    size_t nsteps, next;
    size_t copy_step;   /* index of the COPY */
    size_t answer_step; /* index of the closing statement */
    PGresult *answer;
    int end_sent; /* PQputCopyEnd() accepted */

    ssc_buf out; /* data not yet handed to libpq */
    size_t off;
    int flush_pending; /* libpq holds data the socket did not take */
    int full;          /* ssc_copy_write() said pause */
    int in_callback;
    int aborted;
};

static void on_poll(uv_poll_t *h, int status, int events);

static void step_add(ssc_copy *c, const char *sql, int n,
                     const char *const *values)
{
    step *s;

    c->steps = ssc_xrealloc(c->steps, (c->nsteps + 1) * sizeof(*c->steps));
    s = &c->steps[c->nsteps++];
    s->sql = ssc_xstrdup(sql);
    s->n = n;
    s->values = n > 0 ? ssc_xcalloc((size_t)n, sizeof(char *)) : NULL;
    for (int i = 0; i < n; i++)
        s->values[i] = values[i] ? ssc_xstrdup(values[i]) : NULL;
}

static void poll_closed(uv_handle_t *h)
{
    free(h);
}

static void copy_free(ssc_copy *c)
{
    if (c->poll != NULL) {
        uv_close((uv_handle_t *)c->poll, poll_closed);
        c->poll = NULL;
    }
    if (c->pg != NULL)
        PQfinish(c->pg); /* the server rolls back what was not committed */
    PQclear(c->answer);
    for (size_t i = 0; i < c->nsteps; i++) {
        for (int j = 0; j < c->steps[i].n; j++)
            free(c->steps[i].values[j]);
        free(c->steps[i].values);
        free(c->steps[i].sql);
    }
    free(c->steps);
    free(c->conninfo);
    ssc_buf_reset(&c->out);
    free(c);
}

/* The end, either way: on_done once (not after an abort), then free. */
static void finish(ssc_copy *c, const ssc_db_result *r)
{
    if (!c->aborted) {
        c->in_callback++;
        c->cbs->on_done(c->arg, r);
        c->in_callback--;
    }
    copy_free(c);
}

static void fail(ssc_copy *c, int status, const char *why)
{
    ssc_db_result r;

    memset(&r, 0, sizeof(r));
    r.status = status;
    snprintf(r.message, sizeof(r.message), "%s", why ? why : "unknown error");
    r.message[strcspn(r.message, "\n")] = '\0';
    finish(c, &r);
}

static void fail_pg(ssc_copy *c, const char *what)
{
    char why[400];

    snprintf(why, sizeof(why), "%s: %s", what,
             c->pg ? PQerrorMessage(c->pg) : "no connection");
    fail(c, SSC_STATUS_UNAVAILABLE, why);
}

static void fail_result(ssc_copy *c, PGresult *res)
{
    ssc_db_result r;

    memset(&r, 0, sizeof(r));
    ssc_db_result_fail(&r, res);
    PQclear(res);
    if (r.status == SSC_STATUS_INTERNAL && r.sqlstate[0] != '\0') {
        SSC_LOG_ERROR("copy statement failed: %s: %s", r.sqlstate, r.message);
        snprintf(r.message, sizeof(r.message),
                 "internal error in the database; the server log has details");
        r.detail[0] = '\0';
    }
    finish(c, &r);
}

static int poll_watch(ssc_copy *c, int events, int fresh)
{
    int fd = PQsocket(c->pg);

    if (fd < 0)
        return -1;
    if (fresh && c->poll != NULL) {
        uv_close((uv_handle_t *)c->poll, poll_closed);
        c->poll = NULL;
    }
    if (c->poll == NULL) {
        c->poll = ssc_xcalloc(1, sizeof(*c->poll));
        if (uv_poll_init(c->loop, c->poll, fd) != 0) {
            free(c->poll);
            c->poll = NULL;
            return -1;
        }
        c->poll->data = c;
        c->events = 0;
    }
    if (events != c->events) {
        uv_poll_start(c->poll, events, on_poll);
        c->events = events;
    }
    return 0;
}

/* ---- statements ---------------------------------------------------------- */

static int send_step(ssc_copy *c)
{
    step *s = &c->steps[c->next];

    return PQsendQueryParams(c->pg, s->sql, s->n, NULL,
                             (const char *const *)s->values, NULL, NULL, 0);
}

/* Hands buffered data to libpq while the socket takes it. Returns 0 or -1
 * (the copy has failed and is gone). */
static int pump_out(ssc_copy *c)
{
    if (c->flush_pending) {
        int f = PQflush(c->pg);

        if (f < 0) {
            fail_pg(c, "could not send to the database");
            return -1;
        }
        if (f == 1)
            return 0;
        c->flush_pending = 0;
    }
    while ((c->st == S_COPY || c->st == S_ENDING) && c->off < c->out.len) {
        size_t n = c->out.len - c->off;
        int r, f;

        if (n > PUT_CHUNK)
            n = PUT_CHUNK;
        r = PQputCopyData(c->pg, (const char *)c->out.data + c->off, (int)n);
        if (r < 0) {
            PGresult *res = PQgetResult(c->pg);

            if (res != NULL && PQresultStatus(res) == PGRES_FATAL_ERROR) {
                fail_result(c, res);
                return -1;
            }
            PQclear(res);
            fail_pg(c, "the database ended the COPY");
            return -1;
        }
        if (r == 0)
            break;
        c->off += n;
        f = PQflush(c->pg);
        if (f < 0) {
            fail_pg(c, "could not send to the database");
            return -1;
        }
        if (f == 1) {
            c->flush_pending = 1;
            break;
        }
    }
    if (c->off == c->out.len) {
        c->out.len = 0;
        c->off = 0;
    } else if (c->off > SSC_COPY_LOW_WATER) {
        ssc_buf_consume(&c->out, c->off);
        c->off = 0;
    }
    return 0;
}

static void maybe_drain(ssc_copy *c)
{
    if (c->full && c->st == S_COPY &&
        c->out.len - c->off < SSC_COPY_LOW_WATER && !c->flush_pending) {
        c->full = 0;
        if (c->cbs->on_drain != NULL) {
            c->in_callback++;
            c->cbs->on_drain(c->arg);
            c->in_callback--;
        }
    }
}

/* Sends the next statement; the COPY's end goes first when its turn comes.
 * Returns 0 or -1 (gone). */
static int advance(ssc_copy *c)
{
    if (c->next >= c->nsteps) {
        ssc_db_result r;
        PGresult *res[1];

        memset(&r, 0, sizeof(r));
        r.ok = 1;
        res[0] = c->answer;
        r.res = res;
        r.nres = c->answer != NULL;
        finish(c, &r);
        return -1;
    }
    if (!send_step(c)) {
        fail_pg(c, "could not send a statement");
        return -1;
    }
    c->next++;
    return 0;
}

/* Reads what libpq has parsed. Returns 0 or -1 (gone). */
static int read_results(ssc_copy *c)
{
    while (!PQisBusy(c->pg)) {
        PGresult *res = PQgetResult(c->pg);
        ExecStatusType st;

        if (res == NULL) {
            /* the statement in flight has ended */
            if (c->st == S_COPY)
                return 0;
            if (c->st == S_ENDING)
                c->st = S_CLOSING;
            if (advance(c) != 0)
                return -1;
            continue;
        }
        st = PQresultStatus(res);
        if (st == PGRES_COPY_IN) {
            PQclear(res);
            if (c->st != S_COPY) {
                c->st = S_COPY;
                c->in_callback++;
                c->cbs->on_ready(c->arg);
                c->in_callback--;
                if (c->aborted) {
                    copy_free(c);
                    return -1;
                }
            }
            return 0; /* no NULL follows until the data ends */
        }
        if (st == PGRES_FATAL_ERROR) {
            fail_result(c, res);
            return -1;
        }
        if (c->next == c->answer_step + 1 && c->st == S_CLOSING) {
            PQclear(c->answer);
            c->answer = res;
        } else {
            PQclear(res);
        }
    }
    return 0;
}

/* One turn: send what waits, read what came, watch for what is next.
 * Returns 0 or -1 (gone). */
static int pump(ssc_copy *c)
{
    int f;

    if ((c->st == S_COPY || c->st == S_ENDING) && pump_out(c) != 0)
        return -1;
    if (c->st == S_ENDING && !c->end_sent && c->off == c->out.len &&
        !c->flush_pending) {
        int r = PQputCopyEnd(c->pg, NULL);

        if (r < 0) {
            fail_pg(c, "could not end the COPY");
            return -1;
        }
        c->end_sent = r == 1;
    }
    f = PQflush(c->pg);
    if (f < 0) {
        fail_pg(c, "could not send to the database");
        return -1;
    }
    c->flush_pending = f == 1;
    if (read_results(c) != 0)
        return -1;
    maybe_drain(c);
    if (c->aborted) {
        copy_free(c);
        return -1;
    }
    if (poll_watch(c,
                   UV_READABLE |
                       (c->flush_pending ||
                                (c->st == S_ENDING && !c->end_sent) ||
                                ((c->st == S_COPY || c->st == S_ENDING) &&
                                 c->off < c->out.len)
                            ? UV_WRITABLE
                            : 0),
                   0) != 0) {
        fail(c, SSC_STATUS_UNAVAILABLE, "could not watch the database socket");
        return -1;
    }
    return 0;
}

/* ---- connecting ---------------------------------------------------------- */

static void connect_step(ssc_copy *c)
{
    switch (PQconnectPoll(c->pg)) {
    case PGRES_POLLING_READING:
        if (poll_watch(c, UV_READABLE, 1) != 0)
            fail(c, SSC_STATUS_UNAVAILABLE,
                 "could not watch the database socket");
        break;
    case PGRES_POLLING_WRITING:
        if (poll_watch(c, UV_WRITABLE, 1) != 0)
            fail(c, SSC_STATUS_UNAVAILABLE,
                 "could not watch the database socket");
        break;
    case PGRES_POLLING_OK:
        if (PQsetnonblocking(c->pg, 1) != 0 || poll_watch(c, UV_READABLE, 1)) {
            fail_pg(c, "could not set up the database connection");
            break;
        }
        c->st = S_STEPS;
        if (advance(c) == 0)
            (void)pump(c);
        break;
    default:
        fail_pg(c, "could not connect to the database");
        break;
    }
}

static void on_poll(uv_poll_t *h, int status, int events)
{
    ssc_copy *c = h->data;

    if (c == NULL || c->pg == NULL)
        return;
    if (status < 0) {
        fail(c, SSC_STATUS_UNAVAILABLE, uv_strerror(status));
        return;
    }
    if (c->st == S_CONNECTING) {
        connect_step(c);
        return;
    }
    if ((events & UV_READABLE) && !PQconsumeInput(c->pg)) {
        fail_pg(c, "lost the connection to the database");
        return;
    }
    (void)pump(c);
}

/* ---- entry points -------------------------------------------------------- */

ssc_copy *ssc_copy_new(uv_loop_t *loop, const char *conninfo,
                       const char *const *settings, const ssc_copy_cbs *cbs,
                       void *arg)
{
    ssc_copy *c = ssc_xcalloc(1, sizeof(*c));

    c->loop = loop;
    c->cbs = cbs;
    c->arg = arg;
    c->conninfo = ssc_xstrdup(conninfo);
    ssc_buf_init(&c->out, 0);
    for (const char *const *s = settings; s != NULL && s[0] != NULL; s += 2) {
        const char *v[2] = {s[0], s[1]};

        step_add(c, "SELECT pg_catalog.set_config($1, $2, false)", 2, v);
    }
    step_add(c, "BEGIN", 0, NULL);
    return c;
}

void ssc_copy_add(ssc_copy *c, const char *sql, int n,
                  const char *const *values)
{
    step_add(c, sql, n, values);
}

void ssc_copy_start(ssc_copy *c, const char *copy_sql)
{
    const char *keys[] = {"dbname", "application_name", NULL};
    const char *vals[] = {c->conninfo, "sscd-copy", NULL};

    c->copy_step = c->nsteps;
    step_add(c, copy_sql, 0, NULL);
    c->st = S_CONNECTING;
    c->pg = PQconnectStartParams(keys, vals, 1);
    if (c->pg == NULL || PQstatus(c->pg) == CONNECTION_BAD) {
        fail_pg(c, "could not connect to the database");
        return;
    }
    connect_step(c);
}

int ssc_copy_ready(const ssc_copy *c)
{
    return c->st == S_COPY;
}

int ssc_copy_write(ssc_copy *c, const char *data, size_t len)
{
    if (c->st != S_COPY)
        return 0;
    (void)ssc_buf_append(&c->out, data, len);
    if (!c->flush_pending && !c->in_callback && pump(c) != 0)
        return 1; /* gone: on_done has run */
    if (c->out.len - c->off >= SSC_COPY_HIGH_WATER || c->flush_pending) {
        c->full = 1;
        return 1;
    }
    return 0;
}

void ssc_copy_finish(ssc_copy *c, const char *sql, int n,
                     const char *const *values, int commit)
{
    if (c->st != S_COPY)
        return;
    c->answer_step = c->nsteps;
    step_add(c, sql, n, values);
    step_add(c, commit ? "COMMIT" : "ROLLBACK", 0, NULL);
    c->st = S_ENDING;
    c->full = 0;
    /* What is still buffered goes first; pump() ends the COPY after it (at
     * once, or when the socket is writable: pump() watches for that). */
    if (!c->in_callback)
        (void)pump(c);
}

void ssc_copy_abort(ssc_copy *c)
{
    if (c == NULL)
        return;
    c->aborted = 1;
    if (!c->in_callback)
        copy_free(c);
}
