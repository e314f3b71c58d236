/*
 * cmd_payroll_import.c - `ssc payroll import FILE.csv --batch ID
 * [--skip-bad-lines] [--dry-run] [--chunk N] [--deadline S]`
 * (ssc.v1.Payroll/Import, client-streaming).
 *
 * The file is read with payroll_csv.c, streaming, and its lines go out as
 * they are parsed, --chunk lines per message (default 2000), each line
 * packed straight into the message being built: ssc holds one message and
 * the transport's buffer (SSC_CLIENT_HIGH_WATER, then it waits for
 * on_drain), however long the file. Parsing runs in slices from an idle
 * handle, so the loop keeps the connection served meanwhile.
 *
 * Problems: a critical one (the file cannot be read, its header is wrong)
 * sends nothing. An error (a line that cannot be parsed) is printed with
 * its line and column; by default the import stops: the call is cancelled,
 * which rolls back everything sscd staged, the rest of the file is still
 * read to print every error, and nothing is booked (exit 5).
 * --skip-bad-lines sends the good lines and says how many were skipped.
 * Warnings are printed and the line is sent. At most 20 problems of each
 * class are printed, then a count of the rest.
 *
 * On a terminal (stderr) a progress line shows lines, percent, a bar,
 * lines per second and the time left; not otherwise. At the end the
 * batch's summary: a table of the count per flag and the totals, or with
 * --json the PayrollBatch. A batch id sent before with the same lines
 * answers the first result ("replayed") and books nothing again.
 *
 * Entry points: cli_payroll_import_cmd.
 */
#include "args.h"
#include "cli.h"
#include "cmd_payroll.h"
#include "exit.h"
#include "money.h"
#include "output.h"
#include "payroll_csv.h"
#include "progress.h"

#include "mem.h"
#include "ssc/v1/payroll.pb-c.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PATH "/ssc.v1.Payroll/Import"
#define CHUNK_DEFAULT 2000
#define SHOW_MAX 20 /* problems of a class printed */

typedef struct import {
    cli_ctx *ctx;
    const cli_cmd *cmd;
    cli_payroll_reader *reader;
    ssc_client_call *call;
    uv_idle_t idle;
    int idle_on;
    size_t chunk;
    int skip_bad;
    ssc_buf msg;
    uint64_t sent;          /* lines sent */
    unsigned long shown[3]; /* problems printed, by class */
    int stop;               /* an error without --skip-bad-lines */
    int eof;
    int closed;      /* on_close ran */
    int idle_closed; /* the idle handle's close callback ran */
    cli_progress progress;
    ssc_client_result res;
    Ssc__V1__PayrollBatch *batch;
} import;

static uint64_t now_ms(void)
{
    return uv_hrtime() / 1000000;
}

/* ---- problems ------------------------------------------------------------ */

static void on_problem(void *arg, const cli_payroll_problem *p)
{
    import *im = arg;
    static const char *const words[] = {"warning", "error", "critical"};

    if (p->cls == CLI_PAYROLL_ERROR && !im->skip_bad)
        im->stop = 1;
    if (im->shown[p->cls]++ >= SHOW_MAX)
        return;
    cli_progress_done(&im->progress);
    fprintf(stderr, "ssc: %s: %s: %s\n", im->cmd->name, words[p->cls],
            p->message);
}

/* ---- sending ------------------------------------------------------------- */

/* Appends l to the message being built as one element of its repeated
 * field 2 (lines): tag, length, the packed line. */
static void add_line(ssc_buf *msg, const Ssc__V1__PayrollLine *l)
{
    size_t n = protobuf_c_message_get_packed_size(&l->base);
    uint8_t *p = ssc_buf_reserve(msg, n + 11);
    size_t o = 0, v = n;

    p[o++] = (2 << 3) | 2;
    do {
        p[o] = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v != 0)
            p[o] |= 0x80;
        o++;
    } while (v != 0);
    protobuf_c_message_pack(&l->base, p + o);
    msg->len += o + n;
}

