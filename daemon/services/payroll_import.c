/*
 * payroll_import.c - ssc.v1.Payroll/Import: payroll lines streamed from the
 * client into PostgreSQL with COPY, then reconciled and booked in the same
 * transaction (sql/0034 has the rules; this file only moves the lines).
 *
 * The first request message carries the header (batch id, source name,
 * expected line count, dry run) and opens a connection of the import's own
 * (db/copy.h): begin_call with the caller's certificate, the transaction's
 * budget (the call's deadline, or [payroll] import_timeout_s), the staging
 * table (ssc.payroll_stage), then COPY pg_temp.payroll_staging FROM STDIN.
 * Every later message's lines are written as COPY text rows, and hashed
 * (SHA-256) as written: that hash is the batch's content hash. When the
 * client half-closes, the COPY ends and ssc.payroll_reconcile runs; its
 * answer is the response, sent only once COMMIT has been answered (a dry
 * run rolls back instead).
 *
 * Backpressure: input is paused (ssc_call_pause_input) until the COPY runs
 * and whenever the copy's buffer is full, and resumed when it drains, so
 * the client waits on HTTP/2 flow control and sscd holds at most the
 * stream's window, one message and the copy's high-water mark per import,
 * however long the file.
 *
 * Faults: a cancelled call, a lost connection, a deadline that passes
 * before the reconciliation was sent, or sscd going away close the
 * import's connection, which rolls the transaction back: the staging
 * table, the lines and the payments go with it. Imports at once are
 * limited per process ([payroll] max_imports); one past it is
 * RESOURCE_EXHAUSTED.
 *
 * Entry points: ssc_payroll_import_method.
 */
#include "router.h" /* before call.h, which uses its ssc_method typedef */

#include "payroll_import.h"

#include "backend.h"
#include "call.h"
#include "copy.h"
#include "hex.h"
#include "json_pb.h"
#include "mem.h"
#include "pb_json.h"
#include "server.h"
#include "store.h"

#include "ssc/v1/payroll.pb-c.h"

#include <inttypes.h>
#include <openssl/evp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATH "/ssc.v1.Payroll/Import"
#define ROLES "{reconciler,ministry}"

static const char copy_sql[] =
    "COPY pg_temp.payroll_staging (line_no, organisation, employee_ref, "
    "month, hours_hundredths, amount_minor, currency, collaboration) "
    "FROM STDIN";

static atomic_uint imports_running;

typedef struct import {
    ssc_call *call;
    ssc_copy *copy;
    EVP_MD_CTX *sha;
    ssc_buf rows;    /* one message's rows, formatted */
    ssc_buf pending; /* rows that came before the COPY ran */
    char *header;    /* the header as JSON, for payroll_reconcile */
    int dry_run;
    int half_closed;
    int finishing; /* the reconciliation was sent: it may commit */
} import;

static void import_free(import *im)
{
    ssc_copy_abort(im->copy); /* NULL once done */
    EVP_MD_CTX_free(im->sha);
    ssc_buf_reset(&im->rows);
    ssc_buf_reset(&im->pending);
    free(im->header);
    ssc_call_set_data(im->call, NULL);
    ssc_call_unref(im->call);
    atomic_fetch_sub(&imports_running, 1);
    free(im);
}

/* ---- COPY text rows ------------------------------------------------------ */

static void put(ssc_buf *b, const char *s, size_t n)
{
    (void)ssc_buf_append(b, s, n);
}

/* A text field, escaped for COPY's text format. */
static void put_text(ssc_buf *b, const char *s)
{
    const char *run = s;

    for (; *s != '\0'; s++) {
        const char *esc = NULL;

        switch (*s) {
        case '\\':
            esc = "\\\\";
            break;
        case '\t':
            esc = "\\t";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\r':
            esc = "\\r";
            break;
        default:
            continue;
        }
        put(b, run, (size_t)(s - run));
        put(b, esc, 2);
        run = s + 1;
    }
    put(b, run, (size_t)(s - run));
}

static void put_int(ssc_buf *b, int64_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof(tmp), "%" PRId64, v);

    put(b, tmp, (size_t)n);
}

