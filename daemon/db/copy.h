/*
 * copy.h - one COPY ... FROM STDIN transaction on a PostgreSQL connection of
 * its own, driven by the event loop.
 *
 * The pool's connections (db.h) run in pipeline mode, which does not carry
 * COPY, and a bulk load holds its connection for as long as the data keeps
 * coming; so each load opens a connection with the pool's conninfo and
 * settings, non-blocking, and closes it at the end. In order, as one
 * transaction:
 *
 *   BEGIN
 *   the statements added with ssc_copy_add()     (identity, staging)
 *   the COPY statement                           -> on_ready: write data
 *   ssc_copy_write() ...                         (any amount, streamed)
 *   ssc_copy_finish(): end of data, then the closing statement, whose
 *   result is the answer, then COMMIT (or ROLLBACK) -> on_done
 *
 * Any failure (a statement's error, the server ending the COPY, the
 * connection lost) closes the connection, which rolls the transaction back,
 * and on_done reports it with the status its SQLSTATE maps to (UNAVAILABLE
 * for a lost connection). ssc_copy_abort() does the same without a callback:
 * what was written is gone with the transaction.
 *
 * Backpressure: data is handed to libpq only while the socket takes it. When
 * libpq cannot flush, data waits in the copy's buffer; ssc_copy_write()
 * returns 1 once that passes SSC_COPY_HIGH_WATER, and on_drain runs when it
 * has fallen below SSC_COPY_LOW_WATER. A writer that pauses at 1 and goes on
 * at on_drain holds at most the high-water mark plus one write.
 *
 * Entry points: ssc_copy_new(), ssc_copy_add(), ssc_copy_start(),
 * ssc_copy_write(), ssc_copy_finish(), ssc_copy_abort(), ssc_copy_ready().
 */
#ifndef SSC_COPY_H
#define SSC_COPY_H

#include "db.h"

#include <stddef.h>
#include <uv.h>

#define SSC_COPY_HIGH_WATER (512 * 1024)
#define SSC_COPY_LOW_WATER (128 * 1024)

typedef struct ssc_copy ssc_copy;

typedef struct ssc_copy_cbs {
    void (*on_ready)(void *arg); /* the COPY runs: data may be written */
    void (*on_drain)(void *arg); /* optional: the buffer fell below low water */
    /* The end: r->ok with r->res[0] the closing statement's result, once
     * COMMIT (or ROLLBACK) has been answered; or the failure. Runs once,
     * never after ssc_copy_abort(); the copy is freed after it returns. */
    void (*on_done)(void *arg, const ssc_db_result *r);
} ssc_copy_cbs;

/* A new copy that will connect with conninfo and make the settings (name,
 * value, ..., NULL; may be NULL) for the session. cbs must outlive it. */
ssc_copy *ssc_copy_new(uv_loop_t *loop, const char *conninfo,
                       const char *const *settings, const ssc_copy_cbs *cbs,
                       void *arg);

/* Adds a statement to run after BEGIN and before the COPY, with n text
 * parameters (copied; NULL is SQL NULL). Before ssc_copy_start() only. */
void ssc_copy_add(ssc_copy *c, const char *sql, int n,
                  const char *const *values);

/* Connects and runs BEGIN, the added statements and copy_sql. */
void ssc_copy_start(ssc_copy *c, const char *copy_sql);

/* Non-zero once on_ready has run and until ssc_copy_finish(). */
int ssc_copy_ready(const ssc_copy *c);

/* Queues len bytes of COPY data (copied). Returns 1 when the writer should
 * pause until on_drain, else 0. Only while ssc_copy_ready(). */
int ssc_copy_write(ssc_copy *c, const char *data, size_t len);

/* Ends the data; then runs sql with n text parameters (copied), whose
 * result on_done gets, and COMMIT when commit is non-zero, else ROLLBACK.
 * Only while ssc_copy_ready(). */
void ssc_copy_finish(ssc_copy *c, const char *sql, int n,
                     const char *const *values, int commit);

/* Gives up: the connection closes, the transaction rolls back, on_done does
 * not run, and c is freed. Safe in any state, also from a callback. */
void ssc_copy_abort(ssc_copy *c);

#endif
