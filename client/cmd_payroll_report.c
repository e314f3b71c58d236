/*
 * cmd_payroll_report.c - `ssc payroll report BATCH [--flag F]... [--csv]`
 * (ssc.v1.Payroll/Report, server-streaming).
 *
 * Prints a batch's lines with their flags in line order as they arrive,
 * one per line, in constant memory: the cells two spaces apart, a header
 * first; --csv: RFC 4180 CSV (libcsv quotes what needs it) with a header
 * row; --json: one object per line. --flag (repeatable) keeps only lines
 * with one of the flags (accepted, no-cover, outside-period,
 * rate-exceeded, hours-exceeded, duplicate-claim, allocation-exceeded,
 * unknown-reference, period-locked).
 *
 * Entry points: cli_payroll_report_cmd.
 */
#include "args.h"
#include "cli.h"
#include "cmd_payroll.h"
#include "exit.h"
#include "money.h"
#include "output.h"

#include "ssc/v1/payroll.pb-c.h"

#include <csv.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATH "/ssc.v1.Payroll/Report"
#define FLAGS_MAX 16

typedef struct sink {
    cli_ctx *ctx;
    int csv;
    unsigned long n;
} sink;

static void csv_cell(const char *s, int last)
{
    csv_fwrite(stdout, s, strlen(s));
    fputc(last ? '\n' : ',', stdout);
}

static int print_line(void *arg, const ProtobufCMessage *msg)
{
    sink *k = arg;
    const Ssc__V1__PayrollReportLine *r =
        (const Ssc__V1__PayrollReportLine *)msg;
    const Ssc__V1__PayrollLine *l = r->line;
    char flag[40], hours[32], amount[CLI_MONEY_LEN], no[24];
    const char *cur = "";

    if (k->ctx->json) {
        json_t *j = cli_json_from_msg(msg);
        char *text = json_dumps(j, JSON_COMPACT);

        puts(text ? text : "{}");
        free(text);
        json_decref(j);
        k->n++;
        return 0;
    }
    if (l == NULL)
        return 0;
    cli_enum_text(&ssc__v1__payroll_flag__descriptor, r->flag, flag,
                  sizeof(flag));
    snprintf(hours, sizeof(hours), "%" PRId64 ".%02" PRId64,
             l->hours_hundredths / 100, l->hours_hundredths % 100);
    snprintf(no, sizeof(no), "%" PRId64, l->line);
    amount[0] = '\0';
    if (l->amount != NULL) {
        cur = l->amount->currency;
        cli_money_format(l->amount->amount_minor, NULL, 0, amount,
                         sizeof(amount));
        if (k->csv) /* plain digits for spreadsheets: 40000.00 */
            snprintf(amount, sizeof(amount), "%" PRId64 ".%02" PRId64,
                     l->amount->amount_minor / 100,
                     l->amount->amount_minor % 100);
    }
    if (k->n++ == 0) {
        if (k->csv)
            puts("line,organisation,employee,month,hours,amount,currency,"
                 "collaboration,flag,detail");
        else
            puts("LINE  FLAG  ORGANISATION  EMPLOYEE  MONTH  HOURS  "
                 "AMOUNT  CUR  COLLABORATION  DETAIL");
    }
    if (k->csv) {
        csv_cell(no, 0);
        csv_cell(l->organisation, 0);
        csv_cell(l->employee_ref, 0);
        csv_cell(l->month, 0);
        csv_cell(hours, 0);
        csv_cell(amount, 0);
        csv_cell(cur, 0);
        csv_cell(l->collaboration, 0);
        csv_cell(flag, 0);
        csv_cell(r->detail, 1);
    } else {
        printf("%s  %s  %s  %s  %s  %s  %s  %s  %s  %s\n", no, flag,
               l->organisation, l->employee_ref, l->month, hours, amount, cur,
               l->collaboration, r->detail[0] ? r->detail : "-");
    }
    return 0;
}

static int run(cli_ctx *ctx, const cli_cmd *self, int argc, char **argv)
{
    const char *batch = NULL, *flag_text[FLAGS_MAX];
    int nflags = 0, csv = 0, rc;
    const cli_opt opts[] = {
        {"--flag", NULL, NULL, 0, flag_text, &nflags, FLAGS_MAX},
        {"--csv", NULL, &csv},
        {NULL},
    };
    static const char *const pos_names[] = {"BATCH"};
    Ssc__V1__PayrollReportRequest req = SSC__V1__PAYROLL_REPORT_REQUEST__INIT;
    Ssc__V1__PayrollFlag flags[FLAGS_MAX];
    ssc_client_result res;
    ssc_client *client;
    sink k = {ctx, 0, 0};

    rc = cli_args_parse(self, argc, argv, opts, &batch, pos_names, 1);
    if (rc != 0)
        return cli_args_exit(rc);
    if (csv && ctx->json)
        return cli_usage(self, "--csv and --json are two different outputs; "
                               "choose one");
    for (int i = 0; i < nflags; i++) {
        int v;

        if (cli_arg_enum(self, "--flag", flag_text[i],
                         &ssc__v1__payroll_flag__descriptor, &v) != 0)
            return CLI_EXIT_USAGE;
        flags[i] = (Ssc__V1__PayrollFlag)v;
    }
    req.batch_id = (char *)batch;
    req.flags = flags;
    req.n_flags = (size_t)nflags;
    k.csv = csv;
    if ((rc = cli_client(ctx, self, &client)) != 0)
        return rc;
    ssc_client_result_init(&res);
    ssc_client_server_stream(client, PATH, &req.base,
                             &ssc__v1__payroll_report_line__descriptor, 0,
                             print_line, &k, &res);
    fflush(stdout);
    rc = res.code == SSC_STATUS_OK ? CLI_EXIT_OK : cli_fail(self, &res);
    ssc_client_result_free(&res);
    return rc;
}

const cli_cmd cli_payroll_report_cmd = {
    .name = "payroll report",
    .args = "BATCH [--flag F]... [--csv]",
    .summary = "stream a batch's lines with their flags",
    .help =
        "Prints the lines of payroll batch BATCH in line order with their\n"
        "flag and, for a flagged line, why (the figures). --flag F keeps only\n"
        "lines with flag F (repeat it for several): accepted, no-cover,\n"
        "outside-period, rate-exceeded, hours-exceeded, duplicate-claim,\n"
        "allocation-exceeded, unknown-reference, period-locked. --csv writes\n"
        "CSV with a header row (amounts as 40000.00); --json one object per\n"
        "line. Streams: a batch of a million lines prints in constant "
        "memory.\n",
    .run = run,
};