static void put_line(ssc_buf *b, const Ssc__V1__PayrollLine *l)
{
    put_int(b, l->line);
    put(b, "\t", 1);
    put_text(b, l->organisation);
    put(b, "\t", 1);
    put_text(b, l->employee_ref);
    put(b, "\t", 1);
    put_text(b, l->month);
    put(b, "\t", 1);
    put_int(b, l->hours_hundredths);
    put(b, "\t", 1);
    if (l->amount != NULL) {
        put_int(b, l->amount->amount_minor);
        put(b, "\t", 1);
        put_text(b, l->amount->currency);
    } else {
        put(b, "\\N\t\\N", 5); /* payroll_reconcile names the line */
    }
    put(b, "\t", 1);
    put_text(b, l->collaboration);
    put(b, "\n", 1);
}

/* ---- the transaction ----------------------------------------------------- */

static void reconcile(import *im)
{
    unsigned char md[32];
    char hash[2 + 64 + 1] = "\\x";
    const char *v[2];

    (void)EVP_DigestFinal_ex(im->sha, md, NULL);
    ssc_hex_encode(md, sizeof(md), hash + 2);
    v[0] = im->header;
    v[1] = hash;
    im->finishing = 1;
    ssc_copy_finish(im->copy,
                    "SELECT ssc.payroll_reconcile($1::jsonb, $2::bytea)", 2, v,
                    !im->dry_run);
}

static void write_rows(import *im, const ssc_buf *b)
{
    if (b->len == 0)
        return;
    if (ssc_copy_write(im->copy, (const char *)b->data, b->len))
        ssc_call_pause_input(im->call);
}

static void copy_ready(void *arg)
{
    import *im = arg;

    write_rows(im, &im->pending);
    ssc_buf_reset(&im->pending);
    if (im->half_closed)
        reconcile(im);
    else
        ssc_call_resume_input(im->call);
}

static void copy_drain(void *arg)
{
    import *im = arg;

    ssc_call_resume_input(im->call);
}

static void copy_done(void *arg, const ssc_db_result *r)
{
    import *im = arg;
    ssc_call *call = im->call;
    ProtobufCMessage *msg = NULL;
    const char *text;
    size_t len;
    char err[256];

    im->copy = NULL; /* freed by copy.c when this returns */
    if (!r->ok) {
        ssc_store_answer_failure(call, r);
    } else if ((text = ssc_db_answer(r, &len)) == NULL ||
               ssc_json_pb_decode_text(&ssc__v1__payroll_batch__descriptor,
                                       text, len, &msg, err,
                                       sizeof(err)) != 0) {
        ssc_call_finish(call, SSC_STATUS_INTERNAL,
                        "could not read the reconciliation's answer");
    } else {
        ssc_call_send(call, msg);
        ssc_call_finish(call, SSC_STATUS_OK, NULL);
    }
    ssc_json_pb_free(msg);
    import_free(im);
}

static const ssc_copy_cbs copy_cbs = {
    .on_ready = copy_ready,
    .on_drain = copy_drain,
    .on_done = copy_done,
};

/* ---- the call ------------------------------------------------------------ */

