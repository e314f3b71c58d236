/*
 * db.h - PostgreSQL for one event loop: a pool of non-blocking libpq
 * connections in pipeline mode, driven by the loop through uv_poll.
 *
 * Work is submitted as jobs. A job is a list of prepared statements that run
 * in order as ONE implicit transaction (one pipeline sync): either all of them
 * commit or none does, and the callback learns which only after the commit
 * (the sync) has been answered. Independent jobs are pipelined on the same
 * connection; each connection carries many at once.
 *
 * Retries: a job that fails with SQLSTATE 40001 (serialization failure) or
 * 40P01 (deadlock) runs again from its first statement, up to
 * SSC_DB_MAX_ATTEMPTS times with jittered exponential backoff. The callback
 * sees only the final outcome.
 *
 * Deadlines: a job carries an absolute deadline. A job whose deadline has
 * passed before it is sent (it waited for a connection, or for a retry) is
 * never sent and fails with DEADLINE_EXCEEDED. When it is sent, what is left
 * of the deadline becomes the transaction's budget in PostgreSQL: the first
 * statement sets statement_timeout to it and records the moment it ends
 * (ssc.deadline_at, on PostgreSQL's clock); before every later statement of
 * the caller's but the first, a statement re-arms statement_timeout to what is
 * left of that budget. So the whole transaction, not each statement, is
 * bounded, and a transaction that runs out of time rolls back (57014).
 * Without a deadline the pool's default timeout is the budget.
 *
 * Cancel: a job that has not been sent is dropped at once and never reaches
 * PostgreSQL. A job already sent runs to its end or its budget; its result is
 * dropped.
 *
 * Queue: jobs that find every connection's pipeline full wait in the pool, at
 * most queue_max of them; past that a job fails at once with
 * RESOURCE_EXHAUSTED.
 *
 * Failure: when a connection dies, every job on it fails with UNAVAILABLE and
 * the pool reconnects with backoff; when no connection is left up, the jobs
 * waiting in the pool fail with UNAVAILABLE too, and while none is up new
 * jobs fail at once with UNAVAILABLE (asynchronously, never inside
 * ssc_db_submit()).
 *
 * Setup: a new connection first checks the schema version (when the pool
 * was given one), prepares every registered statement and LISTENs. It takes
 * jobs only once that has succeeded; a connection whose setup fails (an
 * unmigrated schema, say) is logged, closed and tried again with backoff.
 *
 * Statements are registered once, before any pool exists, and prepared on
 * every connection when it connects.
 *
 * Entry points: ssc_db_register(), ssc_db_new(), ssc_db_close(),
 * ssc_db_conninfo(), ssc_db_settings(), ssc_db_result_fail(),
 * ssc_db_is_up(), ssc_db_on_state(), ssc_db_job_new(), ssc_db_job_add(),
 * ssc_db_job_deadline(), ssc_db_submit(), ssc_db_job_cancel(),
 * ssc_db_job_sent(), ssc_db_listen(), ssc_db_answer(), ssc_db_status_of(),
 * ssc_db_now_ms().
 */
#ifndef SSC_DB_H
#define SSC_DB_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#define SSC_DB_MAX_ATTEMPTS 5
#define SSC_DB_MAX_PARAMS 32
#define SSC_DB_QUEUE_DEFAULT 1024
#define SSC_DB_PIPELINE_MAX 256 /* jobs sent and unanswered per connection */
/* PostgreSQL's statement_timeout is an int of milliseconds: a longer budget
 * is cut to this (about 24.8 days), which no transaction comes near. */
#define SSC_DB_TIMEOUT_MAX_MS 2147483647u

typedef struct ssc_db ssc_db;
typedef struct ssc_db_job ssc_db_job;

/* A statement every connection prepares. */
typedef struct ssc_db_stmt {
    const char *name; /* prepared-statement name, unique */
    const char *sql;  /* $1..$n, text parameters */
    int nparams;
} ssc_db_stmt;

/* What a job produced. When ok, res[i] is the result of the i-th statement
 * added (PGRES_TUPLES_OK or PGRES_COMMAND_OK), owned by the job and freed
 * after the callback returns. When not ok, status is the gRPC status to
 * answer with, sqlstate the SQLSTATE ("" when the failure was not
 * PostgreSQL's) and message PostgreSQL's primary message or ours. */
typedef struct ssc_db_result {
    int ok;
    int status;
    char sqlstate[6];
    char message[512];
    char detail[512]; /* PostgreSQL's DETAIL, "" when none */
    size_t nres;
    PGresult **res;
} ssc_db_result;

