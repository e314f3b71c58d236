/*
 * payroll_report.c - ssc.v1.Payroll/Report: a batch's lines with their
 * flags, streamed in line order, in constant memory.
 *
 * The lines are read a page at a time (ssc.payroll_report, as the caller,
 * so row-level security decides which lines it sees), each page in a
 * transaction of its own after the last line sent. A page is read only
 * while the response buffer is below SSC_CALL_HIGH_WATER; above it the
 * report waits for on_drain. So sscd holds one page and the high-water
 * mark per report however many lines the batch has, and a slow reader
 * slows the reads, not memory.
 *
 * Entry points: ssc_payroll_report_method, ssc_payroll_report_stmts.
 */
#include "router.h" /* before call.h, which uses its ssc_method typedef */

#include "payroll_report.h"

#include "backend.h"
#include "call.h"
#include "json_pb.h"
#include "mem.h"
#include "roles.h"
#include "server.h"
#include "store.h"

#include "ssc/v1/payroll.pb-c.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#define PAGE 2000
#define PAGE_TEXT "2000"

const ssc_db_stmt ssc_payroll_report_stmts[SSC_PAYROLL_REPORT_NSTMTS] = {
    {"ssc_payroll_report",
     "SELECT ssc.payroll_report($1::jsonb, $2::bigint, $3::int)", 3},
};

typedef struct report {
    ssc_call *call;
    ssc_db_job *job; /* the page in flight, or NULL */
    char *request;   /* the request as JSON */
    int64_t after;   /* the last line sent */
    int stalled;     /* waiting for on_drain */
} report;

static void report_free(report *rp)
{
    if (rp->job != NULL)
        ssc_db_job_cancel(rp->job);
    free(rp->request);
    ssc_call_set_data(rp->call, NULL);
    ssc_call_unref(rp->call);
    free(rp);
}

static void fetch(report *rp);

/* Sends one page's lines. Returns how many, or -1 after ending the call. */
static long send_page(report *rp, const ssc_db_result *r)
{
    const char *text;
    size_t len, i;
    json_t *rows, *row;
    json_error_t jerr;
    char err[256];
    long n = 0;

    text = ssc_db_answer(r, &len);
    rows = text != NULL ? json_loadb(text, len, 0, &jerr) : NULL;
    if (!json_is_array(rows)) {
        json_decref(rows);
        ssc_call_finish(rp->call, SSC_STATUS_INTERNAL,
                        "could not read the report's lines");
        return -1;
    }
    json_array_foreach(rows, i, row)
    {
        ProtobufCMessage *msg = NULL;
        const Ssc__V1__PayrollReportLine *line;

        if (ssc_json_pb_decode(&ssc__v1__payroll_report_line__descriptor, row,
                               &msg, err, sizeof(err)) != 0) {
            json_decref(rows);
            ssc_call_finish(rp->call, SSC_STATUS_INTERNAL,
                            "could not read the report's lines: %s", err);
            return -1;
        }
        line = (const Ssc__V1__PayrollReportLine *)msg;
        if (line->line != NULL)
            rp->after = line->line->line;
        ssc_call_send(rp->call, msg);
        ssc_json_pb_free(msg);
        n++;
    }
    json_decref(rows);
    return n;
}

static void fetched(void *arg, const ssc_db_result *r)
{
    report *rp = arg;
    long n;

    rp->job = NULL;
    if (ssc_call_is_done(rp->call)) {
        report_free(rp);
        return;
    }
    if (!r->ok) {
        ssc_store_answer_failure(rp->call, r);
        report_free(rp);
        return;
    }
    n = send_page(rp, r);
    if (n < 0 || n < PAGE) {
        if (n >= 0)
            ssc_call_finish(rp->call, SSC_STATUS_OK, NULL);
        report_free(rp);
        return;
    }
    if (ssc_call_buffered(rp->call) >= SSC_CALL_HIGH_WATER)
        rp->stalled = 1;
    else
        fetch(rp);
}

static void fetch(report *rp)
{
    ssc_db *db = ssc_backend_db(ssc_server_loop_of(rp->call));
    ssc_db_job *job = ssc_store_begin_read(rp->call, ssc_roles_money_readers);
    char after[24];
    const char *v[3];

    if (job == NULL) { /* the call was answered */
        report_free(rp);
        return;
    }
    snprintf(after, sizeof(after), "%" PRId64, rp->after);
    v[0] = rp->request;
    v[1] = after;
    v[2] = PAGE_TEXT;
    ssc_db_job_add(job, "ssc_payroll_report", 3, v);
    rp->job = job;
    ssc_db_submit(db, job, fetched, rp);
}

static void report_message(ssc_call *call, const ProtobufCMessage *req)
{
    ssc_db *db = ssc_backend_db(ssc_server_loop_of(call));
    size_t len;
    char *json = ssc_store_watch_request(call, db != NULL, req, &len);
    report *rp;

    if (json == NULL)
        return;
    rp = ssc_xcalloc(1, sizeof(*rp));
    rp->call = call;
    rp->request = json;
    ssc_call_ref(call);
    ssc_call_set_data(call, rp);
    fetch(rp);
}

static void report_cancel(ssc_call *call)
{
    report *rp = ssc_call_data(call);

    if (rp != NULL)
        report_free(rp);
}

static void report_drain(ssc_call *call)
{
    report *rp = ssc_call_data(call);

    if (rp != NULL && rp->stalled) {
        rp->stalled = 0;
        fetch(rp);
    }
}

const ssc_method ssc_payroll_report_method = {
    .path = "/ssc.v1.Payroll/Report",
    .kind = SSC_SERVER_STREAMING,
    .input = &ssc__v1__payroll_report_request__descriptor,
    .on_message = report_message,
    .on_cancel = report_cancel,
    .on_drain = report_drain,
};