static void idle_stop(import *im)
{
    if (im->idle_on) {
        uv_idle_stop(&im->idle);
        im->idle_on = 0;
    }
}

/* One slice: a message of up to chunk lines, while the transport takes
 * more. */
static void pump(uv_idle_t *h)
{
    import *im = h->data;
    const Ssc__V1__PayrollLine *l;
    size_t n = 0;
    int rc = 0;

    if (im->closed || im->eof) {
        idle_stop(im);
        return;
    }
    if (ssc_client_call_buffered(im->call) >= SSC_CLIENT_HIGH_WATER) {
        idle_stop(im); /* on_drain starts it again */
        return;
    }
    im->msg.len = 0;
    while (n < im->chunk && (rc = cli_payroll_next(im->reader, &l)) == 1) {
        if (im->stop)
            break;
        add_line(&im->msg, l);
        n++;
    }
    if (im->stop || rc < 0) {
        /* Nothing may be booked: the cancel rolls back what sscd staged. */
        idle_stop(im);
        ssc_client_call_cancel(im->call);
        return;
    }
    if (n > 0) {
        (void)ssc_client_call_send(im->call, im->msg.data, im->msg.len);
        im->sent += n;
    }
    cli_progress_update(&im->progress, im->sent,
                        cli_payroll_bytes_read(im->reader),
                        cli_payroll_size(im->reader), now_ms(), 0);
    if (rc == 0) {
        im->eof = 1;
        idle_stop(im);
        cli_progress_update(&im->progress, im->sent,
                            cli_payroll_bytes_read(im->reader),
                            cli_payroll_size(im->reader), now_ms(), 1);
        (void)ssc_client_call_half_close(im->call);
    }
}

static void on_drain(ssc_client_call *call)
{
    import *im = ssc_client_call_data(call);

    if (!im->eof && !im->idle_on && !im->closed) {
        uv_idle_start(&im->idle, pump);
        im->idle_on = 1;
    }
}

static void on_message(ssc_client_call *call, const uint8_t *msg, size_t len)
{
    import *im = ssc_client_call_data(call);

    if (im->batch != NULL)
        return;
    im->batch = (Ssc__V1__PayrollBatch *)protobuf_c_message_unpack(
        &ssc__v1__payroll_batch__descriptor, NULL, len, msg);
}

static void idle_closed(uv_handle_t *h)
{
    import *im = h->data;

    im->idle_closed = 1;
}

static void on_close(ssc_client_call *call, ssc_client_result *res)
{
    import *im = ssc_client_call_data(call);

    im->closed = 1;
    im->res = *res;
    ssc_client_result_init(res);
    idle_stop(im);
    uv_close((uv_handle_t *)&im->idle, idle_closed);
}

static const ssc_client_call_cbs cbs = {
    .on_message = on_message,
    .on_close = on_close,
    .on_drain = on_drain,
};

/* ---- the summary --------------------------------------------------------- */

static void print_summary(const import *im)
{
    const Ssc__V1__PayrollBatch *b = im->batch;
    static const char *const headers[] = {"FLAG", "LINES"};
    static const int right[] = {0, 1};
    cli_table *t = cli_table_new(2, headers, right);
    char word[64], num[32];

    for (size_t i = 0; i < b->n_counts; i++) {
        cli_enum_text(&ssc__v1__payroll_flag__descriptor, b->counts[i]->flag,
                      word, sizeof(word));
        snprintf(num, sizeof(num), "%" PRId64, b->counts[i]->lines);
        cli_table_add(t, (const char *const[]){word, num});
    }
    snprintf(num, sizeof(num), "%" PRId64, b->lines);
    cli_table_add(t, (const char *const[]){"total", num});
    cli_table_print(t, stdout, cli_bold_ok());
    cli_table_free(t);
    printf("batch %s: %" PRId64 " of %" PRId64 " lines accepted", b->batch_id,
           b->accepted_lines, b->lines);
    for (size_t i = 0; i < b->n_accepted; i++) {
        char amount[CLI_MONEY_LEN];

        cli_money_format(b->accepted[i]->amount_minor, b->accepted[i]->currency,
                         0, amount, sizeof(amount));
        printf("%s %s", i == 0 ? "," : " +", amount);
    }
    printf("; %" PRId64 " compensation payment%s", b->disbursements,
           b->disbursements == 1 ? "" : "s");
    printf("\ncontent hash %s\n", b->content_hash);
    if (b->dry_run)
        printf("dry run: nothing was booked or kept\n");
    else if (b->replayed)
        printf("replayed: batch %s was imported on %s by %s with the same "
               "lines; nothing was booked again\n",
               b->batch_id, b->created_at, b->principal);
}