static void begin(ssc_call *call, const Ssc__V1__PayrollImportHeader *h)
{
    const ssc_peer *peer = ssc_call_peer(call);
    ssc_db *db = ssc_backend_db(ssc_server_loop_of(call));
    const ssc_config *cfg = ssc_call_server(call)->cfg;
    uint64_t deadline = ssc_call_deadline_ms(call), now = ssc_db_now_ms();
    uint64_t budget = (uint64_t)cfg->payroll_import_timeout_s * 1000;
    char timeout[24], err[128];
    const char *v[4];
    size_t len;
    import *im;

    if (!peer->verified) {
        ssc_call_finish(call, SSC_STATUS_UNAUTHENTICATED,
                        "a client certificate is required");
        return;
    }
    if (db == NULL) {
        ssc_call_finish(call, SSC_STATUS_UNAVAILABLE, "no database configured");
        return;
    }
    if (!ssc_server_serving(ssc_call_server(call))) {
        ssc_call_finish(call, SSC_STATUS_UNAVAILABLE, "sscd is shutting down");
        return;
    }
    if (atomic_fetch_add(&imports_running, 1) >= cfg->payroll_max_imports) {
        atomic_fetch_sub(&imports_running, 1);
        ssc_call_finish(call, SSC_STATUS_RESOURCE_EXHAUSTED,
                        "%u payroll imports are running, the most sscd "
                        "takes at once ([payroll] max_imports); try again "
                        "later",
                        cfg->payroll_max_imports);
        return;
    }
    im = ssc_xcalloc(1, sizeof(*im));
    im->call = call;
    ssc_call_ref(call);
    ssc_call_set_data(call, im);
    ssc_buf_init(&im->rows, 0);
    ssc_buf_init(&im->pending, 0);
    im->dry_run = h->dry_run;
    im->sha = EVP_MD_CTX_new();
    if (im->sha == NULL || !EVP_DigestInit_ex(im->sha, EVP_sha256(), NULL) ||
        ssc_pb_json_encode(&h->base, &im->header, &len, err, sizeof(err)) !=
            0) {
        ssc_call_finish(call, SSC_STATUS_INTERNAL,
                        "could not start the import");
        import_free(im);
        return;
    }
    if (deadline != 0)
        budget = deadline > now ? deadline - now : 1;
    if (budget == 0 || budget > SSC_DB_TIMEOUT_MAX_MS)
        budget = SSC_DB_TIMEOUT_MAX_MS;
    snprintf(timeout, sizeof(timeout), "%" PRIu64, budget);
    /* Nothing more comes in until the COPY runs. */
    ssc_call_pause_input(call);
    im->copy = ssc_copy_new(ssc_call_uv_loop(call), ssc_db_conninfo(db),
                            ssc_db_settings(db), &copy_cbs, im);
    v[0] = peer->fingerprint;
    v[1] = peer->subject;
    v[2] = ROLES;
    v[3] = PATH;
    ssc_copy_add(im->copy,
                 "SELECT * FROM ssc.begin_call($1, $2, $3::text[], $4)", 4, v);
    v[0] = timeout;
    ssc_copy_add(im->copy,
                 "SELECT pg_catalog.set_config('statement_timeout', $1, true)",
                 1, v);
    ssc_copy_add(im->copy, "SELECT ssc.payroll_stage()", 0, NULL);
    ssc_copy_start(im->copy, copy_sql);
}

static void import_message(ssc_call *call, const ProtobufCMessage *m)
{
    const Ssc__V1__ImportPayrollRequest *req =
        (const Ssc__V1__ImportPayrollRequest *)m;
    import *im = ssc_call_data(call);

    if (im == NULL) {
        if (req->header == NULL || req->n_lines > 0) {
            ssc_call_finish(call, SSC_STATUS_INVALID_ARGUMENT,
                            "header: the first message of an import carries "
                            "the header and no lines");
            return;
        }
        begin(call, req->header);
        return;
    }
    if (req->header != NULL) {
        ssc_call_finish(call, SSC_STATUS_INVALID_ARGUMENT,
                        "header: only the first message of an import carries "
                        "one");
        import_free(im); /* the COPY rolls back */
        return;
    }
    im->rows.len = 0;
    for (size_t i = 0; i < req->n_lines; i++)
        put_line(&im->rows, req->lines[i]);
    (void)EVP_DigestUpdate(im->sha, im->rows.data, im->rows.len);
    if (ssc_copy_ready(im->copy)) {
        write_rows(im, &im->rows);
    } else {
        put(&im->pending, (const char *)im->rows.data, im->rows.len);
        ssc_call_pause_input(call);
    }
    if (im->rows.alloc > SSC_COPY_HIGH_WATER)
        ssc_buf_reset(&im->rows); /* a large message's buffer is not kept */
}

static void import_half_close(ssc_call *call)
{
    import *im = ssc_call_data(call);

    if (im == NULL) {
        if (!ssc_call_is_done(call))
            ssc_call_finish(call, SSC_STATUS_INVALID_ARGUMENT,
                            "header: an import starts with a header message");
        return;
    }
    im->half_closed = 1;
    if (ssc_copy_ready(im->copy))
        reconcile(im);
}

static void import_cancel(ssc_call *call)
{
    import *im = ssc_call_data(call);

    if (im != NULL)
        import_free(im);
}

/* While the reconciliation runs, its transaction may commit: the call waits
 * for the outcome (statement_timeout ends it with the deadline). Before,
 * the import is given up. */
static int import_deadline(ssc_call *call)
{
    import *im = ssc_call_data(call);

    return im != NULL && im->finishing;
}

const ssc_method ssc_payroll_import_method = {
    .path = PATH,
    .kind = SSC_CLIENT_STREAMING,
    .input = &ssc__v1__import_payroll_request__descriptor,
    .on_message = import_message,
    .on_half_close = import_half_close,
    .on_cancel = import_cancel,
    .on_deadline = import_deadline,
};