typedef void (*ssc_db_cb)(void *arg, const ssc_db_result *r);
typedef void (*ssc_db_notify_cb)(void *arg, const char *channel,
                                 const char *payload);

/* Registers statements (not copied; they must live for the process). Call
 * before ssc_db_new(). Returns 0 or SSC_EINVAL for a duplicate name. */
int ssc_db_register(const ssc_db_stmt *stmts, size_t n);

/* How a pool behaves; zero fields take the default. */
typedef struct ssc_db_options {
    unsigned pool_size;          /* connections, default 1 */
    uint32_t default_timeout_ms; /* budget of a job without a deadline */
    unsigned
        queue_max; /* jobs waiting for a connection, SSC_DB_QUEUE_DEFAULT */
    int schema_version; /* the version public.ssc_schema_migrations must have
                           reached for a connection to take jobs; 0: none */
    /* Settings made on every connection before it takes jobs (set_config,
     * for the session): name, value, name, value, ..., NULL; may be NULL. */
    const char *const *settings;
} ssc_db_options;

/* Creates the pool for a loop and starts connecting with conninfo (a libpq
 * URL or key=value string). Never blocks. */
ssc_db *ssc_db_new(uv_loop_t *loop, const char *conninfo,
                   const ssc_db_options *opt);

/* Fails every job still pending with UNAVAILABLE, closes the connections and
 * their handles; done (may be NULL) runs when everything is released and db
 * has been freed. */
void ssc_db_close(ssc_db *db, void (*done)(void *arg), void *arg);

/* What the pool connects with, for work that needs a connection of its
 * own (copy.h): the conninfo, and the settings as name, value, ..., NULL
 * (NULL when none). */
const char *ssc_db_conninfo(const ssc_db *db);
const char *const *ssc_db_settings(const ssc_db *db);

/* Fills r (ok 0) from a failed PGresult: status mapped from its SQLSTATE,
 * the primary message and the detail. */
void ssc_db_result_fail(ssc_db_result *r, const PGresult *res);

/* Non-zero while at least one connection is ready. */
int ssc_db_is_up(const ssc_db *db);

/* Calls cb whenever ssc_db_is_up() changes (for health). */
void ssc_db_on_state(ssc_db *db, void (*cb)(void *arg, int up), void *arg);

/* A new, empty job. */
ssc_db_job *ssc_db_job_new(void);

/* Appends a statement by name with n text parameters (NULL values are SQL
 * NULL); the values are copied. Returns 0, or SSC_EINVAL for an unknown
 * statement or a parameter count that does not match. */
int ssc_db_job_add(ssc_db_job *job, const char *stmt, int n,
                   const char *const *values);

/* Now, in ms, on the clock deadlines are given in (libuv's monotonic clock,
 * the one uv_now() reads at the start of each loop iteration). */
uint64_t ssc_db_now_ms(void);

/* Sets the job's deadline as a time on ssc_db_now_ms()'s clock; 0 (the
 * default) is none, and the pool's default timeout then bounds the job. */
void ssc_db_job_deadline(ssc_db_job *job, uint64_t deadline_ms);

/* Runs the job; db takes ownership of it. cb runs exactly once, later, on
 * the loop (unless the job is cancelled first). */
void ssc_db_submit(ssc_db *db, ssc_db_job *job, ssc_db_cb cb, void *arg);

/* The caller no longer wants the result: cb will not run. A job not sent yet
 * (waiting for a connection or a retry) is dropped and freed now, and 1 is
 * returned: it never reaches the database. A job the database has runs to
 * its end or its budget and is then freed; 0 is returned. Either way job
 * must not be used again. */
int ssc_db_job_cancel(ssc_db_job *job);

/* Non-zero while the database has the job (sent, result not yet read): its
 * transaction may commit. Zero before it is sent and between attempts. */
int ssc_db_job_sent(const ssc_db_job *job);

/* LISTENs on channel on the pool (again after every reconnect); cb runs for
 * each notification on it, and with payload NULL each time the listening
 * connection has (re)started listening: notifications sent while it was
 * not are lost, and the listener should look for itself. Returns 0 or
 * SSC_EINVAL. */
int ssc_db_listen(ssc_db *db, const char *channel, ssc_db_notify_cb cb,
                  void *arg);

/* The text of the value the last statement of r returned (first row, first
 * column) with its length in *len, or NULL when there is none (no result,
 * no row, or SQL NULL): how a function's jsonb answer is read. */
const char *ssc_db_answer(const ssc_db_result *r, size_t *len);

/* Maps a SQLSTATE to the gRPC status it stands for (see db.c for the table).
 */
int ssc_db_status_of(const char *sqlstate);

#endif