/* ---- the command --------------------------------------------------------- */

static int run(cli_ctx *ctx, const cli_cmd *self, int argc, char **argv)
{
    const char *file = NULL, *batch = NULL, *chunk_text = NULL,
               *deadline_text = NULL;
    int skip_bad = 0, dry_run = 0, rc;
    const cli_opt opts[] = {
        {"--batch", &batch, NULL, 1},   {"--skip-bad-lines", NULL, &skip_bad},
        {"--dry-run", NULL, &dry_run},  {"--chunk", &chunk_text},
        {"--deadline", &deadline_text}, {NULL},
    };
    static const char *const pos_names[] = {"FILE"};
    Ssc__V1__ImportPayrollRequest first = SSC__V1__IMPORT_PAYROLL_REQUEST__INIT;
    Ssc__V1__PayrollImportHeader header = SSC__V1__PAYROLL_IMPORT_HEADER__INIT;
    uint64_t deadline_ms = 0;
    uint32_t chunk = CHUNK_DEFAULT;
    unsigned long warnings, errors, lines;
    ssc_client *client;
import im;
    const char *base;

    rc = cli_args_parse(self, argc, argv, opts, &file, pos_names, 1);
    if (rc != 0)
        return cli_args_exit(rc);
    if (cli_arg_uint32(self, "--chunk", chunk_text, 1, &chunk) != 0)
        return CLI_EXIT_USAGE;
    if (chunk > 50000)
        return cli_usage(self, "--chunk must be at most 50000 lines");
    if (deadline_text != NULL && cli_parse_timeout(deadline_text, &deadline_ms))
        return cli_usage(self, "invalid --deadline \"%s\": expected seconds",
                         deadline_text);
    memset(&im, 0, sizeof(im));
    im.ctx = ctx;
    im.cmd = self;
    im.chunk = chunk;
    im.skip_bad = skip_bad;
    ssc_buf_init(&im.msg, 0);
    ssc_client_result_init(&im.res);
    im.reader = cli_payroll_open(file, on_problem, &im);
    if (im.reader == NULL)
        return cli_error(self, CLI_EXIT_INVALID,
                         "nothing was sent: %s cannot be imported", file);
    if ((rc = cli_client(ctx, self, &client)) != 0) {
        cli_payroll_close(im.reader);
        return rc;
    }
    cli_progress_new(&im.progress, stderr, isatty(STDERR_FILENO) && !ctx->json,
                     now_ms());
    base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
    header.batch_id = (char *)batch;
    header.source_name = (char *)base;
    header.dry_run = dry_run;
    first.header = &header;
    if (ssc_client_call_start(client, PATH, NULL, deadline_ms, &cbs, &im,
                              &im.call) != 0) {
        cli_payroll_close(im.reader);
        return cli_error(self, CLI_EXIT_INTERNAL, "could not start the call");
    }
    (void)ssc_client_call_send_msg(im.call, &first.base);
    uv_idle_init(&ctx->loop, &im.idle);
    im.idle.data = &im;
    uv_idle_start(&im.idle, pump);
    im.idle_on = 1;
    /* The connection stays open after the call: run until the call ends. */
    while (!im.closed || !im.idle_closed)
        (void)uv_run(&ctx->loop, UV_RUN_ONCE);
    cli_progress_done(&im.progress);

    if (im.stop) { /* read on, to report every error */
        const Ssc__V1__PayrollLine *l;

        while (cli_payroll_next(im.reader, &l) == 1)
            ;
    }
    cli_payroll_counts(im.reader, &warnings, &errors, &lines);
    for (int c = 0; c < 3; c++)
        if (im.shown[c] > SHOW_MAX)
            fprintf(stderr, "ssc: %s: ... and %lu more %s\n", self->name,
                    im.shown[c] - SHOW_MAX,
                    c == 0   ? "warnings"
                    : c == 1 ? "errors"
                             : "problems");
    cli_payroll_close(im.reader);
    ssc_buf_reset(&im.msg);
    if (im.stop) {
        ssc_client_result_free(&im.res);
        if (im.batch != NULL)
            protobuf_c_message_free_unpacked(&im.batch->base, NULL);
        return cli_error(self, CLI_EXIT_INVALID,
                         "nothing was booked: %lu line%s of %s could not be "
                         "read (fix them, or send the rest with "
                         "--skip-bad-lines)",
                         errors, errors == 1 ? "" : "s", file);
    }
    if (im.res.code != SSC_STATUS_OK || im.batch == NULL) {
        if (im.res.code == SSC_STATUS_OK)
            im.res.code = SSC_STATUS_INTERNAL;
        rc = cli_fail(self, &im.res);
        ssc_client_result_free(&im.res);
        if (im.batch != NULL)
            protobuf_c_message_free_unpacked(&im.batch->base, NULL);
        return rc;
    }
    if (ctx->json)
        cli_print_json(cli_json_from_msg(&im.batch->base));
    else
        print_summary(&im);
    if (errors > 0)
        fprintf(stderr,
                "ssc: %s: %lu line%s with errors skipped "
                "(--skip-bad-lines)\n",
                self->name, errors, errors == 1 ? "" : "s");
    ssc_client_result_free(&im.res);
    protobuf_c_message_free_unpacked(&im.batch->base, NULL);
    return CLI_EXIT_OK;
}

const cli_cmd cli_payroll_import_cmd = {
    .name = "payroll import",
    .args = "FILE --batch ID [--skip-bad-lines] [--dry-run] [--chunk N] "
            "[--deadline S]",
    .summary = "stream a payroll file in, reconcile and book it",
    .help =
        "Reads FILE (CSV, client/payroll-csv.md; - for stdin) and streams\n"
        "its lines to sscd as batch ID, which classifies every line,\n"
        "books the accepted ones as compensation and answers with the count\n"
        "per flag, the accepted total and the content hash, printed as a\n"
        "table (--json: the PayrollBatch).\n"
        "\n"
        "  --batch ID        the batch's id (you choose it; 1-64 of A-Z a-z\n"
        "                    0-9 . _ : -). The same id with the same lines\n"
        "                    answers the first result and books nothing\n"
        "                    again; with other lines it is ALREADY_EXISTS.\n"
        "  --skip-bad-lines  send the lines that parse and skip the rest;\n"
        "                    without it a line that cannot be parsed stops\n"
        "                    the import and nothing is booked (exit 5)\n"
        "  --dry-run         classify, book nothing, keep nothing\n"
        "  --chunk N         lines per message, 1-50000 (2000)\n"
        "  --deadline S      give up after S seconds (default: none; sscd's\n"
        "                    [payroll] import_timeout_s bounds an import)\n"
        "\n"
        "Problems in the file: critical (cannot be read, wrong header):\n"
        "nothing is sent; error (a line that cannot be parsed): reported with\n"
        "its line and column; warning (spaces, an unknown column): reported,\n"
        "the line is sent. On a terminal a progress line shows lines,\n"
        "percent, lines per second and the time left.\n",
    .run = run,
};
